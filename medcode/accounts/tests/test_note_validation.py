"""A note that fails validation never deletes the saved one: the page and the API say what was wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from medcode.accounts.errors import MSG_NOTE_TOO_LONG
from medcode.accounts.models import NOTE_MAX_CHARS, CodeNote
from medcode.accounts.tests.factories import api_key_for, make_account
from medcode.codebook import store

pytestmark = pytest.mark.django_db
PAGE = "/codes/icd10cm/E11.42/"
TOO_LONG = MSG_NOTE_TOO_LONG.format(count=NOTE_MAX_CHARS + 1, limit=NOTE_MAX_CHARS)


@pytest.fixture
def client(default_codebook: Path) -> Client:
    store.forget()
    return Client(REMOTE_ADDR="192.0.2.51")


def test_an_over_long_note_posted_from_the_code_page_keeps_the_saved_note_and_says_why(client: Client) -> None:
    account = make_account()
    client.force_login(account.user)
    client.post("/account/notes/icd10cm/E11.42/", {"text": "Check foot exam", "next": PAGE})
    assert CodeNote.objects.get().text == "Check foot exam"
    response = client.post("/account/notes/icd10cm/E11.42/", {"text": "x" * (NOTE_MAX_CHARS + 1), "next": PAGE})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert CodeNote.objects.get().text == "Check foot exam"
    page = client.get(PAGE).content.decode()
    assert TOO_LONG in page and "Check foot exam" in page
    # deleting on purpose still works
    client.post("/account/notes/icd10cm/E11.42/", {"action": "delete", "next": PAGE})
    assert not CodeNote.objects.exists()


def test_an_over_long_note_put_through_the_api_is_refused_not_cut(client: Client) -> None:
    account = make_account()
    _, secret = api_key_for(account.user)
    auth = {"X-API-Key": secret}
    url = "/api/v1/notes/icd10cm/E11.42"
    assert client.put(url, {"text": "foot exam"}, content_type="application/json", headers=auth).status_code == 200
    long = client.put(url, {"text": "y" * (NOTE_MAX_CHARS + 1)}, content_type="application/json", headers=auth)
    assert long.status_code == 400 and long.json()["error"] == TOO_LONG
    assert CodeNote.objects.get().text == "foot exam"
