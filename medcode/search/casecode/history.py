"""History and family history in case-to-code: the Z codes ICD-10-CM has for what a patient or a relative had
(Z80-Z87), and the chronic conditions of a medical-history list that are still present (ADR 0023)."""

from __future__ import annotations

import re

from medcode.rules import classifiers
from medcode.search import engine, index, services, text
from medcode.search import query as querying
from medcode.search.casecode.candidates import has_doc
from medcode.search.casecode.clauses import CUES, Clause

# the codes ICD-10-CM has for a personal and a family history (Z85-Z87, Z80-Z84)
HISTORY_CODES = {"history": ("Z85", "Z86", "Z87"), "family": ("Z80", "Z81", "Z82", "Z83", "Z84")}

# the verb of "her mother had ...", left out of the family history it names
HAD = re.compile(r"\b(?:had|has|have|having)\b", re.I)

# A medical-history list names what the patient has had. A chronic condition in it (AHRQ's chronic condition
# indicator) is still present and coded as current, unless it is an acute event or ICD-10-CM keeps a history or
# sequela code for its kind: neoplasms (Z85, Z86.0-), tobacco dependence (Z87.891), myocardial infarction
# (I25.2), stroke (Z86.73, I69), injuries. "previous", "prior", "resolved" still mean past (ADR 0023).
HISTORY_LIST_CUES = ("history of", "h/o", "hx of", "past history")

NOT_CARRIED = ("C", "D0", "D1", "D2", "D3", "D4", "F17", "I21", "I22", "I23", "I24", "I6", "S", "T", "Z")

ACUTE = re.compile(r"\bacute\b", re.I)

CHRONIC_REASON = "chronic condition in the history: "


def history_code(clause: Clause, ix: index.ReleaseIndex, had: set[int]) -> tuple[int, float] | None:
    """For a history or family-history clause, the Z code ICD-10-CM has for it, if any (`had`: `had_terms`)."""
    lead = "family history of" if clause.status == "family" else "personal history of"
    body = _had(clause)
    if len(text.content_words(body)) == 0:
        return None
    pq = querying.parse(f"{lead} {body}", ix.vocab, services.codebook_lexicon())
    for hit in engine.rank(ix, pq, limit=3, billable_only=True):
        code = ix.codes[hit.concept]
        if code.startswith(HISTORY_CODES[clause.status]) and hit.coverage >= 0.8 and names_had(ix, had, hit.doc):
            return hit.concept, min(1.0, hit.coverage) ** 2  # on the scale of mentions
    return None


def _had(clause: Clause) -> str:
    """What a history clause says was had: "her mother had a history of breast cancer" -> "breast cancer"."""
    return HAD.sub(" ", CUES["history"].sub(" ", CUES[clause.status].sub(" ", clause.text)))


def had_terms(ix: index.ReleaseIndex, clause: Clause) -> set[int]:
    """The words (with their synonyms) of what a history clause says was had, but "personal", "family" and
    "history" themselves."""
    lex = services.codebook_lexicon()

    def terms(words: str) -> set[int]:
        groups = querying.parse(words, ix.vocab, lex, correct=False).groups
        return {ix.vocab[s] for g in groups for s in g.alternatives if s in ix.vocab}

    return terms(_had(clause)) - terms("personal family history")


def names_had(ix: index.ReleaseIndex, had: set[int], doc: int) -> bool:
    """Whether a history code's text says something of what was had: "no personal history of interest" is not
    "Personal history of other specified conditions" (Z87.898), whose other words are defaults."""
    return any(has_doc(ix.core_postings(t), doc) for t in had)


def still_present(code: str, title: str) -> bool:
    """A condition named in a medical-history list that the patient still has (see HISTORY_LIST_CUES)."""
    return not code.startswith(NOT_CARRIED) and not ACUTE.search(title) and classifiers.is_chronic(code)
