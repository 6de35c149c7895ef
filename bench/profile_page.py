"""Where the time of one page goes: cProfile over Django's test client, in process (not a benchmark).

Renders each path once untimed (warm-up), then --repeat times under cProfile, and prints the mean
wall time per request and the functions with the most own time and the most cumulative time.

    .venv/bin/python bench/profile_page.py /codes/icd10cm/E11.42/ /codes/icd10cm/S72.001A/ [--repeat 50] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    c.ensure_codebook()
    c.django_setup()
    import logging

    from django.test import Client

    logging.getLogger("django.request").setLevel(logging.ERROR)  # no "Not Found: ..." line per 404 request

    client = Client()
    for path in args.paths:
        status = client.get(path).status_code  # warm-up
        started = time.perf_counter()
        for _ in range(args.repeat):
            client.get(path)
        plain_ms = (time.perf_counter() - started) / args.repeat * 1000
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            client.get(path)
        profiler.disable()
        print(f"\n## {path}: HTTP {status}, {plain_ms:.1f} ms per request without the profiler\n")
        for sort in ("tottime", "cumulative"):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort)
            stats.print_stats(args.top)
            body = out.getvalue()
            print(f"### top {args.top} by {sort} (totals over {args.repeat} requests)\n")
            print(body[body.find("ncalls") :].rstrip())
            print()


if __name__ == "__main__":
    main()
