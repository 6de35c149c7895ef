"""In-process latency of one ICD-10-CM code look-up, against the simple-icd-10-cm package as a peer.

Over a default codebook in bench/.work/data (built there first if absent), with the local settings:
for a fixed, seeded random sample of 2,000 ICD-10-CM codes (categories and codes of the latest
release), each call is timed on its own with perf_counter_ns after one untimed warm-up pass:

- medcode.codebook.selectors.concept_get(system="icd10cm", code=...): the concept row (SQLite, read-only)
- simple_icd_10_cm.get_description(code): the peer, an in-memory dict filled when the package is imported
- medcode.codebook.lookup.code_lookup(code=..., system="icd10cm"): everything a code page shows
  (ancestors, children, notes, 7th characters, index paths, history, explanation)

The first two are timed in alternating passes over the whole sample (5 passes each by default).

    .venv/bin/python bench/lookup_latency.py [--rebuild] [--sample 2000] [--passes 5] [--seed N]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

NAME = "lookup_latency"
TARGET_P50_US = 100.0
SEED = 20260401


def summarize(samples_ns: list[int]) -> dict[str, float]:
    us = [s / 1000 for s in samples_ns]
    return {
        "calls": len(us),
        "p50_us": round(c.percentile(us, 50), 2),
        "p95_us": round(c.percentile(us, 95), 2),
        "p99_us": round(c.percentile(us, 99), 2),
        "mean_us": round(sum(us) / len(us), 2),
        "max_us": round(max(us), 2),
    }


def timer_overhead_ns(rounds: int = 20000) -> float:
    clock = time.perf_counter_ns
    samples = []
    for _ in range(rounds):
        t0 = clock()
        t1 = clock()
        samples.append(t1 - t0)
    return c.percentile(samples, 50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="rebuild the bench codebook even if one exists")
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--passes", type=int, default=5, help="timed passes over the sample (concept_get, peer)")
    parser.add_argument("--lookup-passes", type=int, default=1, help="timed passes for code_lookup")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()

    machine = c.machine()
    started_at = c.now_iso()
    began = time.monotonic()
    codebook = c.ensure_codebook(rebuild=args.rebuild)
    c.django_setup()

    from medcode.codebook import lookup, selectors, store

    t_import = time.perf_counter()
    import simple_icd_10_cm as peer  # loads its data at import: outside the timed region

    peer_import_s = time.perf_counter() - t_import

    release = selectors.release_for(system="icd10cm")
    population = [
        row[0]
        for row in store.connection().execute(
            "SELECT code FROM concept WHERE release_id = ? AND kind IN ('category', 'code') ORDER BY code",
            (release.id,),
        )
    ]
    rng = random.Random(args.seed)  # noqa: S311 - a reproducible sample, not a secret
    codes = [code for code in rng.sample(population, min(args.sample, len(population))) if peer.is_valid_item(code)]
    skipped = min(args.sample, len(population)) - len(codes)

    def get(code: str) -> Any:
        return selectors.concept_get(system="icd10cm", code=code)

    describe: Callable[[str], Any] = peer.get_description  # called directly: no wrapper cost on the peer

    def page_data(code: str) -> Any:
        return lookup.code_lookup(code=code, system="icd10cm")

    # warm-up: every code once through each function (fills SQLite's page cache, the release cache)
    for fn in (get, describe, page_data):
        for code in codes:
            fn(code)

    # sanity: both sides agree on the titles of the sample
    mismatched = [code for code in codes[:200] if get(code).title != describe(code)]

    clock = time.perf_counter_ns
    times: dict[str, list[int]] = {"get": [], "peer": [], "page": []}
    for _ in range(args.passes):
        # one pass of each function over the whole sample, alternating, so that CPU contention from other
        # work on the machine falls on both alike while each runs in its own hot loop
        for key, fn in (("get", get), ("peer", describe)):
            samples = times[key]
            for code in codes:
                t0 = clock()
                fn(code)
                samples.append(clock() - t0)
    for _ in range(args.lookup_passes):
        for code in codes:
            t0 = clock()
            page_data(code)
            times["page"].append(clock() - t0)
    overhead = timer_overhead_ns()
    gc.collect()

    get_s, peer_s, page_s = summarize(times["get"]), summarize(times["peer"]), summarize(times["page"])
    met = get_s["p50_us"] < TARGET_P50_US

    def ratio(s: dict[str, float]) -> str:
        return f"{s['p50_us'] / peer_s['p50_us']:,.0f}x" if peer_s["p50_us"] else "n/a"

    def row(label: str, s: dict[str, float], target: str, ok: bool | None, vs_peer: str) -> list[Any]:
        return [
            label,
            f"{s['calls']:,}",
            f"{s['p50_us']:,.1f}",
            f"{s['p95_us']:,.1f}",
            f"{s['p99_us']:,.1f}",
            vs_peer,
            target,
            c.verdict(ok) if ok is not None else "",
        ]

    rows = [
        row("medcode selectors.concept_get", get_s, "p50 < 100 µs", met, ratio(get_s)),
        row("simple-icd-10-cm get_description (peer)", peer_s, "", None, "1x"),
        row("medcode lookup.code_lookup (full page data)", page_s, "", None, ratio(page_s)),
    ]
    result = {
        "benchmark": NAME,
        "started": started_at,
        "seconds": round(time.monotonic() - began, 1),
        "machine": machine,
        "codebook": codebook.name,
        "release": {"system": release.system, "version": release.version, "title": release.title},
        "sample": {
            "seed": args.seed,
            "size": len(codes),
            "skipped_not_in_peer": skipped,
            "population": len(population),
        },
        "passes": {"concept_get_and_peer": args.passes, "code_lookup": args.lookup_passes},
        "peer": {
            "package": "simple-icd-10-cm",
            "version": _version("simple_icd_10_cm"),
            "import_seconds": round(peer_import_s, 2),
        },
        "timer_overhead_ns_p50": overhead,
        "title_mismatches_in_first_200": mismatched,
        "results": {"concept_get": get_s, "simple_icd_10_cm_get_description": peer_s, "code_lookup": page_s},
        "targets": {"concept_get_p50_us": {"target": TARGET_P50_US, "met": met}},
        "table": {
            "columns": ["function", "calls", "p50 µs", "p95 µs", "p99 µs", "p50 vs peer", "target", "result"],
            "rows": rows,
        },
        "notes": [
            f"{len(codes):,} ICD-10-CM codes sampled (seed {args.seed}) from {release.title}; "
            f"timer overhead ≈ {overhead:.0f} ns per call (not subtracted); "
            f"simple-icd-10-cm import (data load) took {peer_import_s:.1f} s.",
        ],
    }
    c.write_result(NAME, result)


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
