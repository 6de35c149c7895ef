"""Every /api/ and /fhir/ route answers errors as JSON (FHIR: an OperationOutcome): 400, 404, 405, 413, 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from medcode.api.v1 import MSG_BODY_NOT_JSON
from medcode.core.middleware import MSG_API_STATUS, MSG_BODY_TOO_BIG

pytestmark = pytest.mark.django_db
LIMIT = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE


def _error(response: object) -> str:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]  # type: ignore[index,attr-defined]
    return json.loads(response.content)["error"]  # type: ignore[attr-defined,no-any-return]


def _outcome(response: object) -> dict[str, str]:
    assert response["Content-Type"].startswith("application/fhir+json"), response.content[:200]  # type: ignore[index,attr-defined]
    body = json.loads(response.content)  # type: ignore[attr-defined]
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]  # type: ignore[no-any-return]


def test_unknown_api_routes_and_methods_are_json(client: Client) -> None:
    for path in ("/api/v1/no-such-thing", "/api/v2/codes", "/api/"):
        response = client.get(path)
        assert response.status_code == 404
        assert _error(response) == MSG_API_STATUS[404].format(path=path)
    wrong = client.delete("/api/v1/rules/check")
    assert wrong.status_code == 405 and _error(wrong) == "DELETE is not allowed on /api/v1/rules/check"


def test_malformed_and_non_json_bodies_are_400_json(client: Client) -> None:
    broken = client.post("/api/v1/rules/check", "{not json", content_type="application/json")
    assert broken.status_code == 400 and _error(broken) == MSG_BODY_NOT_JSON
    form = Client(enforce_csrf_checks=True).post("/api/v1/rules/check", {"code": "99213"})  # multipart, no CSRF token
    assert form.status_code == 400 and _error(form) == MSG_BODY_NOT_JSON


def test_an_oversized_body_is_413_json_before_it_is_read(client: Client) -> None:
    body = json.dumps({"lines": [{"code": "99213"}], "pad": "x" * LIMIT})
    response = client.post("/api/v1/rules/check", body, content_type="application/json")
    assert response.status_code == 413
    assert _error(response) == MSG_BODY_TOO_BIG.format(size=f"{len(body):,}", limit=LIMIT)
    form = client.post("/api/v1/rules/check", {"pad": "x" * (LIMIT + 10)})
    assert form.status_code == 413 and "the limit here is 2,621,440 bytes" in _error(form)


def test_fhir_errors_are_operation_outcomes(client: Client) -> None:
    big = client.post("/fhir/CodeSystem/$lookup", "{" + " " * LIMIT + "}", content_type="application/fhir+json")
    assert big.status_code == 413 and _outcome(big)["code"] == "too-long"
    assert "the limit here is 2,621,440 bytes" in _outcome(big)["diagnostics"]
    assert (
        client.get("/fhir/Patient/1").status_code == 404
        and _outcome(client.get("/fhir/Patient/1"))["code"] == "not-found"
    )
    assert client.delete("/fhir/metadata").status_code == 405
    broken = client.post("/fhir/CodeSystem/$lookup", "{oops", content_type="application/fhir+json")
    assert broken.status_code == 400 and _outcome(broken)["code"] in ("structure", "invalid")


def test_an_unexpected_failure_is_500_json_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from medcode.rules import services

    def explode(data: object) -> dict[str, object]:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "claim_check_json", explode)
    client = Client(raise_request_exception=False)
    response = client.post(
        "/api/v1/rules/check", json.dumps({"lines": [{"code": "99213"}]}), content_type="application/json"
    )
    assert response.status_code == 500 and _error(response) == MSG_API_STATUS[500]
    assert b"secret internals" not in response.content and b"Traceback" not in response.content


def test_a_page_request_over_the_instance_limit_is_refused_before_it_is_read(
    client: Client, settings: pytest.FixtureRequest
) -> None:
    settings.MEDCODE_REQUEST_MAX_BYTES = 1000  # type: ignore[attr-defined]
    response = client.post("/rules/check/", {"json": "x" * 2000})
    assert response.status_code == 413 and "the limit here is 1,000 bytes" in response.content.decode()
