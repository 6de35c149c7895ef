"""Account tests: users on the default plans; a fresh cache (rate-limit windows) for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from medcode.accounts import services
from medcode.accounts.models import Account, Plan
from medcode.accounts.tests.factories import make_account


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _plans(request: pytest.FixtureRequest) -> None:
    """The default plans (a transactional test before this one may have flushed them)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    services.plan_defaults_ensure()


@pytest.fixture
def free_account(db: None) -> Account:
    return make_account(plan=Plan.objects.get(slug="free"))


@pytest.fixture
def pro_account(db: None) -> Account:
    return make_account(plan=Plan.objects.get(slug="pro"))


@pytest.fixture
def metering_on(settings: pytest.FixtureRequest) -> None:
    settings.MEDCODE_METERING = True  # type: ignore[attr-defined]
