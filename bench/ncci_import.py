"""Importing the whole hospital NCCI PTP history (every I/OCE version pyoce carries, 2019-2026) into a new codebook.

Runs, in a child process, a fresh build (`extend_active=False`, not activated) whose only source is the
pyoce hospital PTP history (the same default part `medcode build --default` imports), then validation,
ANALYZE and VACUUM. Three runs; wall time from process start to exit, the child's peak RSS (wait4), rows
and the size of the edits in the file. Target: < 60 s.

    .venv/bin/python bench/ncci_import.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

NAME = "ncci_import"
SCRIPT = """
import json, sqlite3, sys, django
django.setup()
from pathlib import Path
from medcode.ingest import build, sources
part = next(p for p in sources.DEFAULT_SOURCES if p.name == "ncci-ptp")
build.DEFAULT_SOURCES = (part,)
r = build.release_build(default=True, directory=Path(sys.argv[1]), activate=False, show_progress=False, extend_active=False)
conn = sqlite3.connect(r.path)
size = sum(n for (n,) in conn.execute("SELECT pgsize FROM dbstat WHERE name IN ('ptp_edit', 'ptp_edit_column2')"))
print(json.dumps({"rows": r.sources[0].counts.get("ptp_edit", 0), "build_s": r.seconds, "bytes": size, "file": r.path.stat().st_size}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    machine, started_at, t_start = c.machine(), c.now_iso(), time.monotonic()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(dir=c.WORK if c.WORK.exists() else None) as directory:
            t0 = time.monotonic()
            child = subprocess.Popen(
                [c.PYTHON, "-c", SCRIPT, directory],
                cwd=c.REPO,
                env=c.bench_env(Path(directory)),
                stdout=subprocess.PIPE,
                text=True,
            )
            assert child.stdout is not None
            out = child.stdout.read()
            _, _status, usage = os.wait4(child.pid, 0)
            wall = time.monotonic() - t0
            data = json.loads(out.strip().splitlines()[-1])
            data.update(wall_s=wall, rss_mib=usage.ru_maxrss / 1024)
            runs.append(data)
    walls = sorted(r["wall_s"] for r in runs)
    median = walls[len(walls) // 2]
    table = {
        "columns": ["measure", "min", "median", "runs", "target", "result"],
        "rows": [
            [
                "wall time, s (process start to exit)",
                f"{walls[0]:.1f}",
                f"{median:.1f}",
                len(runs),
                "< 60 s",
                c.verdict(median < 60),
            ],
            [
                "peak RSS, MiB",
                f"{min(r['rss_mib'] for r in runs):.0f}",
                f"{sorted(r['rss_mib'] for r in runs)[len(runs) // 2]:.0f}",
                len(runs),
                "",
                "",
            ],
            ["build's own timer, s", f"{min(r['build_s'] for r in runs):.1f}", "", len(runs), "", ""],
            ["edit rows (one per pair and date range)", f"{runs[0]['rows']:,}", "", "", "", ""],
            ["edits + column-2 index in the file, MiB", f"{runs[0]['bytes'] / 2**20:.0f}", "", "", "", ""],
        ],
    }
    c.write_result(
        NAME,
        {
            "benchmark": NAME,
            "machine": machine,
            "started": started_at,
            "seconds": time.monotonic() - t_start,
            "table": table,
            "notes": [
                f"Each run builds a fresh codebook holding only this source: {runs[0]['file'] / 2**20:.0f} MiB file."
            ],
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main()
