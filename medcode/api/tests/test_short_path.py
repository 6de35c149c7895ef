"""The API's short request path (medcode/core/handlers.py) and the per-process answer cache (issue 24),
through the WSGI application gunicorn serves (config.wsgi), not Django's test handler."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from medcode.accounts import services
from medcode.accounts.models import MeterView, Plan
from medcode.accounts.tests.factories import api_key_for, make_account
from medcode.api.answers import AnswerCache, answers
from medcode.codebook import store
from medcode.core.handlers import API_SKIPPED, Application, short_path

pytestmark = pytest.mark.django_db(transaction=True)
CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOOKUP = f"/fhir/CodeSystem/$lookup?system={CM}&code=E11.42"


@pytest.fixture
def app(default_codebook: Path) -> Iterator[httpx.Client]:
    services.plan_defaults_ensure()
    answers.clear()
    with httpx.Client(transport=httpx.WSGITransport(app=Application()), base_url="http://localhost") as client:
        yield client
    answers.clear()


def test_api_calls_skip_the_page_middleware_and_pages_keep_it() -> None:
    chain = Application()
    api, pages = set(chain.api.middleware_names), set(settings.MIDDLEWARE)
    assert pages >= API_SKIPPED and not (API_SKIPPED & api)
    assert len(chain.api._view_middleware) < len(chain.pages._view_middleware)  # type: ignore[attr-defined]
    assert "medcode.accounts.middleware.AccountActivityMiddleware" in api  # rate and access headers stay
    cookie = f"{settings.SESSION_COOKIE_NAME}=abc"
    assert short_path({"PATH_INFO": "/fhir/metadata"})
    assert short_path({"PATH_INFO": "/api/v1/releases", "HTTP_X_API_KEY": "k", "HTTP_COOKIE": cookie})
    assert not short_path({"PATH_INFO": "/api/v1/releases", "HTTP_COOKIE": cookie})  # a logged-in browser
    assert not short_path({"PATH_INFO": "/codes/icd10cm/E11.9/"})


def test_a_keyed_fhir_call_sets_no_cookie_and_keeps_its_rate_headers(app: httpx.Client) -> None:
    _, secret = api_key_for(make_account().user, rate=5)
    response = app.get(LOOKUP, headers={"X-API-Key": secret})
    assert response.status_code == 200 and "set-cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    assert response.headers["X-RateLimit-Limit"] == "5" and response.headers["X-RateLimit-Remaining"] == "4"
    assert response.headers["Content-Security-Policy"] and response.headers["X-Frame-Options"] == "DENY"
    statuses = [app.get(LOOKUP, headers={"X-API-Key": secret}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the cached answer never skips the rate limit


def test_a_page_through_the_same_application_keeps_sessions_and_csrf(app: httpx.Client) -> None:
    response = app.get("/account/login/")
    assert response.status_code == 200 and settings.CSRF_COOKIE_NAME in response.cookies


def test_cached_lookups_are_the_same_answer_and_metering_still_counts_each_new_code(
    app: httpx.Client, settings: pytest.FixtureRequest
) -> None:
    settings.MEDCODE_METERING = True  # type: ignore[attr-defined]
    free = Plan.objects.get(slug="free")
    assert free.page_limit is not None and "notes" in free.locked_sections
    _, secret = api_key_for(make_account(plan=free).user)
    first = app.get(LOOKUP, headers={"X-API-Key": secret})
    hits = answers.hits
    again = app.get(LOOKUP, headers={"X-API-Key": secret})
    assert answers.hits > hits and again.content == first.content and again.headers["X-Medcode-Access"] == "full"
    codes = ["I10", "E11.9", "J45.909", "R51.9", "Z00.00", "K21.9", "F32.9", "E11.65", "E78.5"]
    access = [
        app.get(f"/fhir/CodeSystem/$lookup?system={CM}&code={c}", headers={"X-API-Key": secret}).headers[
            "X-Medcode-Access"
        ]
        for c in codes
    ]
    assert access.count("full") == free.page_limit - 1  # E11.42 took one view of the allowance
    assert MeterView.objects.count() == free.page_limit
    # a code seen before stays full; once the allowance is used, the same query answers without its notes
    assert app.get(LOOKUP, headers={"X-API-Key": secret}).headers["X-Medcode-Access"] == "full"
    locked = app.get(f"/fhir/CodeSystem/$lookup?system={CM}&code={codes[-1]}", headers={"X-API-Key": secret})
    assert locked.headers["X-Medcode-Access"] == "public" and "medcode-access" in locked.text


def test_the_answer_cache_empties_when_the_active_build_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = AnswerCache(max_entries=3)
    build = {"path": Path("/a.sqlite")}
    monkeypatch.setattr(store, "connected_path", lambda: build["path"])
    assert cache.get_or_make("k", lambda: b"old") == b"old"
    assert cache.get_or_make("k", lambda: b"new") == b"old"
    build["path"] = Path("/b.sqlite")  # another build activated: its answers only
    assert cache.get("k") is None and cache.get_or_make("k", lambda: b"new") == b"new"
    for n in range(5):
        cache.put(n, b"x")
    assert len(cache._answers) <= 3  # bounded


def test_the_rest_lookup_reuses_the_code_data_and_still_meters_each_caller(
    app: httpx.Client, settings: pytest.FixtureRequest
) -> None:
    settings.MEDCODE_METERING = True  # type: ignore[attr-defined]
    _, secret = api_key_for(make_account(plan=Plan.objects.get(slug="free")).user)
    keyed = app.get("/api/v1/codes/icd10cm/E11.42", headers={"X-API-Key": secret})
    hits = answers.hits
    anonymous = app.get("/api/v1/codes/icd10cm/E11.42")
    assert answers.hits > hits  # the same code's data, made once
    assert keyed.json()["access"]["full"] and keyed.json()["notes"]
    assert not anonymous.json()["access"]["full"] and anonymous.json()["access"]["reason"] == "key_required"
    assert keyed.json()["concept"] == anonymous.json()["concept"] or "attrs" in anonymous.json()["access"]["locked"]
