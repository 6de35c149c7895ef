"""One metering policy on every interface: code pages, REST, FHIR $lookup and the assistant (docs/metering.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from medcode.accounts import metering
from medcode.accounts.errors import MSG_LOCKED_ANONYMOUS_API
from medcode.accounts.models import DEFAULT_LOCKED_SECTIONS, Account, MeterCounter, Plan
from medcode.accounts.tests.factories import api_key_for, make_account
from medcode.codebook import store

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("metering_on")]
CM = "http://hl7.org/fhir/sid/icd-10-cm"
NOTE_USE = "urn:medcode:note-kind"
# Codes of the default codebook that carry notes of their own (I10 and E11.9 an Excludes1 note).
CODES = ["E11.42", "I10", "E11.9", "J45.909", "R51.9", "Z00.00", "K21.9", "F32.9"]
I10_EXCLUDES1 = "Excludes1 note at I10"


@pytest.fixture
def client(default_codebook: Path) -> Client:
    store.forget()
    return Client(REMOTE_ADDR="192.0.2.77")


def page(client: Client, code: str) -> str:
    response = client.get(f"/codes/icd10cm/{code}/")
    assert response.status_code == 200
    return response.content.decode()


def page_full(html: str) -> bool:
    return "data-locked=" not in html


def rest(client: Client, code: str, **headers: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/codes/icd10cm/{code}", headers=headers)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    assert response["X-Medcode-Access"] == ("full" if body["access"]["full"] else "public")
    return body


def rest_full(body: dict[str, Any]) -> bool:
    own = [n for n in body["notes"] if not n["inherited"]]
    return bool(own) and body["explanation"] is not None


def fhir(client: Client, code: str, **headers: str) -> dict[str, Any]:
    response = client.get(f"/fhir/CodeSystem/$lookup?system={CM}&code={code}", headers=headers)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def fhir_notes(body: dict[str, Any]) -> list[str]:
    return [
        next(p["valueString"] for p in d["part"] if p["name"] == "value")
        for d in body["parameter"]
        if d["name"] == "designation"
        and any(p["name"] == "use" and p["valueCoding"]["system"] == NOTE_USE for p in d["part"])
    ]


def ask_web(client: Client, code: str) -> str:
    """The chat page's answer (server-sent events) to 'What is ICD-10-CM code X?'."""
    response = client.post("/assistant/stream/", {"question": f"What is ICD-10-CM code {code}?"})
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]


def ask_api(client: Client, code: str, **headers: str) -> str:
    response = client.post(
        "/api/v1/assistant/ask",
        data=json.dumps({"question": f"What is ICD-10-CM code {code}?"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    return str(response.json()["answer"])


def quotes_notes(answer: str, code: str) -> bool:
    return f"note at {code}:" in answer


def test_anonymous_rest_gets_the_public_fields_and_says_what_is_needed(client: Client) -> None:
    body = rest(client, "I10")
    assert body["code"] == "I10" and body["title"] == "Essential (primary) hypertension"
    assert body["concept"]["billable"] is True and [a["code"] for a in body["ancestors"]][-1] == "I10-I1A"
    assert body["notes"] == [] and body["explanation"] is None and body["index"] is None
    assert body["history"] is not None  # a locked page shows it too
    access = body["access"]
    assert access["full"] is False and access["reason"] == "key_required"
    assert access["locked"] == sorted(DEFAULT_LOCKED_SECTIONS)
    assert access["message"] == MSG_LOCKED_ANONYMOUS_API.format(sections=", ".join(sorted(DEFAULT_LOCKED_SECTIONS)))
    assert "X-API-Key" in access["message"]
    assert not MeterCounter.objects.exists()  # an anonymous call is never counted


def test_anonymous_fhir_lookup_gives_no_notes_and_says_what_is_needed(client: Client) -> None:
    body = fhir(client, "I10")
    names = [p["name"] for p in body["parameter"]]
    assert fhir_notes(body) == [] and "display" in names and "property" in names
    notice = next(p for p in body["parameter"] if p["name"] == "medcode-access")
    assert "X-API-Key" in notice["valueString"]


def test_a_guest_who_used_the_page_sees_no_locked_content_on_the_other_interfaces(client: Client) -> None:
    assert page_full(page(client, "E11.42"))
    assert not page_full(page(client, "I10"))
    assert not rest_full(rest(client, "I10"))
    assert fhir_notes(fhir(client, "I10")) == []
    answer = ask_web(client, "I10")
    assert "Essential (primary) hypertension" in answer  # codes and titles still answered
    assert not quotes_notes(answer, "I10") and "register for a free account" in answer
    api_answer = ask_api(client, "I10")
    assert not quotes_notes(api_answer, "I10") and "X-API-Key" in api_answer


def test_a_guest_whose_first_code_is_asked_of_the_assistant_gets_it_once(client: Client) -> None:
    answer = ask_web(client, "I10")
    assert quotes_notes(answer, "I10") and I10_EXCLUDES1 in answer
    (counter,) = MeterCounter.objects.filter(subject="ip:192.0.2.77")
    assert counter.count == 1 and [v.code for v in counter.views.all()] == ["I10"]
    assert not page_full(page(client, "E11.9"))  # the guest's one view went to the assistant
    assert page_full(page(client, "I10"))  # the same code: no second view


def test_a_free_account_gets_five_views_across_interfaces_then_none(client: Client) -> None:
    account = make_account(plan=Plan.objects.get(slug="free"))
    _, secret = api_key_for(account.user, scopes=("read",))
    key = {"X-API-Key": secret}
    keyed = Client(REMOTE_ADDR="198.51.100.4")
    client.force_login(account.user)
    assert page_full(page(client, "E11.42"))
    assert rest_full(rest(keyed, "I10", **key))
    assert len(fhir_notes(fhir(keyed, "E11.9", **key))) >= 1
    assert quotes_notes(ask_web(client, "J45.909"), "J45.909")
    assert rest_full(rest(client, "R51.9"))  # the logged-in session counts as the key does
    assert MeterCounter.objects.get(subject=f"account:{account.user.pk}").count == 5
    sixth = rest(keyed, "Z00.00", **key)
    assert not rest_full(sixth) and sixth["access"]["reason"] == "exhausted"
    assert "Your Free plan's 5 code views this month are used" in sixth["access"]["message"]
    assert fhir_notes(fhir(keyed, "K21.9", **key)) == []
    answer = ask_api(keyed, "F32.9", **key)
    assert not quotes_notes(answer, "F32.9") and "upgrade your plan" in answer
    assert not page_full(page(client, "Z00.00"))
    assert page_full(page(client, "I10"))  # a code already viewed this month stays open on every interface
    assert len(fhir_notes(fhir(keyed, "E11.42", **key))) >= 1
    assert MeterCounter.objects.get(subject=f"account:{account.user.pk}").count == 5


def test_professional_sees_everything_everywhere(client: Client) -> None:
    account: Account = make_account(plan=Plan.objects.get(slug="pro"))
    _, secret = api_key_for(account.user, scopes=("read",))
    key = {"X-API-Key": secret}
    client.force_login(account.user)
    for code in CODES:
        assert page_full(page(client, code))
        body = rest(client, code, **key)
        assert rest_full(body) and body["access"]["reason"] == "unlimited"
        assert fhir_notes(fhir(client, code, **key))
    assert I10_EXCLUDES1 in ask_api(client, "I10", **key)
    assert not MeterCounter.objects.exists()


def test_an_instance_with_metering_off_serves_everything_anonymously(client: Client, settings: Any) -> None:
    settings.MEDCODE_METERING = False
    body = rest(client, "I10")
    assert rest_full(body) and body["access"] == {**body["access"], "full": True, "reason": "off", "message": None}
    assert fhir_notes(fhir(client, "I10"))
    assert I10_EXCLUDES1 in ask_api(client, "I10")


def test_access_decide_gives_an_anonymous_api_caller_the_guest_plans_public_fields() -> None:
    guest = Plan.objects.get(slug="guest")
    for interface in ("api", "fhir"):
        viewer = metering.Viewer(plan=guest, user_id=None, ip="192.0.2.9", interface=interface)
        access = metering.access_decide(viewer=viewer, system="icd10cm", code="I10")
        assert access.reason == "key_required" and access.locked == frozenset(DEFAULT_LOCKED_SECTIONS)
    viewer = metering.Viewer(plan=guest, user_id=None, ip="192.0.2.9", interface="assistant")
    assert metering.access_decide(viewer=viewer, system="icd10cm", code="I10").reason == "counted"
