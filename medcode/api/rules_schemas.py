"""The typed answers of the rules API (claim check, claim files, modifiers), as the OpenAPI document describes them.

Fields a result leaves out (a finding's ``details``, a line's ``minutes``) stay out of the JSON: the routes
serialise with ``exclude_unset``.
"""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class FindingOut(Schema):
    rule: str
    severity: str
    codes: list[str]
    lines: list[int]
    message: str
    release: str | None
    details: dict[str, str] | None = None


class FeeStepOut(Schema):
    step: str
    amount: float
    note: str | None = None


class LineFeeOut(Schema):
    line: int
    code: str
    amount: float | None
    setting: str
    locality: str
    rvu_row: str
    steps: list[FeeStepOut]


class ClaimLineOut(Schema):
    line: int
    code: str
    modifiers: list[str]
    units: int
    date_of_service: str
    place_of_service: str | None
    dx_pointers: list[int]
    minutes: int | None = None
    base_units: float | None = None
    fee: LineFeeOut | None


class ClaimSummaryOut(Schema):
    errors: int
    warnings: int
    info: int
    allowed_total: float | None


class ClaimReleasesOut(Schema):
    ncci_ptp: str | None
    mue: str | None
    addon: str | None
    pfs: str | None
    icd10cm: str | None


class ClaimCheckOut(Schema):
    """One claim's findings (most severe first), its lines with their fees, and the releases the rules came from."""

    date_of_service: str
    setting: str
    provider_type: str
    locality: str | None
    findings: list[FindingOut]
    lines: list[ClaimLineOut]
    summary: ClaimSummaryOut
    releases: ClaimReleasesOut


class ClaimFileResultOut(Schema):
    """One claim of a file: its check, or the error that stopped it (with what the error names)."""

    model_config = ConfigDict(extra="allow")
    claim_id: str
    error: str | None = None
    date_of_service: str | None = None
    setting: str | None = None
    provider_type: str | None = None
    locality: str | None = None
    findings: list[FindingOut] | None = None
    lines: list[ClaimLineOut] | None = None
    summary: ClaimSummaryOut | None = None
    releases: ClaimReleasesOut | None = None


class ClaimFileOut(Schema):
    claims: list[ClaimFileResultOut]


class ClaimBatchOut(Schema):
    """A background claim check: where it stands and where its results are once done."""

    status: str
    claims_total: int
    claims_done: int
    summary: dict[str, object] | None
    message: str | None
    status_url: str
    page_url: str
    results_jsonl_url: str | None
    findings_csv_url: str | None


class ModifierOut(Schema):
    """A modifier of the reference: the team's explanation (labelled) and the official descriptor when loaded."""

    code: str
    official_descriptor: str | None
    ncci_bypass: bool
    name: str | None = None
    meaning: str | None = None
    ncci: str | None = None
    payment: str | None = None
    label: str


class _Open(Schema):
    # a key the classifier adds later passes through (and is listed here when it is documented)
    model_config = ConfigDict(extra="allow")


class DrgCodeOut(_Open):
    code: str | None
    severity: str | None = None
    drg_impact: str | None = None


class DrgOut(_Open):
    """An inpatient case grouped by the CMS MS-DRG grouper, with the version chosen and its weight when carried."""

    version: int
    version_label: str
    drg: int | str | None
    title: str | None
    mdc: int | str | None
    mdc_title: str | None
    severity: str | None
    return_code: str | None
    weight: float | None
    gmlos: float | None = None
    amlos: float | None = None
    drg_type: str | None = None
    diagnoses: list[DrgCodeOut]
    drivers: list[DrgCodeOut] = []
    procedures: list[DrgCodeOut]
    source: str


class GemTargetOut(_Open):
    code: str
    approximate: bool
    no_map: bool
    combination: bool
    scenario: int
    choice_list: int


class GemsOut(_Open):
    """The General Equivalence Mappings of a code in one direction (10to9 or 9to10)."""

    code: str
    direction: str
    targets: list[GemTargetOut]
    source: str


class CcStatusOut(_Open):
    level: str | None
    pdx_collection: str | int | None
    excluded_by_count: int
    excluded_by: list[str]
    source: str


class HccEntryOut(_Open):
    hcc: str
    label: str | None = None


class HccOut(_Open):
    code: str
    models: dict[str, list[HccEntryOut]]
    source: str


class CcsrOut(_Open):
    code: str
    ccsr_category: str | None
    chronic: str | None
    source: str


class DiagnosisFactsOut(Schema):
    """What the classifiers say of an ICD-10-CM code: MS-DRG CC/MCC, CMS-HCC, GEMs and CCSR."""

    drg: CcStatusOut
    hcc: HccOut
    gems: GemsOut
    ccsr: CcsrOut
