"""Stage 4, guideline rules: the ICD-10-CM Official Guidelines (FY2026) and Tabular conventions applied to the
codes the note states, so that the suggested set is what a certified coder reports (ADR 0044).

Each rule cites its section in the evidence of the codes it adds, completes, promotes or leaves out. `RULES` is
the order they run in: the setting first (it decides what is stated), encounter reasons and chapter rules, then
the conventions that combine and check what the others left, then statuses that depend on the final set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from medcode.search import index
from medcode.search.casecode.candidates import Candidate
from medcode.search.casecode.clauses import Clause
from medcode.search.casecode.rules import (
    conventions,
    encounters,
    infections,
    injuries,
    neoplasms,
    pregnancy,
    statuses,
    tabular_notes,
)
from medcode.search.casecode.rules.sheet import RuleSheet


@dataclass(frozen=True)
class Rule:
    """A guideline rule: what it does, the sections it follows, the function that applies it to a worksheet."""

    name: str
    sections: str
    apply: Callable[[RuleSheet], None]


RULES = (
    Rule("uncertain diagnosis, inpatient", "II.H, III.C", conventions.uncertain_inpatient),
    Rule("screening encounter", "I.C.21.c.5", encounters.screening),
    Rule("vaccine names no diagnosis", "I.C.21.c.2", encounters.immunization_clause),
    Rule("reason for the encounter", "I.C.21.c, I.C.2.e.2, IV.M, I.C.15.b", encounters.encounters),
    Rule("malignancy history", "I.C.2.d, I.C.21.c.8", neoplasms.neoplasm_history),
    Rule("7th character of the encounter", "I.C.19.a, I.C.19.c.1", injuries.seventh_characters),
    Rule("newborn birth record", "I.C.16.a.2, I.C.16.e", pregnancy.newborn),
    Rule("gestational diabetes", "I.C.15.g", pregnancy.gestational_diabetes),
    Rule("condition in pregnancy", "I.C.15.a", pregnancy.pregnancy),
    Rule("delivery and outcome", "I.C.15.b.5, I.C.15.o.1", pregnancy.delivery),
    Rule("poisoning or adverse effect", "I.C.19.e.5", injuries.poisoning),
    Rule("external causes only when asked", "I.C.20", injuries.external_causes),
    Rule("metastasis site", "I.C.2, I.C.2.b", neoplasms.metastases),
    Rule("lymphoma node region", "I.C.2, Tabular C81-C88", neoplasms.lymphoma_sites),
    Rule("tobacco", "I.C.5.b, I.C.21.c.10", statuses.tobacco),
    Rule("BMI value", "I.B.14", statuses.bmi),
    Rule("COVID-19 and exposures", "I.C.1.g.1", infections.infections),
    Rule("sepsis first", "I.C.1.d.4", infections.sepsis),
    Rule("the 'with' convention", "I.A.15, I.C.9.a, I.C.4.a", conventions.with_convention),
    Rule("diabetic complications coded first", "I.A.15, I.C.4.a", conventions.diabetes_code_first),
    Rule("use additional code of a range", "I.A.13", tabular_notes.use_additional_ranges),
    Rule("'other' without a kind named", "I.A.9", conventions.other_without_a_kind),
    Rule("Excludes1 and unspecified beside specific", "I.A.12.a, I.B.2", conventions.tabular_pairs),
    Rule("long-term drug therapy", "I.C.21.c.3", statuses.long_term_drugs),
    Rule("signs integral to a diagnosis", "I.B.5, I.C.6.b.1.a", conventions.integral_signs),
    Rule("status codes need their condition", "I.B.14, I.C.15.a.1", statuses.status_codes),
)


def apply(
    *,
    note: str,
    parts: list[Clause],
    found: dict[tuple[str, str], Candidate],
    excluded: dict[tuple[str, str], Candidate],
    ix: index.ReleaseIndex,
    as_of: Any,
) -> dict[str, str]:
    """Apply the rules to the candidates (in place); returns the codes a guideline sequences first, with the
    section that does."""
    sheet = RuleSheet(note=note, parts=parts, found=found, excluded=excluded, ix=ix, as_of=as_of)
    for rule in RULES:
        rule.apply(sheet)
    return sheet.first
