"""The working records of case-to-code: the evidence a span of the note gives, the official texts a clause
mentions, and the candidate codes the stages build up before the result is frozen (`result.CaseResult`).

Also what the stages read off a release index once (`doc_array`, `release_cache`) and the few facts of the code
systems every stage shares (which systems are procedures, which concepts are chapters and blocks)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from medcode.codebook import selectors
from medcode.search import index

PROCEDURE_SYSTEMS = ("icd10pcs",)
TITLE_KIND = index.KIND_NAMES.index("title")
GROUP_KINDS = frozenset({"chapter", "section"})
# the reason of an uncertain diagnosis, a code to review: inpatient records code it as if established (ADR 0035)
UNCERTAIN_REASON = "uncertain (inpatient, II.H): "


@dataclass(frozen=True)
class Evidence:
    """A span of the note that supports a code, and why (`matched`: the official text or rule it matched)."""

    text: str
    start: int
    end: int
    reason: str
    matched: str
    status: str = "current"
    # where it comes from, as a coder cites it: "Index: Fracture, femur, neck → S72.00-", "Tabular title: ...",
    # a guideline section (empty: `result.evidence_source` reads it off the reason)
    source: str = ""


@dataclass
class Candidate:
    """A code being worked on by the stages (mutable until the result freezes it as a `result.CaseCode`)."""

    system: str
    code: str
    title: str
    billable: bool
    score: float = 0.0
    evidence: list[Evidence] = field(default_factory=list)
    statuses: set[str] = field(default_factory=set)
    stated: bool = False  # an official text of the code is in the note (not only an embedding neighbour)
    # a code given in part, for the coder to complete: an ICD-10-PCS code as the index gives it, or an ICD-10-CM code
    # without the 7th character (the encounter) that the note does not say
    incomplete: bool = False


class Mention(NamedTuple):
    """An official text a clause states (doc), the concept it leads to and how much it counts."""

    concept: int
    score: float
    doc: int
    via: int | None  # the text that led to a completion of doc's code, when steered
    partial: str = ""  # an ICD-10-PCS code the note leaves incomplete ("BW20"), suggested as such


def new_candidate(ix: index.ReleaseIndex, concept: int) -> Candidate:
    """A new candidate for a code of the release; incomplete when it is an ICD-10-CM code given without the 7th
    character (the encounter) that the note does not say, for the coder to add (ADR 0035)."""
    billable = bool(ix.billable[concept])
    incomplete = not billable and ix.system == "icd10cm" and needs_encounter(ix, ix.norms[concept])
    return Candidate(ix.system, ix.codes[concept], ix.titles[concept], billable, incomplete=incomplete)


def needs_encounter(ix: index.ReleaseIndex, norm: str) -> bool:
    """Whether a code (without dot) is completed by a 7th character that is the encounter: initial, subsequent,
    sequela."""
    return len(norm) < 7 and all(ix.find(norm.ljust(6, "X") + ch) is not None for ch in "ADS")


def without_encounter(ix: index.ReleaseIndex, concept: int) -> int:
    """The code a 7th-character code extends, when that character is the encounter (initial "A", subsequent "D",
    sequela "S"): "T14.8XXA" -> "T14.8" (its placeholders are the coder's to add with the 7th character)."""
    norm = ix.norms[concept]
    if len(norm) != 7 or not needs_encounter(ix, norm[:6]):
        return concept
    node = ix.find(norm[:6].rstrip("X"))
    return concept if node is None else node


def has_doc(sorted_docs: np.ndarray, d: int) -> bool:
    """Whether document `d` is among `sorted_docs` (a word's texts, as `mentions` keeps them)."""
    i = int(np.searchsorted(sorted_docs, d))
    return i < len(sorted_docs) and int(sorted_docs[i]) == d


def with_seventh(code: str, char: str) -> str:
    """The code completed by a 7th character, with the placeholders it needs: ("T14.8", "A") -> "T14.8XXA"."""
    norm = selectors.normalize(code).ljust(6, "X") + char
    return f"{norm[:3]}.{norm[3:]}"


_caches: dict[int, tuple[index.ReleaseIndex, dict[Any, Any]]] = {}


def text_source(ix: index.ReleaseIndex, doc: int) -> str:
    """An official text as a coder cites it: an Alphabetic Index path with the code it gives ("Index: Fracture,
    femur, neck → S72.00-", a dash where the code is to complete), or a Tabular title or inclusion term."""
    kind = index.KIND_NAMES[int(ix.doc_kind[doc])]
    concept = int(ix.doc_concept[doc])
    body = ix.doc_text[doc].split(" -> ")[0]
    if kind == "title":
        return f"Tabular: {ix.codes[concept]} {body}"
    if kind == "inclusion":
        return f"Tabular: {ix.codes[concept]} inclusion term {body}"
    label = "Index" if ix.system == "icd10pcs" or kind == "index" else f"Index ({kind} table)"
    return f"{label}: {body} → {ix.codes[concept]}{'' if ix.billable[concept] else '-'}"


def release_cache(ix: index.ReleaseIndex) -> dict[Any, Any]:
    """What case-to-code works out once per release index (document arrays, title words, partial codes' titles)."""
    got = _caches.get(id(ix))
    if got is None or got[0] is not ix:
        if len(_caches) >= 4:
            _caches.clear()  # indexes of releases no longer searched are not kept alive
        got = _caches[id(ix)] = (ix, {})
    return got[1]


def doc_array(ix: index.ReleaseIndex, build: Callable[[index.ReleaseIndex], np.ndarray]) -> np.ndarray:
    """What `build` reads off a release index's documents (a mask, term pairs, weights), once per index."""
    cache = release_cache(ix)
    if build not in cache:
        cache[build] = build(ix)
    found: np.ndarray = cache[build]
    return found
