"""The consult desk in Django's admin: consults (with their messages) and the inbound mail log are registered."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from medcode.consult import services
from medcode.consult.models import Consult, MailEvent
from medcode.consult.tests.conftest import question
from medcode.consult.tests.support import Mailbox

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("codebook")]


def test_consult_and_mail_event_are_in_the_admin(admin_client: Client, outbox: Mailbox) -> None:
    assert Consult in admin.site._registry and MailEvent in admin.site._registry
    receipt = services.mail_receive(
        raw=question(subject="Admin check").as_bytes(),
        envelope_from="coder@clinic.example",
        recipients=["consult@desk.example"],
    )
    assert receipt.consult_id is not None
    index = admin_client.get("/admin/")
    assert index.status_code == 200
    assert b"/admin/consult/consult/" in index.content and b"/admin/consult/mailevent/" in index.content
    consults = admin_client.get("/admin/consult/consult/")
    assert consults.status_code == 200 and b"coder@clinic.example" in consults.content
    detail = admin_client.get(f"/admin/consult/consult/{receipt.consult_id}/change/")
    assert detail.status_code == 200
    events = admin_client.get("/admin/consult/mailevent/")
    assert events.status_code == 200 and b"coder@clinic.example" in events.content
