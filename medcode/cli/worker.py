"""`medcode worker`: runs queued background tasks (Redis) and the periodic jobs (IMAP poll, alerts, expiry)."""

from __future__ import annotations

import argparse

from medcode.cli.common import add_command


def cmd_worker(args: argparse.Namespace) -> int:
    from django.conf import settings

    from medcode.core import tasks

    mode = "Redis queue" if settings.MEDCODE_REDIS_URL else "no broker (tasks run inline where they are queued)"
    print(f"medcode worker: {mode}; periodic jobs on", flush=True)
    ran = tasks.worker_run(once=args.once)
    if args.once:
        print(f"{ran} queued task(s) run")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "worker", cmd_worker, "run background work: queued tasks (with Redis) and periodic jobs")
    p.add_argument("--once", action="store_true", help="one pass: periodic jobs once, queued tasks until empty")
