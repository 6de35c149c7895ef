"""REST: ask the desk with an API key, read the consult with its automatic answer."""

from __future__ import annotations

import pytest
from django.test import Client

from medcode.accounts.tests.factories import api_key_for, make_account
from medcode.consult.tests.support import Mailbox

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("codebook")]


def test_ask_and_read_a_consult(client: Client, outbox: Mailbox) -> None:
    user = make_account().user
    _, secret = api_key_for(user)
    created = client.post(
        "/api/v1/consults",
        {"subject": "HTN", "question": "Is I10 billable?"},
        content_type="application/json",
        HTTP_X_API_KEY=secret,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["state"] == "answered" and [m["kind"] for m in body["messages"]] == ["question", "auto_answer"]
    outbox.wait_for(user.email)
    again = client.get(f"/api/v1/consults/{body['id']}", HTTP_X_API_KEY=secret)
    assert again.json()["id"] == body["id"]
    other_user = make_account().user
    _, other = api_key_for(other_user)
    assert client.get(f"/api/v1/consults/{body['id']}", HTTP_X_API_KEY=other).status_code == 404
    assert client.post("/api/v1/consults", {"question": "x"}, content_type="application/json").status_code == 401
    empty = client.post("/api/v1/consults", {"question": "  "}, content_type="application/json", HTTP_X_API_KEY=secret)
    assert empty.status_code == 400 and "no text" in empty.json()["error"]
