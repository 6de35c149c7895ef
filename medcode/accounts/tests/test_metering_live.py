"""Concurrent requests on every interface against a live server: exactly the plan's allowance is given in full.

One guest and one free account each send 40 requests at once, spread over code pages, the REST look-up,
FHIR $lookup and the assistant, for eight codes. Across all of them the guest gets one code in full and
the free account five (docs/metering.md). The live server gives every request thread its own database
connection (a file SQLite database in config/settings/test.py, or PostgreSQL), as a served instance does.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.db import connections
from django.test import Client

from medcode.accounts.models import MeterCounter, MeterView, Plan
from medcode.accounts.tests.factories import api_key_for, make_account
from medcode.codebook import store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("metering_on")]
CM = "http://hl7.org/fhir/sid/icd-10-cm"
NOTE_USE = "urn:medcode:note-kind"
# Codes of the default codebook that carry notes of their own, so a full view always shows some.
CODES = ["E11.42", "I10", "E11.9", "J45.909", "R51.9", "Z00.00", "K21.9", "F32.9"]
INTERFACES = ("page", "rest", "fhir", "assistant")
REQUESTS_EACH = 40
RETRIES = 3


def _requests_for() -> list[tuple[str, str]]:
    """40 (interface, code) pairs: every code five times, over all four interfaces."""
    return [(INTERFACES[(n // len(CODES)) % len(INTERFACES)], CODES[n % len(CODES)]) for n in range(REQUESTS_EACH)]


class Identity:
    """How one viewer calls the live server: cookies for pages and the chat, a key (or none) for REST and FHIR."""

    def __init__(self, base: str, *, cookies: dict[str, str], key: str | None) -> None:
        self.csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
        self.http = httpx.Client(
            base_url=base,
            cookies={**cookies, "csrftoken": self.csrf},
            timeout=120,
            limits=httpx.Limits(max_connections=REQUESTS_EACH, max_keepalive_connections=0),
        )
        self.key = key

    def _headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key} if self.key else {}

    def full(self, interface: str, code: str) -> bool:
        """Make one request; whether it showed the code's locked content (its own notes).

        A connection the test server resets (40 connects at once overflow the development server's
        listen queue of 10 on a loaded machine) is made again: a view of the same code is free, so a
        repeat cannot change what is counted.
        """
        for attempt in range(RETRIES):
            try:
                return self._full(interface, code)
            except httpx.TransportError:
                if attempt == RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def _full(self, interface: str, code: str) -> bool:
        if interface == "page":
            r = self.http.get(f"/codes/icd10cm/{code}/")
            _ok(r, interface, code)
            return "data-locked=" not in r.text
        if interface == "rest":
            r = self.http.get(f"/api/v1/codes/icd10cm/{code}", headers=self._headers())
            _ok(r, interface, code)
            body = r.json()
            own = [n for n in body["notes"] if not n["inherited"]]
            assert body["access"]["full"] == bool(own), body["access"]
            return bool(own)
        if interface == "fhir":
            r = self.http.get("/fhir/CodeSystem/$lookup", params={"system": CM, "code": code}, headers=self._headers())
            _ok(r, interface, code)
            return any(
                p["name"] == "use" and p["valueCoding"]["system"] == NOTE_USE
                for d in r.json()["parameter"]
                if d["name"] == "designation"
                for p in d["part"]
            )
        r = self.http.post(
            "/assistant/stream/", data={"question": f"What is ICD-10-CM code {code}?", "csrfmiddlewaretoken": self.csrf}
        )
        _ok(r, interface, code)
        assert '"event": "done"' in r.text, r.text[:500]
        return f"note at {code}:" in r.text


def _ok(response: httpx.Response, interface: str, code: str) -> None:
    assert response.status_code == 200, f"{interface} {code}: {response.status_code} {response.text[:800]}"


def _race(identity: Identity) -> list[tuple[str, str, bool]]:
    calls = _requests_for()
    barrier = threading.Barrier(len(calls))

    def one(call: tuple[str, str]) -> tuple[str, str, bool]:
        barrier.wait(timeout=60)
        return call[0], call[1], identity.full(*call)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


@pytest.fixture
def base(default_codebook: Path, live_server: Any) -> str:
    store.forget()
    return str(live_server.url)


def _counted(subject_prefix: str) -> list[tuple[str, int, list[str]]]:
    try:
        return [
            (c.subject, c.count, sorted(v.code for v in MeterView.objects.filter(counter=c)))
            for c in MeterCounter.objects.filter(subject__startswith=subject_prefix)
        ]
    finally:
        connections.close_all()


def _device_cookie() -> str:
    signer = signing.get_cookie_signer(salt=django_settings.MEDCODE_DEVICE_COOKIE + "medcode.device")
    return signer.sign(str(uuid.uuid4()))


def test_forty_concurrent_requests_of_a_guest_give_one_code_in_full(base: str) -> None:
    guest = Identity(base, cookies={django_settings.MEDCODE_DEVICE_COOKIE: _device_cookie()}, key=None)
    results = _race(guest)
    full = {code for _, code, shown in results if shown}
    assert len(full) == 1, results
    assert all(shown for interface, code, shown in results if code in full and interface in ("page", "assistant"))
    assert not any(shown for interface, _, shown in results if interface in ("rest", "fhir"))  # no key: public
    counters = _counted("ip:") + _counted("device:")
    assert len(counters) == 2 and all(count == 1 and codes == sorted(full) for _, count, codes in counters), counters


def test_forty_concurrent_requests_of_a_free_account_give_five_codes_in_full(base: str) -> None:
    account = make_account(plan=Plan.objects.get(slug="free"))
    _, key = api_key_for(account.user, scopes=("read",))
    browser = Client()
    browser.force_login(account.user)
    session = {django_settings.SESSION_COOKIE_NAME: browser.cookies[django_settings.SESSION_COOKIE_NAME].value}
    connections.close_all()
    results = _race(Identity(base, cookies=session, key=key))
    full = {code for _, code, shown in results if shown}
    assert len(full) == 5, json.dumps(results)
    assert all(shown for _, code, shown in results if code in full)  # a code given once stays open everywhere
    assert {interface for interface, code, shown in results if shown} == set(INTERFACES)
    (counter,) = _counted(f"account:{account.user.pk}")
    assert counter[1] == 5 and counter[2] == sorted(full)
