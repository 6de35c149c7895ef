"""Real mail servers on loopback for the tests: an SMTP sink (outbound mail) and a small IMAP server (polling)."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import socketserver
import threading
import time
from email.message import EmailMessage
from typing import Any


def nested_message(depth: int, message_id: str = "<deep-1@clinic.example>") -> bytes:
    """A question whose text part sits `depth` multipart levels deep (Python's parser recurses past ~1,000)."""
    raw = b"From: A Coder <coder@clinic.example>\r\nTo: consult@desk.example\r\nSubject: Deep\r\n"
    raw += b"Message-ID: " + message_id.encode() + b"\r\nMIME-Version: 1.0\r\n"
    for level in range(depth):
        raw += b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
    raw += b"Content-Type: text/plain\r\n\r\nIs E11.9 billable?\r\n"
    for level in reversed(range(depth)):
        raw += b"--b%d--\r\n" % level
    return raw


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives (the app sends to it through Django's SMTP backend)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, to: str, count: int = 1, timeout: float = 20) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(to)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} e-mail(s) to {to}; got {[m['Subject'] for m in self.to(to)]}")


class ImapServer(socketserver.ThreadingTCPServer):
    """Enough of IMAP4rev1 (RFC 3501) for imaplib: LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH (RFC822,
    RFC822.SIZE, BODY.PEEK[HEADER]), UID STORE, LOGOUT. `fetched` records what was fetched of which message."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.messages: dict[int, bytes] = {}
        self.seen: set[int] = set()
        self.fetched: list[tuple[int, str]] = []
        super().__init__(("127.0.0.1", port), _ImapHandler)

    def add(self, raw: bytes) -> int:
        uid = len(self.messages) + 1
        self.messages[uid] = raw
        return uid


class _ImapHandler(socketserver.StreamRequestHandler):
    server: ImapServer

    def send(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")

    def handle(self) -> None:
        self.send(b"* OK IMAP4rev1 test server ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.strip().partition(b" ")
            command, _, args = rest.partition(b" ")
            name = command.upper()
            if name == b"CAPABILITY":
                self.send(b"* CAPABILITY IMAP4rev1")
            elif name == b"LOGIN":
                user, password = [a.strip(b'"').decode() for a in args.split(b" ", 1)]
                if (user, password) != (self.server.user, self.server.password):
                    self.send(tag + b" NO [AUTHENTICATIONFAILED] bad credentials")
                    continue
            elif name == b"SELECT":
                self.send(b"* %d EXISTS" % len(self.server.messages))
                self.send(tag + b" OK [READ-WRITE] SELECT completed")
                continue
            elif name == b"UID":
                self._uid(tag, args)
                continue
            elif name == b"LOGOUT":
                self.send(b"* BYE logging out")
                self.send(tag + b" OK LOGOUT completed")
                return
            self.send(tag + b" OK " + name + b" completed")

    def _uid(self, tag: bytes, args: bytes) -> None:
        sub, _, rest = args.partition(b" ")
        sub = sub.upper()
        if sub == b"SEARCH":
            uids = [u for u in self.server.messages if u not in self.server.seen]
            self.send(b"* SEARCH" + b"".join(b" %d" % u for u in uids))
        elif sub == b"FETCH":
            uid_text, _, item = rest.partition(b" ")
            uid, item = int(uid_text), item.strip(b"()").upper()
            raw = self.server.messages[uid]
            self.server.fetched.append((uid, item.decode()))
            if item == b"RFC822.SIZE":
                self.send(b"* %d FETCH (UID %d RFC822.SIZE %d)" % (uid, uid, len(raw)))
            elif item == b"BODY.PEEK[HEADER]":
                end = raw.find(b"\r\n\r\n")
                header = raw[: end + 4] if end >= 0 else raw
                self.wfile.write(
                    b"* %d FETCH (UID %d BODY[HEADER] {%d}\r\n" % (uid, uid, len(header)) + header + b")\r\n"
                )
            else:
                self.wfile.write(b"* %d FETCH (UID %d RFC822 {%d}\r\n" % (uid, uid, len(raw)) + raw + b")\r\n")
        elif sub == b"STORE":
            uid = int(rest.split(b" ")[0])
            if re.search(rb"\\Seen", rest):
                self.server.seen.add(uid)
        self.send(tag + b" OK UID completed")
