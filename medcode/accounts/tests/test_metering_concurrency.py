"""Concurrent requests trying to exceed a plan's limit: exactly the limit is granted (threads, real connections)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from medcode.accounts import metering
from medcode.accounts.models import MeterCounter, MeterView, Plan
from medcode.accounts.services import plan_defaults_ensure

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("metering_on")]
THREADS = 12


def _race(calls: list[dict[str, Any]]) -> list[metering.PageAccess]:
    barrier = threading.Barrier(len(calls))

    def one(kwargs: dict[str, Any]) -> metering.PageAccess:
        try:
            barrier.wait(timeout=30)
            return metering.page_view_record(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


@pytest.fixture
def plans() -> dict[str, Plan]:
    # On SQLite the test database is a file (config/settings/test.py): each thread has its own connection
    # and IMMEDIATE transactions serialise them, as they do gunicorn workers.
    return {p.slug: p for p in plan_defaults_ensure()}


def test_twelve_concurrent_new_pages_on_a_free_account_grant_exactly_five(plans: dict[str, Plan]) -> None:
    calls = [
        {"plan": plans["free"], "user_id": 42, "device": None, "ip": None, "system": "icd10cm", "code": f"C{n:02d}"}
        for n in range(THREADS)
    ]
    results = _race(calls)
    assert sum(r.allowed for r in results) == 5
    assert MeterCounter.objects.get(subject="account:42").count == 5
    assert MeterView.objects.count() == 5


def test_concurrent_guests_with_fresh_cookies_on_one_ip_get_one_page(plans: dict[str, Plan]) -> None:
    calls = [
        {
            "plan": plans["guest"],
            "user_id": None,
            "device": f"dev-{n}",
            "ip": "203.0.113.5",
            "system": "icd10cm",
            "code": f"C{n:02d}",
        }
        for n in range(THREADS)
    ]
    results = _race(calls)
    assert sum(r.allowed for r in results) == 1
    assert MeterCounter.objects.get(subject="ip:203.0.113.5").count == 1


def test_the_same_new_page_opened_concurrently_is_counted_once(plans: dict[str, Plan]) -> None:
    calls = [
        {"plan": plans["free"], "user_id": 43, "device": None, "ip": None, "system": "icd10cm", "code": "E11.42"}
        for _ in range(THREADS)
    ]
    results = _race(calls)
    assert all(r.allowed for r in results)
    assert sorted(r.reason for r in results) == ["counted"] + ["repeat"] * (THREADS - 1)
    assert MeterCounter.objects.get(subject="account:43").count == 1


@pytest.mark.django_db(transaction=False)
def test_processes_racing_on_a_sqlite_file_grant_exactly_five(tmp_path: Path) -> None:
    """Eight processes (like gunicorn workers) on one SQLite file: IMMEDIATE transactions serialise them."""
    out = subprocess.run(
        [sys.executable, "-m", "medcode.accounts.tests.sqlite_race", str(tmp_path / "race.sqlite3"), "8"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={**os.environ, "MEDCODE_DATA_DIR": str(tmp_path)},
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["allowed"] == 5 and result["count"] == 5, result
    assert sorted(result["reasons"]) == ["counted"] * 5 + ["exhausted"] * 3
