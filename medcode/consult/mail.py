"""Reading inbound mail (pure functions): who sent it, its thread, whether a person wrote it, text and files.

Everything read here may end up in a header we send (subject, addresses, Message-IDs): values come out on one
line, without control characters. A message whose MIME structure nests too deep, or that Python's parser cannot
read, raises `Unreadable` with a reason that names no content.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from typing import Literal

Kind = Literal["person", "bounce", "auto_reply", "loop"]

KEPT_TYPES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|autoreply|auto:|"
    r"abwesenheitsnotiz|absence|on vacation|vacation reply|away from (the )?office)",
    re.IGNORECASE,
)
BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|bounces?)([+@]|$)", re.IGNORECASE)
HUMAN_ASK = re.compile(
    r"\b(speak|talk|write) (to|with) (a |an )?(human|person|real person|coder|someone)\b|\b(a )?(human|real person) (please|coder)\b|"
    r"\bescalate\b|\bneed (a |an )?(human|person|certified coder)\b",
    re.IGNORECASE,
)
# CR, LF and every other control character (C0, DEL, C1, and the Unicode line and paragraph separators).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# A Content-Type header (with its folded continuation lines): multipart/* and message/* parts hold parts.
CONTENT_TYPE = re.compile(rb"^content-type:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.IGNORECASE | re.MULTILINE)
# Parts that hold parts: a bound on the MIME depth checked on the raw bytes before the parser sees them
# (nesting 500 deep takes the parser seconds, 2,000 deep exhausts Python's recursion limit).
MAX_MIME_CONTAINERS = 50
MSG_MIME_DEPTH = (
    "its MIME structure has {found} parts that hold parts (multipart or message/rfc822); the desk reads at most {limit}"
)
MSG_UNPARSABLE = "it could not be read as an e-mail ({error})"
QUOTE_START = re.compile(r"^(On .{4,200} wrote:|-{2,} ?Original Message ?-{2,}|From: .+@.+)$", re.IGNORECASE)


class Unreadable(Exception):
    """An inbound message the desk cannot read; `reason` names what was wrong, never what it says."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Part:
    filename: str
    declared_type: str
    data: bytes


@dataclass
class Inbound:
    """An inbound e-mail, read."""

    sender: str
    message_id: str
    in_reply_to: str
    references: list[str]
    subject: str
    text: str
    recipients: list[str]
    kind: Kind
    attachments: list[Part] = field(default_factory=list)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def head(raw: bytes) -> EmailMessage:
    """The header block alone (the body is not parsed); an empty message when even that cannot be read."""
    try:
        message = BytesParser(policy=email.policy.default).parsebytes(raw[:65536], headersonly=True)
    except Exception:  # a header block Python cannot read is reported as unreadable, not raised
        return EmailMessage()
    return message if isinstance(message, EmailMessage) else EmailMessage()


def header_safe(value: object, *, limit: int = 300) -> str:
    """A header value from inbound data, on one line: control characters (CR, LF, ...) and runs of space become one space."""
    return " ".join(CONTROL.sub(" ", str(value or "")).split())[:limit]


def address(value: str | None) -> str:
    """The address of a From/To value, lower case; empty when it holds space or control characters."""
    found = parseaddr(str(value or ""))[1].strip().lower()
    return "" if CONTROL.search(found) or " " in found else found


def mime_containers(raw: bytes) -> int:
    """How many parts declare a multipart/* or message/* type: an upper bound of the MIME depth, read on the bytes."""
    count = 0
    for match in CONTENT_TYPE.finditer(raw):
        value = match.group(1).lower()
        if b"multipart/" in value or b"message/" in value:
            count += 1
    return count


def ids(value: object) -> list[str]:
    """The Message-IDs (<...>) in a header value; nothing with space or control characters."""
    return re.findall(r"<[^<>\s\x00-\x1f\x7f]+>", str(value or ""))


def message_id_of(message: EmailMessage, raw: bytes) -> str:
    found = ids(message.get("Message-ID"))
    if found:
        return found[0][:300]
    # No Message-ID: a stable one from the bytes, so that a redelivery is still recognised.
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.invalid>"


def kind_of(message: EmailMessage, *, sender: str, envelope_from: str | None, own_address: str) -> Kind:
    """Bounces, auto-replies and our own mail coming back are never answered (RFC 3834, RFC 3464)."""
    own = own_address.lower()
    own_local, _, own_domain = own.partition("@")
    if own and own in str(message.get("X-Loop", "")).lower():
        return "loop"
    if sender == own or (sender.startswith(own_local + "+") and sender.endswith("@" + own_domain)):
        return "loop"
    content_type = message.get_content_type()
    if content_type == "multipart/report" or envelope_from == "" or BOUNCE_SENDERS.match(sender or ""):
        return "bounce"
    if message.get("X-Failed-Recipients"):
        return "bounce"
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return "auto_reply"
    if (
        message.get("X-Autoreply")
        or message.get("X-Autorespond")
        or message.get("X-Auto-Response-Suppress", "").lower() in {"all", "oof"}
    ):
        return "auto_reply"
    if str(message.get("Precedence", "")).strip().lower() in {"bulk", "list", "junk", "auto_reply"}:
        return "auto_reply"
    if message.get("List-Id") or message.get("List-Unsubscribe"):
        return "auto_reply"
    if AUTO_SUBJECT.match(str(message.get("Subject", ""))):
        return "auto_reply"
    return "person"


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, UnicodeError):
        payload = body.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if body.get_content_type() == "text/html":
        content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.DOTALL | re.IGNORECASE)
        content = re.sub(r"<br\s*/?>|</p>", "\n", content, flags=re.IGNORECASE)
        content = re.sub(r"<[^>]+>", " ", content)
    return str(content)


def strip_quoted(text: str) -> str:
    """The new part of a reply: drops quoted lines ("> ...") and what follows an "On ... wrote:" line."""
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if QUOTE_START.match(line.strip()):
            break
        if line.lstrip().startswith(">"):
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).strip()


def _attachments(message: EmailMessage) -> list[Part]:
    parts = []
    for part in message.iter_attachments():
        if not isinstance(part, EmailMessage):
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        parts.append(
            Part(
                filename=header_safe(part.get_filename() or "attachment", limit=200) or "attachment",
                declared_type=part.get_content_type(),
                data=data,
            )
        )
    return parts


def read(raw: bytes, *, envelope_from: str | None, recipients: list[str], own_address: str) -> Inbound:
    """The message read; `Unreadable` when its MIME structure is too deep or Python's parser fails on it."""
    found = mime_containers(raw)
    if found > MAX_MIME_CONTAINERS:
        raise Unreadable(MSG_MIME_DEPTH.format(found=found, limit=MAX_MIME_CONTAINERS))
    try:
        return _read(raw, envelope_from=envelope_from, recipients=recipients, own_address=own_address)
    except Exception as exc:  # the parser raises many kinds on malformed input; none is retried
        raise Unreadable(MSG_UNPARSABLE.format(error=type(exc).__name__)) from exc


def _read(raw: bytes, *, envelope_from: str | None, recipients: list[str], own_address: str) -> Inbound:
    message = parse(raw)
    sender = address(message.get("From")) or address(envelope_from)
    to = [a.lower() for _, a in getaddresses([str(message.get(h, "")) for h in ("To", "Cc", "Delivered-To")]) if a]
    return Inbound(
        sender=sender,
        message_id=message_id_of(message, raw),
        in_reply_to=(ids(message.get("In-Reply-To")) or [""])[0][:300],
        references=ids(message.get("References"))[-20:],
        subject=header_safe(message.get("Subject", "")),
        text=strip_quoted(_text_of(message))[:20_000],
        recipients=[r.lower() for r in recipients] + to,
        kind=kind_of(message, sender=sender, envelope_from=envelope_from, own_address=own_address),
        attachments=_attachments(message),
    )


def kept_type(data: bytes) -> str | None:
    """The content type of a PDF or image by its magic bytes; None for anything else."""
    for magic, content_type in KEPT_TYPES.items():
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def token_in(recipients: list[str], *, own_address: str) -> str | None:
    """The thread token of a reply address (consult+TOKEN@domain) among the recipients."""
    local, _, domain = own_address.lower().partition("@")
    pattern = re.compile(rf"^{re.escape(local)}\+([a-z2-7]{{20,32}})@{re.escape(domain)}$")
    for recipient in recipients:
        match = pattern.match(recipient.strip().lower())
        if match:
            return match.group(1)
    return None


def reply_address(*, token: str, own_address: str) -> str:
    local, _, domain = own_address.partition("@")
    return f"{local}+{token}@{domain}"


def asks_for_human(text: str) -> bool:
    return bool(HUMAN_ASK.search(text))
