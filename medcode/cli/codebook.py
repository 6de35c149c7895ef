"""Codebook commands: serve, build, releases, activate, lookup, changes, export."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from medcode.cli.common import add_command, emit, run_batch
from medcode.core.errors import ApplicationError


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds the build, so that its temporary files are removed


def cmd_build(args: argparse.Namespace) -> int:
    from medcode.ingest import build

    specs = [build.SourceSpec(name, location) for name, location in (args.source or [])]
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm) if main_thread else None
    try:
        result = build.release_build(
            sources=specs,
            default=args.default,
            activate=not args.no_activate,
            show_progress=not args.json and sys.stderr.isatty(),
            extend_active=not args.fresh,
            allow_shrink=args.allow_shrink,
        )
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)

    def human(r: build.BuildResult) -> str:
        lines = [
            f"Built codebook {r.build_id} in {r.seconds:.1f} s ({'activated' if r.activated else 'not activated'})"
        ]
        for s in r.sources:
            counts = ", ".join(f"{n:,} {t}" for t, n in s.counts.items())
            lines.append(f"  {s.name}: {'; '.join(s.releases)}: {counts}")
        for warning in r.report.warnings:
            lines.append(f"  warning: {warning}")
        return "\n".join(lines)

    emit(args, result.as_dict() if args.json else result, human if not args.json else str)
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    from medcode.ingest import update

    result = update.update_run(
        from_dir=Path(args.from_dir) if args.from_dir else None,
        dry_run=args.dry_run,
        show_progress=not args.json and sys.stderr.isatty(),
    )

    def human(r: update.UpdateResult) -> str:
        verb = "would import" if r.dry_run else "imported"
        lines = [f"  {verb} {f.source}: {f.label}" for f in r.imported]
        lines += [f"  already current {f.source}: {f.label}" for f in r.current]
        lines += [f"  could not reach {u}" for u in r.unreachable]
        if r.build_id:
            head = f"Updated: build {r.build_id} is active"
        elif r.imported:
            head = "Dry run: nothing was built"
        elif r.unreachable and not r.found:
            head = "Nothing could be reached; the active codebook is unchanged"
        else:
            head = "The codebook is up to date with every official file found"
        return "\n".join([head, *lines])

    emit(args, result.as_dict() if args.json else result, human if not args.json else str)
    return 1 if result.unreachable and not result.found else 0


def cmd_releases(args: argparse.Namespace) -> int:
    from medcode.codebook import selectors, store

    active = store.active_build_id()
    releases = selectors.release_list(content=None) if store.active_path() else []
    result = {
        "active_build": active,
        "builds": store.build_list(),
        "releases": [r.as_dict() for r in releases],
    }

    def human(r: dict[str, Any]) -> str:
        lines = [f"Active build: {r['active_build'] or 'none'}"]
        lines += [f"  build {b}{'  (active)' if b == r['active_build'] else ''}" for b in r["builds"]]
        lines.append("Releases in the active build:")
        for rel in r["releases"]:
            lines.append(
                f"  {rel['system']:<9} {rel['version']:<14} {rel['content']:<7} from {rel['effective_from']}  {rel['title']}"
            )
        return "\n".join(lines)

    emit(args, result, human)
    return 0


def cmd_activate(args: argparse.Namespace) -> int:
    from medcode.ingest import build

    path = build.release_activate(build_id=args.id)
    emit(args, {"active_build": args.id, "path": str(path)}, lambda r: f"Activated build {r['active_build']}")
    return 0


def _lookup_one(item: dict[str, Any]) -> dict[str, Any]:
    from medcode.codebook import lookup as services

    return services.code_lookup(code=str(item["code"]), system=item.get("system"), date=item.get("date"))


def cmd_lookup(args: argparse.Namespace) -> int:
    if args.batch:
        return run_batch(_lookup_one)
    if not args.code:
        raise ApplicationError("lookup needs a CODE (or --batch with JSON lines on stdin)")
    result = _lookup_one({"code": args.code, "system": args.system, "date": args.date})

    def human(r: dict[str, Any]) -> str:
        c = r["concept"]
        lines = [f"{c['code']}  {c['title'] or '(descriptor not available: see notice)'}"]
        lines.append(f"  system {r['system_label']}, release {r['release']['title']}")
        lines.append(f"  {'billable' if c['billable'] else 'not billable'}; {c['kind']}")
        for note in r["notes"]:
            if not note["inherited"]:
                lines.append(f"  {note['kind']}: {note['text']}")
        if r.get("notice"):
            lines.append(f"  note: {r['notice']}")
        return "\n".join(lines)

    emit(args, result, human)
    return 0


def cmd_changes(args: argparse.Namespace) -> int:
    from medcode.codebook import lookup as services

    result = services.release_changes(system=args.system, old=args.old, new=args.new)

    def human(r: dict[str, Any]) -> str:
        lines = [
            f"{r['system']}: {r['old']} -> {r['new']}: {len(r['added'])} added, {len(r['deleted'])} deleted,"
            f" {len(r['revised'])} revised"
        ]
        lines += [f"  + {x['code']}  {x['title']}" for x in r["added"]]
        lines += [f"  - {x['code']}  {x['title']}" for x in r["deleted"]]
        lines += [f"  ~ {x['code']}  {x['new_title']}" for x in r["revised"]]
        return "\n".join(lines)

    emit(args, result, human)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from medcode.codebook import export

    out = sys.stdout
    count = export.system_export(system=args.system, fmt=args.format, out=out, date=args.date)
    if count == 0:
        raise ApplicationError(f"No {args.system} codes to export")
    print(f"exported {count} concepts", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from medcode.cli import serve

    serve.serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(
        sub, "serve", cmd_serve, "build the default codebook if none, migrate, and serve the web app and APIs"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--workers", type=int, default=None, help="gunicorn worker processes (MEDCODE_WORKERS; default one per core)"
    )
    p.add_argument("--threads", type=int, default=None, help="threads per worker (MEDCODE_THREADS; default 8)")

    p = add_command(sub, "build", cmd_build, "build a new codebook from official files, validate it and activate it")
    p.add_argument("--default", action="store_true", help="include the embedded default data")
    p.add_argument("--source", nargs=2, action="append", metavar=("NAME", "PATH_OR_URL"))
    p.add_argument("--no-activate", action="store_true", help="validate and keep the build without activating it")
    p.add_argument("--fresh", action="store_true", help="start empty instead of from the active codebook")
    p.add_argument(
        "--allow-shrink",
        action="store_true",
        help="accept a release with fewer codes than the active one it replaces or succeeds (by more than 2%%),"
        " or below the structural floors of its system (an excerpt, a partial file)",
    )

    p = add_command(sub, "update", cmd_update, "bring the codebook to the current official CMS and CDC releases")
    p.add_argument("--from", dest="from_dir", metavar="DIR", help="a folder of the zips as downloaded (offline sites)")
    p.add_argument("--dry-run", action="store_true", help="say what would be imported, build nothing")

    add_command(sub, "releases", cmd_releases, "list codebook builds and the releases of the active one")

    p = add_command(sub, "activate", cmd_activate, "switch the active codebook to a finished build")
    p.add_argument("id")

    p = add_command(sub, "lookup", cmd_lookup, "show one code from the release in effect on a date")
    p.add_argument("code", nargs="?")
    p.add_argument("--system")
    p.add_argument("--date")
    p.add_argument("--batch", action="store_true", help="JSON lines on stdin, one result per line")

    p = add_command(sub, "changes", cmd_changes, "codes added, deleted and revised between two releases of a system")
    p.add_argument("system")
    p.add_argument("--old", help="older release version (default: the one before the newest)")
    p.add_argument("--new", help="newer release version (default: the newest)")

    p = add_command(sub, "export", cmd_export, "write every code of a system as JSON lines, CSV or a FHIR CodeSystem")
    p.add_argument("system")
    p.add_argument("--format", choices=["jsonl", "csv", "fhir"], default="jsonl")
    p.add_argument("--date")
