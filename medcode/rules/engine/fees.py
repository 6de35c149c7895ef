"""Medicare Physician Fee Schedule amounts: RVUs x GPCIs x conversion factor, then the payment adjustments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from medcode.rules.engine.types import Finding, Line

PAID_STATUSES = frozenset({"A", "R", "T"})
ASSISTANT_MODIFIERS = frozenset({"80", "81", "82", "AS"})
ASSISTANT_RATE = 0.16
NON_PHYSICIAN_ASSISTANT_RATE = 0.85
COSURGEON_RATE = 0.625
BILATERAL_RATE = {"1": 1.5, "3": 2.0}
SECOND_PROCEDURE_RATE = 0.5


@dataclass(frozen=True, slots=True)
class Rvu:
    code: str
    modifier: str
    status: str
    work: float
    pe_nonfacility: float
    pe_facility: float
    mp: float
    nonfacility_na: bool
    facility_na: bool
    pctc: str
    global_days: str
    multiple: str
    bilateral: str
    assistant: str
    cosurgeon: str
    team: str
    conversion_factor: float


@dataclass(frozen=True, slots=True)
class Locality:
    key: str
    name: str
    work: float
    pe: float
    mp: float


NATIONAL = Locality("national", "national (all GPCIs 1.000)", 1.0, 1.0, 1.0)


@dataclass(frozen=True, slots=True)
class Step:
    label: str
    amount: float
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"step": self.label, "amount": round(self.amount, 2), "note": self.note}


@dataclass(frozen=True, slots=True)
class LineFee:
    line: int
    code: str
    amount: float | None
    facility: bool
    locality: str
    steps: tuple[Step, ...]
    rvu_modifier: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "code": self.code,
            "amount": None if self.amount is None else round(self.amount, 2),
            "setting": "facility" if self.facility else "non-facility",
            "locality": self.locality,
            "rvu_row": self.code + (f"-{self.rvu_modifier}" if self.rvu_modifier else ""),
            "steps": [s.as_dict() for s in self.steps],
        }


def _money(value: float) -> float:
    return round(value + 1e-9, 2)


def rvu_for(code: str, modifiers: Sequence[str], rvus: Mapping[tuple[str, str], Rvu]) -> Rvu | None:
    """The PPRRVU row a line is priced on: the professional (26) or technical (TC) row when billed so."""
    for modifier in ("26", "TC", "53"):
        if modifier in modifiers and (code, modifier) in rvus:
            return rvus[(code, modifier)]
    return rvus.get((code, ""))


def base_fee(*, rvu: Rvu, locality: Locality, facility: bool) -> tuple[float | None, list[Step], list[str]]:
    """The fee schedule amount for one unit before adjustments, with its steps and any problems."""
    problems: list[str] = []
    if rvu.status not in PAID_STATUSES:
        return None, [Step(f"PFS status {rvu.status}: no fee schedule amount", 0.0)], problems
    pe = rvu.pe_facility if facility else rvu.pe_nonfacility
    na = rvu.facility_na if facility else rvu.nonfacility_na
    setting = "facility" if facility else "non-facility"
    steps: list[Step] = []
    if na:
        problems.append(
            f"{rvu.code}: CMS gives no {setting} practice expense RVU (NA); the service is not normally paid in "
            f"this setting under the fee schedule"
        )
        steps.append(Step(f"{setting} PE RVU is NA", 0.0, "shown with the value CMS lists (0 or the other setting's)"))
    work = rvu.work * locality.work
    practice = pe * locality.pe
    malpractice = rvu.mp * locality.mp
    total_rvu = work + practice + malpractice
    steps.append(
        Step(
            f"work {rvu.work:.2f} x GPCI {locality.work:.3f} + {setting} PE {pe:.2f} x GPCI {locality.pe:.3f} + "
            f"MP {rvu.mp:.2f} x GPCI {locality.mp:.3f} = {total_rvu:.4f} RVUs",
            total_rvu,
            f"locality {locality.name}",
        )
    )
    amount = _money(total_rvu * rvu.conversion_factor)
    steps.append(Step(f"x conversion factor {rvu.conversion_factor:.4f}", amount))
    return amount, steps, problems


def line_fee(
    *,
    line: Line,
    rvus: Mapping[tuple[str, str], Rvu],
    locality: Locality,
    facility: bool,
    rank: int = 1,
) -> tuple[LineFee, list[str]]:
    """One line's expected allowed amount with every adjustment shown; ``rank`` orders multiple procedures."""
    rvu = rvu_for(line.code, line.modifiers, rvus)
    if rvu is None:
        step = Step("no Physician Fee Schedule row for this code", 0.0)
        return LineFee(line.number, line.code, None, facility, locality.key, (step,)), []
    amount, steps, problems = base_fee(rvu=rvu, locality=locality, facility=facility)
    if amount is None:
        return LineFee(line.number, line.code, None, facility, locality.key, tuple(steps), rvu.modifier), problems
    modifiers = set(line.modifiers)
    if ("26" in modifiers or "TC" in modifiers) and not rvu.modifier:
        problems.append(f"{line.code}: modifier 26/TC does not apply (PC/TC indicator {rvu.pctc}); priced as global")
    if "50" in modifiers:
        rate = BILATERAL_RATE.get(rvu.bilateral)
        if rate is not None:
            amount = _money(amount * rate)
            steps.append(Step(f"bilateral (modifier 50, indicator {rvu.bilateral}): x {rate:.0%}", amount))
        else:
            problems.append(
                f"{line.code}: modifier 50 does not apply (bilateral indicator {rvu.bilateral}); paid as one service"
            )
    if rvu.multiple in ("2", "3") and rank > 1:
        amount = _money(amount * SECOND_PROCEDURE_RATE)
        note = "endoscopy family rules may pay differently" if rvu.multiple == "3" else ""
        steps.append(
            Step(f"multiple procedure (indicator {rvu.multiple}), ranked {rank} on the date: x 50%", amount, note)
        )
    assistant = modifiers & ASSISTANT_MODIFIERS
    if assistant:
        if rvu.assistant == "1":
            problems.append(f"{line.code}: assistant at surgery is not paid for this code (indicator 1)")
            amount = 0.0
            steps.append(Step("assistant at surgery not paid (indicator 1)", amount))
        else:
            if rvu.assistant == "0":
                problems.append(
                    f"{line.code}: assistant at surgery is paid only with documentation of medical necessity "
                    "(indicator 0)"
                )
            rate = ASSISTANT_RATE * (NON_PHYSICIAN_ASSISTANT_RATE if "AS" in assistant else 1.0)
            amount = _money(amount * rate)
            steps.append(Step(f"assistant at surgery ({', '.join(sorted(assistant))}): x {rate:.1%}", amount))
    if "62" in modifiers:
        if rvu.cosurgeon in ("1", "2"):
            amount = _money(amount * COSURGEON_RATE)
            steps.append(Step(f"co-surgeon (modifier 62, indicator {rvu.cosurgeon}): x 62.5%", amount))
        else:
            problems.append(f"{line.code}: co-surgeons are not permitted for this code (indicator {rvu.cosurgeon})")
            amount = 0.0
            steps.append(Step("co-surgeon not permitted", amount))
    if line.units > 1:
        amount = _money(amount * line.units)
        steps.append(Step(f"x {line.units} units", amount))
    return LineFee(line.number, line.code, amount, facility, locality.key, tuple(steps), rvu.modifier), problems


def claim_fees(
    *,
    lines: Sequence[Line],
    rvus: Mapping[tuple[str, str], Rvu],
    locality: Locality,
    facility_of: Mapping[int, bool],
    release: str | None,
) -> tuple[list[LineFee], list[Finding]]:
    """Every line's amount; multiple procedures of one date ranked by their single-procedure amount."""
    singles: dict[int, float] = {}
    for line in lines:
        rvu = rvu_for(line.code, line.modifiers, rvus)
        if rvu is not None and rvu.multiple in ("2", "3"):
            amount, _, _ = base_fee(rvu=rvu, locality=locality, facility=facility_of[line.number])
            singles[line.number] = (amount or 0.0) * (
                BILATERAL_RATE.get(rvu.bilateral, 1.0) if "50" in line.modifiers else 1.0
            )
    ranks: dict[int, int] = {}
    by_day: dict[object, list[Line]] = {}
    for line in lines:
        if line.number in singles:
            by_day.setdefault(line.dos, []).append(line)
    for group in by_day.values():
        for rank, line in enumerate(sorted(group, key=lambda x: (-singles[x.number], x.number)), start=1):
            ranks[line.number] = rank
    fees: list[LineFee] = []
    findings: list[Finding] = []
    for line in lines:
        fee, problems = line_fee(
            line=line, rvus=rvus, locality=locality, facility=facility_of[line.number], rank=ranks.get(line.number, 1)
        )
        fees.append(fee)
        findings += [Finding("fee", "warning", (line.code,), p, (line.number,), release) for p in problems]
    return fees, findings
