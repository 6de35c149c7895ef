"""One claim checked by every rule: pure, given the claim and the rule rows already selected for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from medcode.rules.engine import addon, codes, fees, mue, ncci
from medcode.rules.engine.types import (
    SEVERITY_ORDER,
    AddOnRow,
    CodeStatus,
    DiagnosisStatus,
    Finding,
    Line,
    MueValue,
    PtpEdit,
)


@dataclass(frozen=True, slots=True)
class Claim:
    """A validated claim: setting, claim-level date and place of service, diagnoses and lines."""

    dos: dt.date
    setting: str
    lines: tuple[Line, ...]
    diagnoses: tuple[str, ...] = ()
    pos: str | None = None
    locality: str | None = None
    provider: str = "physician"


@dataclass(frozen=True)
class RuleData:
    """The rule rows a claim needs, selected for its codes and dates, with the release each came from."""

    ptp: tuple[PtpEdit, ...] = ()
    ptp_release: str | None = None
    mue: Mapping[str, MueValue] = field(default_factory=dict)
    mue_release: str | None = None
    addons: Mapping[str, tuple[AddOnRow, ...]] = field(default_factory=dict)
    addon_release: str | None = None
    statuses: Mapping[str, CodeStatus] = field(default_factory=dict)
    diagnoses: tuple[DiagnosisStatus, ...] = ()
    dx_release: str | None = None
    rvus: Mapping[tuple[str, str], fees.Rvu] = field(default_factory=dict)
    pfs_release: str | None = None
    locality: fees.Locality | None = None
    facility_of: Mapping[int, bool] = field(default_factory=dict)
    pricing: fees.Pricing = fees.NO_PRICING
    notes: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Outcome:
    findings: tuple[Finding, ...]
    fees: tuple[fees.LineFee, ...]


def claim_check(*, claim: Claim, data: RuleData) -> Outcome:
    """Every finding for the claim (errors first, then warnings, then notes) and each line's expected amount."""
    lines = claim.lines
    found: list[Finding] = list(data.notes)
    found += codes.validity_check(lines=lines, statuses=data.statuses)
    found += codes.diagnosis_check(diagnoses=data.diagnoses, lines=lines, release=data.dx_release)
    found += ncci.ptp_check(lines=lines, edits=data.ptp, release=data.ptp_release)
    found += mue.mue_check(lines=lines, values=data.mue, release=data.mue_release)
    found += addon.addon_check(lines=lines, addons=data.addons, release=data.addon_release)
    pfs_status = {code: rvu.status for (code, modifier), rvu in data.rvus.items() if not modifier}
    found += codes.status_check(
        lines=lines,
        pfs_status=pfs_status if claim.setting == "practitioner" else {},
        statuses=data.statuses,
        pfs_release=data.pfs_release,
    )
    line_fees: list[fees.LineFee] = []
    if data.rvus and claim.setting == "practitioner":
        line_fees, fee_findings = fees.claim_fees(
            lines=lines,
            rvus=data.rvus,
            locality=data.locality or fees.NATIONAL,
            facility_of=data.facility_of,
            release=data.pfs_release,
            pricing=data.pricing,
        )
        found += fee_findings
    found.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.lines[:1] or (0,), f.rule))
    return Outcome(tuple(found), tuple(line_fees))
