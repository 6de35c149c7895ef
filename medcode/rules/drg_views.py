"""The MS-DRG page: an inpatient case in, the MS-DRG with its MDC, weight, lengths of stay and the CC/MCC that drove it."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from medcode.codebook import selectors as codebook
from medcode.core.errors import ApplicationError
from medcode.rules import classifiers, drg_case

MAX_FIELD = 1_000  # characters of one form field read (25 codes with separators fit many times over)
MSG_NUMBER = "{field} '{value}' must be a whole number{range}"
SEPARATORS = re.compile(r"[\s,;]+")
DISCHARGE_STATUSES = (
    (1, "01 Home or self care"),
    (2, "02 Short-term general hospital"),
    (3, "03 Skilled nursing facility"),
    (6, "06 Home health service"),
    (7, "07 Left against medical advice"),
    (20, "20 Expired"),
    (62, "62 Inpatient rehabilitation facility"),
    (63, "63 Long-term care hospital"),
)


def _codes(value: str) -> list[str]:
    return [c for c in SEPARATORS.split(value[:MAX_FIELD]) if c]


def _number(value: str, field: str, low: int, high: int, default: int, problems: list[str]) -> int:
    text = value.strip()[:12]
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        problems.append(MSG_NUMBER.format(field=field, value=text, range=f" from {low} to {high}"))
        return default
    return int(text)


def drg_page(request: HttpRequest) -> HttpResponse:
    """Group an inpatient case typed in the form (GET, so a result has an address) with the CMS MS-DRG grouper."""
    query = request.GET
    form = {k: query.get(k, "")[:MAX_FIELD] for k in ("pdx", "sdx", "proc", "age", "sex", "status", "date")}
    context: dict[str, Any] = {
        "form": form,
        "statuses": DISCHARGE_STATUSES,
        "max_secondary": drg_case.MAX_SECONDARY,
        "max_procedures": drg_case.MAX_PROCEDURES,
        "version_label": classifiers.drg_version_default_label(),
    }
    status = 200
    if form["pdx"].strip():
        problems: list[str] = []
        age = _number(form["age"], "Age", 0, 124, 65, problems)
        discharge = _number(form["status"], "Discharge status", 0, 99, 1, problems)
        day = None
        if form["date"].strip():
            try:
                day = codebook.parse_date(form["date"].strip())
            except ApplicationError as exc:
                problems.append(f"Discharge date: {exc.message}")
        try:
            if problems:
                raise drg_case.DrgCaseInvalid("; ".join(problems), extra={"problems": problems})
            context["result"] = classifiers.drg_group(
                pdx=form["pdx"],
                sdx=_codes(form["sdx"]),
                procedures=_codes(form["proc"]),
                age=age,
                sex=form["sex"][:1] or "U",
                discharge_status=discharge,
                date=day,
            )
        except ApplicationError as exc:
            context["error"] = exc.message
            context["problems"] = exc.extra.get("problems") or [exc.message]
            status = 422
    return render(request, "rules/drg.html", context, status=status)
