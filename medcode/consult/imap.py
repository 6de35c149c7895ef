"""IMAP polling of the consult mailbox: unseen messages go through the same path as the SMTP listener.

A message's size is asked first (RFC822.SIZE): one over the limit is known by its header block only, and its
body is never downloaded.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings

from medcode.consult import mail, services
from medcode.core.errors import ApplicationError

log = logging.getLogger(__name__)

MSG_NOT_CONFIGURED = "IMAP polling is not configured: set MEDCODE_CONSULT_IMAP_HOST, _USER and _PASSWORD"
MSG_IMAP_FAILED = "IMAP server {host}:{port} refused or failed: {problem}"
SIZE = re.compile(rb"RFC822\.SIZE (\d+)", re.IGNORECASE)


@dataclass
class PollResult:
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def _connect() -> imaplib.IMAP4:
    host, port = settings.MEDCODE_CONSULT_IMAP_HOST, settings.MEDCODE_CONSULT_IMAP_PORT
    if not host:
        raise ApplicationError(MSG_NOT_CONFIGURED)
    try:
        client = imaplib.IMAP4_SSL(host, port) if settings.MEDCODE_CONSULT_IMAP_SSL else imaplib.IMAP4(host, port)
        client.login(settings.MEDCODE_CONSULT_IMAP_USER, settings.MEDCODE_CONSULT_IMAP_PASSWORD)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ApplicationError(MSG_IMAP_FAILED.format(host=host, port=port, problem=exc)) from exc
    return client


def imap_poll(*, limit: int = 500) -> PollResult:
    """Fetch unseen messages, hand each to the desk, then mark it seen (so a crash re-reads, and Message-IDs dedupe)."""
    result = PollResult()
    client = _connect()
    try:
        status, _ = client.select(settings.MEDCODE_CONSULT_IMAP_MAILBOX)
        if status != "OK":
            raise ApplicationError(
                MSG_IMAP_FAILED.format(host=client.host, port=client.port, problem="mailbox not found")
            )
        status, data = client.uid("SEARCH", "UNSEEN")
        uids = (data[0] or b"").split()[:limit] if status == "OK" else []
        for raw_uid in uids:
            uid = raw_uid.decode("ascii") if isinstance(raw_uid, bytes) else str(raw_uid)
            size = _size(client, uid)
            if size is not None and size > settings.MEDCODE_CONSULT_MAX_MESSAGE_BYTES:
                head = _fetch(client, uid, "(BODY.PEEK[HEADER])")
                if head is None:
                    continue
                result.fetched += 1
                outcome = _too_large(head, size)
            else:
                raw = _fetch(client, uid, "(RFC822)")
                if raw is None:
                    continue
                result.fetched += 1
                outcome = _one(raw)
            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return result


def _size(client: imaplib.IMAP4, uid: str) -> int | None:
    status, data = client.uid("FETCH", uid, "(RFC822.SIZE)")
    for item in data if status == "OK" else []:
        found = SIZE.search(item if isinstance(item, bytes) else b"")
        if found:
            return int(found.group(1))
    return None


def _fetch(client: imaplib.IMAP4, uid: str, what: str) -> bytes | None:
    status, parts = client.uid("FETCH", uid, what)
    raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
    return raw if status == "OK" and isinstance(raw, bytes) else None


def _one(raw: bytes) -> str:
    try:
        return services.mail_receive(raw=raw, envelope_from=None, recipients=[]).outcome
    except services.MessageTooLarge as exc:
        return _bounce(raw[:65536], exc.message, exc.receipt)


def _too_large(head: bytes, size: int) -> str:
    receipt = services.mail_too_large(head=head, size=size, envelope_from=None, recipients=[])
    return _bounce(head, services.too_large_text(size), receipt)


def _bounce(head: bytes, reason: str, receipt: services.Receipt) -> str:
    """IMAP cannot refuse a message: tell a person who wrote it (never a robot), once, why it was not taken."""
    if receipt.outcome != "too_large" or receipt.consult_id is None:
        return "too_large" if receipt.outcome != "duplicate" else "duplicate"
    message = mail.head(head)
    services.bounce_send(
        to=mail.address(message.get("From")),
        subject=mail.header_safe(message.get("Subject", "")),
        in_reply_to=(mail.ids(message.get("Message-ID")) or [""])[0],
        reason=reason,
    )
    return "too_large"
