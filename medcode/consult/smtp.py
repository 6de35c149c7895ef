"""The inbound SMTP listener (aiosmtpd): run it behind the operator's mail server, or on loopback in tests.

Each message is stored (and, with no broker, answered) in a worker thread before the 250 reply, so an
accepted message is never lost; a message over the size limit is refused with 552 and a clear text that
the sending server puts in its bounce.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections

from medcode.consult import services

log = logging.getLogger(__name__)


class ConsultHandler:
    """aiosmtpd handler: RCPT must be the consult address (or a reply address of it); DATA goes to mail_receive."""

    def __init__(self, *, own_address: str | None = None) -> None:
        self.own = (own_address or settings.MEDCODE_CONSULT_ADDRESS).lower()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        local, _, domain = self.own.partition("@")
        candidate = address.lower()
        if candidate == self.own or (candidate.startswith(local + "+") and candidate.endswith("@" + domain)):
            envelope.rcpt_tos.append(address)
            return "250 OK"
        return f"550 5.1.1 No such mailbox here: this server takes mail for {self.own} only"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw).encode("utf-8")
        mail_from = envelope.mail_from or ""
        loop = asyncio.get_running_loop()
        try:
            receipt = await loop.run_in_executor(None, _receive, data, mail_from, list(envelope.rcpt_tos))
        except services.MessageTooLarge as exc:
            return f"552 5.3.4 {exc.message}"
        except Exception:
            log.exception("consult listener: a message could not be stored")
            return "451 4.3.0 The consult desk could not store the message; try again later"
        return f"250 2.0.0 Message accepted ({receipt.outcome})"


def _receive(data: bytes, mail_from: str, rcpt_tos: list[str]) -> services.Receipt:
    close_old_connections()
    try:
        return services.mail_receive(raw=data, envelope_from=mail_from, recipients=rcpt_tos)
    finally:
        close_old_connections()


def controller(*, host: str, port: int, own_address: str | None = None) -> Controller:
    """A started-on-demand listener; data_size_limit is above the desk's own limit so that it can answer clearly."""
    limit = settings.MEDCODE_CONSULT_MAX_MESSAGE_BYTES
    return Controller(
        ConsultHandler(own_address=own_address),
        hostname=host,
        port=port,
        data_size_limit=limit * 2 + 65536,
        server_hostname=settings.MEDCODE_CONSULT_ADDRESS.partition("@")[2] or "localhost",
    )


def listen(*, host: str, port: int, on_ready: Any = None) -> None:
    """Serve until interrupted (`medcode consult listen`)."""
    import threading

    server = controller(host=host, port=port)
    server.start()
    if on_ready:
        on_ready(host, port)
    try:
        threading.Event().wait()
    finally:
        server.stop()
