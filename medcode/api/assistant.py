"""REST endpoint of the coding assistant: one question in, one cited answer out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from medcode.accounts.http import viewer_of
from medcode.assistant import services

router = Router(tags=["assistant"])


class AskIn(Schema):
    question: str
    date: str | None = None


class CodeOut(Schema):
    system: str
    code: str


class CitationOut(Schema):
    id: int
    system: str
    release: str
    source_file: str
    title: str
    url: str | None


class FactOut(Schema):
    text: str
    citation: int


class AnswerOut(Schema):
    answer: str
    summary: str
    codes: list[CodeOut]
    citations: list[CitationOut]
    verdict: str | None
    facts: list[FactOut]
    kind: str
    phrased_by: str


class ErrorOut(Schema):
    error: str


@router.post("assistant/ask", response={200: AnswerOut, 400: ErrorOut, 503: ErrorOut})
def ask(request: HttpRequest, payload: AskIn) -> dict[str, Any]:
    """Answer a coding question from the codebook's tools; every code in the answer exists in the active release.

    `verdict` is set for yes/no and may-I-bill questions (yes, no, allowed, not_allowed, allowed_with_modifier).
    Notes and other content a code page locks are quoted only for a key (or session) whose plan allows it
    (docs/metering.md); otherwise a fact says what is needed.
    """
    viewer = viewer_of(request, interface="api")
    return services.assistant_ask(question=payload.question, date=payload.date, viewer=viewer).as_dict()
