"""REST endpoints of search: words and codes with filters, autocomplete, case-to-code."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from medcode.search import autocomplete, casecode

router = Router(tags=["search"])


class ErrorOut(Schema):
    error: str


class AutocompleteIn(Schema):
    q: str
    system: str | None = None


class AutocompleteHit(Schema):
    system: str
    code: str
    title: str
    highlight: str
    billable: bool
    terminated: bool
    index_path: str | None
    url: str


class AutocompleteOut(Schema):
    query: str
    results: list[AutocompleteHit]


class CaseIn(Schema):
    text: str
    date: str | None = None


class Evidence(Schema):
    text: str
    start: int
    end: int
    reason: str
    matched: str
    status: str
    source: str = Field(
        default="",
        description='where the evidence comes from, as a coder cites it: "Index: Fracture, femur, neck → S72.00-", '
        '"Tabular title: ...", or the guideline section or Tabular note of the rule that added the code',
    )


class CaseCode(Schema):
    system: str
    code: str
    title: str
    billable: bool
    score: float
    suggested: bool = Field(
        description=(
            "true: an official text of the code is in the note; false: a related code to review, whose text the "
            "note states only in part (reason 'partial ...'), which is an embedding neighbour ('semantic match'), or "
            "which the note gives as uncertain ('uncertain ...': inpatient records code it as if established)"
        )
    )
    incomplete: bool = Field(
        default=False,
        description=(
            'true: a code given in part for the coder to complete: an ICD-10-PCS code as the index gives it ("BW20"), '
            'or an injury code without the 7th character (the encounter) the note does not say ("S06.9X9")'
        ),
    )
    evidence: list[Evidence]


class CaseOut(Schema):
    codes: list[CaseCode]
    excluded: list[dict[str, Any]]
    validation: list[dict[str, Any]]


@router.get("autocomplete", response={200: AutocompleteOut, 400: ErrorOut, 503: ErrorOut})
def autocomplete_get(request: HttpRequest, params: Query[AutocompleteIn]) -> dict[str, Any]:
    """Up to ten codes for what has been typed (the last word may be incomplete), titles highlighted."""
    return autocomplete.autocomplete(query=params.q, system=params.system, limit=10)


@router.post("case2code", response={200: CaseOut, 400: ErrorOut, 503: ErrorOut})
def case_to_code(request: HttpRequest, payload: CaseIn) -> dict[str, Any]:
    """Codes a clinical note documents, ranked, with evidence spans.

    Negated, history and family mentions are in "excluded" with their status, and so are codes the rest of the set
    supersedes ("superseded by C64.1", "external cause without an injury"). An uncertain diagnosis is a code to
    review ("suggested": false).
    """
    return casecode.code_case(note=payload.text, date=payload.date).as_dict()
