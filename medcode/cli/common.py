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


def batch_lines() -> Iterator[dict[str, Any] | str]:
    for number, line in enumerate(sys.stdin, start=1):
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
