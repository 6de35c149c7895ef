"""Consult pages through Django's test client: the asker reads the thread and continues it on the web."""

from __future__ import annotations

import pytest
from django.test import Client

from medcode.accounts.tests.factories import make_account
from medcode.consult import services
from medcode.consult.models import Consult
from medcode.consult.tests.support import Mailbox

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("codebook")]


def test_the_asker_reads_the_thread_and_posts_a_follow_up_that_joins_it(outbox: Mailbox) -> None:
    owner = make_account().user
    consult = services.consult_create_web(user=owner, subject="Hypertension", text="Is I10 billable?")
    outbox.wait_for(owner.email)
    client = Client()
    client.force_login(owner)
    url = f"/consult/mine/{consult.token}/"
    page = client.get(url).content.decode()
    assert "Is I10 billable?" in page and "Continue this consult" in page and 'name="text"' in page
    response = client.post(url, {"text": "And with chronic kidney disease?"})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "And with chronic kidney disease?" in page and "Your follow-up is added" in page
    assert Consult.objects.count() == 1 and consult.messages.filter(inbound=True).count() == 2
    outbox.wait_for(owner.email, count=2)

    empty = client.post(url, {"text": ""})
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()


def test_someone_else_cannot_read_or_continue_a_consult(outbox: Mailbox) -> None:
    owner, other = make_account().user, make_account().user
    consult = services.consult_create_web(user=owner, subject="", text="Is I10 billable?")
    client = Client()
    assert client.get(f"/consult/mine/{consult.token}/").status_code == 302  # log in first
    client.force_login(other)
    assert client.get(f"/consult/mine/{consult.token}/").status_code == 404
    assert client.post(f"/consult/mine/{consult.token}/", {"text": "hijack"}).status_code == 404
    assert consult.messages.filter(inbound=True).count() == 1
