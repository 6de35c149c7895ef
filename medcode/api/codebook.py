"""REST endpoints over the codebook: one code, releases, what changed, plain search."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from medcode.accounts import metering
from medcode.accounts.http import viewer_of
from medcode.api.answers import answers
from medcode.codebook import lookup, selectors

router = Router(tags=["codebook"])


class ErrorOut(Schema):
    error: str


class ReleaseOut(Schema):
    id: int
    system: str
    version: str
    content: str
    effective_from: str
    effective_to: str | None
    title: str
    source: str
    file: str
    sha256: str


class VariantOut(Schema):
    code: str
    title: str


class SearchHit(Schema):
    system: str
    code: str
    title: str
    billable: bool
    kind: str
    release: str
    score: float | None = None
    match: str | None = None
    highlight: str | None = None
    index_path: str | None = None
    matched_text: str | None = None
    terminated: bool = False
    # the other 7th-character variants of the code, grouped under it (initial encounter first), a click away
    variants: list[VariantOut] = []
    # for a Level II drug and a query naming a dose: the units to bill (from the amount the descriptor bills per unit)
    units: int | None = None


class SearchOut(Schema):
    query: str
    results: list[SearchHit]
    corrections: dict[str, str] = {}


class SearchIn(Schema):
    q: str
    system: str | None = None
    limit: int = 20
    billable: bool = False
    chapter: str | None = None
    date: str | None = None


@router.get("codes/{system}/{code}", response={200: dict[str, Any], 400: ErrorOut, 404: ErrorOut, 503: ErrorOut})
def code_get(request: HttpRequest, system: str, code: str, date: str | None = None) -> dict[str, Any]:
    """One code from the release in effect on `date` (default: the newest): official text, notes, hierarchy.

    Metered as code pages are (docs/metering.md): with a key (or a logged-in session) whose plan has code
    views left, everything; else the public fields, and `access` says what is locked and what is needed.
    The code's data comes from the per-process answer cache (medcode/api/answers.py, never changed after it is
    made); the access decision is made for every request.
    """
    result = answers.get_or_make(
        ("rest-code", system, code, date), lambda: lookup.code_lookup(code=code, system=system, date=date)
    )
    access = metering.access_decide(
        viewer=viewer_of(request, interface="api"), system=result["system"], code=result["code"]
    )
    request.code_access = access  # type: ignore[attr-defined]
    return {**lookup.code_lookup_public(result, locked=access.locked), "access": access.as_dict()}


@router.get("releases", response={200: list[ReleaseOut], 503: ErrorOut})
def release_list(request: HttpRequest) -> list[dict[str, object]]:
    """Every release in the active codebook with its source file and checksum."""
    return [r.as_dict() for r in selectors.release_list(content=None)]


@router.get("releases/{system}/changes", response={200: dict[str, Any], 400: ErrorOut, 404: ErrorOut})
def release_changes(
    request: HttpRequest, system: str, old: str | None = None, new: str | None = None
) -> dict[str, Any]:
    """Codes added, deleted and revised between two releases of a system."""
    return lookup.release_changes(system=system, old=old, new=new)


@router.get("search", response={200: SearchOut, 400: ErrorOut, 503: ErrorOut})
def search(request: HttpRequest, params: Query[SearchIn]) -> dict[str, Any]:
    """Codes by code (any form), fragment, words, abbreviations; filters: system, billable, chapter, date."""
    return lookup.code_search(
        query=params.q[:2000],
        system=params.system,
        limit=params.limit,
        billable=params.billable,
        chapter=params.chapter,
        date=params.date,
    )
