"""IMAP polling of the consult mailbox: unseen messages go through the same path as the SMTP listener."""

from __future__ import annotations

import contextlib
import imaplib
import logging
from dataclasses import dataclass, field

from django.conf import settings

from medcode.consult import mail, services
from medcode.core.errors import ApplicationError

log = logging.getLogger(__name__)

MSG_NOT_CONFIGURED = "IMAP polling is not configured: set MEDCODE_CONSULT_IMAP_HOST, _USER and _PASSWORD"
MSG_IMAP_FAILED = "IMAP server {host}:{port} refused or failed: {problem}"


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
            status, parts = client.uid("FETCH", uid, "(RFC822)")
            raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
            if status != "OK" or not isinstance(raw, bytes):
                continue
            result.fetched += 1
            outcome = _one(raw)
            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return result


def _one(raw: bytes) -> str:
    try:
        return services.mail_receive(raw=raw, envelope_from=None, recipients=[]).outcome
    except services.MessageTooLarge as exc:
        # IMAP cannot refuse a message: tell a person who wrote it (never a robot) why it was not taken.
        head = mail.parse(raw[:65536])
        sender = mail.address(head.get("From"))
        kind = mail.kind_of(head, sender=sender, envelope_from=None, own_address=services._own())
        if sender and kind == "person":
            services.bounce_send(
                to=sender,
                subject=str(head.get("Subject", "")),
                in_reply_to=str(head.get("Message-ID", "")),
                reason=exc.message,
            )
        return "too_large"
