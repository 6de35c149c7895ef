"""Job board commands: expire jobs past their closing date, send the alert digests."""

from __future__ import annotations

import argparse

from medcode.cli.common import add_command, emit


def cmd_jobs(args: argparse.Namespace) -> int:
    from medcode.careers import services

    if args.action == "expire":
        result = {"expired": services.jobs_expire()}
        emit(args, result, lambda r: f"{r['expired']} job(s) expired")
    else:
        result = {"emails": services.job_alerts_send(daily=args.daily)}
        emit(args, result, lambda r: f"{r['emails']} alert e-mail(s) sent")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "jobs", cmd_jobs, "job board: expire closed jobs, or send the saved-search alert digests")
    p.add_argument("action", choices=["expire", "alerts"])
    p.add_argument("--daily", action="store_true", help="alerts: skip searches already sent a digest today")
