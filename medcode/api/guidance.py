"""REST endpoints over the official guidance documents: one section verbatim, the contents, a search."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from medcode.codebook import guidance
from medcode.search import guidance as retrieval

router = Router(tags=["guidance"])


class ErrorOut(Schema):
    error: str


class SectionOut(Schema):
    document: str
    version: str
    effective_from: str
    effective_to: str | None
    section: str
    label: str
    title: str
    page: str
    parent: str | None
    text: str
    citation: str
    subsections: list[dict[str, str]] = []


class SearchHitOut(SectionOut):
    score: float


class SearchOut(Schema):
    query: str
    answers: bool
    results: list[SearchHitOut]


@router.get("guidelines/{document}/search", response={200: SearchOut, 404: ErrorOut, 503: ErrorOut})
def guidance_search(request: HttpRequest, document: str, q: str, limit: int = 10) -> dict[str, Any]:
    """Sections of a guidance document (icd10cm: the Official Guidelines; ncci: the NCCI Policy Manual) for words."""
    guidance.guidance_release(document=document)  # 404 with how to import it when absent
    found = retrieval.guidance_search(query=q[:2000], limit=max(1, min(limit, 50)), document=document)
    return {
        "query": q,
        "answers": found.answers,
        "results": [{**hit.section.as_dict(), "text": hit.passage, "score": hit.score} for hit in found.hits],
    }


class ContentsEntryOut(Schema):
    section: str
    title: str
    level: int
    page: str
    parent: str | None


@router.get("guidelines/{document}", response={200: list[ContentsEntryOut], 404: ErrorOut, 503: ErrorOut})
def guidance_contents(request: HttpRequest, document: str) -> list[dict[str, Any]]:
    """The document's table of contents: every section's reference, title, level and page."""
    return [
        {"section": s.ref, "title": s.title, "level": s.level, "page": s.page, "parent": s.parent}
        for s in guidance.section_list(document=document)
    ]


@router.get("guidelines/{document}/{section}", response={200: SectionOut, 404: ErrorOut, 503: ErrorOut})
def guidance_section(request: HttpRequest, document: str, section: str) -> dict[str, Any]:
    """One section verbatim (e.g. icd10cm I.B.5, ncci I.E) with the document's version and effective dates."""
    found = guidance.section_get(document=document, ref=section)
    children = guidance.section_children(section=found)
    return {**found.as_dict(), "subsections": [{"section": c.ref, "title": c.title} for c in children]}
