"""Serving performance (issue 24): `medcode serve` before and after, interleaved, under wrk.

Over the default codebook in bench/.work/data: migrate, create a user with an API key (rate far above the
load: the gate is measured but never refuses), sample 1,000 real codes (800 ICD-10-CM, 100 HCPCS,
100 ICD-10-PCS), then for each round start each server in turn with `python -m medcode.cli.main serve`:

- "before": the same command from another checkout (--before, e.g. /work/main: gunicorn, sync workers);
- "after": this checkout (gthread workers that keep connections alive, short API path, answer cache, warm).

Each server is checked first (every $lookup's display equals the codebook's title, every $validate-code says
result=true, every REST look-up answers 200, the same $lookup answers from both servers), then timed on the
first request of each kind after its start, then driven by wrk (2 threads) for --duration seconds per row at
16 and 50 connections. Beside each rate: the server's CPU per request (master and workers, from /proc) and
the 1-minute load average before the row. Results go to bench/results/serving.json; the table to
bench/README.md under "Serving performance (issue 24)".

    .venv/bin/python bench/serving.py --before /work/main [--rounds 2] [--duration 10]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c
import fhir_throughput as ft
import page_throughput as pt

NAME = "serving"
SEED = 20261208
CONNECTIONS = (16, 50)
# Issue 24's figures for FHIRsmith v0.9.4 on this same 2-core machine kind (medians of 32 interleaved pairs),
# quoted because FHIRsmith could not be installed here (bench/README.md says why).
PEER = {
    ("FHIR $lookup", 16): (3924, 3.8, 6.3),
    ("FHIR $lookup", 50): (4350, 11.0, 15.3),
    ("FHIR $validate-code", 16): (2866, 5.0, 10.9),
    ("FHIR $validate-code", 50): (3033, 15.5, 23.9),
    ("FHIR $expand filter=diabetes", 16): (38, 389.0, 512.0),
}
TARGETS = {  # operation: (req/s at 16 connections, p95 ms or None)
    "FHIR $lookup": (4000, 10.0),
    "FHIR $validate-code": (3000, 10.0),
    "REST /api/v1/codes/{system}/{code}": (2500, None),
    "code pages": (1000, 30.0),
    "helpful 404 pages": (300, None),
    "FHIR $expand filter=diabetes": (1200, None),
}
FIRST_TARGET_MS = 300.0
FIRST_KINDS: dict[str, tuple[str, dict[str, str] | None]] = {  # kind: (path, JSON body to POST)
    "code page": ("/codes/icd10cm/I10/", None),
    "search": ("/search/?q=fracture+of+femur", None),
    "case to code (REST)": (
        "/api/v1/case2code",
        {"text": "Chest pain with shortness of breath. Type 2 diabetes. History of stroke."},
    ),
    "FHIR $lookup": ("/fhir/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=J45.909", None),
}


def sample_codes(codebook: Path) -> list[tuple[str, str, str]]:
    """1,000 (system, code, title) of the newest releases, in a fixed seeded order."""
    import random

    rng = random.Random(SEED)  # noqa: S311 - a reproducible sample
    db = sqlite3.connect(f"file:{codebook}?mode=ro", uri=True)
    picked: list[tuple[str, str, str]] = []
    try:
        for system, n in (("icd10cm", 800), ("hcpcs", 100), ("icd10pcs", 100)):
            release = db.execute(
                "SELECT id FROM release WHERE system = ? AND content = 'codes' ORDER BY effective_from DESC, id DESC",
                (system,),
            ).fetchone()[0]
            rows = db.execute("SELECT code, title FROM concept WHERE release_id = ? ORDER BY code", (release,))
            picked += [(system, code, title) for code, title in rng.sample(list(rows), n)]
    finally:
        db.close()
    rng.shuffle(picked)
    return picked


def rows_of(codes: list[tuple[str, str, str]], pages: list[str]) -> dict[str, tuple[list[str], int]]:
    def uri(system: str) -> str:
        return quote(ft.URIS[system], safe=":/")

    return {
        "FHIR $lookup": ([f"/fhir/CodeSystem/$lookup?system={uri(s)}&code={quote(k)}" for s, k, _ in codes], 200),
        "FHIR $validate-code": (
            [f"/fhir/CodeSystem/$validate-code?url={uri(s)}&code={quote(k)}" for s, k, _ in codes],
            200,
        ),
        "REST /api/v1/codes/{system}/{code}": ([f"/api/v1/codes/{s}/{quote(k)}" for s, k, _ in codes], 200),
        "FHIR $expand filter=diabetes": (
            [f"/fhir/ValueSet/$expand?url={uri('icd10cm')}%3Ffhir_vs&filter=diabetes&count=20"],
            200,
        ),
        "code pages": (pages, 200),
        "helpful 404 pages": (pt.INVALID, 404),
    }


def check(base: str, key: str, codes: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Correct answers first: displays equal the codebook's titles, validate-code true, REST 200."""
    import httpx

    wrong: list[str] = []
    lookups: dict[str, Any] = {}
    with httpx.Client(base_url=base, timeout=30, headers={"X-API-Key": key}) as client:
        for system, code, title in codes:
            uri = ft.URIS[system]
            got = client.get("/fhir/CodeSystem/$lookup", params={"system": uri, "code": code})
            params = {p["name"]: p for p in got.json().get("parameter", [])} if got.status_code == 200 else {}
            if params.get("display", {}).get("valueString") != title:
                wrong.append(f"$lookup {system} {code}: {got.status_code}")
            lookups[f"{system}|{code}"] = got.json()
            valid = client.get("/fhir/CodeSystem/$validate-code", params={"url": uri, "code": code})
            params = {p["name"]: p for p in valid.json().get("parameter", [])} if valid.status_code == 200 else {}
            if params.get("result", {}).get("valueBoolean") is not True:
                wrong.append(f"$validate-code {system} {code}: {valid.status_code}")
            rest = client.get(f"/api/v1/codes/{system}/{quote(code)}")
            if rest.status_code != 200:
                wrong.append(f"REST {system} {code}: {rest.status_code}")
    return {"codes": len(codes), "wrong": wrong[:10], "wrong_count": len(wrong), "lookups": lookups}


@contextlib.contextmanager
def served(repo: Path, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = c.bench_env()
    env["PYTHONPATH"] = str(repo)
    env["MEDCODE_EMBEDDING_MODEL_DIR"] = str(c.WORK / "no-model")  # the semantic extra off on both sides
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [c.PYTHON, "-m", "medcode.cli.main", "serve", "--port", str(port)],
            cwd=repo,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)  # the group this script started, by its id
                    proc.wait(timeout=5)


def wait_started(proc: subprocess.Popen[bytes], log: Path, *, warm: bool, timeout: float = 600) -> float:
    """Seconds from start until the workers are up (booted, and warm when the server warms them)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited with {proc.returncode}: {log.read_text(errors='replace')[-1500:]}")
        text = log.read_text(errors="replace")
        booted = len(re.findall(r"Booting worker", text))
        if booted and (not warm or len(re.findall(r"worker \d+ warm in", text)) >= booted):
            return time.monotonic() - began
        time.sleep(0.2)
    raise RuntimeError(f"serve did not start within {timeout:.0f} s")


def first_requests(base: str) -> dict[str, float]:
    """Milliseconds of the first request of each kind (a fresh connection each, no key)."""
    import httpx

    out: dict[str, float] = {}
    for kind, (path, body) in FIRST_KINDS.items():
        for _ in range(600):
            with contextlib.suppress(httpx.HTTPError):
                began = time.perf_counter()
                if body is None:
                    status = httpx.get(base + path, timeout=60).status_code
                else:
                    status = httpx.post(base + path, json=body, timeout=60).status_code
                out[kind] = round((time.perf_counter() - began) * 1000, 1)
                if status != 200:
                    out[kind] = -float(status)
                break
            time.sleep(0.1)
    return out


def measure(
    base: str, proc: subprocess.Popen[bytes], key: str, rows: dict[str, tuple[list[str], int]], duration: int
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for label, (paths, expected) in rows.items():
        for connections in CONNECTIONS:
            if connections == 50 and label in ("FHIR $expand filter=diabetes", "helpful 404 pages", "code pages"):
                continue
            load = os.getloadavg()[0]
            cpu_before = pt.server_cpu_seconds(proc.pid)
            done = drive(base, paths, key, expected, duration=duration, connections=connections)
            cpu = pt.server_cpu_seconds(proc.pid) - cpu_before
            done["server_cpu_ms_per_request"] = round(cpu / max(done["requests"], 1) * 1000, 3)
            done["loadavg_1m_before"] = round(load, 2)
            results[f"{label} @{connections}"] = done
            print(f"  {label} @{connections}: {done['rps']:,.0f}/s p95 {done['p95_ms']:.1f} ms", file=sys.stderr)
    return results


def drive(base: str, paths: list[str], key: str, expected: int, *, duration: int, connections: int) -> dict[str, Any]:
    script = ft.WRK_SCRIPT
    workdir = c.WORK / "wrk-serving"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "paths.txt").write_text("\n".join(paths) + "\n")
    (workdir / "cycle.lua").write_text(script)
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(workdir / "cycle.lua")]
    cmd += [base, "--", str(workdir / "paths.txt"), str(expected), key]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    raw = json.loads(next(x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON "))[11:])
    lat, errors = raw["latency_us"], raw["socket_errors"]
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": lat["p50"] / 1000,
        "p95_ms": lat["p95"] / 1000,
        "p99_ms": lat["p99"] / 1000,
        "unexpected_status": raw["unexpected_status"],
        "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
    }


def median_of(runs: list[dict[str, Any]], field: str) -> float:
    return c.median([r[field] for r in runs])


def table(rounds: list[dict[str, Any]]) -> list[list[str]]:
    rows: list[list[str]] = []
    labels = list(rounds[0]["servers"]["after"]["results"])
    for label in labels:
        op, conns = label.rsplit(" @", 1)
        per = {
            name: [r["servers"][name]["results"][label] for r in rounds if label in r["servers"][name]["results"]]
            for name in ("before", "after")
        }
        for name in ("before", "after"):
            runs = per[name]
            if not runs:
                continue
            rps, p95 = median_of(runs, "rps"), median_of(runs, "p95_ms")
            bad = sum(r["unexpected_status"] + r["socket_errors"] for r in runs)
            target, verdict = "", ""
            if name == "after" and conns == "16" and op in TARGETS:
                want_rps, want_p95 = TARGETS[op]
                target = f"≥ {want_rps:,}/s" + (f", p95 < {want_p95:.0f} ms" if want_p95 else "")
                ok = rps >= want_rps and (want_p95 is None or p95 < want_p95) and bad == 0
                verdict = c.verdict(ok)
            rows.append(
                [
                    op,
                    conns,
                    f"medcode {name}",
                    f"{rps:,.0f}",
                    f"{median_of(runs, 'p50_ms'):.1f}",
                    f"{p95:.1f}",
                    f"{bad}",
                    f"{median_of(runs, 'server_cpu_ms_per_request'):.2f}",
                    " / ".join(f"{r['loadavg_1m_before']:.1f}" for r in runs),
                    target,
                    verdict,
                ]
            )
        peer = PEER.get((op, int(conns)))
        if peer:
            rows.append(
                [
                    op,
                    conns,
                    "FHIRsmith (issue 24's run)",
                    f"{peer[0]:,}",
                    f"{peer[1]}",
                    f"{peer[2]}",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout of the code to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    started_at, began = c.now_iso(), time.monotonic()
    codebook = c.ensure_codebook()
    env = c.bench_env()
    subprocess.run([c.PYTHON, "-m", "django", "migrate", "--noinput", "-v", "0"], cwd=c.REPO, env=env, check=True)
    made = subprocess.run(
        [c.PYTHON, "-c", ft.KEY_SCRIPT], cwd=c.REPO, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    key = made.stdout.strip().splitlines()[-1]
    codes = sample_codes(codebook)
    rows = rows_of(codes, pt.code_page_paths(codebook, SEED))
    repos = {"before": args.before.resolve(), "after": c.REPO}
    rounds: list[dict[str, Any]] = []
    checks: dict[str, Any] = {}
    for number in range(args.rounds):
        this: dict[str, Any] = {"servers": {}}
        for name, repo in repos.items():
            port = pt.free_port()
            base = f"http://127.0.0.1:{port}"
            log = c.WORK / f"serving-{name}.log"
            print(f"round {number + 1}, {name}: starting", file=sys.stderr, flush=True)
            with served(repo, port, log) as proc:
                start_s = wait_started(proc, log, warm=name == "after")
                firsts = first_requests(base)
                if number == 0:
                    checks[name] = check(base, key, codes)
                    print(f"  checked: {checks[name]['wrong_count']} wrong", file=sys.stderr, flush=True)
                results = measure(base, proc, key, rows, args.duration)
                rss = pt.server_rss_mib(proc.pid)
            this["servers"][name] = {"start_s": round(start_s, 1), "first_ms": firsts, "results": results, "rss": rss}
        rounds.append(this)
    same = checks["before"].pop("lookups") == checks["after"].pop("lookups")
    firsts_rows = [
        [
            kind,
            *(" / ".join(f"{r['servers'][n]['first_ms'].get(kind, float('nan')):.0f}" for r in rounds) for n in repos),
            f"< {FIRST_TARGET_MS:.0f} ms",
            c.verdict(all(0 <= r["servers"]["after"]["first_ms"].get(kind, -1) < FIRST_TARGET_MS for r in rounds)),
        ]
        for kind in FIRST_KINDS
    ]
    result = {
        "benchmark": NAME,
        "started": started_at,
        "seconds": round(time.monotonic() - began, 1),
        "machine": c.machine(),
        "codebook": codebook.name,
        "before": str(repos["before"]),
        "load": {"driver": "wrk (2 threads)", "connections": list(CONNECTIONS), "duration_s": args.duration},
        "checks": {**checks, "same_lookup_answers_before_and_after": same},
        "rounds": rounds,
        "speed_table": {
            "columns": [
                "first request after start",
                "before ms (per round)",
                "after ms (per round)",
                "target",
                "result",
            ],
            "rows": firsts_rows,
        },
        "table": {
            "columns": [
                "operation",
                "connections",
                "server",
                "req/s",
                "p50 ms",
                "p95 ms",
                "non-2xx/errors",
                "server CPU ms/req",
                "load 1 min (per round)",
                "target",
                "result",
            ],
            "rows": table(rounds),
        },
        "notes": [
            f"Medians of {args.rounds} interleaved rounds (before, after, before, after ...), {args.duration} s per row, "
            "wrk with 2 threads on the same 2-core machine as the server; every request carries an API key "
            "(rate limit far above the load). Metering off (MEDCODE_METERING=false, as the other page benchmarks).",
            "FHIRsmith rows are issue 24's medians on this machine kind, not re-measured in this run.",
        ],
    }
    c.write_result(NAME, result)


if __name__ == "__main__":
    main()
