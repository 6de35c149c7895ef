"""The frozen inputs and outputs every rule engine shares: claim lines, rule rows and findings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

# the rule-table rows ingest writes: one type each, in medcode.codebook.rows
from medcode.codebook.rows import MueValue as MueValue
from medcode.codebook.rows import PtpEdit as PtpEdit

Severity = Literal["error", "warning", "info"]
Rule = Literal["ncci_ptp", "mue", "addon", "code_validity", "dx_billable", "excludes1", "status", "fee"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Line:
    """One claim line after validation: 1-based number, code, modifiers, units, date and place of service."""

    number: int
    code: str
    modifiers: tuple[str, ...]
    units: int
    dos: dt.date
    pos: str | None = None
    dx_pointers: tuple[int, ...] = ()
    minutes: int | None = None  # anesthesia time, when given
    base_units: float | None = None  # anesthesia base units given by the user (else the imported CMS table)


@dataclass(frozen=True, slots=True)
class Finding:
    """One verdict of one rule: what is wrong (or worth knowing), where, and from which release."""

    rule: Rule
    severity: Severity
    codes: tuple[str, ...]
    message: str
    lines: tuple[int, ...] = ()
    release: str | None = None
    details: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "codes": list(self.codes),
            "lines": list(self.lines),
            "message": self.message,
            "release": self.release,
            **({"details": dict(self.details)} if self.details else {}),
        }


@dataclass(frozen=True, slots=True)
class AddOnRow:
    addon: str
    primary: str | None
    addon_type: int


@dataclass(frozen=True, slots=True)
class CodeStatus:
    """What the codebook says about one line code on its date of service (resolved by a selector)."""

    code: str
    system: str | None  # None: not a code of any loaded system
    exists: bool
    release: str | None = None
    other_releases: tuple[tuple[str, dt.date], ...] = ()  # (release title, effective from) that hold it
    terminated: dt.date | None = None
    coverage: str | None = None


@dataclass(frozen=True, slots=True)
class DiagnosisStatus:
    code: str
    exists: bool
    billable: bool
    needs_seventh: bool = False
    release: str | None = None
    completions: tuple[str, ...] = ()
    excludes1: tuple[str, ...] = ()  # codes, categories and ranges (E08-E13) its governing Excludes1 notes name


@dataclass(frozen=True, slots=True)
class RuleSources:
    """Which release each rule table came from (for the findings' citations)."""

    ptp: str | None = None
    ptp_fallback: bool = False
    mue: str | None = None
    addon: str | None = None
    pfs: str | None = None
    gpci: str | None = None
    codes: dict[str, str] = field(default_factory=dict)
