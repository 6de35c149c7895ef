"""Consult desk fixtures: default plans, the default codebook, a loopback SMTP sink for outbound mail and the
desk's own SMTP listener on loopback, so that every test speaks real SMTP both ways."""

from __future__ import annotations

import os
import smtplib
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache

from medcode.accounts import services as account_services
from medcode.codebook import store
from medcode.consult import smtp
from medcode.consult.tests.support import Mailbox, free_port

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
DESK = "consult@desk.example"


@pytest.fixture(autouse=True)
def _consult_settings(settings: Any, request: pytest.FixtureRequest) -> Iterator[None]:
    settings.MEDCODE_CONSULT_ADDRESS = DESK
    settings.MEDCODE_BASE_URL = "http://medcode.example"
    cache.clear()
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
        account_services.plan_defaults_ensure()
    yield


@pytest.fixture
def codebook(default_codebook: Path) -> Path:
    store.forget()
    return default_codebook


@pytest.fixture
def outbox(settings: Any) -> Iterator[Mailbox]:
    """Outbound mail goes through Django's SMTP backend to a real SMTP server on loopback."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def listener(settings: Any) -> Iterator[tuple[str, int]]:
    """The desk's inbound SMTP listener (the one `medcode consult listen` runs) on loopback."""
    port = free_port()
    server = smtp.controller(host="127.0.0.1", port=port)
    server.start()
    try:
        yield ("127.0.0.1", port)
    finally:
        server.stop()


def question(
    *,
    sender: str = "coder@clinic.example",
    to: str = DESK,
    subject: str = "Question about E11.9",
    body: str = "Is E11.9 billable for type 2 diabetes without complications?",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"A Coder <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="clinic.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, content_type, data in attachments or []:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


SendMail = Callable[..., EmailMessage]


@pytest.fixture
def send(listener: tuple[str, int]) -> SendMail:
    """Send a message to the desk's listener over SMTP; returns the message sent."""

    def _send(
        message: EmailMessage | None = None, *, mail_from: str | None = None, rcpt: str | None = None, **kwargs: Any
    ) -> EmailMessage:
        message = message or question(**kwargs)
        with smtplib.SMTP(*listener, timeout=30) as client:
            client.send_message(
                message,
                from_addr=mail_from if mail_from is not None else str(message["From"]),
                to_addrs=[rcpt or str(message["To"])],
            )
        return message

    return _send
