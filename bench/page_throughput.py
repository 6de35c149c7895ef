"""HTTP throughput and latency of code pages served by gunicorn, as `medcode serve` runs it.

Over the default codebook in bench/.work/data (built there first if absent): migrate the bench
database, start `gunicorn config.wsgi:application --workers 2` on a free loopback port, fetch every URL
once (a check that each answers as expected, and a warm-up), then drive 16 concurrent connections
for 30 s over a fixed list of 500 code pages:

- /codes/icd10cm/<code>/: 100 categories, 200 codes without a 7th character, 100 codes with one
- /codes/hcpcs/<code>/: 50 codes;  /codes/icd10pcs/<code>/: 50 codes

and then the same over a few invalid codes (the helpful 404 page: suggestions, other systems, history).
The load comes from wrk (a Lua script cycles through the URL list) when it is installed, else from
Python threads with httpx (which then competes with the server for the same CPU: slower numbers).
gunicorn is always stopped at the end.

    .venv/bin/python bench/page_throughput.py [--duration 30] [--connections 16] [--driver wrk|python]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

NAME = "page_throughput"
TARGET_RPS = 300.0
TARGET_P95_MS = 50.0
SEED = 20260401
WORKERS = 2

# Codes that are not in the release: each gets the helpful 404 page.
INVALID = [
    "/codes/icd10cm/E11.99X/",
    "/codes/icd10cm/S72.001Z/",
    "/codes/icd10cm/Z99.999/",
    "/codes/icd10cm/E11.428/",
    "/codes/icd10cm/J45.9999/",
    "/codes/icd10cm/I10.1/",
    "/codes/hcpcs/Z9999/",
    "/codes/icd10pcs/0DTJ4ZY/",
]

WRK_SCRIPT = r"""
-- Cycles through the paths listed (one a line) in the file given as the first script argument;
-- counts responses whose status differs from the expected one (second argument).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  expected = tonumber(args[2]) or 200
  idx = ((id - 1) * 97) % #paths  -- each thread starts elsewhere in the list
  unexpected = 0
  responses = 0
end

function request()
  idx = idx % #paths + 1
  return wrk.format("GET", paths[idx])
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= expected then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local bad, total = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("unexpected")
    total = total + t:get("responses")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "responses": %d, "unexpected_status": %d, '
    .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}, '
    .. '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes, total, bad,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def code_page_paths(codebook: Path, seed: int) -> list[str]:
    """500 code page paths from the latest release of each system, in a fixed seeded order."""
    db = sqlite3.connect(f"file:{codebook}?mode=ro", uri=True)
    try:

        def latest(system: str) -> int:
            row = db.execute(
                "SELECT id FROM release WHERE system = ? AND content = 'codes' ORDER BY effective_from DESC, id DESC",
                (system,),
            ).fetchone()
            return int(row[0])

        def codes(system: str, where: str) -> list[str]:
            sql = f"SELECT code FROM concept WHERE release_id = ? AND {where} ORDER BY code"
            return [r[0] for r in db.execute(sql, (latest(system),))]

        rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
        groups = {
            "icd10cm category": ("icd10cm", rng.sample(codes("icd10cm", "kind = 'category'"), 100)),
            "icd10cm code, no 7th character": (
                "icd10cm",
                rng.sample(codes("icd10cm", "kind = 'code' AND length(norm) < 7"), 200),
            ),
            "icd10cm code with 7th character": (
                "icd10cm",
                rng.sample(codes("icd10cm", "kind = 'code' AND length(norm) = 7"), 100),
            ),
            "hcpcs code": ("hcpcs", rng.sample(codes("hcpcs", "kind = 'code'"), 50)),
            "icd10pcs code": ("icd10pcs", rng.sample(codes("icd10pcs", "kind = 'code'"), 50)),
        }
    finally:
        db.close()
    paths = [f"/codes/{system}/{code}/" for system, sample in groups.values() for code in sample]
    rng.shuffle(paths)
    return paths


@contextlib.contextmanager
def gunicorn(port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run gunicorn for the duration of the block; it is stopped on every way out (errors, Ctrl+C, SIGTERM)."""
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                c.PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "/dev/null",
                "--error-logfile",
                "-",
            ],
            cwd=c.REPO,
            env=c.bench_env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers can be stopped with it
        )
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            yield proc
        finally:
            signal.signal(signal.SIGTERM, previous)
            _stop(proc)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()  # gunicorn's master stops its workers on SIGTERM
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the group started above, by its id
            proc.wait(timeout=5)


def wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}: {log.read_text(errors='replace')[-1500:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/", timeout=5).status_code < 500:
                return
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer on {base} within {timeout:.0f} s")


def check_paths(base: str, paths: list[str], expected: int) -> dict[str, Any]:
    """Fetch each path once (no redirects): statuses that differ from ``expected`` are listed."""
    import httpx

    wrong: list[tuple[str, int]] = []
    started = time.perf_counter()
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as client:
        for path in paths:
            status = client.get(path).status_code
            if status != expected:
                wrong.append((path, status))
    return {
        "urls": len(paths),
        "unexpected": wrong[:20],
        "unexpected_count": len(wrong),
        "sequential_mean_ms": round((time.perf_counter() - started) / len(paths) * 1000, 1),
    }


def drive_wrk(base: str, paths: list[str], expected: int, *, duration: int, connections: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="wrk-", dir=c.WORK))
    try:
        url_file = workdir / "paths.txt"
        url_file.write_text("\n".join(paths) + "\n")
        script = workdir / "cycle.lua"
        script.write_text(WRK_SCRIPT)
        threads = min(2, connections)
        cmd = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base,
            "--",
            str(url_file),
            str(expected),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
        line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON "))
        raw = json.loads(line.removeprefix("BENCH_JSON "))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    lat = raw["latency_us"]
    errors = raw["socket_errors"]
    return {
        "driver": f"wrk ({threads} threads)",
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": lat["p50"] / 1000,
        "p95_ms": lat["p95"] / 1000,
        "p99_ms": lat["p99"] / 1000,
        "max_ms": lat["max"] / 1000,
        "unexpected_status": raw["unexpected_status"],
        "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        "mb_per_s": raw["bytes"] / (raw["duration_us"] / 1e6) / 1e6,
        "raw": raw,
    }


def drive_python(base: str, paths: list[str], expected: int, *, duration: int, connections: int) -> dict[str, Any]:
    """Fallback load: one thread per connection, each with its own keep-alive httpx client."""
    import httpx

    latencies: list[list[float]] = [[] for _ in range(connections)]
    unexpected = [0] * connections
    errors = [0] * connections
    nbytes = [0] * connections
    start_at = time.perf_counter() + 0.2
    stop_at = start_at + duration

    def worker(n: int) -> None:
        i = (n * 97) % len(paths)
        with httpx.Client(base_url=base, timeout=10, follow_redirects=False) as client:
            while time.perf_counter() < start_at:
                time.sleep(0.001)
            while (t0 := time.perf_counter()) < stop_at:
                try:
                    response = client.get(paths[i])
                except httpx.HTTPError:
                    errors[n] += 1
                    continue
                finally:
                    i = (i + 1) % len(paths)
                latencies[n].append(time.perf_counter() - t0)
                nbytes[n] += len(response.content)
                if response.status_code != expected:
                    unexpected[n] += 1

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start_at
    all_ms = [x * 1000 for per in latencies for x in per]
    return {
        "driver": f"python httpx ({connections} threads)",
        "requests": len(all_ms),
        "seconds": elapsed,
        "rps": len(all_ms) / elapsed,
        "p50_ms": c.percentile(all_ms, 50),
        "p95_ms": c.percentile(all_ms, 95),
        "p99_ms": c.percentile(all_ms, 99),
        "max_ms": max(all_ms) if all_ms else float("nan"),
        "unexpected_status": sum(unexpected),
        "socket_errors": sum(errors),
        "mb_per_s": sum(nbytes) / elapsed / 1e6,
    }


def server_cpu_seconds(master_pid: int) -> float:
    """User+system CPU time used so far by gunicorn's master and workers (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    with contextlib.suppress(OSError):
        pids = [master_pid, *map(int, Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split())]
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def own_children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_rss_mib(master_pid: int) -> dict[str, float]:
    """Resident memory of the gunicorn master and its workers (from /proc)."""

    def rss(pid: int) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        return 0.0

    out: dict[str, float] = {}
    with contextlib.suppress(OSError):
        out["master"] = rss(master_pid)
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        for n, pid in enumerate(children, start=1):
            out[f"worker{n}"] = rss(int(pid))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per row")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--driver", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    driver = args.driver
    if driver == "auto":
        driver = "wrk" if shutil.which("wrk") else "python"
    drive = drive_wrk if driver == "wrk" else drive_python

    machine = c.machine()
    started_at = c.now_iso()
    began = time.monotonic()
    codebook = c.ensure_codebook()
    migrate = subprocess.run(
        [c.PYTHON, "-m", "django", "migrate", "--noinput", "-v", "0"],
        cwd=c.REPO,
        env=c.bench_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if migrate.returncode != 0:
        raise SystemExit(f"migrate failed: {migrate.stderr[-2000:]}")
    paths = code_page_paths(codebook, args.seed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = c.WORK / "gunicorn.log"
    rows_data: dict[str, dict[str, Any]] = {}
    checks: dict[str, dict[str, Any]] = {}
    with gunicorn(port, log) as proc:
        wait_ready(base, proc, log)
        checks["code pages"] = check_paths(base, paths, 200)
        checks["404 pages"] = check_paths(base, INVALID, 404)
        print(f"checked: {json.dumps(checks)}", file=sys.stderr, flush=True)
        for label, urls, expected in (("code pages", paths, 200), ("404 pages", INVALID, 404)):
            print(f"{label}: {args.connections} connections for {args.duration} s ...", file=sys.stderr, flush=True)
            load_before = os.getloadavg()[0]
            server_cpu, driver_cpu = server_cpu_seconds(proc.pid), own_children_cpu_seconds()
            rows_data[label] = drive(base, urls, expected, duration=args.duration, connections=args.connections)
            server_cpu = server_cpu_seconds(proc.pid) - server_cpu
            # wrk is reaped when it exits, so its CPU time shows up in RUSAGE_CHILDREN (the python driver's in this process)
            driver_cpu = own_children_cpu_seconds() - driver_cpu
            done = rows_data[label]
            done["server_cpu_seconds"] = round(server_cpu, 2)
            done["server_cpu_ms_per_request"] = round(server_cpu / max(done["requests"], 1) * 1000, 2)
            done["server_cpu_share"] = round(
                server_cpu / done["seconds"], 2
            )  # of the 2 cores: 2.0 = both, all the time
            done["wrk_cpu_seconds"] = round(driver_cpu, 2) if driver == "wrk" else None
            rows_data[label]["expected_status"] = expected
            rows_data[label]["urls"] = len(urls)
            rows_data[label]["loadavg_1m_before"] = round(load_before, 2)
            rows_data[label]["loadavg_1m_after"] = round(os.getloadavg()[0], 2)
        rss = server_rss_mib(proc.pid)
    if proc.returncode not in (0, -signal.SIGTERM):
        print(f"gunicorn exited with {proc.returncode}", file=sys.stderr)

    pages = rows_data["code pages"]
    rps_ok = pages["rps"] >= TARGET_RPS
    p95_ok = pages["p95_ms"] < TARGET_P95_MS
    non_ok = pages["unexpected_status"] + pages["socket_errors"]

    def row(label: str, d: dict[str, Any], target: str, ok: bool | None) -> list[Any]:
        bad = d["unexpected_status"] + d["socket_errors"]
        return [
            label,
            d["urls"],
            f"{d['requests']:,}",
            f"{d['rps']:,.0f}",
            f"{d['p50_ms']:.1f}",
            f"{d['p95_ms']:.1f}",
            f"{d['p99_ms']:.1f}",
            f"{bad} (non-{d['expected_status']})",
            target,
            c.verdict(ok),
        ]

    missed = [name for name, ok in (("req/s", rps_ok), ("p95", p95_ok), ("non-200", non_ok == 0)) if not ok]
    rows = [
        row("code pages (200)", pages, "≥ 300 req/s, p95 < 50 ms, all 200", not missed),
        row("helpful 404 pages", rows_data["404 pages"], "", None),
    ]
    if missed:
        rows[0][-1] = f"FAIL ({', '.join(missed)})"
    rows[1][-1] = ""
    result = {
        "benchmark": NAME,
        "started": started_at,
        "seconds": round(time.monotonic() - began, 1),
        "machine": machine,
        "codebook": codebook.name,
        "server": f"gunicorn config.wsgi:application --workers {WORKERS} (sync), DJANGO_SETTINGS_MODULE=config.settings.local",
        "load": {"driver": driver, "connections": args.connections, "duration_s": args.duration},
        "server_rss_mib": rss,
        "checks": checks,
        "results": {k: {kk: vv for kk, vv in v.items()} for k, v in rows_data.items()},
        "targets": {
            "rps": {"target": TARGET_RPS, "met": rps_ok},
            "p95_ms": {"target": TARGET_P95_MS, "met": p95_ok},
            "all_200": {"met": non_ok == 0},
        },
        "table": {
            "columns": [
                "pages",
                "URLs",
                "requests",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "unexpected",
                "target",
                "result",
            ],
            "rows": rows,
        },
        "notes": [
            f"{args.connections} connections for {args.duration} s per row, driven by {pages['driver']}; "
            f"gunicorn {WORKERS} sync workers on the same {machine['nproc']}-core machine; "
            f"worker RSS after the run: {', '.join(f'{k} {v:.0f} MiB' for k, v in rss.items())}.",
            f"Server CPU per request: {pages['server_cpu_ms_per_request']:.2f} ms for code pages, "
            f"{rows_data['404 pages']['server_cpu_ms_per_request']:.2f} ms for 404 pages; during the code-page "
            f"row the workers used {pages['server_cpu_share']:.2f} of the {machine['nproc']} cores"
            + (
                f" and wrk {pages['wrk_cpu_seconds'] / pages['seconds']:.2f}"
                if pages.get("wrk_cpu_seconds") is not None
                else ""
            )
            + " (the rest went to other work on the machine, or sat idle).",
        ],
    }
    c.write_result(NAME, result)


if __name__ == "__main__":
    main()
