"""Assistant commands: ask one question, or many as JSON lines."""

from __future__ import annotations

import argparse
from typing import Any

from medcode.cli.common import add_command, emit, run_batch
from medcode.core.errors import ApplicationError


def _ask_one(item: dict[str, Any]) -> dict[str, Any]:
    from medcode.assistant import services

    answer = services.assistant_ask(question=str(item["question"]), date=item.get("date"))
    return answer.as_dict()


def cmd_ask(args: argparse.Namespace) -> int:
    if args.batch:
        return run_batch(_ask_one)
    if not args.question:
        raise ApplicationError('ask needs a QUESTION (or --batch with {"question": ...} JSON lines on stdin)')
    result = _ask_one({"question": " ".join(args.question), "date": args.date})

    def human(r: dict[str, Any]) -> str:
        lines = [r["answer"]]
        if r["verdict"]:
            lines.append(f"verdict: {r['verdict']}")
        for c in r["citations"]:
            lines.append(f"[{c['id']}] {c['system']} {c['release']}: {c['title']} ({c['source_file']})")
        return "\n".join(lines)

    emit(args, result, human)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "ask", cmd_ask, "ask the coding assistant a question; answers cite their sources")
    p.add_argument("question", nargs="*")
    p.add_argument("--date", help="date of service (YYYY-MM-DD) for the releases consulted")
    p.add_argument("--batch", action="store_true", help='JSON lines {"question"} on stdin, one answer per line')
