"""REST API v1 over the caller's data, API key scopes and per-key rate limits with clear 429 answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from medcode.accounts import apikeys
from medcode.accounts.errors import MSG_KEY_INVALID, MSG_KEY_REQUIRED, MSG_KEY_SCOPE, RateLimited
from medcode.accounts.models import Plan
from medcode.accounts.services import Client as Origin
from medcode.accounts.tests.factories import api_key_for, make_account
from medcode.codebook import store

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(default_codebook: Path) -> Client:
    store.forget()
    return Client()


def test_me_favorites_notes_and_history_round_trip(client: Client) -> None:
    account = make_account()
    _, secret = api_key_for(account.user)
    auth = {"X-API-Key": secret}
    me = client.get("/api/v1/me", headers=auth).json()
    assert me["email"] == account.user.email and me["plan"] == "free" and me["scopes"] == ["account", "read"]
    added = client.post(
        "/api/v1/favorites", {"system": "icd10cm", "code": "e11.42"}, content_type="application/json", headers=auth
    )
    assert added.status_code == 201 and added.json()["code"] == "E11.42"
    assert [f["code"] for f in client.get("/api/v1/favorites", headers=auth).json()] == ["E11.42"]
    missing = client.post(
        "/api/v1/favorites", {"system": "icd10cm", "code": "E11.999"}, content_type="application/json", headers=auth
    )
    assert missing.status_code == 404 and "E11.999" in missing.json()["error"]
    note = client.put(
        "/api/v1/notes/icd10cm/E11.42", {"text": "foot exam"}, content_type="application/json", headers=auth
    )
    assert note.status_code == 200 and note.json()["text"] == "foot exam"
    empty = client.put("/api/v1/notes/icd10cm/E11.42", {"text": "  "}, content_type="application/json", headers=auth)
    assert empty.status_code == 400 and empty.json()["error"] == "A note needs some text"
    assert client.get("/api/v1/notes", headers={"Authorization": f"Bearer {secret}"}).json()[0]["code"] == "E11.42"
    client.get("/api/v1/search", {"q": "asthma"}, headers=auth)
    assert [h["query"] for h in client.get("/api/v1/history", headers=auth).json()] == ["asthma"]
    assert client.delete("/api/v1/history", headers=auth).json() == {"deleted": 1}
    assert client.delete("/api/v1/notes/icd10cm/E11.42", headers=auth).json() == {"deleted": 1}
    assert client.delete("/api/v1/favorites/icd10cm/E11.42", headers=auth).json() == {"deleted": 1}


def test_account_endpoints_need_a_key_with_the_account_scope(client: Client) -> None:
    anonymous = client.get("/api/v1/favorites")
    assert anonymous.status_code == 401 and anonymous.json()["error"] == MSG_KEY_REQUIRED.format(scope="account")
    account = make_account()
    key, secret = api_key_for(account.user, scopes=("read",))
    denied = client.get("/api/v1/favorites", headers={"X-API-Key": secret})
    assert denied.status_code == 403 and denied.json()["error"] == MSG_KEY_SCOPE.format(
        prefix=key.prefix, scope="account"
    )
    assert client.get("/api/v1/codes/icd10cm/E11.42", headers={"X-API-Key": secret}).status_code == 200
    _, account_only = api_key_for(account.user, scopes=("account",))
    assert client.get("/api/v1/codes/icd10cm/E11.42", headers={"X-API-Key": account_only}).status_code == 403


def test_an_unknown_or_revoked_key_is_refused_even_where_anonymous_calls_are_allowed(client: Client) -> None:
    account = make_account()
    key, secret = api_key_for(account.user)
    assert client.get("/api/v1/releases", headers={"X-API-Key": "mc_made_up"}).json() == {"error": MSG_KEY_INVALID}
    apikeys.api_key_revoke(user_id=account.user.pk, key_id=key.id, client=Origin())
    revoked = client.get("/api/v1/releases", headers={"X-API-Key": secret})
    assert revoked.status_code == 401 and revoked.json()["error"] == MSG_KEY_INVALID
    assert client.get("/api/v1/releases").status_code == 200  # no key: anonymous


def test_per_key_rate_limit_answers_429_with_a_clear_json_and_headers(client: Client) -> None:
    account = make_account()
    key, secret = api_key_for(account.user, rate=3)
    statuses = []
    for _ in range(4):
        response = client.get("/api/v1/codes/icd10cm/E11.42", headers={"X-API-Key": secret})
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429]
    body = response.json()
    assert body["error"].startswith(f"Rate limit exceeded: 3 requests per 60 s for API key {key.prefix}")
    assert body["limit"] == 3 and body["window_seconds"] == 60 and 1 <= body["retry_after"] <= 60
    assert response["Retry-After"] == str(body["retry_after"]) and response["X-RateLimit-Remaining"] == "0"
    other_account = make_account()
    _, other = api_key_for(other_account.user, rate=3)
    ok = client.get("/api/v1/codes/icd10cm/E11.42", headers={"X-API-Key": other})
    assert ok.status_code == 200 and ok["X-RateLimit-Limit"] == "3" and ok["X-RateLimit-Remaining"] == "2"


def test_the_plan_sets_the_rate_of_its_keys(client: Client) -> None:
    free = Plan.objects.get(slug="free")
    free.api_rate_per_minute = 2
    free.save()
    account = make_account(plan=free)
    _, secret = api_key_for(account.user)
    assert [client.get("/api/v1/releases", headers={"X-API-Key": secret}).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]


def test_anonymous_clients_are_limited_per_ip(client: Client, settings: pytest.FixtureRequest) -> None:
    settings.MEDCODE_API_ANON_RATE_PER_MINUTE = 2  # type: ignore[attr-defined]
    here = [client.get("/api/v1/releases", REMOTE_ADDR="192.0.2.1").status_code for _ in range(3)]
    assert here == [200, 200, 429]
    assert client.get("/api/v1/releases", REMOTE_ADDR="192.0.2.2").status_code == 200
    settings.MEDCODE_API_ANON_RATE_PER_MINUTE = 0  # type: ignore[attr-defined]
    assert client.get("/api/v1/releases", REMOTE_ADDR="192.0.2.3").status_code == 401


def test_rate_limit_windows_are_fixed_minutes() -> None:
    decision = apikeys.rate_limit_hit(bucket="test", limit=2, now=120.0)
    assert (decision.remaining, decision.reset_in) == (1, 60)
    apikeys.rate_limit_hit(bucket="test", limit=2, now=150.0)
    with pytest.raises(RateLimited):
        apikeys.rate_limit_hit(bucket="test", limit=2, now=179.0)
    assert apikeys.rate_limit_hit(bucket="test", limit=2, now=180.0).remaining == 1


def test_the_openapi_schema_documents_the_key(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    assert {"/api/v1/me", "/api/v1/favorites", "/api/v1/notes", "/api/v1/history"} <= set(schema["paths"])


def test_nlm_compatible_endpoint_uses_the_same_keys_and_limits(client: Client) -> None:
    url = "/api/icd10cm/v3/search"
    assert client.get(url, {"terms": "tuberc", "maxList": "3"}).status_code == 200  # anonymous, within the IP rate
    assert client.get(url, {"terms": "tuberc"}, headers={"X-API-Key": "mc_made_up"}).json() == {
        "error": MSG_KEY_INVALID
    }
    account = make_account()
    _, secret = api_key_for(account.user, rate=2)
    statuses = [client.get(url, {"terms": "tuberc"}, headers={"X-API-Key": secret}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
