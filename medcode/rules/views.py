"""Claim checker, fee calculator and modifier reference pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from medcode.core.errors import ApplicationError
from medcode.rules import modifiers, selectors, services

FORM_LINES = 8
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_JSON_CHARS = 1_000_000
MSG_UPLOAD_TOO_BIG = "The uploaded file is {size:,} bytes; the limit here is {limit:,} (use the API or CLI for more)"
MSG_UPLOAD_NOT_TEXT = "The uploaded file is not UTF-8 text (CSV or JSON)"
MSG_JSON = "The JSON is not valid: {problem} (line {line}, column {column})"


def _form_claim(request: HttpRequest) -> dict[str, Any]:
    data = request.POST
    lines = []
    for i in range(1, FORM_LINES + 1):
        code = data.get(f"code{i}", "").strip()
        if code:
            lines.append(
                {
                    "code": code[:12],
                    "modifiers": data.get(f"mod{i}", "")[:40],
                    "units": data.get(f"units{i}", "").strip() or 1,
                    "dx_pointers": data.get(f"ptr{i}", "")[:20],
                    "minutes": data.get(f"min{i}", "").strip()[:6],
                }
            )
    return {
        "date_of_service": data.get("date_of_service", "").strip(),
        "place_of_service": data.get("place_of_service", "").strip(),
        "setting": data.get("setting", "practitioner"),
        "locality": data.get("locality", "").strip(),
        "provider_type": data.get("provider_type", "physician"),
        "diagnoses": data.get("diagnoses", "")[:400],
        "lines": lines,
    }


def _initial(request: HttpRequest) -> dict[str, Any]:
    """Form values: from a posted form, or pre-filled by ?codes=A,B&date=... (links from code pages)."""
    if request.method == "POST":
        claim = _form_claim(request)
    else:
        codes = [c for c in request.GET.get("codes", "").replace(" ", ",").split(",") if c][:FORM_LINES]
        claim = {
            "date_of_service": request.GET.get("date") or dt.date.today().isoformat(),
            "place_of_service": request.GET.get("pos", "11"),
            "setting": request.GET.get("setting", "practitioner"),
            "locality": request.GET.get("locality", ""),
            "provider_type": request.GET.get("provider_type", "physician"),
            "diagnoses": request.GET.get("dx", ""),
            "lines": [{"code": c, "modifiers": "", "units": 1, "dx_pointers": "", "minutes": ""} for c in codes],
        }
    blank = {"code": "", "modifiers": "", "units": "", "dx_pointers": "", "minutes": ""}
    rows = list(claim["lines"]) + [blank] * FORM_LINES
    claim["rows"] = [
        {"n": i, **{k: (", ".join(v) if isinstance(v, list) else v) for k, v in row.items()}}
        for i, row in enumerate(rows[:FORM_LINES], start=1)
    ]
    return claim


def check(request: HttpRequest) -> HttpResponse:
    """The claim checker: a form, pasted JSON or an uploaded CSV/JSON file; findings and amounts per line."""
    context: dict[str, Any] = {"form": _initial(request), "localities": _localities()}
    status = 200
    if request.method == "POST":
        try:
            upload = request.FILES.get("file")
            pasted = request.POST.get("json", "").strip()
            if upload is not None:
                if upload.size and upload.size > MAX_UPLOAD_BYTES:
                    raise ApplicationError(MSG_UPLOAD_TOO_BIG.format(size=upload.size, limit=MAX_UPLOAD_BYTES))
                try:
                    text = upload.read(MAX_UPLOAD_BYTES + 1).decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise ApplicationError(MSG_UPLOAD_NOT_TEXT) from None
                if text.lstrip().startswith("{"):
                    context["results"] = [{"claim_id": upload.name, **services.claim_check_json(_json(text))}]
                else:
                    context["results"] = services.csv_text_check(text)
            elif pasted:
                if len(pasted) > MAX_JSON_CHARS:
                    raise ApplicationError(MSG_UPLOAD_TOO_BIG.format(size=len(pasted), limit=MAX_JSON_CHARS))
                context["results"] = [{"claim_id": "pasted", **services.claim_check_json(_json(pasted))}]
            else:
                context["results"] = [{"claim_id": "form", **services.claim_check_json(_form_claim(request))}]
        except ApplicationError as exc:
            context["error"] = exc.message
            context["problems"] = exc.extra.get("problems", [])
            status = 422
    return render(request, "rules/check.html", context, status=status)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApplicationError(MSG_JSON.format(problem=exc.msg, line=exc.lineno, column=exc.colno)) from None


def _localities() -> list[dict[str, object]]:
    try:
        release = selectors.rule_release(system="gpci")
    except ApplicationError:
        return []
    return selectors.locality_list(release=release) if release else []


def fee(request: HttpRequest) -> HttpResponse:
    """The fee calculator: one code, modifiers, locality and place of service, step by step."""
    keys = ("code", "modifiers", "locality", "pos", "date", "units", "provider_type", "minutes", "base_units")
    params = {k: request.GET.get(k, "").strip() for k in keys}
    context: dict[str, Any] = {"params": params, "localities": _localities()}
    status = 200
    if params["code"]:
        try:
            context["result"] = services.fee_calculate(
                code=params["code"][:12],
                modifiers=params["modifiers"][:40],
                locality=params["locality"] or None,
                place_of_service=params["pos"] or None,
                units=int(params["units"]) if params["units"].isdigit() else 1,
                date=params["date"] or None,
                provider_type=params["provider_type"][:20] or None,
                minutes=params["minutes"][:6] or None,
                base_units=params["base_units"][:6] or None,
            )
        except (ApplicationError, ValueError) as exc:
            context["error"] = getattr(exc, "message", str(exc))
            status = 422
    return render(request, "rules/fee.html", context, status=status)


def modifier_reference(request: HttpRequest) -> HttpResponse:
    """The payment modifiers explained: meaning, NCCI bypass, payment effect; then every official Level II modifier."""
    return render(
        request,
        "rules/modifiers.html",
        {"items": modifiers.modifier_list(), "label": modifiers.LABEL, "official": modifiers.official_modifiers()},
    )
