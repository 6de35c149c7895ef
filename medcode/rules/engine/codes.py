"""Codes on the date of service: line codes valid and in effect, diagnoses billable, Excludes1 pairs, payment status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from medcode.codebook import notes
from medcode.rules.engine.types import CodeStatus, DiagnosisStatus, Finding, Line

MSG_UNKNOWN = "{code} is not a HCPCS Level II or CPT code in any loaded release"
MSG_NOT_YET = "{code} is not yet in effect on {dos}: it first appears in {release} (in effect from {start})"
MSG_DELETED = "{code} is not in {release}, the release in effect on {dos}; it was in {other}: deleted or replaced"
MSG_TERMINATED = "{code} was terminated by CMS on {date}; it is not valid for {dos}"
MSG_DX_UNKNOWN = "Diagnosis {code} is not an ICD-10-CM code in {release}{hint}"
MSG_DX_SEVENTH = "Diagnosis {code} needs a 7th character to be billable (e.g. {examples})"
MSG_DX_HEADER = "Diagnosis {code} is a category, not a billable code; report one of its codes (e.g. {examples})"
MSG_EXCLUDES1 = (
    "{first} and {second}: an Excludes1 note at {first} names {second} ({note}); the two are normally not coded "
    "together, unless the conditions are unrelated (ICD-10-CM guideline I.A.12.a)"
)
MSG_POINTER = "Line {line} points to diagnosis {pointer}, but the claim lists {count} diagnoses"

# PFS status codes: (severity, what it means for payment)
PFS_STATUS: dict[str, tuple[str, str]] = {
    "B": ("warning", "bundled: payment is included in another service; not paid separately"),
    "C": ("info", "carrier priced: the MAC sets the payment"),
    "D": ("error", "deleted code"),
    "E": ("error", "excluded from the fee schedule by regulation"),
    "F": ("error", "deleted or discontinued code, no grace period"),
    "G": ("error", "not valid for Medicare: Medicare uses another code"),
    "H": ("error", "deleted modifier for this code"),
    "I": ("error", "not valid for Medicare: Medicare uses another code"),
    "J": ("info", "anesthesia service: paid on base and time units, not RVUs"),
    "M": ("info", "measurement code: reported for quality programs, paid $0"),
    "N": ("error", "non-covered service"),
    "P": ("warning", "bundled or excluded: no separate payment under the fee schedule"),
    "R": ("warning", "restricted coverage: paid only in special circumstances"),
    "T": ("info", "injection: paid only when no other fee schedule service is billed that day"),
    "X": ("error", "statutory exclusion: not in the Medicare benefit"),
}
# HCPCS Level II coverage codes
COVERAGE: dict[str, tuple[str, str]] = {
    "C": ("info", "carrier judgment: coverage is decided by the contractor"),
    "D": ("warning", "special coverage instructions apply (see the Medicare manuals)"),
    "I": ("error", "not payable by Medicare"),
    "M": ("error", "non-covered by Medicare"),
    "S": ("error", "non-covered by Medicare statute"),
}


def validity_check(*, lines: Sequence[Line], statuses: Mapping[str, CodeStatus]) -> list[Finding]:
    """Codes unknown, not yet effective, deleted or terminated on the line's date of service."""
    findings: list[Finding] = []
    for line in lines:
        status = statuses.get(line.code)
        if status is None or status.system is None:
            findings.append(
                Finding("code_validity", "error", (line.code,), MSG_UNKNOWN.format(code=line.code), (line.number,))
            )
            continue
        if status.terminated is not None and status.terminated <= line.dos:
            findings.append(
                Finding(
                    "code_validity",
                    "error",
                    (line.code,),
                    MSG_TERMINATED.format(code=line.code, date=status.terminated, dos=line.dos),
                    (line.number,),
                    status.release,
                )
            )
            continue
        if status.exists:
            continue
        later = [(title, start) for title, start in status.other_releases if start > line.dos]
        if later and len(later) == len(status.other_releases):
            title, start = min(later, key=lambda x: x[1])
            message = MSG_NOT_YET.format(code=line.code, dos=line.dos, release=title, start=start)
        else:
            others = ", ".join(t for t, _ in status.other_releases[-2:])
            message = MSG_DELETED.format(code=line.code, release=status.release, dos=line.dos, other=others)
        findings.append(Finding("code_validity", "error", (line.code,), message, (line.number,), status.release))
    return findings


def diagnosis_check(
    *, diagnoses: Sequence[DiagnosisStatus], lines: Sequence[Line] = (), release: str | None = None
) -> list[Finding]:
    """Diagnoses unknown or not billable (headers, a missing 7th character), bad pointers, Excludes1 pairs."""
    findings: list[Finding] = []
    for dx in diagnoses:
        examples = ", ".join(dx.completions[:4])
        if not dx.exists:
            hint = f"; did you mean {examples}?" if examples else ""
            findings.append(
                Finding(
                    "dx_billable", "error", (dx.code,), MSG_DX_UNKNOWN.format(code=dx.code, release=release, hint=hint)
                )
            )
        elif not dx.billable:
            template = MSG_DX_SEVENTH if dx.needs_seventh else MSG_DX_HEADER
            findings.append(
                Finding(
                    "dx_billable", "error", (dx.code,), template.format(code=dx.code, examples=examples), (), dx.release
                )
            )
    for line in lines:
        for pointer in line.dx_pointers:
            if not 1 <= pointer <= len(diagnoses):
                findings.append(
                    Finding(
                        "dx_billable",
                        "error",
                        (line.code,),
                        MSG_POINTER.format(line=line.number, pointer=pointer, count=len(diagnoses)),
                        (line.number,),
                    )
                )
    findings += excludes1_check(diagnoses=diagnoses)
    return findings


def excludes1_check(*, diagnoses: Sequence[DiagnosisStatus]) -> list[Finding]:
    """Pairs of diagnoses where an Excludes1 note governing one names the other, its category or a range holding it."""
    findings: list[Finding] = []
    for first in diagnoses:
        for note in first.excludes1:
            for second in diagnoses:
                if second is first or second.code.replace(".", "") == first.code.replace(".", ""):
                    continue
                if notes.reference_covers(note, second.code) and not notes.reference_covers(note, first.code):
                    findings.append(
                        Finding(
                            "excludes1",
                            "warning",
                            (first.code, second.code),
                            MSG_EXCLUDES1.format(first=first.code, second=second.code, note=_shown(note)),
                            (),
                            first.release,
                        )
                    )
                    break
    return findings


def _shown(reference: str) -> str:
    """A note reference as coders write it: E08-E13, J20, E11.9."""
    return "-".join(c[:3] + ("." + c[3:] if len(c) > 3 else "") for c in reference.split("-"))


def status_check(
    *,
    lines: Sequence[Line],
    pfs_status: Mapping[str, str],
    statuses: Mapping[str, CodeStatus],
    pfs_release: str | None,
) -> list[Finding]:
    """Codes whose PFS status or HCPCS coverage code says Medicare does not pay them (as billed)."""
    findings: list[Finding] = []
    for line in lines:
        code_status = pfs_status.get(line.code)
        if code_status in PFS_STATUS:
            severity, meaning = PFS_STATUS[code_status]
            findings.append(
                Finding(
                    "status",
                    severity,  # type: ignore[arg-type]
                    (line.code,),
                    f"{line.code}: Physician Fee Schedule status {code_status}, {meaning}",
                    (line.number,),
                    pfs_release,
                    (("pfs_status", code_status),),
                )
            )
        status = statuses.get(line.code)
        if status is not None and status.coverage in COVERAGE:
            severity, meaning = COVERAGE[status.coverage]
            findings.append(
                Finding(
                    "status",
                    severity,  # type: ignore[arg-type]
                    (line.code,),
                    f"{line.code}: HCPCS coverage code {status.coverage}, {meaning}",
                    (line.number,),
                    status.release,
                    (("coverage_code", status.coverage),),
                )
            )
    return findings


def earliest(days: Sequence[dt.date]) -> dt.date | None:
    return min(days) if days else None
