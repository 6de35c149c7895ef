"""Retrieval over the official guidance documents: BM25 over section texts, built once per codebook and process.

Sections are documents; each is indexed with its title (counted twice: a heading says what the section is
about), its parents' titles and its text, as stems (medcode.search.text). A hit carries the section and its
best paragraph, the one a quotation should give. ``answers`` is False when the best hit covers too little of
the question: the caller then says nothing answers and shows the nearest sections as such.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from medcode.codebook import guidance, store
from medcode.core.errors import ApplicationError
from medcode.search import index as search_index
from medcode.search.text import content_words, stem

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 2
# words of the question itself, not of its topic ("can I code ...?", "which code is reported ...?")
QUESTION_WORDS = frozenset(
    [
        "what",
        "which",
        "how",
        "when",
        "why",
        "can",
        "could",
        "may",
        "might",
        "should",
        "would",
        "will",
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "i",
        "we",
        "you",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "answer",
        "yes",
        "no",
        "code",
        "codes",
        "coded",
        "coding",
        "assign",
        "assigned",
        "report",
        "reported",
        "reporting",
        "use",
        "used",
        "guideline",
        "guidelines",
        "official",
        "icd",
        "10",
        "cm",
        "icd10cm",
        "per",
        "according",
        "say",
        "says",
        "rule",
    ]
)
MIN_COVERAGE = 0.3  # share of the question's weight (idf) the best section must contain to count as an answer
MIN_SCORE = 15.0  # off-topic questions that share one word with a section score about 10; answers 24 and up
MIN_MATCHED = 2  # distinct words of the question the best section must hold (one shared word is chance)
SECTION_SHARE = 0.5  # how much the whole section's score adds to its best paragraph's


@dataclass(frozen=True)
class GuidanceHit:
    """A section that matches a question, its score, the paragraph to quote, and how much of the question it covers."""

    section: guidance.Section
    score: float
    passage: str
    coverage: float


@dataclass(frozen=True)
class GuidanceResult:
    """The ranked sections for a question, and whether the best one answers it."""

    hits: list[GuidanceHit]
    answers: bool
    documents: tuple[str, ...]


def _terms(text: str) -> list[str]:
    return [stem(w) for w in content_words(text)]


def query_terms(question: str) -> list[str]:
    return [stem(w) for w in content_words(question) if w not in QUESTION_WORDS]


class _Bm25:
    """An inverted index of term lists with BM25 weights."""

    def __init__(self, documents: list[list[str]]) -> None:
        self.postings: dict[str, list[tuple[int, int]]] = {}
        self.lengths = [len(terms) for terms in documents]
        for i, terms in enumerate(documents):
            for term, tf in Counter(terms).items():
                self.postings.setdefault(term, []).append((i, tf))
        total = max(len(documents), 1)
        self.average = (sum(self.lengths) / total) or 1.0
        self.idf = {t: math.log(1 + (total - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, terms: list[str]) -> dict[int, float]:
        out: dict[int, float] = {}
        for term in dict.fromkeys(terms):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for doc, tf in self.postings[term]:
                norm = tf + K1 * (1 - B + B * self.lengths[doc] / self.average)
                out[doc] = out.get(doc, 0.0) + idf * tf * (K1 + 1) / norm
        return out


class _Index:
    """Sections and their paragraphs, each paragraph indexed with its section's heading and its parents' headings.

    A section scores by its best paragraph plus a share of its whole text's score: a long section (Appendix I,
    an NCCI chapter section) is found by the paragraph that answers, not by the number of words it holds.
    """

    def __init__(self, sections: list[guidance.Section], ancestry: dict[tuple[str, str], str]) -> None:
        self.sections = sections
        self.paragraphs: list[tuple[int, str]] = []  # (section index, paragraph text)
        self.terms: list[frozenset[str]] = []  # each section's own terms (for coverage)
        whole: list[list[str]] = []
        units: list[list[str]] = []
        for i, section in enumerate(sections):
            heading = _terms(f"{section.title} " * TITLE_WEIGHT + ancestry.get((section.document, section.ref), ""))
            body: list[str] = []
            for paragraph in (p.strip() for p in section.text.split("\n\n")):
                if paragraph:
                    terms = _terms(paragraph)
                    body += terms
                    self.paragraphs.append((i, paragraph))
                    units.append(heading + terms)
            whole.append(heading + body)
            self.terms.append(frozenset(heading + body))
        self.whole = _Bm25(whole)
        self.units = _Bm25(units)
        self.idf = self.whole.idf

    def rank(self, terms: list[str]) -> list[tuple[int, float, str]]:
        """(section index, score, best paragraph), best first."""
        whole = self.whole.scores(terms)
        best: dict[int, tuple[float, str]] = {}
        for unit, score in self.units.scores(terms).items():
            section, paragraph = self.paragraphs[unit]
            if section not in best or score > best[section][0]:
                best[section] = (score, paragraph)
        ranked = [(i, score + SECTION_SHARE * whole.get(i, 0.0), paragraph) for i, (score, paragraph) in best.items()]
        ranked.sort(key=lambda r: (-r[1], self.sections[r[0]].seq))
        return ranked


CACHE_FORMAT = 1  # bump when _Index changes shape or what it is built from


@lru_cache(maxsize=4)
def _index(path: str, releases: tuple[int, ...]) -> _Index:
    """The index of the imported documents: loaded from beside the codebook when a process saved it, else built
    (seconds) and saved, so that only the first process after a build pays."""
    saved = Path(path).with_suffix(".search") / f"guidance-{'-'.join(map(str, releases))}-v{CACHE_FORMAT}.pickle"
    loaded = search_index.saved_load(saved)
    if isinstance(loaded, _Index):
        return loaded
    built = _index_build()
    search_index.saved_store(saved, built)
    return built


def _index_build() -> _Index:
    sections: list[guidance.Section] = []
    ancestry: dict[tuple[str, str], str] = {}
    for document in guidance.DOCUMENTS:
        try:
            listed = guidance.section_list(document=document)
        except ApplicationError:
            continue
        by_ref = {s.ref: s for s in listed}
        for section in listed:
            titles = []
            parent = section.parent
            while parent in by_ref:
                titles.append(by_ref[parent].title)
                parent = by_ref[parent].parent
            ancestry[(document, section.ref)] = " ".join(titles)
            if section.text.strip():
                sections.append(section)
    return _Index(sections, ancestry)


def _imported() -> tuple[str, tuple[int, ...]]:
    path = str(store.connected_path())
    ids = []
    for document in guidance.DOCUMENTS:
        try:
            ids.append(guidance.guidance_release(document=document).id)
        except ApplicationError:
            continue
    return path, tuple(ids)


def guidance_warm() -> None:
    """Build the index now (a server does this once at start rather than on the first question)."""
    _index(*_imported())


def guidance_search(
    *, query: str, limit: int = 5, document: str | None = None, min_coverage: float = MIN_COVERAGE
) -> GuidanceResult:
    """Sections of the imported guidance documents ranked for a question (BM25), best first."""
    path, releases = _imported()
    if not releases:
        return GuidanceResult([], False, ())
    index = _index(path, releases)
    documents = tuple(dict.fromkeys(s.document for s in index.sections if document in (None, s.document)))
    terms = query_terms(query) or _terms(query)
    ranked = [r for r in index.rank(terms) if document is None or index.sections[r[0]].document == document][:limit]
    wanted = set(terms)
    weight = sum(index.idf.get(t, 0.0) for t in wanted) or 1.0
    hits = []
    for i, score, paragraph in ranked:
        coverage = sum(index.idf.get(t, 0.0) for t in wanted & index.terms[i]) / weight
        hits.append(GuidanceHit(index.sections[i], round(score, 3), paragraph, round(coverage, 3)))
    answers = (
        bool(hits)
        and hits[0].score >= MIN_SCORE
        and hits[0].coverage >= min_coverage
        and len(wanted & index.terms[ranked[0][0]]) >= MIN_MATCHED
    )
    return GuidanceResult(hits, answers, documents)


SECTION_REF = re.compile(r"\b(?:section|guideline)\s+((?:I{1,3}|IV)\.[A-Z](?:\.[0-9a-z]{1,3})*)\b", re.IGNORECASE)


def section_named(question: str) -> str | None:
    """A guideline section the question names ("guideline I.B.5", "Section IV.H"), as the document writes it."""
    match = SECTION_REF.search(question)
    return match.group(1) if match else None
