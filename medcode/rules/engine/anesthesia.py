"""Anesthesia fees: (base units + time units) x the locality's anesthesia conversion factor, then medical direction.

Percentages are CMS's (Medicare Claims Processing Manual, chapter 12, sections 50 and 140): a service an
anesthesiologist performs personally (AA) or a CRNA performs without medical direction (QZ) is paid in full;
medical direction of two to four concurrent cases (QK), of one CRNA (QY) and the directed CRNA's own claim (QX)
are paid 50% each; medical supervision of more than four concurrent cases (AD) is paid on three base units
(four when the physician was present at induction), with no time units.
"""

from __future__ import annotations

from dataclasses import dataclass

from medcode.rules.engine.types import Line

MINUTES_PER_UNIT = 15
SUPERVISION_BASE_UNITS = 3.0
RATES: dict[str, tuple[float, str]] = {
    "AA": (1.0, "anesthesia personally performed by an anesthesiologist"),
    "QZ": (1.0, "CRNA service without medical direction by a physician"),
    "QK": (0.5, "medical direction of two, three or four concurrent anesthesia procedures"),
    "QY": (0.5, "medical direction of one CRNA by an anesthesiologist"),
    "QX": (0.5, "CRNA service with medical direction by a physician"),
}
SUPERVISION = "AD"
INFORMATIONAL = {
    "QS": "monitored anesthesia care: no payment change",
    "G8": "monitored anesthesia care for a deep, complex, complicated or markedly invasive procedure: no payment change",
    "G9": "monitored anesthesia care for a patient with a history of severe cardio-pulmonary condition: no payment change",
    "23": "unusual anesthesia: no payment change under the fee schedule",
    "GC": "service performed in part by a resident under a teaching physician's direction",
    **{f"P{n}": "physical status modifier: Medicare pays no extra units for it" for n in range(1, 7)},
}

MSG_NO_BASE = (
    "{code}: no anesthesia base units: CMS publishes them apart from the RVU files; import the CMS base units file "
    "(medcode build --source anes-base FILE) or give base_units on the line"
)
MSG_NO_CF = "no anesthesia conversion factor is loaded: import the RVU folder or zip that holds ANES{year}.csv"
MSG_NO_TIME = "{code}: no anesthesia time given (minutes); priced on base units only"
MSG_NO_PRICING_MODIFIER = (
    "{code}: no anesthesia pricing modifier (AA, AD, QK, QX, QY, QZ); priced as personally performed (AA)"
)
MSG_TWO_PRICING = "{code}: more than one anesthesia pricing modifier ({found}); priced on {used}"
MSG_SUPERVISION = (
    "AD: paid on 3 base units, 4 when the physician was present at induction (documentation); no time units"
)


@dataclass(frozen=True, slots=True)
class Priced:
    amount: float | None
    steps: tuple[tuple[str, float, str], ...]  # (label, running amount, note)
    problems: tuple[str, ...]


def time_units(minutes: int) -> float:
    """CMS time units: anesthesia minutes divided by 15, kept to one decimal place."""
    return round(minutes / MINUTES_PER_UNIT + 1e-9, 1)


def anesthesia_fee(
    *, line: Line, base_units: float | None, cf: float | None, cf_label: str, year: int | None = None
) -> Priced:
    """The allowed amount of one anesthesia line, step by step; None when base units or the CF are missing."""
    problems: list[str] = []
    steps: list[tuple[str, float, str]] = []
    base = line.base_units if line.base_units is not None else base_units
    if base is None:
        problems.append(MSG_NO_BASE.format(code=line.code))
    if cf is None:
        problems.append(MSG_NO_CF.format(year=year or ""))
    if base is None or cf is None:
        return Priced(
            None, (("anesthesia: no amount without base units and a conversion factor", 0.0, ""),), tuple(problems)
        )
    modifiers = set(line.modifiers)
    pricing = [m for m in line.modifiers if m in RATES or m == SUPERVISION]
    used = pricing[0] if pricing else "AA"
    if not pricing:
        problems.append(MSG_NO_PRICING_MODIFIER.format(code=line.code))
    elif len(set(pricing)) > 1:
        problems.append(MSG_TWO_PRICING.format(code=line.code, found=", ".join(pricing), used=used))
    source = "given on the line" if line.base_units is not None else "CMS base units file"
    if used == SUPERVISION:
        units = SUPERVISION_BASE_UNITS
        steps.append(
            (f"AD medical supervision (more than four concurrent): {units:g} base units", units, MSG_SUPERVISION)
        )
    else:
        minutes = line.minutes
        if minutes is None:
            problems.append(MSG_NO_TIME.format(code=line.code))
            time = 0.0
        else:
            time = time_units(minutes)
        units = base + time
        note = (
            f"{minutes} minutes / {MINUTES_PER_UNIT} = {time:.1f} time units"
            if minutes is not None
            else "no time given"
        )
        steps.append((f"{base:g} base units ({source}) + {time:.1f} time units = {units:.1f} units", units, note))
    amount = round(units * cf + 1e-9, 2)
    steps.append((f"x anesthesia conversion factor {cf:.4f} ({cf_label})", amount, ""))
    if used in RATES:
        rate, meaning = RATES[used]
        if rate != 1.0 or pricing:
            amount = round(amount * rate + 1e-9, 2)
            steps.append((f"{used}: {meaning}: x {rate:.0%}", amount, ""))
    for modifier in sorted(modifiers & INFORMATIONAL.keys()):
        steps.append((f"{modifier}: {INFORMATIONAL[modifier]}", amount, ""))
    return Priced(amount, tuple(steps), tuple(problems))
