"""Background tasks: inline with no broker, queued on a real Redis server (loopback) and run by the worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import redis_server
from medcode.core import tasks

CALLS: list[int] = []


@tasks.task
def record(*, value: int) -> None:
    CALLS.append(value)


def test_no_broker_runs_the_task_at_once(settings: Any) -> None:
    settings.MEDCODE_REDIS_URL = ""
    CALLS.clear()
    record.delay(value=1)
    assert CALLS == [1]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    pytest.importorskip("redis")
    with redis_server(tmp_path) as url:
        yield url


@pytest.mark.django_db
def test_redis_queues_and_the_worker_runs(settings: Any, redis_url: str) -> None:
    settings.MEDCODE_REDIS_URL = redis_url
    CALLS.clear()
    record.delay(value=2)
    record.delay(value=3)
    assert CALLS == []  # queued, not run
    assert tasks.worker_run(once=True) == 2
    assert CALLS == [2, 3]


def test_an_unknown_or_failing_task_does_not_stop_the_worker(caplog: pytest.LogCaptureFixture) -> None:
    tasks.run_message(b'{"task": "nowhere.task", "kwargs": {}}')
    tasks.run_message(b'{"task": "' + record.name.encode() + b'", "kwargs": {"wrong": 1}}')
    assert "unknown task nowhere.task" in caplog.text and "failed" in caplog.text


def test_periodic_jobs_run_when_due() -> None:
    ran: list[str] = []
    job = tasks.Periodic(name="t", seconds=lambda: 60, func=lambda: ran.append("x"))
    tasks._periodic.append(job)
    try:
        assert job in tasks.periodic_due(1000.0)
        assert job not in tasks.periodic_due(1030.0)
        assert job in tasks.periodic_due(1061.0)
    finally:
        tasks._periodic.remove(job)


def test_spawn_with_no_broker_runs_the_task_in_a_thread_of_its_own(settings: Any) -> None:
    import threading

    settings.MEDCODE_REDIS_URL = ""
    CALLS.clear()
    seen: list[str] = []

    @tasks.task
    def where(*, value: int) -> None:
        seen.append(threading.current_thread().name)
        CALLS.append(value)

    thread = where.spawn(value=4)
    assert thread is not None
    thread.join(10)
    assert CALLS == [4] and seen == [f"task {where.name}"] and seen[0] != threading.current_thread().name


@pytest.mark.django_db
def test_spawn_with_redis_queues_for_the_worker(settings: Any, redis_url: str) -> None:
    settings.MEDCODE_REDIS_URL = redis_url
    CALLS.clear()
    assert record.spawn(value=5) is None
    assert CALLS == []
    assert tasks.worker_run(once=True) == 1
    assert CALLS == [5]
