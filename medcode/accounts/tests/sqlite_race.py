"""Run by test_metering_concurrency: processes racing on a SQLite file database (as gunicorn workers do).

Usage: python -m medcode.accounts.tests.sqlite_race DB_PATH PROCESSES; prints one JSON line of results.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from typing import Any


def _setup(db_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()


def _one(args: tuple[str, int, Any]) -> tuple[bool, str]:
    db_path, n, barrier = args
    _setup(db_path)
    from django.conf import settings

    from medcode.accounts import metering
    from medcode.accounts.models import Plan

    settings.MEDCODE_METERING = True
    plan = Plan.objects.get(slug="free")
    barrier.wait(timeout=60)
    access = metering.page_view_record(plan=plan, user_id=99, device=None, ip=None, system="icd10cm", code=f"C{n:02d}")
    return access.allowed, access.reason


def main() -> None:
    db_path, processes = sys.argv[1], int(sys.argv[2])
    _setup(db_path)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(processes)
        with ctx.Pool(processes) as pool:
            results = pool.map(_one, [(db_path, n, barrier) for n in range(processes)])
    from medcode.accounts.models import MeterCounter

    count = MeterCounter.objects.get(subject="account:99").count
    print(json.dumps({"allowed": sum(a for a, _ in results), "reasons": [r for _, r in results], "count": count}))


if __name__ == "__main__":
    main()
