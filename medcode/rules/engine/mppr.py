"""Multiple-procedure payment rules of one date of service, per the PPRRVU multiple procedure indicator (RVU25A).

- 1: 100%, 50%, then 25% for the third to fifth procedure (pre-1995 rules); 2: 100% then 50% for the second to
  fifth; after the fifth, procedures are priced by report. Procedures are ranked by fee schedule amount.
- 3: endoscopy families (same ENDO BASE): the highest-valued endoscopy is paid in full and every other one of
  the family its value minus the base endoscopy's; the base billed with its family is not paid separately. The
  family is then ranked as one procedure with the other surgery of the date.
- 4: diagnostic imaging: ranked by TC amount, subsequent procedures paid with the TC reduced 50% and the PC 5%.
- 5: therapy: ranked by practice expense, subsequent units and procedures paid 50% of their practice expense.
- 6: diagnostic cardiovascular: subsequent procedures' TC reduced 25%. 7: diagnostic ophthalmology: TC 20%.
Each unit of a line counts as one procedure; the session is taken to be the date of service. The OPPS imaging
cap is compared with each procedure's reduced amount (the lesser is paid), as the MACs' worksheets apply it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

SURGERY = frozenset({"1", "2", "3"})
SURGERY_RATES = {"1": (1.0, 0.5, 0.25, 0.25, 0.25), "2": (1.0, 0.5, 0.5, 0.5, 0.5), "3": (1.0, 0.5, 0.5, 0.5, 0.5)}
# indicator: (what, reduction of the TC, reduction of the PC) for the subsequent procedures
DIAGNOSTIC = {
    "4": ("diagnostic imaging", 0.50, 0.05),
    "6": ("diagnostic cardiovascular", 0.25, 0.0),
    "7": ("diagnostic ophthalmology", 0.20, 0.0),
}
THERAPY = "5"
THERAPY_PE_REDUCTION = 0.50
BY_REPORT = (
    "CMS prices the sixth and later procedures of a date by report: the MAC sets the amount from the documentation"
)


@dataclass(frozen=True, slots=True)
class Prepared:
    """One line priced per unit before these rules: its amount and the parts the rules reduce."""

    number: int
    code: str
    dos: dt.date
    indicator: str
    units: int
    amount: float  # one unit, after the OPPS cap, global split and bilateral adjustments
    tc: float = 0.0  # the technical component in ``amount`` (indicators 4, 6, 7)
    pc: float = 0.0  # the professional component in ``amount`` (indicator 4)
    pe: float = 0.0  # the practice expense in ``amount`` (indicator 5)
    endo_base: str = ""
    base_amount: float | None = None  # the family's base endoscopy, priced like this line (indicator 3)
    cap: float | None = None  # the OPPS-based cap of one unit at the locality, applied after the reductions


@dataclass(frozen=True, slots=True)
class Reduced:
    """What the rules did to one line: its amount for all its units (None: by report) and why."""

    amount: float | None
    label: str
    note: str = ""
    uncapped: float | None = None  # the amount before the OPPS cap
    capped: int = 0  # how many units the OPPS cap lowered


def _money(value: float) -> float:
    return round(value + 1e-9, 2)


def _ordinal_list(ranks: list[int]) -> str:
    return ", ".join(str(r) for r in ranks)


def apply(prepared: Sequence[Prepared]) -> dict[int, Reduced]:
    """The multiple-procedure outcome of every line that shares its date with another procedure of its kind."""
    out: dict[int, Reduced] = {}
    by_day: dict[dt.date, list[Prepared]] = {}
    for p in prepared:
        by_day.setdefault(p.dos, []).append(p)
    for day, group in by_day.items():
        out |= _surgery(day, [p for p in group if p.indicator in SURGERY])
        for indicator in DIAGNOSTIC:
            out |= _diagnostic(day, indicator, [p for p in group if p.indicator == indicator])
        out |= _therapy(day, [p for p in group if p.indicator == THERAPY])
    return out


def _units(group: list[Prepared]) -> list[tuple[Prepared, int]]:
    return [(p, unit) for p in group for unit in range(1, p.units + 1)]


def _surgery(day: dt.date, group: list[Prepared]) -> dict[int, Reduced]:
    services = _units(group)
    if len(services) < 2:
        return {}
    # endoscopy families: members with indicator 3, and the base code itself when billed with them
    bases = {p.endo_base for p in group if p.indicator == "3" and p.endo_base}
    families: dict[str, list[tuple[Prepared, int]]] = {}
    singles: list[tuple[Prepared, int]] = []
    for p, unit in services:
        family = p.endo_base if p.indicator == "3" and p.endo_base else (p.code if p.code in bases else "")
        (families.setdefault(family, []) if family else singles).append((p, unit))
    # value of every service inside its family, and the procedures to rank: (value, indicator, services)
    inside: dict[tuple[int, int], float] = {}
    family_notes: dict[tuple[int, int], str] = {}
    procedures: list[tuple[float, str, list[tuple[Prepared, int]]]] = []
    for base, members in families.items():
        if len(members) == 1:
            singles += members
            continue
        members.sort(key=lambda s: (-s[0].amount, s[0].number, s[1]))
        total = 0.0
        for index, (p, unit) in enumerate(members):
            base_value = p.base_amount if p.base_amount is not None else 0.0
            if index == 0:
                value, note = p.amount, f"highest of endoscopy family {base}: paid in full"
            elif p.code == base:
                value, note = 0.0, f"base endoscopy {base}: included in the family's payment, not paid separately"
            else:
                value = max(0.0, _money(p.amount - base_value))
                note = f"endoscopy family {base}: {p.amount:.2f} minus base {base} {base_value:.2f}"
            inside[(p.number, unit)] = value
            family_notes[(p.number, unit)] = note
            total += value
        procedures.append((total, "3", members))
    for p, unit in singles:
        inside[(p.number, unit)] = p.amount
        procedures.append((p.amount, p.indicator, [(p, unit)]))
    if len(procedures) < 2 and not family_notes:
        return {}
    procedures.sort(key=lambda x: (-x[0], min(p.number for p, _ in x[2])))
    paid: dict[tuple[int, int], float | None] = {}
    rank_of: dict[tuple[int, int], tuple[int, float | None]] = {}
    for rank, (_, indicator, members) in enumerate(procedures, start=1):
        rates = SURGERY_RATES[indicator]
        rate = rates[rank - 1] if rank <= len(rates) else None
        for p, unit in members:
            key = (p.number, unit)
            paid[key] = None if rate is None else _money(inside[key] * rate)
            rank_of[key] = (rank, rate)
    out: dict[int, Reduced] = {}
    count = len(procedures)
    for p in group:
        keys = [(p.number, unit) for unit in range(1, p.units + 1)]
        amounts = [paid[k] for k in keys]
        ranks = [rank_of[k][0] for k in keys]
        shown = sorted({f"{rank_of[k][1]:.0%}" if rank_of[k][1] is not None else "by report" for k in keys})
        notes = sorted({family_notes[k] for k in keys if k in family_notes})
        label = (
            f"multiple procedure (indicator {p.indicator}): ranked {_ordinal_list(ranks)} of {count} procedures on "
            f"{day}: x {', '.join(shown)}"
        )
        if any(a is None for a in amounts):
            out[p.number] = Reduced(None, label, BY_REPORT)
        else:
            out[p.number] = _capped(p, [a for a in amounts if a is not None], label, "; ".join(notes))
    return out


def _capped(p: Prepared, amounts: list[float], label: str, note: str) -> Reduced:
    """A line's reduced amount with the OPPS cap compared unit by unit."""
    uncapped = _money(sum(amounts))
    if p.cap is None:
        return Reduced(uncapped, label, note, uncapped)
    capped = [min(a, p.cap) for a in amounts]
    return Reduced(_money(sum(capped)), label, note, uncapped, sum(1 for a in amounts if a > p.cap))


def _ranked(group: list[Prepared], key: str) -> list[tuple[Prepared, int]]:
    services = _units(group)
    services.sort(key=lambda s: (-getattr(s[0], key), -s[0].pc, s[0].number, s[1]))
    return services


def _diagnostic(day: dt.date, indicator: str, group: list[Prepared]) -> dict[int, Reduced]:
    services = _ranked(group, "tc")
    if len(services) < 2:
        return {}
    what, tc_cut, pc_cut = DIAGNOSTIC[indicator]
    paid: dict[tuple[int, int], float] = {}
    ranks: dict[tuple[int, int], int] = {}
    for rank, (p, unit) in enumerate(services, start=1):
        cut = 0.0 if rank == 1 else p.tc * tc_cut + p.pc * pc_cut
        paid[(p.number, unit)] = _money(p.amount - cut)
        ranks[(p.number, unit)] = rank
    reduction = f"TC reduced {tc_cut:.0%}" + (f", PC reduced {pc_cut:.0%}" if pc_cut else "")
    return _summed(
        group,
        paid,
        ranks,
        lambda p, r: (
            f"{what} multiple procedures (indicator {indicator}): ranked {r} of {len(services)} by TC amount on "
            f"{day}; subsequent procedures {reduction}"
        ),
        lambda p: f"TC {p.tc:.2f}, PC {p.pc:.2f} per unit",
    )


def _therapy(day: dt.date, group: list[Prepared]) -> dict[int, Reduced]:
    services = _ranked(group, "pe")
    if len(services) < 2:
        return {}
    paid: dict[tuple[int, int], float] = {}
    ranks: dict[tuple[int, int], int] = {}
    for rank, (p, unit) in enumerate(services, start=1):
        cut = 0.0 if rank == 1 else p.pe * THERAPY_PE_REDUCTION
        paid[(p.number, unit)] = _money(p.amount - cut)
        ranks[(p.number, unit)] = rank
    return _summed(
        group,
        paid,
        ranks,
        lambda p, r: (
            f"therapy multiple procedures (indicator 5): ranked {r} of {len(services)} by practice expense on {day}; "
            f"subsequent units and procedures paid 50% of their PE"
        ),
        lambda p: f"PE {p.pe:.2f} per unit",
    )


def _summed(
    group: list[Prepared],
    paid: dict[tuple[int, int], float],
    ranks: dict[tuple[int, int], int],
    label: Callable[[Prepared, str], str],
    note: Callable[[Prepared], str],
) -> dict[int, Reduced]:
    out: dict[int, Reduced] = {}
    for p in group:
        keys = [(p.number, unit) for unit in range(1, p.units + 1)]
        out[p.number] = _capped(p, [paid[k] for k in keys], label(p, _ordinal_list([ranks[k] for k in keys])), note(p))
    return out
