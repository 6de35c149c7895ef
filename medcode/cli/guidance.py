"""`medcode guideline`: one section of the official guidance documents, or a search within them."""

from __future__ import annotations

import argparse
from typing import Any

from medcode.cli.common import add_command, emit


def cmd_guideline(args: argparse.Namespace) -> int:
    from medcode.codebook import guidance
    from medcode.search import guidance as retrieval

    if args.search:
        found = retrieval.guidance_search(query=args.section, limit=args.limit, document=args.document)
        result: dict[str, Any] = {
            "query": args.section,
            "answers": found.answers,
            "results": [{**hit.section.as_dict(), "text": hit.passage, "score": hit.score} for hit in found.hits],
        }

        def human_search(r: dict[str, Any]) -> str:
            if not r["results"]:
                return "No section matches."
            return "\n\n".join(f"{h['citation']} (page {h['page']}): {h['title']}\n  {h['text']}" for h in r["results"])

        emit(args, result, human_search)
        return 0
    section = guidance.section_get(document=args.document or "icd10cm", ref=args.section)
    children = guidance.section_children(section=section)
    data = {**section.as_dict(), "subsections": [{"section": c.ref, "title": c.title} for c in children]}

    def human(r: dict[str, Any]) -> str:
        lines = [
            f"{r['citation']}: {r['title']}",
            f"{r['document']} {r['version']}, effective {r['effective_from']}"
            + (f" to {r['effective_to']}" if r["effective_to"] else "")
            + f", page {r['page']}",
            "",
            r["text"] or "(no text of its own; see its subsections)",
        ]
        if r["subsections"]:
            lines += ["", "Subsections:"] + [f"  {c['section']}  {c['title']}" for c in r["subsections"]]
        return "\n".join(lines)

    emit(args, data, human)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "guideline",
        cmd_guideline,
        "a section of the ICD-10-CM Official Guidelines (or, with --document ncci, the NCCI Policy Manual), verbatim",
    )
    parser.add_argument(
        "section", help="the section as the document numbers it (I.B.5, IV.H; NCCI: I.E), or words with --search"
    )
    parser.add_argument(
        "--document",
        choices=("icd10cm", "ncci"),
        default=None,
        help="which document (default: the ICD-10-CM guidelines; a search looks in both)",
    )
    parser.add_argument("--search", action="store_true", help="search the sections for these words instead")
    parser.add_argument("--limit", type=int, default=5)
