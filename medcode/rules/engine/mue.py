"""Medically Unlikely Edits: units of service above the most a provider would report for one patient."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from medcode.rules.engine.types import Finding, Line, MueValue

MAI_MEANING = {
    1: "line edit (MAI 1): units are counted per claim line; a line above the value is denied",
    2: "date-of-service edit, policy (MAI 2): units of all lines on the date are added; units above the value "
    "are never paid and an appeal does not change that",
    3: "date-of-service edit, clinical (MAI 3): units of all lines on the date are added; units above the value "
    "are denied but may be paid on appeal with documentation of medical necessity",
}
MSG_OVER = "{code}: {units} units {where} is more than the MUE of {value}; {meaning}"
MSG_ZERO = "{code} has an MUE of 0 in this setting: it is not payable for this provider type"


def mue_check(*, lines: Sequence[Line], values: Mapping[str, MueValue], release: str | None) -> list[Finding]:
    """Units per line (MAI 1) or per code and date of service (MAI 2 and 3) above the MUE value."""
    findings: list[Finding] = []
    per_day: dict[tuple[str, object], list[Line]] = {}
    for line in lines:
        row = values.get(line.code)
        if row is None:
            continue
        if row.value == 0:
            findings.append(
                Finding("mue", "error", (line.code,), MSG_ZERO.format(code=line.code), (line.number,), release)
            )
            continue
        if row.mai == 1:
            if line.units > row.value:
                findings.append(_over(row, line.units, f"on line {line.number}", (line.number,), release))
        else:
            per_day.setdefault((line.code, line.dos), []).append(line)
    for (code, day), group in per_day.items():
        row = values[code]
        total = sum(line.units for line in group)
        if total > row.value:
            where = f"on {day}" + (f" (lines {', '.join(str(x.number) for x in group)})" if len(group) > 1 else "")
            findings.append(_over(row, total, where, tuple(x.number for x in group), release))
    return findings


def _over(row: MueValue, units: int, where: str, lines: tuple[int, ...], release: str | None) -> Finding:
    meaning = MAI_MEANING.get(row.mai, f"MAI {row.mai}")
    if row.rationale:
        meaning += f" (CMS rationale: {row.rationale})"
    return Finding(
        rule="mue",
        severity="error",
        codes=(row.code,),
        message=MSG_OVER.format(code=row.code, units=units, where=where, value=row.value, meaning=meaning),
        lines=lines,
        release=release,
        details=(("mue", str(row.value)), ("mai", str(row.mai)), ("units", str(units))),
    )
