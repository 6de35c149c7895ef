"""Tools that find codes from words: search with its index path, and suggested codes for a pasted case."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from medcode.assistant.answer import Citation, Fact, ToolResult
from medcode.assistant.tools.codebook import ref
from medcode.codebook import selectors
from medcode.core.errors import ApplicationError
from medcode.search import casecode
from medcode.search import services as search_services

MAX_RESULTS = 5
MAX_CASE_CODES = 8
QUESTION_WORDS = re.compile(
    r"\b(what(?:'s| is)?|which|the|code|codes|for|icd[- ]?10(?:[- ]?cm)?|diagnosis|hcpcs|cpt|pcs|how|do|i|to|"
    r"is|there|a|an|please|find|me|give|dx)\b\??",
    re.IGNORECASE,
)


def _query(question: str) -> str:
    return " ".join(QUESTION_WORDS.sub(" ", question).replace("?", " ").split())


def _concept(system: str, code: str, as_of: dt.date | None) -> selectors.ConceptRow | None:
    try:
        return selectors.concept_get(system=system, code=code, as_of=as_of)
    except ApplicationError:
        return None


WITHOUT = re.compile(r"\b(?:without|w/o|no|non)[- ](?:any (?:type )?)?([a-z]+)", re.IGNORECASE)


def _with_without(rows: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """The hits in order, those whose title says "without X" of an X the query names without saying "without"
    moved after the others ("bed with side rails": not "bed, without side rails"); a stable reorder."""
    low = query.lower()
    denied = {m.group(1) for m in WITHOUT.finditer(low)}

    def contradicts(row: dict[str, Any]) -> bool:
        title = str(row.get("title") or "").lower()
        return any(w in low and w not in denied for w in (m.group(1) for m in WITHOUT.finditer(title)))

    return [r for r in rows if not contradicts(r)] + [r for r in rows if contradicts(r)]


def code_search(*, question: str, system: str | None = None, as_of: dt.date | None = None) -> ToolResult:
    """Codes for a description from the search engine (titles, inclusion terms, Alphabetic Index paths)."""
    query = _query(question)
    result = ToolResult(tool="code_search")
    if not query:
        result.found = False
        return result
    found = search_services.search(query=query, system=system, limit=20, date=as_of.isoformat() if as_of else None)
    rows = [r for r in found["results"] if r.get("kind") not in {"chapter", "section", "range"}]
    rows = _with_without(rows, query)
    shown = 0
    for hit in rows:
        concept = _concept(hit["system"], hit["code"], as_of)
        if concept is None:
            continue
        state = "billable" if concept.billable else "not billable by itself: pick a more specific code below it"
        text = f"{concept.code} ({concept.release.label}): {concept.title} ({state})."
        path = hit.get("index_path")
        if path:
            text += f" Index: {' > '.join(path) if isinstance(path, list) else path}."
        result.facts.append(Fact(text, Citation.of_release(concept.release), (ref(concept),)))
        result.codes.append(ref(concept))
        shown += 1
        if shown >= MAX_RESULTS:
            break
    if not result.codes:
        result.found = False
        result.direct = "I found no code whose official title or index entry matches those words. Try other words."
        return result
    best = result.codes[0]
    corrections = found.get("corrections") or {}
    spelled = f" (read {', '.join(f'{k} as {v}' for k, v in corrections.items())})" if corrections else ""
    result.direct = (
        f"The best match{spelled} is {best.code}: {result.facts[0].text.split(': ', 1)[1]} Check the notes on its page"
        " and the documentation before choosing: a search match is a lead, not a coding decision."
    )
    return result


def case_codes(*, note: str, as_of: dt.date | None = None) -> ToolResult:
    """Suggested codes for a pasted case, each with the words of the note that support it."""
    result = ToolResult(tool="case_to_code")
    try:
        found = casecode.case_to_code(note=note, date=as_of.isoformat() if as_of else None)
    except ApplicationError as exc:
        result.found = False
        result.direct = exc.message
        return result
    for item in [c for c in found["codes"] if c["suggested"]][:MAX_CASE_CODES]:
        concept = _concept(item["system"], item["code"], as_of)
        if concept is None:
            continue
        evidence = "; ".join(
            str(e.get("text") or e) if isinstance(e, dict) else str(e) for e in item.get("evidence", [])[:2]
        )
        text = f"{concept.code} ({concept.release.label}): {concept.title}" + (
            f". Evidence: {evidence}" if evidence else "."
        )
        result.facts.append(Fact(text, Citation.of_release(concept.release), (ref(concept),)))
        result.codes.append(ref(concept))
    if not result.codes:
        result.found = False
        result.direct = "I found no codes to suggest for that text."
        return result
    result.direct = (
        f"Suggested codes for this case, strongest first: {', '.join(c.code for c in result.codes)}. They are"
        " suggestions from the text, not a coding decision: confirm each against the documentation and its notes."
    )
    return result
