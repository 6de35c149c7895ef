"""The client's address behind trusted proxies: what a client writes into X-Forwarded-For changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from medcode.accounts.errors import MSG_LOGIN_THROTTLED
from medcode.accounts.http import client_ip
from medcode.accounts.services import IP_FACTOR
from medcode.codebook import store

PROXY = "10.0.0.5"  # the reverse proxy medcode sees as REMOTE_ADDR
REAL = "203.0.113.9"  # the client's address, appended by the proxy


def _spoofed(n: int) -> str:
    """What a client sends, then what the proxy appends: the client's own text is left of the real address."""
    return f"198.51.100.{n}, {REAL}"


@pytest.fixture
def behind_one_proxy(settings: pytest.FixtureRequest) -> None:
    settings.MEDCODE_TRUSTED_PROXIES = 1  # type: ignore[attr-defined]
    settings.MEDCODE_CLIENT_IP_HEADER = "X-Forwarded-For"  # type: ignore[attr-defined]  # how it was configured before


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "192.0.2.1"),  # no proxy: the header is the client's own text
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.4", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),  # shorter than the chain: the address a proxy wrote
        (1, "", "192.0.2.1"),
        (1, "198.51.100.1, not-an-address", None),
    ],
)
def test_the_client_is_the_rightmost_address_before_the_trusted_proxies(
    settings: pytest.FixtureRequest, trusted: int, forwarded: str, expected: str | None
) -> None:
    settings.MEDCODE_TRUSTED_PROXIES = trusted  # type: ignore[attr-defined]
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.mark.django_db
@pytest.mark.usefixtures("behind_one_proxy")
def test_a_spoofed_forwarded_for_does_not_dodge_login_throttling(settings: pytest.FixtureRequest) -> None:
    settings.MEDCODE_LOGIN_FAILURES_PER_15_MIN = 1  # type: ignore[attr-defined]
    client = Client(REMOTE_ADDR=PROXY)
    statuses = []
    for n in range(IP_FACTOR + 1):
        response = client.post(
            "/account/login/",
            {"email": f"guess{n}@example.org", "password": "x" * 12},
            HTTP_X_FORWARDED_FOR=_spoofed(n),
        )
        statuses.append(response.status_code)
    assert statuses[-1] == 429 and MSG_LOGIN_THROTTLED in response.content.decode()
    other = client.post(
        "/account/login/",
        {"email": "guess@example.org", "password": "x" * 12},
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.77",
    )
    assert (
        other.status_code == 400 and MSG_LOGIN_THROTTLED not in other.content.decode()
    )  # another client: not throttled


@pytest.mark.django_db
@pytest.mark.usefixtures("behind_one_proxy")
def test_a_spoofed_forwarded_for_does_not_dodge_the_anonymous_api_rate(
    default_codebook: Path, settings: pytest.FixtureRequest
) -> None:
    store.forget()
    settings.MEDCODE_API_ANON_RATE_PER_MINUTE = 2  # type: ignore[attr-defined]
    client = Client(REMOTE_ADDR=PROXY)
    statuses = [client.get("/api/v1/releases", HTTP_X_FORWARDED_FOR=_spoofed(n)).status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/api/v1/releases", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.77").status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("behind_one_proxy", "metering_on")
def test_a_spoofed_forwarded_for_does_not_reset_a_guests_page_allowance(default_codebook: Path) -> None:
    store.forget()
    first = Client(REMOTE_ADDR=PROXY).get("/codes/icd10cm/E11.42/", HTTP_X_FORWARDED_FOR=_spoofed(1))
    assert "Register to view content" not in first.content.decode()
    # a fresh browser (no device cookie) with another address of its own invention: still the same client
    second = Client(REMOTE_ADDR=PROXY).get("/codes/icd10cm/I10/", HTTP_X_FORWARDED_FOR=_spoofed(2))
    assert 'data-locked="explanation"' in second.content.decode()
