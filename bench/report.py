"""Regenerate the result tables of bench/README.md from bench/results/*.json.

Each block of README.md between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` is replaced; the rest
of the file is left alone. NAME is `machine` or a benchmark name.

    .venv/bin/python bench/report.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

README = c.BENCH_DIR / "README.md"
BENCHMARKS = (
    "serving",
    "profile_lookup",
    "build_default",
    "lookup_latency",
    "page_throughput",
    "claim_check",
    "ncci_import",
    "fhir_throughput",
    "consult_burst",
    "search_quality",
    "case2code_quality",
    "autocomplete_http",
    "assistant_eval",
    "guidance_eval",
    "coder_eval",
)


def load(name: str) -> dict[str, Any] | None:
    path = c.RESULTS / f"{name}.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def benchmark_block(name: str, result: dict[str, Any] | None) -> str:
    if result is None:
        return f"_Not run yet: `.venv/bin/python bench/{name}.py`._"
    table = result["table"]
    m = result.get("machine", {})
    load_avg = m.get("loadavg_at_start")
    lines = [
        c.markdown_table(table["columns"], table["rows"]),
        "",
        *(
            [c.markdown_table(result["speed_table"]["columns"], result["speed_table"]["rows"]), ""]
            if "speed_table" in result
            else []
        ),
        *[line for note in result.get("notes", []) for line in (note, "")],
        f"Measured {result['started']} (took {result['seconds']:.0f} s) on commit `{m.get('git')}`, "
        f"CPU {m.get('cpu')}; "
        f"1/5/15-min load average at start: {', '.join(str(x) for x in load_avg) if load_avg else 'n/a'}. "
        f"Raw numbers: [results/{name}.json](results/{name}.json).",
    ]
    return "\n".join(line for line in lines).strip()


def machine_block(results: dict[str, dict[str, Any] | None]) -> str:
    found = [r for r in results.values() if r]
    if not found:
        return "_No results yet._"
    latest = max(found, key=lambda r: r["started"])
    m = latest["machine"]
    cpus: dict[str, list[str]] = {}
    for r in found:  # runs from several sessions may come from machines with different CPUs
        cpus.setdefault(str(r["machine"].get("cpu")), []).append(r["benchmark"])
    rows = [
        [
            "CPU",
            "; ".join(f"{cpu} ({', '.join(names)})" for cpu, names in cpus.items()) if len(cpus) > 1 else m.get("cpu"),
        ],
        ["cores (nproc)", m.get("nproc")],
        ["memory", f"{m.get('memory_gib')} GiB"],
        ["Python", m.get("python")],
        ["OS", m.get("platform")],
        ["runs", ", ".join(f"{r['benchmark']} {r['started']}" for r in found)],
    ]
    note = (
        "The CPU is shared with other work (other sessions build, test and serve on the same cores), so "
        "the figures are what one run saw, not a best case; the load average at the start of each run is "
        "given under its table."
    )
    return c.markdown_table(["", ""], rows) + "\n\n" + note


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- bench:{name} -->\n).*?(\n<!-- /bench:{name} -->)", re.DOTALL)
    if not pattern.search(text):
        print(f"README.md has no <!-- bench:{name} --> block; skipped", file=sys.stderr)
        return text
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def main() -> None:
    results = {name: load(name) for name in BENCHMARKS}
    text = README.read_text(encoding="utf-8")
    text = replace_block(text, "machine", machine_block(results))
    for name, result in results.items():
        text = replace_block(text, name, benchmark_block(name, result))
    README.write_text(text, encoding="utf-8")
    print(f"updated {README.relative_to(c.REPO)}")


if __name__ == "__main__":
    main()
