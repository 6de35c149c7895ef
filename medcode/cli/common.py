"""Shared pieces of the `medcode` command: JSON or human output, batches of JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

from medcode.core.errors import ApplicationError

Handler = Callable[[argparse.Namespace], Any]


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, handler: Handler, help_text: str
) -> argparse.ArgumentParser:
    """A subcommand with the --json flag every command has."""
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=handler)
    return parser


def emit(args: argparse.Namespace, result: Any, human: Callable[[Any], str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        print(human(result))


MAX_BATCH_LINE_BYTES = 1_000_000
MSG_BATCH_LINE_TOO_LONG = "line {number}: longer than {limit:,} bytes, the limit for one JSON line; skipped"


def batch_lines() -> Iterator[dict[str, Any] | str]:
    """JSON objects from stdin, one a line; a line past MAX_BATCH_LINE_BYTES is skipped unread, with its number."""
    stream = sys.stdin.buffer
    number = 0
    while True:
        raw = stream.readline(MAX_BATCH_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_BATCH_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # the rest of the line, a bounded piece at a time
                raw = stream.readline(MAX_BATCH_LINE_BYTES)
            yield MSG_BATCH_LINE_TOO_LONG.format(number=number, limit=MAX_BATCH_LINE_BYTES)
            continue
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            yield f"line {number}: not UTF-8 text"
            continue
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"line {number}: not valid JSON ({exc.msg})"
            continue
        yield value if isinstance(value, dict) else f"line {number}: expected a JSON object"


def run_batch(one: Callable[[dict[str, Any]], Any]) -> int:
    """One JSON result per input line, in order; a failing line yields {"error": ...} and the rest go on."""
    for item in batch_lines():
        if isinstance(item, str):
            result: Any = {"error": item}
        else:
            try:
                result = one(item)
            except ApplicationError as exc:
                result = {"error": exc.message}
            except (TypeError, ValueError, KeyError) as exc:
                result = {"error": f"bad input: {exc}"}
        print(json.dumps(result, ensure_ascii=False, default=str), flush=True)
    return 0
