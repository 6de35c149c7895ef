"""Case-to-code: the ICD-10-CM and ICD-10-PCS codes a clinical note documents, as a coder reports them, each with
the span of the note, the Index path or Tabular text it matched, or the guideline rule that requires it.

A small pipeline (ADR 0049), one module a stage, read in this order:

1. `clauses`: sentences and clauses, each with its context (current, negated, uncertain, history, family);
2. `index_lookup`: the official texts a clause states (titles, inclusion terms, Alphabetic Index paths) and the
   codes they lead to; `history` (Z80-Z87), `procedures` (ICD-10-PCS), `neighbours` (the semantic extra);
3. `tabular`: what the Tabular forbids or supersedes in the set, and the checks shown beside it;
4. `rules`: the FY2026 Official Guidelines, one function a rule, each citing its section;
5. `sequencing`: the reporting order;
6. `result`: the frozen `CaseResult` that the page, the REST API, the CLI and the assistant render.

`pipeline.code_case` runs them; `tuning` holds the numbers (docs/case-to-code.md says how they were chosen).
"""

from medcode.search.casecode.pipeline import MAX_NOTE_CHARS, case_to_code, code_case, warm
from medcode.search.casecode.result import CaseCode, CaseResult, Check, CodeEvidence
from medcode.search.casecode.tabular import validate_set

__all__ = [
    "MAX_NOTE_CHARS",
    "CaseCode",
    "CaseResult",
    "Check",
    "CodeEvidence",
    "case_to_code",
    "code_case",
    "validate_set",
    "warm",
]
