"""Background tasks: run inline after commit with no broker, or queued on Redis when MEDCODE_REDIS_URL is set.

A task takes primary keys and simple values only (JSON). `medcode worker` pops queued tasks and runs the
periodic jobs (`every`); with no broker the worker only runs the periodic jobs and `.delay()` runs the
task at once, in the calling process (docs/adr/0030-background-work-inline-or-redis.md); `.spawn()` runs work
too long for a request in a thread of its own (docs/adr/0041-claim-files-checked-in-the-background.md).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections

log = logging.getLogger(__name__)
QUEUE_KEY = "medcode:tasks"

_registry: dict[str, Task] = {}
_periodic: list[Periodic] = []


@dataclass
class Task:
    """A function registered by name, so that a queued {"task", "kwargs"} can be run by any worker."""

    name: str
    func: Callable[..., Any]

    def __call__(self, **kwargs: Any) -> Any:
        return self.func(**kwargs)

    def delay(self, **kwargs: Any) -> None:
        """Run now (no broker) or queue it on Redis; call it from `transaction.on_commit`."""
        client = redis_client()
        if client is None:
            self.func(**kwargs)
            return
        client.rpush(QUEUE_KEY, json.dumps({"task": self.name, "kwargs": kwargs}))

    def spawn(self, **kwargs: Any) -> threading.Thread | None:
        """Run it outside the request: queued on Redis, or with no broker in a daemon thread of this process
        (work too long for a request, such as a large claim file); call it from `transaction.on_commit`.
        Returns the thread (tests join it), or None when queued."""
        client = redis_client()
        if client is not None:
            client.rpush(QUEUE_KEY, json.dumps({"task": self.name, "kwargs": kwargs}))
            return None
        thread = threading.Thread(target=_run_in_thread, args=(self, kwargs), name=f"task {self.name}", daemon=True)
        thread.start()
        return thread


def _run_in_thread(found: Task, kwargs: dict[str, Any]) -> None:
    try:
        found.func(**kwargs)
    except Exception:
        log.exception("task %s failed", found.name)
    finally:
        connections.close_all()  # this thread's own database connections


@dataclass
class Periodic:
    """A job the worker runs every `seconds` (the first run happens when the worker starts)."""

    name: str
    seconds: Callable[[], float]
    func: Callable[[], Any]
    next_at: float = 0.0


def task(func: Callable[..., Any]) -> Task:
    name = f"{func.__module__}.{func.__qualname__}"
    registered = Task(name=name, func=func)
    _registry[name] = registered
    return registered


def every(seconds: Callable[[], float]) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register a periodic job; `seconds` is read from settings each time (0 or less: the job is off)."""

    def decorator(func: Callable[[], Any]) -> Callable[[], Any]:
        _periodic.append(Periodic(name=f"{func.__module__}.{func.__qualname__}", seconds=seconds, func=func))
        return func

    return decorator


def redis_client() -> Any:
    url = getattr(settings, "MEDCODE_REDIS_URL", "")
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url)


def run_message(raw: bytes | str) -> None:
    """Run one queued task; an unknown task or a failure is logged (by name, never with its arguments)."""
    payload = json.loads(raw)
    found = _registry.get(payload.get("task", ""))
    if found is None:
        log.error("unknown task %s", payload.get("task"))
        return
    try:
        found.func(**payload.get("kwargs", {}))
    except Exception:
        log.exception("task %s failed", found.name)


def periodic_due(now: float) -> list[Periodic]:
    due = []
    for job in _periodic:
        seconds = job.seconds()
        if seconds > 0 and now >= job.next_at:
            job.next_at = now + seconds
            due.append(job)
    return due


def load_task_modules() -> None:
    """Import every installed app's tasks module so that its tasks and periodic jobs are registered."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            import_module(f"{config.name}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tasks":
                raise


def worker_run(*, once: bool = False, poll_seconds: float = 1.0, on_event: Callable[[str], None] | None = None) -> int:
    """Pop queued tasks (Redis) and run periodic jobs until interrupted; `once` makes one pass. Returns tasks run."""
    load_task_modules()
    client = redis_client()
    ran = 0
    while True:
        for job in periodic_due(time.monotonic()):
            close_old_connections()
            try:
                job.func()
            except Exception:
                log.exception("periodic job %s failed", job.name)
            if on_event:
                on_event(job.name)
        if client is not None:
            item = client.blpop([QUEUE_KEY], timeout=max(1, int(poll_seconds)))
            if item is not None:
                close_old_connections()
                run_message(item[1])
                ran += 1
                if on_event:
                    on_event("task")
                continue
        elif not once:
            time.sleep(poll_seconds)
        if once:
            return ran
