"""Throughput and latency of the FHIR terminology operations and the REST look-up under 50 connections.

Over the default codebook in bench/.work/data: migrate the bench database, create a user with an API
key (rate limit far above the load, so the gate is measured but never refuses), start
`gunicorn config.wsgi:application --workers 2`, check that every URL answers 200, then drive 50
concurrent connections with wrk (each request carries the key in X-API-Key) for 20 s per row:

- FHIR `CodeSystem/$lookup?system=<uri>&code=<code>` over 500 codes (400 ICD-10-CM, 50 HCPCS, 50 ICD-10-PCS)
- FHIR `CodeSystem/$validate-code?url=<uri>&code=<code>` over the same codes
- REST `/api/v1/codes/<system>/<code>` over the same codes (the full page data: hierarchy, notes, index, history)

Published peers (their own papers and READMEs, larger machines, not re-measured here): FHIRsmith
about 4,000 $lookup/s and Snowstorm about 150 $lookup/s on 8 CPUs. Target on these 2 shared cores:
at least 1,000 $lookup/s with p95 under 50 ms.

    .venv/bin/python bench/fhir_throughput.py [--duration 20] [--connections 50]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c
import page_throughput as pt

NAME = "fhir_throughput"
SEED = 20261129
TARGET_RPS = 1000.0
TARGET_P95_MS = 50.0
URIS = {
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "icd10pcs": "http://www.cms.gov/Medicare/Coding/ICD10",
    "hcpcs": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
}
PEERS = [
    ["FHIRsmith (published)", "$lookup", "about 4,000", "8 CPUs", "published figure, not re-measured"],
    ["Snowstorm (published)", "$lookup", "about 150", "8 CPUs", "published figure, not re-measured"],
]

WRK_SCRIPT = pt.WRK_SCRIPT.replace(
    'return wrk.format("GET", paths[idx])', 'return wrk.format("GET", paths[idx], {["X-API-Key"] = apikey})'
).replace("  expected = tonumber(args[2]) or 200\n", "  expected = tonumber(args[2]) or 200\n  apikey = args[3]\n")

KEY_SCRIPT = """
import django; django.setup()
from django.contrib.auth.models import User
from medcode.accounts import apikeys, services
from medcode.accounts.models import Account
from medcode.accounts.services import Client
services.plan_defaults_ensure()
user, _ = User.objects.get_or_create(username="bench@example.org", defaults={"email": "bench@example.org"})
Account.objects.get_or_create(user=user, defaults={"plan": services.selectors.plan_default()})
key, raw = apikeys.api_key_create(user_id=user.pk, name="bench", scopes=["read"], client=Client(), rate_per_minute=100_000_000)
print(raw)
"""


def sample_codes(codebook: Path, seed: int) -> list[tuple[str, str]]:
    db = sqlite3.connect(f"file:{codebook}?mode=ro", uri=True)
    try:

        def codes(system: str, n: int) -> list[str]:
            release = db.execute(
                "SELECT id FROM release WHERE system = ? AND content = 'codes' ORDER BY effective_from DESC, id DESC",
                (system,),
            ).fetchone()[0]
            rows = [r[0] for r in db.execute("SELECT code FROM concept WHERE release_id = ? ORDER BY code", (release,))]
            return rng.sample(rows, n)

        rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
        picked = [("icd10cm", x) for x in codes("icd10cm", 400)]
        picked += [("hcpcs", x) for x in codes("hcpcs", 50)] + [("icd10pcs", x) for x in codes("icd10pcs", 50)]
    finally:
        db.close()
    rng.shuffle(picked)
    return picked


def drive(base: str, paths: list[str], key: str, *, duration: int, connections: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="wrk-", dir=c.WORK))
    try:
        url_file = workdir / "paths.txt"
        url_file.write_text("\n".join(paths) + "\n")
        script = workdir / "cycle.lua"
        script.write_text(WRK_SCRIPT)
        cmd = [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base,
            "--",
            str(url_file),
            "200",
            key,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
        raw = json.loads(
            next(x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")).removeprefix("BENCH_JSON ")
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    lat, errors = raw["latency_us"], raw["socket_errors"]
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": seconds,
        "rps": raw["requests"] / seconds,
        "p50_ms": lat["p50"] / 1000,
        "p95_ms": lat["p95"] / 1000,
        "p99_ms": lat["p99"] / 1000,
        "unexpected_status": raw["unexpected_status"],
        "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
    }


def check(base: str, paths: list[str], key: str) -> dict[str, Any]:
    import httpx

    wrong = []
    with httpx.Client(base_url=base, timeout=30, headers={"X-API-Key": key}) as client:
        for path in paths:
            status = client.get(path).status_code
            if status != 200:
                wrong.append((path, status))
    return {"urls": len(paths), "unexpected": wrong[:10], "unexpected_count": len(wrong)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit(
            "wrk is needed for 50 connections without the load generator eating the server's CPU: apt-get install wrk"
        )
    machine = c.machine()
    started_at = c.now_iso()
    began = time.monotonic()
    codebook = c.ensure_codebook()
    env = c.bench_env()
    migrate = subprocess.run(
        [c.PYTHON, "-m", "django", "migrate", "--noinput", "-v", "0"],
        cwd=c.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if migrate.returncode != 0:
        raise SystemExit(f"migrate failed: {migrate.stderr[-2000:]}")
    made = subprocess.run(
        [c.PYTHON, "-c", KEY_SCRIPT], cwd=c.REPO, env=env, capture_output=True, text=True, timeout=120
    )
    if made.returncode != 0:
        raise SystemExit(f"could not create the bench API key: {made.stderr[-2000:]}")
    key = made.stdout.strip().splitlines()[-1]
    codes = sample_codes(codebook, SEED)
    rows_in = {
        "FHIR $lookup": [
            f"/fhir/CodeSystem/$lookup?system={quote(URIS[s], safe=':/')}&code={quote(code)}" for s, code in codes
        ],
        "FHIR $validate-code": [
            f"/fhir/CodeSystem/$validate-code?url={quote(URIS[s], safe=':/')}&code={quote(code)}" for s, code in codes
        ],
        "REST /api/v1/codes/{system}/{code}": [f"/api/v1/codes/{s}/{quote(code)}" for s, code in codes],
    }
    port = pt.free_port()
    base = f"http://127.0.0.1:{port}"
    log = c.WORK / "gunicorn-fhir.log"
    results: dict[str, dict[str, Any]] = {}
    checks: dict[str, Any] = {}
    with pt.gunicorn(port, log) as proc:
        pt.wait_ready(base, proc, log)
        for label, paths in rows_in.items():
            checks[label] = check(base, paths, key)
        print(f"checked: {json.dumps(checks)}", file=sys.stderr, flush=True)
        for label, paths in rows_in.items():
            print(f"{label}: {args.connections} connections for {args.duration} s ...", file=sys.stderr, flush=True)
            load_before = os.getloadavg()[0]
            cpu_before = pt.server_cpu_seconds(proc.pid)
            done = drive(base, paths, key, duration=args.duration, connections=args.connections)
            cpu = pt.server_cpu_seconds(proc.pid) - cpu_before
            done["server_cpu_ms_per_request"] = round(cpu / max(done["requests"], 1) * 1000, 2)
            done["server_cpu_share"] = round(cpu / done["seconds"], 2)
            done["loadavg_1m_before"] = round(load_before, 2)
            results[label] = done
        rss = pt.server_rss_mib(proc.pid)

    rows = []
    targets = {}
    for label, d in results.items():
        bad = d["unexpected_status"] + d["socket_errors"]
        if label == "FHIR $lookup":
            met = d["rps"] >= TARGET_RPS and d["p95_ms"] < TARGET_P95_MS and bad == 0
            target, verdict = "≥ 1,000 req/s, p95 < 50 ms", c.verdict(met)
            targets["lookup"] = {"rps": TARGET_RPS, "p95_ms": TARGET_P95_MS, "met": met}
        else:
            target, verdict = "", ""
        rows.append(
            [
                label,
                "medcode (measured)",
                f"{d['requests']:,}",
                f"{d['rps']:,.0f}",
                f"{d['p50_ms']:.1f}",
                f"{d['p95_ms']:.1f}",
                f"{d['p99_ms']:.1f}",
                f"{bad}",
                f"{d['server_cpu_ms_per_request']:.2f}",
                target,
                verdict,
            ]
        )
    for peer, operation, rps, cpus, note in PEERS:
        rows.append([f"FHIR {operation}", peer, "", rps, "", "", "", "", "", f"{cpus}; {note}", ""])
    lookup = results["FHIR $lookup"]
    result = {
        "benchmark": NAME,
        "started": started_at,
        "seconds": round(time.monotonic() - began, 1),
        "machine": machine,
        "codebook": codebook.name,
        "server": "gunicorn config.wsgi:application --workers 2 (sync), config.settings.local, SQLite operational DB",
        "load": {"driver": "wrk (2 threads)", "connections": args.connections, "duration_s": args.duration},
        "checks": checks,
        "results": results,
        "targets": targets,
        "server_rss_mib": rss,
        "table": {
            "columns": [
                "operation",
                "server",
                "requests",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "non-200",
                "server CPU ms/req",
                "target",
                "result",
            ],
            "rows": rows,
        },
        "notes": [
            f"{args.connections} connections for {args.duration} s per row, wrk with 2 threads on the same "
            f"{machine['nproc']}-core machine as gunicorn (2 sync workers); every request carries an API key "
            f"(the gate looks the key up and counts it in the per-process cache). 500 codes: 400 ICD-10-CM, 50 HCPCS, 50 ICD-10-PCS.",
            f"During the $lookup row the workers used {lookup['server_cpu_share']:.2f} of the {machine['nproc']} cores; "
            f"worker RSS after the run: {', '.join(f'{k} {v:.0f} MiB' for k, v in rss.items())}.",
            "Peers are quoted as published (FHIRsmith about 4,000 $lookup/s, Snowstorm about 150 $lookup/s, both "
            "on 8 CPUs); they were not run here, so the ratio is indicative only.",
        ],
    }
    c.write_result(NAME, result)


if __name__ == "__main__":
    main()
