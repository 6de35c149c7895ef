"""Medicare Physician Fee Schedule amounts: RVUs x GPCIs x conversion factor, then the payment adjustments.

The adjustments follow CMS's RVU file documentation (RVU25A) in this order: the global surgery split (modifiers
54, 55, 56), bilateral surgery, the multiple-procedure rules of one date (indicators 1-7, see mppr.py), the OPPS
imaging cap (the lesser of that amount and CMS's OPPS-based amount), then assistant at surgery, co-surgeons, team
surgery and the non-physician practitioner rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from medcode.rules.engine import anesthesia, mppr
from medcode.rules.engine.types import Finding, Line

PAID_STATUSES = frozenset({"A", "R", "T"})
ASSISTANT_MODIFIERS = frozenset({"80", "81", "82", "AS"})
ASSISTANT_RATE = 0.16
NON_PHYSICIAN_ASSISTANT_RATE = 0.85
COSURGEON_RATE = 0.625
BILATERAL_RATE = {"1": 1.5, "3": 2.0}
NPP_RATE = 0.85
PROVIDERS = {"physician": "physician", "npp": "npp", "np": "npp", "pa": "npp", "cns": "npp"}
GLOBAL_SPLIT = {"54": ("pre", "intra"), "55": ("post",), "56": ("pre",)}
GLOBAL_SPLIT_MEANING = {
    "54": "surgical care only",
    "55": "postoperative management only",
    "56": "preoperative management only",
}
ANESTHESIA_CODE_RANGE = ("00100", "01999")


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
    pre: float = 0.0
    intra: float = 0.0
    post: float = 0.0
    endo_base: str = ""


@dataclass(frozen=True, slots=True)
class Locality:
    key: str
    name: str
    work: float
    pe: float
    mp: float


NATIONAL = Locality("national", "national (all GPCIs 1.000)", 1.0, 1.0, 1.0)


@dataclass(frozen=True, slots=True)
class Cap:
    """The OPPS-based cap of a code (or its TC) at one locality: CMS's capped facility and non-facility amounts."""

    status: str
    facility: float
    nonfacility: float


@dataclass(frozen=True)
class Pricing:
    """Everything beyond the RVU rows that a claim's amounts depend on, selected for its locality and date."""

    caps: Mapping[tuple[str, str], Cap] = field(default_factory=dict)
    capped_elsewhere: frozenset[str] = frozenset()  # national pricing: codes the OPPS cap lists for localities
    provider: str = "physician"
    anesthesia_cf: float | None = None
    anesthesia_cf_label: str = ""
    base_units: Mapping[str, float] = field(default_factory=dict)


NO_PRICING = Pricing()


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


def is_anesthesia(code: str, rvu: Rvu | None) -> bool:
    """Anesthesia codes (00100-01999, PFS status J) are paid on base and time units, not RVUs."""
    low, high = ANESTHESIA_CODE_RANGE
    return (rvu is not None and rvu.status == "J") or (len(code) == 5 and code.isdigit() and low <= code <= high)


@dataclass
class _Line:
    """One line while it is being priced: its row, running amount (one unit), steps and problems."""

    line: Line
    rvu: Rvu
    facility: bool
    amount: float | None
    steps: list[Step]
    problems: list[str]
    tc: float = 0.0
    pc: float = 0.0
    pe: float = 0.0
    base_amount: float | None = None
    cap: float | None = None


def _component(
    rvus: Mapping[tuple[str, str], Rvu], code: str, modifier: str, locality: Locality, facility: bool
) -> float | None:
    row = rvus.get((code, modifier))
    if row is None:
        return None
    amount, _, _ = base_fee(rvu=row, locality=locality, facility=facility)
    return amount


def _cap(state: _Line, pricing: Pricing) -> None:
    """Find the OPPS imaging cap of the line at the locality; a carrier-priced code shows it as its ceiling."""
    rvu, line = state.rvu, state.line
    cap = pricing.caps.get((rvu.code, rvu.modifier))
    if cap is None:
        if rvu.code in pricing.capped_elsewhere:
            state.steps.append(
                Step(
                    "OPPS imaging cap not applied: CMS sets it per locality",
                    state.amount or 0.0,
                    "choose a locality to compare the fee schedule amount with its OPPS-based cap",
                )
            )
        return
    state.cap = cap.facility if state.facility else cap.nonfacility
    if state.amount is None:  # carrier priced: the cap is the most the MAC's price may be
        state.steps.append(
            Step(
                f"OPPS imaging cap: the MAC's price for {line.code} may not exceed {state.cap:.2f}",
                state.cap,
                "carrier priced",
            )
        )


def _cap_step(cap: float, before: float, after: float, units: int, capped: int) -> Step:
    """The visible OPPS cap step: the lesser of the fee schedule amount and CMS's OPPS-based amount."""
    where = "Deficit Reduction Act of 2005 section 5102(b); CMS OPPSCAP file"
    per = f" per unit ({capped} of {units} units capped)" if units > 1 else ""
    if capped:
        return Step(
            f"OPPS imaging cap: lesser of fee schedule {before:.2f} and OPPS-based {cap:.2f}{per}", after, where
        )
    return Step(f"OPPS imaging cap {cap:.2f} is not below the fee schedule amount: no change", after, where)


def _split(state: _Line) -> None:
    """Modifiers 54, 55, 56: the pre-, intra- and postoperative shares of the global surgical package."""
    rvu = state.rvu
    present = [m for m in ("54", "55", "56") if m in state.line.modifiers]
    if not present or state.amount is None:
        return
    shares = {"pre": rvu.pre, "intra": rvu.intra, "post": rvu.post}
    if not any(shares.values()):
        state.problems.append(
            f"{rvu.code}: modifier {'/'.join(present)} does not apply: CMS gives no pre/intra/post shares "
            f"(global days {rvu.global_days}); priced as the whole service"
        )
        return
    parts = [part for m in present for part in GLOBAL_SPLIT[m]]
    rate = sum(shares[part] for part in dict.fromkeys(parts))
    state.amount = _money(state.amount * rate)
    named = " + ".join(f"{part}-operative {shares[part]:.0%}" for part in dict.fromkeys(parts))
    note = (
        "the postoperative share is further prorated by the days of care each physician gave" if "55" in present else ""
    )
    meaning = ", ".join(f"{m} {GLOBAL_SPLIT_MEANING[m]}" for m in present)
    state.steps.append(Step(f"global surgery split ({meaning}): {named} = x {rate:.0%}", state.amount, note))


def _bilateral(state: _Line) -> None:
    rvu = state.rvu
    if "50" not in state.line.modifiers or state.amount is None:
        return
    rate = BILATERAL_RATE.get(rvu.bilateral)
    if rate is not None:
        state.amount = _money(state.amount * rate)
        state.tc, state.pc, state.pe = state.tc * rate, state.pc * rate, state.pe * rate
        state.steps.append(Step(f"bilateral (modifier 50, indicator {rvu.bilateral}): x {rate:.0%}", state.amount))
    else:
        state.problems.append(
            f"{state.line.code}: modifier 50 does not apply (bilateral indicator {rvu.bilateral}); paid as one service"
        )


def _prepare(
    line: Line, rvus: Mapping[tuple[str, str], Rvu], locality: Locality, facility: bool, pricing: Pricing
) -> _Line | tuple[LineFee, list[str]]:
    rvu = rvu_for(line.code, line.modifiers, rvus)
    if rvu is None:
        step = Step("no Physician Fee Schedule row for this code", 0.0)
        return LineFee(line.number, line.code, None, facility, locality.key, (step,)), []
    amount, steps, problems = base_fee(rvu=rvu, locality=locality, facility=facility)
    state = _Line(line, rvu, facility, amount, steps, problems)
    _cap(state, pricing)
    if state.amount is None:
        fee = LineFee(line.number, line.code, None, facility, locality.key, tuple(state.steps), rvu.modifier)
        return fee, state.problems
    modifiers = set(line.modifiers)
    if ("26" in modifiers or "TC" in modifiers) and not rvu.modifier:
        state.problems.append(
            f"{line.code}: modifier 26/TC does not apply (PC/TC indicator {rvu.pctc}); priced as global"
        )
    if rvu.multiple in mppr.DIAGNOSTIC:
        if rvu.modifier == "TC":
            state.tc = state.amount
        elif rvu.modifier == "26":
            state.pc = state.amount
        else:
            pc = _component(rvus, rvu.code, "26", locality, facility)
            state.pc = pc if pc is not None else 0.0
            state.tc = max(0.0, state.amount - state.pc)
    if rvu.multiple == mppr.THERAPY:
        pe = rvu.pe_facility if facility else rvu.pe_nonfacility
        state.pe = _money(pe * locality.pe * rvu.conversion_factor)
    if rvu.multiple == "3" and rvu.endo_base:
        state.base_amount = _component(rvus, rvu.endo_base, "", locality, facility)
        if state.base_amount is None:
            state.problems.append(
                f"{line.code}: base endoscopy {rvu.endo_base} has no fee schedule row; family rule priced with base 0"
            )
    _split(state)
    _bilateral(state)
    return state


def _finish(state: _Line, reduced: mppr.Reduced | None, pricing: Pricing, locality: Locality) -> LineFee:
    line, rvu, steps, problems = state.line, state.rvu, state.steps, state.problems
    assert state.amount is not None
    amount: float | None
    if reduced is not None:
        amount = reduced.amount
        steps.append(Step(reduced.label, reduced.uncapped or 0.0, reduced.note))
        if state.cap is not None and amount is not None and reduced.uncapped is not None:
            steps.append(_cap_step(state.cap, reduced.uncapped, amount, line.units, reduced.capped))
    else:
        amount = state.amount
        if state.cap is not None:
            capped = min(amount, state.cap)
            steps.append(_cap_step(state.cap, amount, capped, 1, int(capped < amount)))
            amount = capped
        if line.units > 1:
            amount = _money(amount * line.units)
            steps.append(Step(f"x {line.units} units", amount))
    modifiers = set(line.modifiers)
    npp = pricing.provider == "npp"
    assistant = modifiers & ASSISTANT_MODIFIERS
    if amount is not None and assistant:
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
            if npp and "AS" not in assistant:
                problems.append(
                    f"{line.code}: a non-physician practitioner assisting at surgery reports modifier AS; "
                    "priced as AS (85% of 16%)"
                )
            by_npp = "AS" in assistant or npp
            rate = ASSISTANT_RATE * (NON_PHYSICIAN_ASSISTANT_RATE if by_npp else 1.0)
            amount = _money(amount * rate)
            label = "non-physician practitioner: 85% of 16%" if by_npp else "16%"
            steps.append(Step(f"assistant at surgery ({', '.join(sorted(assistant))}, {label}): x {rate:.1%}", amount))
    if amount is not None and "62" in modifiers:
        if rvu.cosurgeon in ("1", "2"):
            amount = _money(amount * COSURGEON_RATE)
            steps.append(Step(f"co-surgeon (modifier 62, indicator {rvu.cosurgeon}): x 62.5%", amount))
        else:
            problems.append(f"{line.code}: co-surgeons are not permitted for this code (indicator {rvu.cosurgeon})")
            amount = 0.0
            steps.append(Step("co-surgeon not permitted", amount))
    if amount is not None and "66" in modifiers:
        if rvu.team in ("1", "2"):
            why = "with documentation of medical necessity" if rvu.team == "1" else "no documentation required"
            steps.append(
                Step(
                    f"team surgery (modifier 66, indicator {rvu.team}): paid by report, {why}",
                    0.0,
                    "the MAC sets each team surgeon's amount from the operative report; CMS publishes no percentage",
                )
            )
            amount = None
        else:
            meaning = "not permitted" if rvu.team == "0" else "does not apply"
            problems.append(f"{line.code}: team surgery is {meaning} for this code (team indicator {rvu.team})")
            amount = 0.0
            steps.append(Step(f"team surgery {meaning} (indicator {rvu.team})", amount))
    if amount is not None and npp and not assistant:
        amount = _money(amount * NPP_RATE)
        steps.append(Step("non-physician practitioner (NP, PA, CNS) billing in own name: x 85%", amount))
    return LineFee(line.number, line.code, amount, state.facility, locality.key, tuple(steps), rvu.modifier)


def _anesthesia(
    line: Line, rvu: Rvu | None, locality: Locality, facility: bool, pricing: Pricing
) -> tuple[LineFee, list[str]]:
    priced = anesthesia.anesthesia_fee(
        line=line,
        base_units=pricing.base_units.get(line.code),
        cf=pricing.anesthesia_cf,
        cf_label=pricing.anesthesia_cf_label or locality.name,
        year=line.dos.year,
    )
    problems = list(priced.problems)
    if pricing.provider == "npp":
        problems.append(
            f"{line.code}: the 85% non-physician rate does not apply to anesthesia; a CRNA reports QZ or QX"
        )
    steps = tuple(Step(label, amount, note) for label, amount, note in priced.steps)
    modifier = rvu.modifier if rvu is not None else ""
    return LineFee(line.number, line.code, priced.amount, facility, locality.key, steps, modifier), problems


def claim_fees(
    *,
    lines: Sequence[Line],
    rvus: Mapping[tuple[str, str], Rvu],
    locality: Locality,
    facility_of: Mapping[int, bool],
    release: str | None,
    pricing: Pricing = NO_PRICING,
) -> tuple[list[LineFee], list[Finding]]:
    """Every line's amount: each line priced, then the multiple-procedure rules of each date, then the rest."""
    done: dict[int, tuple[LineFee, list[str]]] = {}
    states: dict[int, _Line] = {}
    for line in lines:
        facility = facility_of.get(line.number, False)
        rvu = rvu_for(line.code, line.modifiers, rvus)
        if is_anesthesia(line.code, rvu):
            done[line.number] = _anesthesia(line, rvu, locality, facility, pricing)
            continue
        prepared = _prepare(line, rvus, locality, facility, pricing)
        if isinstance(prepared, tuple):
            done[line.number] = prepared
        else:
            states[line.number] = prepared
    reduced = mppr.apply(
        [
            mppr.Prepared(
                number=s.line.number,
                code=s.line.code,
                dos=s.line.dos,
                indicator=s.rvu.multiple,
                units=s.line.units,
                amount=s.amount or 0.0,
                tc=s.tc,
                pc=s.pc,
                pe=s.pe,
                endo_base=s.rvu.endo_base,
                base_amount=s.base_amount,
                cap=s.cap,
            )
            for s in states.values()
        ]
    )
    for number, state in states.items():
        done[number] = (_finish(state, reduced.get(number), pricing, locality), state.problems)
    fees: list[LineFee] = []
    findings: list[Finding] = []
    for line in lines:
        fee, problems = done[line.number]
        fees.append(fee)
        findings += [Finding("fee", "warning", (line.code,), p, (line.number,), release) for p in problems]
    return fees, findings


def line_fee(
    *,
    line: Line,
    rvus: Mapping[tuple[str, str], Rvu],
    locality: Locality,
    facility: bool,
    pricing: Pricing = NO_PRICING,
) -> tuple[LineFee, list[str]]:
    """One line's expected allowed amount with every adjustment shown (its units ranked among themselves)."""
    fees, findings = claim_fees(
        lines=[line], rvus=rvus, locality=locality, facility_of={line.number: facility}, release=None, pricing=pricing
    )
    return fees[0], [f.message for f in findings]
