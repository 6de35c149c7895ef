"""NCCI procedure-to-procedure edits: which pairs on one date of service conflict, and whether a modifier bypasses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from medcode.rules.engine.types import Finding, Line, PtpEdit

# Modifiers CMS accepts to bypass an edit with indicator 1 (NCCI Policy Manual, chapter I).
ANATOMIC = frozenset(
    {"E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "LC", "LD", "LM", "LT"}
    | {"RC", "RI", "RT", "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"}
)
GLOBAL_SURGERY = frozenset({"24", "25", "57", "58", "78", "79"})
OTHER = frozenset({"27", "59", "91", "XE", "XS", "XP", "XU"})
NCCI_MODIFIERS = ANATOMIC | GLOBAL_SURGERY | OTHER

MSG_NOT_ALLOWED = (
    "{c2} is bundled into {c1} on {dos} (NCCI modifier indicator 0): no modifier bypasses this edit; "
    "{c2} is not payable with {c1} on the same date{why}"
)
MSG_NEEDS_MODIFIER = (
    "{c2} is bundled into {c1} on {dos} (NCCI modifier indicator 1): it is payable only with an NCCI-associated "
    "modifier (e.g. 59 or XE/XS/XP/XU, an anatomic modifier such as LT/RT, or 25/57/58/78/79 where they apply) "
    "when the services were distinct{why}"
)
MSG_BYPASSED = (
    "{c2} and {c1} on {dos} form an NCCI edit (modifier indicator 1); modifier {modifier} bypasses it, "
    "so both may be paid if the record documents a distinct service"
)


def ptp_check(*, lines: Sequence[Line], edits: Iterable[PtpEdit], release: str | None) -> list[Finding]:
    """One finding per edit whose two codes are billed on the same date of service.

    ``edits`` may hold rows for other dates; only rows in effect on the lines' date count.
    Indicator 9 rows (the edit does not apply) yield nothing.
    """
    by_code: dict[str, list[Line]] = {}
    for line in lines:
        by_code.setdefault(line.code, []).append(line)
    findings: list[Finding] = []
    seen: set[tuple[str, str, int, int]] = set()
    for edit in edits:
        if edit.modifier == 9 or edit.column1 == edit.column2:
            continue
        for first in by_code.get(edit.column1, ()):
            for second in by_code.get(edit.column2, ()):
                if first.dos != second.dos or not edit.in_effect(first.dos):
                    continue
                key = (edit.column1, edit.column2, first.number, second.number)
                if key in seen:
                    continue
                seen.add(key)
                findings.append(_finding(edit, first, second, release))
    return findings


def _finding(edit: PtpEdit, first: Line, second: Line, release: str | None) -> Finding:
    why = f" (CMS rationale: {edit.rationale})" if edit.rationale else ""
    values = {"c1": edit.column1, "c2": edit.column2, "dos": first.dos.isoformat(), "why": why}
    details = (
        ("column1", edit.column1),
        ("column2", edit.column2),
        ("modifier_indicator", str(edit.modifier)),
        ("effective_from", edit.effective_from.isoformat()),
        ("effective_to", edit.effective_to.isoformat() if edit.effective_to else ""),
    )
    codes = (edit.column1, edit.column2)
    numbers = (first.number, second.number)
    if edit.modifier == 0:
        return Finding("ncci_ptp", "error", codes, MSG_NOT_ALLOWED.format(**values), numbers, release, details)
    bypass = [m for m in (*second.modifiers, *first.modifiers) if m in NCCI_MODIFIERS and m not in ANATOMIC]
    sides_first = {m for m in first.modifiers if m in ANATOMIC}
    sides_second = {m for m in second.modifiers if m in ANATOMIC}
    if not bypass and sides_second and sides_second != sides_first:
        bypass = sorted(sides_second)  # different anatomic sites: the edit does not apply
    if bypass:
        message = MSG_BYPASSED.format(modifier=bypass[0], **values)
        return Finding("ncci_ptp", "info", codes, message, numbers, release, (*details, ("bypassed_by", bypass[0])))
    return Finding("ncci_ptp", "error", codes, MSG_NEEDS_MODIFIER.format(**values), numbers, release, details)
