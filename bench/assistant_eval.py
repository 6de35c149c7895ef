"""Assistant evaluation: accuracy by question kind, invented codes, answer time, on a codebook with official files.

    .venv/bin/python bench/assistant_eval.py            # dev split from ../shared/bench/assistant/dev.jsonl
    .venv/bin/python bench/assistant_eval.py --rebuild  # rebuild the evaluation codebook first

The evaluation codebook lives in bench/.work/assistant/: the embedded default plus the official files of
../shared/data that the questions need (HCPCS January 2026; and, where this version of medcode has their
importers, the CY2025 PFS RVU file with its GPCI file and the practitioner MUE table). It is built once
and reused. No LLM is used (MEDCODE_LLM_BASE_URL is cleared).

Grading (../shared/bench/assistant/README.md): an answer is right when it cites every code in codes_all
and none in codes_none, its text holds every token (hyphens and slashes read as spaces; numbers and
tokens of up to 3 characters match as whole words; 090 also matches 90) and its verdict equals the
expected one. Separately, every cited code is looked up in the active release: the count of those that
do not exist must be 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

NAME = "assistant_eval"
DATA = c.REPO.parent / "shared" / "data"
DEV = c.REPO.parent / "shared" / "bench" / "assistant" / "dev.jsonl"
WORK_DIR = c.WORK / "assistant"
KINDS = (
    "icd_define",
    "icd_billable",
    "icd_excludes",
    "seventh",
    "hcpcs_define",
    "modifier",
    "ncci_pair",
    "mue",
    "pfs",
    "pos",
)
# Official files imported on top of the default, by source name; a source this version cannot read is skipped.
OFFICIAL = (
    ("hcpcs", DATA / "hcpcs-2026-jan" / "HCPC2026_JAN_ANWEB_01122026.txt"),
    ("pfs", DATA / "pfs-rvu-2025a"),  # the RVU25A folder: PPRRVU25_JAN.csv (and GPCI, locality files beside it)
    ("gpci", DATA / "pfs-rvu-2025a" / "GPCI2025.csv"),
    ("mue", DATA / "mue-practitioner-2026q2" / "mue_practitioner_2026q2_dos_only.json"),
)
# What each kind is answered from; the billing-rule kinds need medcode.rules and its imports of the official files.
DEPENDS = {
    "ncci_pair": "rules: NCCI PTP (hospital edits, pyoce)",
    "mue": "rules: MUE import",
    "pfs": "rules: PFS import",
}


def build_codebook(*, rebuild: bool) -> tuple[Path, list[str], list[str]]:
    """The evaluation codebook: default + every official file whose importer this version has."""
    return c.official_codebook(WORK_DIR, OFFICIAL, rebuild=rebuild)


def _norm_text(text: str) -> str:
    return re.sub(r"[-/]", " ", text.lower())


def token_present(token: str, text: str) -> bool:
    """The README's matching rule for one expected token."""
    t = _norm_text(token).strip()
    body = _norm_text(text)
    if re.fullmatch(r"[0-9.]+", t) or len(t) <= 3:
        variants = {t}
        if re.fullmatch(r"0+[0-9]+", t):
            variants.add(t.lstrip("0") or "0")
        return any(re.search(rf"(?<![\w.]){re.escape(v)}(?![\w]|\.[0-9])", body) for v in variants)
    return t in body


def grade(item: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """What is wrong with one answer (empty when right)."""
    expect = item["expect"]
    cited = {x["code"].upper() for x in result.get("codes", [])}
    problems = []
    for code in expect.get("codes_all", []):
        if code.upper() not in cited:
            problems.append(f"missing code {code}")
    for code in expect.get("codes_none", []):
        if code.upper() in cited:
            problems.append(f"cites excluded {code}")
    for token in expect.get("tokens_all", []):
        if not token_present(token, result.get("answer", "")):
            problems.append(f"missing token {token!r}")
    if "verdict" in expect and result.get("verdict") != expect["verdict"]:
        problems.append(f"verdict {result.get('verdict')} != {expect['verdict']}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--questions", type=Path, default=DEV)
    parser.add_argument("--show", action="store_true", help="print each miss")
    args = parser.parse_args()
    if not args.questions.exists():
        sys.exit(f"{args.questions} is absent")
    started, t0 = c.now_iso(), time.monotonic()
    data_dir, imported, skipped = build_codebook(rebuild=args.rebuild)
    os.environ.pop("MEDCODE_LLM_BASE_URL", None)
    c.django_setup(data_dir)
    from medcode.assistant import guard, services
    from medcode.assistant.answer import CodeRef

    items = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    services.assistant_ask(question="warm-up: what is E11.9?")
    by_kind: dict[str, list[bool]] = defaultdict(list)
    times: list[float] = []
    invented = 0
    misses = []
    for item in items:
        t = time.perf_counter()
        answer = services.assistant_ask(question=item["question"])
        times.append((time.perf_counter() - t) * 1000)
        result = answer.as_dict()
        for code in result["codes"]:  # type: ignore[union-attr]
            if not guard.exists(CodeRef(code["system"], code["code"])):
                invented += 1
        problems = grade(item, result)
        by_kind[item["kind"]].append(not problems)
        if problems:
            misses.append({"id": item["id"], "kind": item["kind"], "problems": problems})
            if args.show:
                print(f"MISS {item['id']} {item['question']}\n  {problems}\n  {result['answer'][:300]}")
    rows = []
    for kind in [k for k in KINDS if k in by_kind] + sorted(set(by_kind) - set(KINDS)):
        ok = by_kind[kind]
        rows.append([kind, len(ok), sum(ok), f"{100 * sum(ok) / len(ok):.0f}%", DEPENDS.get(kind, "codebook")])
    total = [x for ok in by_kind.values() for x in ok]
    rows.append(["**all**", len(total), sum(total), f"**{100 * sum(total) / len(total):.1f}%**", ""])
    rows.append(["invented codes cited", "", invented, "target 0", c.verdict(invented == 0)])
    p50, p95 = c.percentile(times, 50), c.percentile(times, 95)
    rows.append(
        ["answer time p50 / p95, ms", len(times), f"{p50:.1f} / {p95:.1f}", "p95 < 300 ms", c.verdict(p95 < 300)]
    )
    notes = [
        f"Questions: {args.questions.name} ({len(items)}), no LLM. Codebook: embedded default plus "
        + (", ".join(imported) or "nothing")
        + "."
        + (f" Not imported: {'; '.join(skipped)}." if skipped else ""),
    ]
    c.write_result(
        NAME,
        {
            "benchmark": NAME,
            "machine": c.machine(),
            "started": started,
            "seconds": time.monotonic() - t0,
            "table": {"columns": ["kind", "questions", "right", "accuracy", "needs"], "rows": rows},
            "notes": notes,
            "misses": misses,
            "imported": imported,
            "skipped": skipped,
        },
    )


if __name__ == "__main__":
    main()
