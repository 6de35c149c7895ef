"""Time and peak memory of building the embedded default codebook from scratch.

Runs `medcode build --default --fresh --no-activate --json` with MEDCODE_DATA_DIR set to a fresh
temporary directory (under bench/.work/, removed afterwards), up to 3 times (fewer when a run is slow,
so the whole benchmark stays under about 3 minutes). Wall time includes process start-up (Django,
imports); peak memory is the child's RSS high-water mark as the kernel reports it at exit (wait4).

    .venv/bin/python bench/build_default.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

NAME = "build_default"
TARGET_SECONDS = 120.0
TARGET_RSS_MIB = 1.5 * 1024  # 1.5 GiB
TIME_BUDGET = 170.0  # seconds for all runs together
MEDCODE = str(c.VENV_BIN / "medcode")


def build_once() -> dict[str, Any]:
    c.WORK.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="build-", dir=c.WORK))
    try:
        env = c.bench_env(data_dir)
        out_path, err_path = data_dir / "stdout.json", data_dir / "stderr.txt"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            started = time.perf_counter()
            proc = c.subprocess.Popen(
                [MEDCODE, "build", "--default", "--fresh", "--no-activate", "--json"],
                cwd=c.REPO,
                env=env,
                stdout=out,
                stderr=err,
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            tail = err_path.read_text(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"medcode build exited with {proc.returncode}: {' / '.join(tail)}")
        report = json.loads(out_path.read_text())
        codebook = Path(report["path"])
        return {
            "wall_seconds": round(wall, 2),
            "build_seconds": report.get("seconds"),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # ru_maxrss is in KiB on Linux
            "codebook_mib": round(codebook.stat().st_size / 1024 / 1024, 1),
            "concepts": sum(s["counts"].get("concept", 0) for s in report["sources"]),
            "validation_ok": report["validation"]["ok"],
        }
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    machine = c.machine()
    started_at = c.now_iso()
    began = time.monotonic()
    runs: list[dict[str, Any]] = []
    # the first run is retried (once a minute, up to 20 min) in case a source is mid-edit
    runs.append(c.with_retry("medcode build --default", build_once))
    print(f"run 1: {runs[-1]}", file=sys.stderr, flush=True)
    while len(runs) < args.runs:
        spent = time.monotonic() - began
        if spent + max(r["wall_seconds"] for r in runs) > TIME_BUDGET:
            print(f"stopping after {len(runs)} runs to stay within the time budget", file=sys.stderr)
            break
        runs.append(build_once())
        print(f"run {len(runs)}: {runs[-1]}", file=sys.stderr, flush=True)

    def stat(key: str) -> tuple[float, float]:
        values = [float(r[key]) for r in runs]
        return min(values), c.median(values)

    wall_min, wall_med = stat("wall_seconds")
    rss_min, rss_med = stat("peak_rss_mib")
    build_min, build_med = stat("build_seconds")
    cpu_min, cpu_med = stat("cpu_seconds")
    size_min, size_med = stat("codebook_mib")
    n = len(runs)
    rss_max = max(r["peak_rss_mib"] for r in runs)
    wall_ok = wall_med < TARGET_SECONDS
    rss_ok = rss_max < TARGET_RSS_MIB
    rows = [
        [
            "wall time, s (process start to exit)",
            f"{wall_min:.1f}",
            f"{wall_med:.1f}",
            n,
            "< 120 s",
            c.verdict(wall_ok),
        ],
        [
            "peak RSS, MiB (child high-water mark)",
            f"{rss_min:.0f}",
            f"{rss_med:.0f}",
            n,
            "< 1.5 GiB",
            c.verdict(rss_ok),
        ],
        ["build's own timer, s", f"{build_min:.1f}", f"{build_med:.1f}", n, "", ""],
        ["CPU time user+sys, s", f"{cpu_min:.1f}", f"{cpu_med:.1f}", n, "", ""],
        ["codebook file, MiB", f"{size_min:.0f}", f"{size_med:.0f}", n, "", ""],
    ]
    result = {
        "benchmark": NAME,
        "started": started_at,
        "seconds": round(time.monotonic() - began, 1),
        "machine": machine,
        "command": "medcode build --default --fresh --no-activate --json",
        "runs": runs,
        "summary": {
            "wall_seconds": {"min": wall_min, "median": wall_med},
            "peak_rss_mib": {"min": rss_min, "median": rss_med, "max": rss_max},
            "build_seconds": {"min": build_min, "median": build_med},
            "cpu_seconds": {"min": cpu_min, "median": cpu_med},
        },
        "targets": {
            "wall_seconds": {"target": TARGET_SECONDS, "met": wall_ok},
            "peak_rss_mib": {"target": TARGET_RSS_MIB, "met": rss_ok},
        },
        "table": {"columns": ["metric", "min", "median", "runs", "target", "result"], "rows": rows},
        "notes": [
            f"{runs[0]['concepts']:,} concepts per build; every build validated: {all(r['validation_ok'] for r in runs)}"
        ],
    }
    c.write_result(NAME, result)


if __name__ == "__main__":
    main()
