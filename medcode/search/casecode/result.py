"""Stage 6, the result: what case-to-code hands to the page, the REST API, the CLI and the assistant, frozen.

Each code carries its evidence: the span of the note, the reason (title match, Alphabetic Index term, a guideline
rule with its section, a Tabular instruction) and the official text that matched (`source` says which, in the
form a coder reads: "Index: Fracture, femur, neck → S72.00-").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from medcode.search.casecode.candidates import Candidate, Evidence

EVIDENCE_SHOWN = 5  # pieces of evidence a code carries in the result


def evidence_source(e: Evidence) -> str:
    """Where a piece of evidence comes from: the official text it matched (set by the index lookup), or the
    guideline section or Tabular note of the rule that added the code (the head of its reason)."""
    if e.source:
        return e.source
    if e.reason.startswith("Guideline"):
        return e.reason.split(":")[0]
    return e.reason


@dataclass(frozen=True)
class CodeEvidence:
    """A span of the note that supports a code, why, and the official text or rule it matched."""

    text: str
    start: int
    end: int
    reason: str
    matched: str
    status: str
    source: str

    @property
    def shown(self) -> str:
        """The evidence's why as the page shows it: a rule's own words (with its section), or how a text matched
        and which official text it is."""
        if self.reason.startswith(("Guideline", "Tabular")) or self.source == self.reason:
            return self.reason
        return f"{self.reason} — {self.source}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
            "matched": self.matched,
            "status": self.status,
            "source": self.source,
        }


@dataclass(frozen=True)
class CaseCode:
    """A code of the result: suggested (an official text of it is in the note, or a rule requires it) or to review;
    `status` says why an excluded code is not coded (negated, history, superseded, a rule)."""

    system: str
    code: str
    title: str
    billable: bool
    score: float
    suggested: bool
    incomplete: bool
    evidence: tuple[CodeEvidence, ...]
    status: tuple[str, ...] | None = None  # excluded codes only

    @classmethod
    def of(cls, c: Candidate, *, excluded: bool = False) -> CaseCode:
        evidence = tuple(
            CodeEvidence(e.text, e.start, e.end, e.reason, e.matched, e.status, evidence_source(e))
            for e in c.evidence[:EVIDENCE_SHOWN]
        )
        return cls(
            system=c.system,
            code=c.code,
            title=c.title,
            billable=c.billable,
            score=round(c.score, 3),
            suggested=c.stated and not excluded,
            incomplete=c.incomplete,
            evidence=evidence,
            status=tuple(sorted(c.statuses)) if excluded else None,
        )

    def as_dict(self) -> dict[str, Any]:
        out = {
            "system": self.system,
            "code": self.code,
            "title": self.title,
            "billable": self.billable,
            "score": self.score,
            "suggested": self.suggested,
            "incomplete": self.incomplete,
            "evidence": [e.as_dict() for e in self.evidence],
        }
        if self.status is not None:
            out["status"] = list(self.status)
        return out


@dataclass(frozen=True)
class Check:
    """A finding about the suggested set: not billable, 7th character needed, Excludes1, a missing partner."""

    rule: str
    codes: tuple[str, ...]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "codes": list(self.codes), "message": self.message}


@dataclass(frozen=True)
class CaseResult:
    """Case-to-code's answer: the suggested codes in reporting order, then the codes to review; the codes not coded
    (negated, history, superseded) with why; the checks on the suggested set."""

    codes: tuple[CaseCode, ...]
    excluded: tuple[CaseCode, ...]
    checks: tuple[Check, ...]

    @property
    def suggested(self) -> tuple[CaseCode, ...]:
        return tuple(c for c in self.codes if c.suggested)

    @property
    def related(self) -> tuple[CaseCode, ...]:
        return tuple(c for c in self.codes if not c.suggested)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of the REST API and the CLI: {"codes", "excluded", "validation"}."""
        return {
            "codes": [c.as_dict() for c in self.codes],
            "excluded": [c.as_dict() for c in self.excluded],
            "validation": [v.as_dict() for v in self.checks],
        }
