"""Tools that find codes from words: search, and suggested codes for a pasted case."""

from __future__ import annotations

import datetime as dt
import re

from medcode.assistant.answer import Citation, Fact, ToolResult
from medcode.assistant.tools.codebook import ref
from medcode.codebook import lookup, selectors

MAX_RESULTS = 5
QUESTION_WORDS = re.compile(
    r"\b(what(?:'s| is)?|which|the|code|codes|for|icd[- ]?10(?:[- ]?cm)?|diagnosis|hcpcs|cpt|pcs|how|do|i|to|"
    r"is|there|a|an|please|find|me|give|dx)\b\??",
    re.IGNORECASE,
)


def _query(question: str) -> str:
    return " ".join(QUESTION_WORDS.sub(" ", question).replace("?", " ").split())


def code_search(*, question: str, system: str | None = None, as_of: dt.date | None = None) -> ToolResult:
    """Codes whose official titles and inclusion terms match the words of the question (billable first)."""
    query = _query(question)
    result = ToolResult(tool="code_search")
    if not query:
        result.found = False
        return result
    hits = lookup.code_search(query=query, system=system, limit=20)["results"]
    rows = [h for h in hits if h["kind"] not in {"chapter", "section", "range"}][:MAX_RESULTS]
    if not rows:
        result.found = False
        result.direct = "I found no code whose official title matches those words. Try other words, or the index."
        return result
    for hit in rows:
        concept = selectors.concept_get(system=hit["system"], code=hit["code"], as_of=as_of)
        state = "billable" if concept.billable else "not billable by itself: pick a more specific code below it"
        result.facts.append(
            Fact(
                f"{concept.code} ({concept.release.label}): {concept.title} ({state}).",
                Citation.of_release(concept.release),
                (ref(concept),),
            )
        )
        result.codes.append(ref(concept))
    best = rows[0]
    result.direct = (
        f"The closest match by official title is {best['code']} ({best['title']}). Check the notes on its page and"
        " the documentation before choosing: a search match is a lead, not a coding decision."
    )
    return result
