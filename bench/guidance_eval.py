"""Guidance evaluation: the assistant on the guideline, sequencing and policy questions of the coder set.

    .venv/bin/python bench/guidance_eval.py            # ../shared/bench/coder/questions.jsonl, those kinds
    .venv/bin/python bench/guidance_eval.py --rebuild  # rebuild the evaluation codebook first
    .venv/bin/python bench/guidance_eval.py --show     # print each miss

The evaluation codebook lives in bench/.work/guidance/: the embedded default plus the FY2026 ICD-10-CM
Official Guidelines PDF (`--source icd10cm-guidelines`) and the 2026 NCCI Policy Manual
(`--source ncci-manual`) from ../shared/data. No LLM is used (MEDCODE_LLM_BASE_URL is cleared).

Grading (../shared/bench/coder/README.md): right when every answer_codes code is in the answer's codes or
written in its text, no must_not_codes code is in its codes, and every answer_tokens token appears in the
text as a whole word (case-insensitive, hyphens as spaces). Separately: every quotation of an official
section in an answer ('ICD-10-CM Official Guidelines FY 2026, Section I.B.5: "..."') must be the stored text
of the section it names, word for word, with the document's version; and the answer time (after one warm-up
question; p95 target under 300 ms).
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

NAME = "guidance_eval"
DATA = c.REPO.parent / "shared" / "data"
QUESTIONS = c.REPO.parent / "shared" / "bench" / "coder" / "questions.jsonl"
WORK_DIR = c.WORK / "guidance"
KINDS = ("guideline", "sequencing", "policy")
OFFICIAL = (
    ("icd10cm-guidelines", DATA / "icd10cm-guidelines-fy2026" / "fy-2026-icd-10-cm-coding-guidelines.pdf"),
    ("ncci-manual", DATA / "ncci-policy-manual-2026" / "ncci_policy_manual.txt"),
)
QUOTE = re.compile(
    r"(ICD-10-CM Official Guidelines|NCCI Policy Manual) ([^,\n\"]+), (Section [^:\n\"]+|Chapter [^:\n\"]+): \"(.+?)\""
)
CODE = re.compile(r"\b[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?\b")


def build_codebook(*, rebuild: bool) -> Path:
    """The default codebook with both guidance documents; the questions need both."""
    data_dir, _, skipped = c.official_codebook(WORK_DIR, OFFICIAL, rebuild=rebuild)
    if skipped:
        sys.exit("the guidance questions need both documents: " + "; ".join(skipped))
    return data_dir


def _norm(code: str) -> str:
    return code.replace(".", "").upper()


def grade(item: dict[str, Any], result: dict[str, Any]) -> list[str]:
    text = str(result.get("answer", ""))
    cited = {_norm(x["code"]) for x in result.get("codes", [])}
    written = {_norm(m) for m in CODE.findall(text)}
    problems = [f"missing code {code}" for code in item["answer_codes"] if _norm(code) not in cited | written]
    problems += [f"cites excluded {code}" for code in item["must_not_codes"] if _norm(code) in cited]
    words = " " + re.sub(r"[^a-z0-9]+", " ", text.lower().replace("-", " ")) + " "
    for token in item["answer_tokens"]:
        if " " + re.sub(r"[^a-z0-9]+", " ", token.lower().replace("-", " ")).strip() + " " not in words:
            problems.append(f"missing token {token!r}")
    return problems


def quotations_verbatim(text: str) -> tuple[int, list[str]]:
    """How many quotations the answer holds, and those that are not their section's text word for word."""
    from medcode.codebook import guidance

    wrong = []
    found = QUOTE.findall(text)
    for document, version, label, quoted in found:
        key = "icd10cm" if document.startswith("ICD") else "ncci"
        if label.startswith("Chapter "):
            chapter, _, letter = label.removeprefix("Chapter ").partition(", section ")
            ref = f"{chapter}.{letter}" if letter else chapter
        else:
            ref = label.removeprefix("Section ")
        try:
            section = guidance.section_get(document=key, ref=ref)
        except Exception as exc:
            wrong.append(f"{document} {ref}: {exc}")
            continue
        if section.release.version != version:
            wrong.append(f"{document} {ref}: version {version} != {section.release.version}")
        if quoted.removesuffix(" [...]") not in " ".join(section.text.split()):
            wrong.append(f"{document} {ref}: not verbatim")
    return len(found), wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--show", action="store_true", help="print each miss")
    args = parser.parse_args()
    if not args.questions.exists():
        sys.exit(f"{args.questions} is absent")
    started, t0 = c.now_iso(), time.monotonic()
    data_dir = build_codebook(rebuild=args.rebuild)
    os.environ.pop("MEDCODE_LLM_BASE_URL", None)
    c.django_setup(data_dir)
    from medcode.assistant import services
    from medcode.search import guidance as retrieval

    items = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    items = [item for item in items if item["kind"] in KINDS]
    warm = time.perf_counter()
    retrieval.guidance_warm()
    services.assistant_ask(question="warm-up: can I code signs and symptoms of a confirmed diagnosis?")
    # the code search and case-to-code indexes are built on their first use too (not this benchmark's subject)
    services.assistant_ask(question="warm-up: which codes, in order, for pneumonia with a fever?")
    warm_ms = (time.perf_counter() - warm) * 1000
    by_kind: dict[str, list[bool]] = defaultdict(list)
    times: list[float] = []
    quotes, unfaithful, misses = 0, [], []
    for item in items:
        t = time.perf_counter()
        answer = services.assistant_ask(question=item["question"], use_llm=False)
        times.append((time.perf_counter() - t) * 1000)
        result = answer.as_dict()
        problems = grade(item, result)
        count, wrong = quotations_verbatim(str(result["answer"]))
        quotes += count
        unfaithful += [f"{item['id']}: {w}" for w in wrong]
        by_kind[item["kind"]].append(not problems)
        if problems:
            misses.append({"id": item["id"], "kind": item["kind"], "problems": problems})
            if args.show:
                print(f"MISS {item['id']} {item['question']}\n  {problems}\n  {str(result['answer'])[:400]}\n")
    rows = []
    for kind in [k for k in KINDS if k in by_kind]:
        ok = by_kind[kind]
        rows.append([kind, len(ok), sum(ok), f"{100 * sum(ok) / len(ok):.0f}%"])
    total = [x for ok in by_kind.values() for x in ok]
    rows.append(["**all**", len(total), sum(total), f"**{100 * sum(total) / max(len(total), 1):.0f}%**"])
    rows.append(["quotations not verbatim (of all quotations)", quotes, len(unfaithful), "target 0"])
    p50, p95 = c.percentile(times, 50), c.percentile(times, 95)
    rows.append(["answer time p50 / p95, ms", len(times), f"{p50:.1f} / {p95:.1f}", "p95 < 300 ms"])
    notes = [
        f"Questions: {args.questions.name}, kinds {', '.join(KINDS)} ({len(items)}), no LLM. Codebook: embedded"
        " default plus " + ", ".join(f"{name} ({path.name})" for name, path in OFFICIAL) + ".",
        f"First question of a process (guidance index built, {warm_ms:.0f} ms) not timed.",
    ]
    c.write_result(
        NAME,
        {
            "benchmark": NAME,
            "machine": c.machine(),
            "started": started,
            "seconds": time.monotonic() - t0,
            "table": {"columns": ["kind", "questions", "right", "accuracy"], "rows": rows},
            "notes": notes,
            "misses": misses,
            "unfaithful": unfaithful,
        },
    )


if __name__ == "__main__":
    main()
