"""Search commands: search (codes by code, fragment, words) and case2code (codes for a clinical note)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from medcode.cli.common import add_command, emit, run_batch
from medcode.core.errors import ApplicationError


def _search_one(item: dict[str, Any]) -> dict[str, Any]:
    from medcode.search import services

    return services.search(
        query=str(item["query"]),
        system=item.get("system"),
        limit=int(item.get("limit", 20)),
        billable=bool(item.get("billable", False)),
        chapter=item.get("chapter"),
        date=item.get("date"),
    )


def cmd_search(args: argparse.Namespace) -> int:
    if args.batch:
        return run_batch(_search_one)
    if not (args.query or "").strip():
        raise ApplicationError("search needs a QUERY (or --batch with JSON lines on stdin)")
    result = _search_one(
        {
            "query": args.query,
            "system": args.system,
            "limit": args.limit,
            "billable": args.billable,
            "chapter": args.chapter,
            "date": args.date,
        }
    )

    def human(r: dict[str, Any]) -> str:
        lines = []
        if r.get("corrections"):
            lines.append("read as: " + ", ".join(f"{w} -> {c}" for w, c in r["corrections"].items()))
        for x in r["results"]:
            flag = " (terminated)" if x.get("terminated") else ""
            lines.append(f"{x['system']:<9} {x['code']:<10} {x['title']}{flag}")
            if x.get("index_path"):
                lines.append(f"{'':<20} index: {x['index_path']}")
        return "\n".join(lines) or "no results"

    emit(args, result, human)
    return 0


def _case_one(item: dict[str, Any]) -> dict[str, Any]:
    from medcode.search import casecode

    return casecode.code_case(note=str(item["text"]), date=item.get("date")).as_dict()


def cmd_case2code(args: argparse.Namespace) -> int:
    if args.batch:
        return run_batch(_case_one)
    if sys.stdin.isatty():
        print("Paste the note, then Ctrl+D:", file=sys.stderr)
    result = _case_one({"text": sys.stdin.read(), "date": args.date})

    def human(r: dict[str, Any]) -> str:
        lines = []
        for k, c in enumerate(r["codes"]):
            if not c["suggested"] and (k == 0 or r["codes"][k - 1]["suggested"]):
                lines.append(
                    "related codes to review (partial or semantic match, or uncertain; generated, not stated as current):"
                )
            incomplete = ""
            if c.get("incomplete"):
                incomplete = (
                    " (add the 7th character)"
                    if c["system"] == "icd10cm"
                    else " (incomplete: complete it in the ICD-10-PCS table)"
                )
            lines.append(f"{c['system']:<9} {c['code']:<9} {c['score']:>7.2f}  {c['title']}{incomplete}")
            for e in c["evidence"][:2]:
                lines.append(f'{"":<28}"{e["text"][:90]}" ({e["reason"]})')
        if r["excluded"]:
            lines.append("not coded (not current, or superseded):")
            lines += [f"  {c['code']:<9} {', '.join(c['status'])}: {c['title']}" for c in r["excluded"][:15]]
        if r["validation"]:
            lines.append("checks:")
            lines += [f"  {v['rule']}: {v['message']}" for v in r["validation"]]
        return "\n".join(lines) or "no codes found"

    emit(args, result, human)
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from medcode.cli import serve

    serve.search_prepare(semantic=not args.no_semantic, wait=not args.if_free)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(
        sub,
        "prepare",
        cmd_prepare,
        "compute and save the active codebook's search structures (and, with the semantic extra, its code vectors)",
    )
    p.add_argument("--no-semantic", action="store_true", help="skip the code vectors of the semantic extra")
    p.add_argument(
        "--if-free",
        action="store_true",
        help="exit at once when another process is already preparing this data directory (default: wait for it)",
    )
    p = add_command(sub, "search", cmd_search, "search codes by code (any form), fragment, words or abbreviations")
    p.add_argument("query", nargs="?")
    p.add_argument("--system")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--billable", action="store_true", help="billable codes only")
    p.add_argument("--chapter", help="ICD-10-CM chapter number or a code range start (S72)")
    p.add_argument("--date", help="date of service: search the releases in effect then")
    p.add_argument("--batch", action="store_true", help="JSON lines on stdin, one result per line")

    p = add_command(sub, "case2code", cmd_case2code, "suggest codes for a clinical note read from stdin")
    p.add_argument("--date", help="date of service")
    p.add_argument("--batch", action="store_true", help='JSON lines {"text"} on stdin, one result per line')
