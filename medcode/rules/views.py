"""Claim checker, fee calculator and modifier reference pages."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render

from medcode.accounts.http import client_ip
from medcode.core.errors import ApplicationError
from medcode.rules import batches, modifiers, selectors, services

FORM_LINES = 8
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


def check(request: HttpRequest) -> HttpResponseBase:
    """The claim checker: a form, pasted JSON or an uploaded CSV/JSON file; findings and amounts per line."""
    context: dict[str, Any] = {
        "form": _initial(request),
        "localities": _localities(),
        "upload_limit": settings.MEDCODE_CLAIM_UPLOAD_MAX_BYTES,
        "sync_claims": settings.MEDCODE_CLAIM_SYNC_MAX_CLAIMS,
        "missing": services.amounts_missing(),
    }
    status = 200
    if request.method == "POST":
        try:
            upload = request.FILES.get("file")
            pasted = request.POST.get("json", "").strip()
            if upload is not None:
                head = upload.read(64)
                upload.seek(0)
                if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
                    if upload.size and upload.size > MAX_JSON_CHARS:
                        raise ApplicationError(MSG_UPLOAD_TOO_BIG.format(size=upload.size, limit=MAX_JSON_CHARS))
                    try:
                        text = upload.read(MAX_JSON_CHARS + 1).decode("utf-8-sig")
                    except UnicodeDecodeError:
                        raise ApplicationError(MSG_UPLOAD_NOT_TEXT) from None
                    context["results"] = [{"claim_id": upload.name, **services.claim_check_json(_json(text))}]
                else:
                    outcome = batches.claim_file_submit(
                        file=upload,
                        size=upload.size,
                        filename=upload.name or "claims.csv",
                        user_id=request.user.pk,
                        client=batches.client_key(user_id=request.user.pk, ip=client_ip(request)),
                    )
                    if outcome.batch is not None:
                        return redirect("rules:batch", token=outcome.batch.token)
                    context["results"] = outcome.results
            elif pasted:
                if len(pasted) > MAX_JSON_CHARS:
                    raise ApplicationError(MSG_UPLOAD_TOO_BIG.format(size=len(pasted), limit=MAX_JSON_CHARS))
                context["results"] = [{"claim_id": "pasted", **services.claim_check_json(_json(pasted))}]
            else:
                context["results"] = [{"claim_id": "form", **services.claim_check_json(_form_claim(request))}]
        except ApplicationError as exc:
            context["error"] = exc.message
            context["problems"] = exc.extra.get("problems", [])
            status = 429 if isinstance(exc, batches.BatchBusy) else 422
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


def _form_date(value: str) -> dt.date | None:
    """The date typed in the fee form, or None when it is blank or not a date (the calculation then says why)."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def fee(request: HttpRequest) -> HttpResponse:
    """The fee calculator: one code, modifiers, locality and place of service, step by step."""
    keys = ("code", "modifiers", "locality", "pos", "date", "units", "provider_type", "minutes", "base_units", "all")
    params = {k: request.GET.get(k, "").strip() for k in keys}
    missing = services.amounts_missing(as_of=_form_date(params["date"]))
    context: dict[str, Any] = {"params": params, "localities": _localities(), "missing": missing}
    status = 200
    if params["code"] and not missing["amounts"]:  # without the RVU file the page says so once, above the form
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
            # both settings side by side, at the locality chosen or, on request, at every locality
            context["compare"] = services.fee_compare(
                code=params["code"][:12],
                modifiers=params["modifiers"][:40],
                locality=params["locality"] or None,
                units=int(params["units"]) if params["units"].isdigit() else 1,
                date=params["date"] or None,
                provider_type=params["provider_type"][:20] or None,
                minutes=params["minutes"][:6] or None,
                base_units=params["base_units"][:6] or None,
                all_localities=params["all"] == "1",
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


def batch(request: HttpRequest, token: str) -> HttpResponse:
    """A claim file checked in the background: its progress, then a summary, the first claims and the downloads."""
    found = batches.claim_batch_get(token=token, user_id=request.user.pk)
    context = {
        "batch": found,
        "interrupted": batches.claim_batch_interrupted(found),
        "results": list(batches.claim_batch_results(found)),
        "preview": batches.PREVIEW_CLAIMS,
        "interrupted_message": batches.MSG_BATCH_INTERRUPTED,
        "missing": services.amounts_missing(),
    }
    return render(request, "rules/batch.html", context)


def batch_download(request: HttpRequest, token: str, fmt: str) -> HttpResponseBase:
    """A finished batch's results: every claim as JSON lines, or every finding as CSV."""
    found = batches.claim_batch_get(token=token, user_id=request.user.pk)
    path = batches.results_path(found)
    if found.status != "done" or not path.exists() or fmt not in ("jsonl", "csv"):
        raise batches.BatchNotFound(batches.MSG_BATCH_NOT_FOUND.format(hours=settings.MEDCODE_CLAIM_BATCH_KEEP_HOURS))
    stem = re.sub(r"[^\w.-]+", "_", found.filename.rsplit(".", 1)[0])[:80] or "claims"
    if fmt == "jsonl":
        return FileResponse(
            path.open("rb"), as_attachment=True, filename=f"{stem}-results.jsonl", content_type="application/jsonl"
        )
    response = StreamingHttpResponse(batches.claim_batch_findings_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}-findings.csv"'
    return response
