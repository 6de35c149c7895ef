"""Claim checks: one 10-line claim in process (latency), and a 100,000-line claim CSV through `medcode check`.

Over its own data directory bench/.work/rules-data: the default codebook (hospital NCCI history 2019-2026
and add-on codes from pyoce) plus, when ../shared/data is present, the CMS practitioner MUE extract and
the CY2025 PFS RVU/GPCI files, so that MUE, status and fee rules all run.

1. In process: `medcode.rules.services.claim_check_json` on a fixed 10-line claim (two NCCI pairs, an
   MUE excess, an add-on, an unknown code, four diagnoses, a locality), one untimed warm-up call, then
   each of 2,000 calls timed with perf_counter_ns. Target: p50 < 2 ms.
2. `medcode check < claims.csv`: 10,000 claims of 10 lines (100,000 lines), codes drawn with a fixed seed
   from 400 common CPT/HCPCS codes, written to bench/.work/; wall time from process start to exit and the
   child's peak RSS (wait4). Targets: < 30 s and < 1 GiB.

    .venv/bin/python bench/claim_check.py [--rebuild] [--calls 2000] [--claims 10000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

NAME = "claim_check"
DATA = c.WORK / "rules-data"
SHARED = c.REPO.parent / "shared" / "data"
MUE = SHARED / "mue-practitioner-2026q2" / "mue_practitioner_2026q2_dos_only.json"
PFS = SHARED / "pfs-rvu-2025a"
SEED = 20260115
CLAIM = {
    "date_of_service": "2026-04-15",
    "place_of_service": "11",
    "setting": "practitioner",
    "locality": "01112-05",
    "diagnoses": ["M17.11", "E11.9", "E10.9", "I10"],
    "lines": [
        {"code": "99213", "modifiers": ["25"], "units": 1, "dx_pointers": [2, 4]},
        {"code": "27447", "modifiers": ["RT"], "units": 1, "dx_pointers": [1]},
        {"code": "20610", "units": 1, "dx_pointers": [1]},
        {"code": "11045", "units": 1},
        {"code": "36415", "units": 1},
        {"code": "85025", "units": 1},
        {"code": "80053", "units": 1},
        {"code": "71046", "modifiers": ["26"], "units": 1},
        {"code": "J1100", "units": 130},
        {"code": "ZZZZZ", "units": 1},
    ],
}


def ensure_rules_codebook(rebuild: bool) -> tuple[Path, bool]:
    c.ensure_codebook(DATA, rebuild=rebuild)
    with_files = MUE.exists() and PFS.exists()
    marker = DATA / "codebooks" / ".with-rule-files"
    if with_files and (rebuild or not marker.exists()):
        done = subprocess.run(
            [
                c.PYTHON,
                "-m",
                "medcode.cli.main",
                "build",
                "--source",
                "mue",
                str(MUE),
                "--source",
                "pfs",
                str(PFS),
                "--json",
            ],
            cwd=c.REPO,
            env=c.bench_env(DATA),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-500:])
        marker.write_text("1")
    return DATA / "codebooks", with_files


def write_csv(path: Path, claims: int, codes: list[str]) -> int:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible sample, not a secret
    lines = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["claim_id", "date_of_service", "place_of_service", "locality", "diagnoses", "code", "modifiers", "units"]
        )
        for n in range(claims):
            day = f"2026-{rng.randint(4, 9):02d}-{rng.randint(1, 28):02d}"
            for _ in range(10):
                writer.writerow(
                    [
                        f"C{n}",
                        day,
                        rng.choice(["11", "22"]),
                        "01112-05",
                        "M17.11 I10",
                        rng.choice(codes),
                        rng.choice(["", "", "59", "RT"]),
                        rng.randint(1, 3),
                    ]
                )
                lines += 1
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--claims", type=int, default=10_000)
    args = parser.parse_args()
    machine, started_at, t_start = c.machine(), c.now_iso(), time.monotonic()
    _, with_files = ensure_rules_codebook(args.rebuild)
    c.django_setup(DATA)
    from medcode.codebook import store
    from medcode.rules import services

    store.forget()
    result = services.claim_check_json(CLAIM)
    rules = sorted({f["rule"] for f in result["findings"]})
    times = []
    for _ in range(args.calls):
        t0 = time.perf_counter_ns()
        services.claim_check_json(CLAIM)
        times.append(time.perf_counter_ns() - t0)
    ms = [t / 1e6 for t in times]
    p50, p95, p99 = (c.percentile(ms, p) for p in (50, 95, 99))

    # codes that occur in real claims: the public CPT list's lowest E/M, lab and surgery codes plus HCPCS drugs
    db = store.connection()
    codes = (
        [
            r[0]
            for r in db.execute("SELECT DISTINCT code FROM pfs_rvu WHERE status IN ('A','T') ORDER BY code LIMIT 400")
        ]
        if with_files
        else []
    )
    codes = codes or [line["code"] for line in CLAIM["lines"]]
    c.WORK.mkdir(parents=True, exist_ok=True)
    csv_path = c.WORK / "claims-100k.csv"
    line_count = write_csv(csv_path, args.claims, codes)
    env = c.bench_env(DATA)
    t0 = time.monotonic()
    with csv_path.open("rb") as stdin, open(os.devnull, "wb") as devnull:
        child = subprocess.Popen(
            [c.PYTHON, "-m", "medcode.cli.main", "check"], stdin=stdin, stdout=subprocess.PIPE, cwd=c.REPO, env=env
        )
        results = 0
        errors = 0
        assert child.stdout is not None
        for raw in child.stdout:
            results += 1
            if raw.split(b",", 1)[-1].lstrip().startswith(b'"error"'):  # {"claim_id": ..., "error": ...}
                errors += 1
        _, status, usage = os.wait4(child.pid, 0)
        del devnull
    wall = time.monotonic() - t0
    rss_mib = usage.ru_maxrss / 1024
    table = {
        "columns": ["measure", "value", "target", "result"],
        "rows": [
            ["10-line claim, in process: p50 ms", f"{p50:.2f}", "< 2 ms", c.verdict(p50 < 2)],
            ["10-line claim, in process: p95 / p99 ms", f"{p95:.2f} / {p99:.2f}", "", ""],
            [f"{line_count:,}-line CSV via `medcode check`: wall s", f"{wall:.1f}", "< 30 s", c.verdict(wall < 30)],
            ["same: peak RSS MiB", f"{rss_mib:.0f}", "< 1024 MiB", c.verdict(rss_mib < 1024)],
            ["same: claims checked / lines per s", f"{results:,} / {line_count / wall:,.0f}", "", ""],
        ],
    }
    notes = [
        f"Rules that fired on the 10-line claim: {', '.join(rules)}; {args.calls:,} timed calls."
        + ("" if with_files else " ../shared/data was absent: no MUE and fee rules ran."),
        f"CSV: {args.claims:,} claims x 10 lines, codes drawn (seed {SEED}) from {len(codes)} codes; "
        f"{errors} claims rejected as input errors; exit status {status >> 8}.",
    ]
    c.write_result(
        NAME,
        {
            "benchmark": NAME,
            "machine": machine,
            "started": started_at,
            "seconds": time.monotonic() - t_start,
            "table": table,
            "notes": notes,
            "latency_ms": {"p50": p50, "p95": p95, "p99": p99},
            "csv": {"lines": line_count, "wall_s": wall, "peak_rss_mib": rss_mib, "results": results},
            "findings_sample": json.loads(json.dumps(result["summary"])),
        },
    )


if __name__ == "__main__":
    main()
