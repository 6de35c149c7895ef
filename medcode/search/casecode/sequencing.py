"""Stage 5, sequencing: the suggested codes in reporting order. A code a guideline puts first (the rule stage
names it with its section), then "code first" / "use additional code" partners in the order their notes ask,
then by rank, where a code the note gives early (its reason for the encounter) ranks higher."""

from __future__ import annotations

from typing import Any

from medcode.codebook import notes
from medcode.search.casecode.candidates import Candidate
from medcode.search.casecode.rules.context import tabular_detail
from medcode.search.casecode.tuning import RANKING


def placed(cand: Candidate, length: int) -> float:
    """How much a code's place in the note adds to its rank: a note states why the patient came first (ADR 0035)."""
    first = min((e.start for e in cand.evidence), default=length)
    return 1.0 - RANKING.later_mention_discount * first / max(length, 1)


def sequence(suggested: list[Candidate], first: dict[str, str], *, as_of: Any) -> list[Candidate]:
    """The suggested codes in reporting order: a code a guideline puts first; a "code first" partner before the
    code whose note asks for it, a "use additional code" partner after its code; then by rank."""
    order = {id(c): k for k, c in enumerate(suggested)}
    codes = {c.code: c for c in suggested if c.system == "icd10cm"}
    before: dict[str, set[str]] = {code: set() for code in codes}  # code -> codes that must come before it
    for code in codes:
        detail = tabular_detail(code, as_of)
        for note in detail.notes if detail else []:
            if note.kind not in ("code_first", "use_additional"):
                continue
            refs = notes.note_references(note.text)
            for other in codes:
                if other != code and any(notes.reference_covers(r, other) for r in refs):
                    if note.kind == "code_first":
                        before[code].add(other)
                    else:
                        before[other].add(code)
    out: list[Candidate] = []
    placed: set[str] = set()
    pending = sorted(suggested, key=lambda c: (c.code not in first, order[id(c)]))
    while pending:
        for k, cand in enumerate(pending):
            need = before.get(cand.code, set()) - placed
            if not (need & {c.code for c in pending}):
                out.append(pending.pop(k))
                placed.add(cand.code)
                break
        else:  # a cycle: rank decides
            cand = pending.pop(0)
            out.append(cand)
            placed.add(cand.code)
    return out
