"""Consult desk commands: the inbound SMTP listener, one IMAP poll, the retention purge, a new encryption key."""

from __future__ import annotations

import argparse

from medcode.cli.common import add_command, emit


def cmd_consult(args: argparse.Namespace) -> int:
    if args.action == "listen":
        from medcode.consult import smtp

        def ready(host: str, port: int) -> None:
            print(f"consult desk: SMTP listener on {host}:{port}", flush=True)

        smtp.listen(host=args.host, port=args.port, on_ready=ready)
        return 0
    if args.action == "poll":
        from medcode.consult import imap

        polled = imap.imap_poll()
        result = {"fetched": polled.fetched, "outcomes": polled.outcomes}
        emit(args, result, lambda r: f"{r['fetched']} message(s) fetched: {r['outcomes']}")
        return 0
    if args.action == "purge":
        from medcode.consult import services

        result = {"deleted": services.consults_purge_expired()}
        emit(args, result, lambda r: f"{r['deleted']} consult(s) past the retention period deleted")
        return 0
    from medcode.consult import crypto

    emit(args, {"key": crypto.generate_key()}, lambda r: r["key"])
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(
        sub, "consult", cmd_consult, "consult desk: listen (SMTP), poll (IMAP once), purge (retention), genkey"
    )
    p.add_argument("action", choices=["listen", "poll", "purge", "genkey"])
    p.add_argument("--host", default="127.0.0.1", help="listen: address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8025, help="listen: port (default 8025)")
