"""The `medcode` command: each domain registers its subcommands; errors print to stderr, exit non-zero."""

from __future__ import annotations

import argparse
import json
import os
import sys

from medcode.cli import assistant, careers, codebook, consult, guidance, rules, search, worker
from medcode.core.errors import ApplicationError

# Each module has register(sub) adding its subcommands; a new domain adds its module here.
COMMAND_MODULES = (codebook, guidance, rules, search, assistant, careers, consult, worker)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medcode", description="medcode: medical coding reference and tools")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _setup_django()
        return int(args.handler(args) or 0)
    except ApplicationError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"error": exc.message}), file=sys.stderr)
        else:
            print(f"medcode: error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
