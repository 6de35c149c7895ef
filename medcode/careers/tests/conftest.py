"""Job board fixtures: default plans, private uploads in a temporary directory, a fresh cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from medcode.accounts import services as account_services


@pytest.fixture(autouse=True)
def _careers_settings(settings: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[None]:
    settings.MEDCODE_PRIVATE_DIR = tmp_path / "private"
    settings.MEDCODE_BASE_URL = "http://medcode.example"
    cache.clear()
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
        account_services.plan_defaults_ensure()
    yield
