"""Request-wide middleware: NUL characters in query strings, forms and JSON bodies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from medcode.codebook import store

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _active_default(default_codebook: Path) -> None:
    store.forget()


def test_a_nul_in_a_form_field_is_read_as_a_space(client: Client) -> None:
    response = client.post("/case2code/", {"text": "Type 2 diabetes\x00and hypertension."})
    assert response.status_code == 200, response.content.decode()[-3000:]
    assert "E11.9" in response.content.decode()


def test_a_json_body_with_a_nul_is_refused_with_a_message(client: Client) -> None:
    body = json.dumps({"text": "Type 2 diabetes\x00"})  # JSON spells it \\u0000
    response = client.post("/api/v1/case2code", data=body, content_type="application/json")
    assert response.status_code == 400 and "NUL character" in response.json()["error"]
    fine = client.post("/api/v1/case2code", data=json.dumps({"text": "Hypertension."}), content_type="application/json")
    assert fine.status_code != 400
