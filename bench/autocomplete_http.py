"""Autocomplete over HTTP: gunicorn with 2 workers (as `medcode serve`), 20 concurrent connections.

    .venv/bin/python bench/autocomplete_http.py [--duration 20] [--connections 20]

URLs: /search/autocomplete/?q=PREFIX for every prefix (3, 6, 9... characters and the whole query) of every
query of ../shared/bench/search/dev.jsonl (only the "query" field is read), in a fixed shuffled order; the
default bench codebook (bench/.work/data-default). Each URL is fetched once first (must answer 200; this is
also when each worker builds its search structures), then wrk drives the load (the Python fallback if wrk is
absent). Target: p95 under 30 ms. Reuses the server and load-driver helpers of page_throughput.py.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c
import page_throughput as pt
from search_quality import CONFIGS, DEV

CACHE_CONFIGS = [
    ("medcode, answer cache on (as served)", {}),
    ("medcode, answer cache off", {"MEDCODE_AUTOCOMPLETE_CACHE": "0"}),
]


def prefix_paths(seed: int = 7) -> list[str]:
    paths = []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        query = json.loads(line)["query"]
        cuts = sorted({*range(3, len(query), 3), len(query)})
        paths += [f"/search/autocomplete/?q={urllib.parse.quote(query[:n])}" for n in cuts]
    random.Random(seed).shuffle(paths)  # noqa: S311 - a fixed order, not a secret
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    started, t0 = c.now_iso(), time.monotonic()
    data_dir = CONFIGS["default"]
    c.ensure_codebook(data_dir)
    env = c.bench_env(data_dir)
    subprocess.run([c.PYTHON, "-m", "django", "migrate", "--noinput"], env=env, check=True, capture_output=True)
    pt.DATA_DIR = data_dir  # the server helpers read the bench data directory from here
    original_env = c.bench_env
    paths = prefix_paths()
    drive = pt.drive_wrk if shutil.which("wrk") else pt.drive_python
    rows, runs = [], {}
    for label, extra in CACHE_CONFIGS:
        c.bench_env = lambda data_dir=data_dir, extra=extra: {**original_env(data_dir), **extra}  # type: ignore[misc]
        port = pt.free_port()
        base = f"http://127.0.0.1:{port}"
        log = c.WORK / "gunicorn-autocomplete.log"
        with pt.gunicorn(port, log) as proc:
            pt.wait_ready(base, proc, log, timeout=120)
            warm = time.perf_counter()
            check = pt.check_paths(base, paths, 200)
            warm_s = time.perf_counter() - warm
            result = drive(base, paths, 200, duration=args.duration, connections=args.connections)
            rss = pt.server_rss_mib(proc.pid)
        rows.append(
            [
                label,
                result["driver"],
                args.connections,
                f"{result['rps']:.0f}",
                f"{result['p50_ms']:.1f}",
                f"{result['p95_ms']:.1f}",
                f"{result['p99_ms']:.1f}",
                result["unexpected_status"] + result["socket_errors"],
                c.verdict(result["p95_ms"] < 30),
            ]
        )
        runs[label] = {
            "first_pass": check,
            "first_pass_seconds": round(warm_s, 1),
            "server_rss_mib": rss,
            "raw": {k: v for k, v in result.items() if k != "raw"},
        }
    c.bench_env = original_env  # type: ignore[misc]
    out = {
        "benchmark": "autocomplete_http",
        "machine": c.machine(),
        "started": started,
        "seconds": time.monotonic() - t0,
        "table": {
            "columns": [
                "server",
                "driver",
                "connections",
                "requests/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "errors",
                "p95 < 30 ms",
            ],
            "rows": rows,
        },
        "urls": len(paths),
        "runs": runs,
        "notes": [
            f"{len(paths)} prefixes of the search dev queries; gunicorn with 2 workers (as `medcode serve`) and the "
            "load generator share the machine's cores. Each URL is fetched once before the load (all must answer "
            "200), so with the answer cache on (as served) the load measures answers from the cache, as for the "
            "prefixes many users type; the row with the cache off (MEDCODE_AUTOCOMPLETE_CACHE=0) computes every "
            "answer. First pass (search structures loaded, every answer computed once): "
            + ", ".join(f"{k}: {v['first_pass_seconds']:.0f} s" for k, v in runs.items())
            + "; server memory after each run (MiB): "
            + "; ".join(f"{k}: {json.dumps(v['server_rss_mib'])}" for k, v in runs.items())
            + "."
        ],
    }
    c.write_result("autocomplete_http", out)


if __name__ == "__main__":
    main()
