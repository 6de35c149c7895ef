"""The worksheet the guideline rules edit: the candidate codes of one note, with the helpers a rule uses to add a
code (with the section that requires it), leave one out (listed as excluded, with why), put one in another's place,
and find a code in the codebook by the words of its title."""

from __future__ import annotations

from typing import Any

from medcode.codebook import selectors
from medcode.search import index, services
from medcode.search.casecode.candidates import Candidate, Evidence, new_candidate
from medcode.search.casecode.clauses import Clause
from medcode.search.casecode.rules.context import context_read


class RuleSheet:
    """The candidates of one note as the coder stage sees and edits them."""

    def __init__(
        self,
        *,
        note: str,
        parts: list[Clause],
        found: dict[tuple[str, str], Candidate],
        excluded: dict[tuple[str, str], Candidate],
        ix: index.ReleaseIndex,
        as_of: Any,
    ) -> None:
        self.note, self.parts, self.found, self.excluded, self.ix, self.as_of = note, parts, found, excluded, ix, as_of
        self.ctx = context_read(note)
        self.first: dict[str, str] = {}  # code -> guideline section that puts it first

    # --- helpers --------------------------------------------------------------------------------------------
    def suggested(self) -> list[Candidate]:
        return [c for c in self.found.values() if c.stated and c.system == "icd10cm"]

    def codes(self) -> set[str]:
        return {c.code for c in self.suggested()}

    def has(self, *prefixes: str) -> list[str]:
        return sorted(c for c in self.codes() if c.startswith(prefixes))

    def evidence(self, reason: str, matched: str, start: int = 0, end: int | None = None) -> Any:
        end = len(self.note) if end is None else end
        return Evidence(self.note[start:end].strip(), start, end, reason, matched)

    def add(self, code: str, reason: str, *, start: int = 0, end: int | None = None, score: float = 0.5) -> bool:
        """Suggest a code (a valid billable one of the release) with the rule that requires it."""
        concept = self.ix.find(selectors.normalize(code))
        if concept is None or not self.ix.billable[concept]:
            return False
        key = ("icd10cm", self.ix.codes[concept])
        cand = self.found.get(key) or self.excluded.pop(key, None)
        if cand is None:
            cand = new_candidate(self.ix, concept)
        self.found[key] = cand
        cand.stated = True
        cand.score = max(cand.score, score)
        cand.statuses.add("current")
        cand.evidence.insert(0, self.evidence(reason, self.ix.titles[concept], start, end))
        return True

    def drop(self, code: str, why: str) -> None:
        """Leave a suggested code out of the set, listed under "excluded" with the rule that removed it."""
        key = ("icd10cm", code)
        cand = self.found.pop(key, None)
        if cand is None:
            return
        cand.statuses = {why}
        cand.stated = False
        self.excluded.setdefault(key, cand)

    def replace(self, old: Candidate, code: str, reason: str) -> None:
        """Put another code of the release in a candidate's place, keeping its evidence."""
        concept = self.ix.find(selectors.normalize(code))
        if concept is None:
            return
        self.found.pop((old.system, old.code), None)
        key = ("icd10cm", self.ix.codes[concept])
        new = self.found.get(key) or new_candidate(self.ix, concept)
        new.stated = True
        new.score = max(new.score, old.score)
        new.statuses |= old.statuses
        new.evidence = (
            [self.evidence(reason, self.ix.titles[concept], *self.span(old))]
            + old.evidence
            + [e for e in new.evidence if e not in old.evidence]
        )
        self.found[key] = new

    def span(self, cand: Candidate) -> tuple[int, int]:
        if cand.evidence:
            return cand.evidence[0].start, cand.evidence[0].end
        return 0, len(self.note)

    def find(self, query: str, prefixes: tuple[str, ...]) -> str | None:
        """The first billable code under `prefixes` that a search of the codebook gives for `query`."""
        for hit in services.search(query=query, system="icd10cm", limit=10, billable=True)["results"]:
            if hit["code"].startswith(prefixes) and hit["billable"]:
                return str(hit["code"])
        return None

    def top_score(self) -> float:
        return max((c.score for c in self.suggested()), default=0.0)
