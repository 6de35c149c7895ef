"""Ranking of one release's concepts for a parsed query: BM25 over documents, coverage, steering to codes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medcode.search import query as querying
from medcode.search.index import KIND_WEIGHT, ReleaseIndex

TOP_DOCS = 300
STEER_DOCS = 40  # documents whose completions are looked at
STEER_RANGE = 6000  # at most this many completions of one document
MIN_COVERAGE = 0.3  # a document must match at least this share of the query's weight
RELATIVE_COVERAGE = 0.6  # ... and at least this share of what the best document matches
DENSE_SHARE = 8  # postings over 1/8 of the documents: score every document rather than the union


@dataclass(frozen=True)
class Hit:
    """A concept, its score, the document that matched and, when steered, the document that led there."""

    concept: int
    score: float
    doc: int
    via: int | None = None
    coverage: float = 0.0


@dataclass(frozen=True)
class Scored:
    """The documents a query touches (sorted ids) with their final score and matched query weight."""

    docs: np.ndarray
    final: np.ndarray
    matched: np.ndarray
    total: float

    def final_of(self, doc_ids: np.ndarray) -> np.ndarray:
        """Final scores of any documents (0 for those the query does not touch)."""
        pos = np.searchsorted(self.docs, doc_ids)
        pos = np.minimum(pos, max(self.docs.size - 1, 0))
        if self.docs.size == 0:
            return np.zeros(doc_ids.shape, dtype=np.float64)
        hit = self.docs[pos] == doc_ids
        return np.where(hit, self.final[pos], 0.0)


def _group_vector(
    ix: ReleaseIndex, alts: list[tuple[int, float]], docs: np.ndarray, *, dense: bool, same_idf: bool = False
) -> np.ndarray:
    """The group's best alternative per touched document (documents given as sorted ids)."""
    vec = np.zeros(docs.size, dtype=np.float64)
    common = min(float(ix.idf[t]) for t, _ in alts)
    for term, factor in alts:
        term_docs, w = ix.postings(term)
        idf = common if same_idf else float(ix.idf[term])
        pos = term_docs if dense else np.searchsorted(docs, term_docs)
        v = np.bincount(pos, weights=w * (idf * factor), minlength=docs.size)
        np.maximum(vec, v, out=vec)
    return vec


def score_docs(ix: ReleaseIndex, pq: querying.ParsedQuery) -> Scored:
    """Per touched document: final score and matched query weight; and the query's total weight.

    Only documents holding at least one query word are scored (a sparse union of the postings): the
    release has hundreds of thousands of documents, a typed prefix touches a few thousand.
    """
    groups: list[tuple[querying.Group, list[tuple[int, float]]]] = []
    total = 0.0
    for g in pq.groups:
        alts = [(ix.vocab[s], f) for s, f in g.alternatives.items() if s in ix.vocab]
        if not alts:
            if not any(ch.isdigit() for w in g.words for ch in w) and not g.steering:
                total += querying.UNKNOWN_IDF
            continue
        groups.append((g, alts))
    parts = [ix.postings(t)[0] for _, alts in groups for t, _ in alts]
    n = len(ix.doc_text)
    dense = sum(p.size for p in parts) > n // DENSE_SHARE
    if dense:  # a very common word: every document, as an array indexed by document id
        docs = np.arange(n)
    elif parts:
        docs = np.sort(np.concatenate(parts))
        docs = docs[np.concatenate(([True], docs[1:] != docs[:-1]))]
    else:
        docs = np.zeros(0, dtype=np.int64)
    score = np.zeros(docs.size, dtype=np.float64)
    matched = np.zeros(docs.size, dtype=np.float64)
    for g, alts in groups:
        weight = max(float(ix.idf[t]) for t, _ in alts)
        if g.prefix:
            weight = min(float(ix.idf[t]) for t, _ in alts)
        if g.steering:
            weight *= 0.5
        vec = _group_vector(ix, alts, docs, dense=dense, same_idf=g.prefix)
        score += vec
        matched += (vec > 0) * weight
        total += weight
    if total <= 0:
        return Scored(docs, score, matched, 0.0)
    qcov = matched / total
    # how much of the document's essential text the query says ((parenthesised) words, NOS, unspecified are optional)
    dcov = np.minimum(1.0, matched / np.maximum(ix.doc_idf_core[docs], 1e-6))
    final = score * qcov * qcov * (0.6 + 0.4 * dcov) * KIND_WEIGHT[ix.doc_kind[docs]]
    return Scored(docs, final, matched, total)


def rank(
    ix: ReleaseIndex,
    pq: querying.ParsedQuery,
    *,
    limit: int = 20,
    billable_only: bool = False,
    chapter: str | None = None,
) -> list[Hit]:
    """The best concepts for the query, best first."""
    if not pq.groups or not ix.doc_text:
        return []
    scored = score_docs(ix, pq)
    final, matched, total = scored.final, scored.matched, scored.total
    if total <= 0 or scored.docs.size == 0:
        return []
    best_matched = float(matched.max())
    candidates = np.flatnonzero(matched >= max(MIN_COVERAGE * total, RELATIVE_COVERAGE * best_matched))
    if candidates.size == 0:
        return []
    if candidates.size > TOP_DOCS:
        part = np.argpartition(-final[candidates], TOP_DOCS)[:TOP_DOCS]
        candidates = candidates[part]
    order = candidates[np.argsort(-final[candidates], kind="stable")]
    best: dict[int, Hit] = {}

    def offer(hit: Hit) -> None:
        old = best.get(hit.concept)
        if old is None or hit.score > old.score:
            best[hit.concept] = hit

    for rank_no, k_doc in enumerate(order.tolist()):
        s = float(final[k_doc])
        if s <= 0:
            break
        d = int(scored.docs[k_doc])
        c = int(ix.doc_concept[d])
        cov = float(matched[k_doc] / total)
        offer(Hit(c, s, d, None, cov))
        lo, hi = int(ix.doc_lo[d]), int(ix.doc_hi[d])
        if rank_no < STEER_DOCS and hi - lo > 1:
            span = np.arange(lo, min(hi, lo + STEER_RANGE))
            span = span[ix.billable[span]]
            if span.size:
                own = scored.final_of(ix.title_doc[span])
                # completions never outrank the entry that led to them; the words of the query order them
                top_own = float(own.max())
                combined = s * (0.7 + 0.3 * (own / top_own if top_own > 0 else np.zeros_like(own)))
                combined = combined * (1 + 0.002 * ix.default_like[span])
                # among equals, the code the index names without more words: "unspecified" and shorter titles
                top = np.argsort(-combined, kind="stable")[:3]
                for k in top.tolist():
                    ci = int(span[k])
                    offer(Hit(ci, float(combined[k]), int(ix.title_doc[ci]), d, cov))
    hits = list(best.values())
    if billable_only:
        hits = [h for h in hits if ix.billable[h.concept]]
    if chapter:
        hits = [h for h in hits if ix.chapter[h.concept] == chapter or ix.codes[h.concept].startswith(chapter)]

    def key(h: Hit) -> tuple[float, int, int]:
        s = h.score
        if not ix.billable[h.concept]:
            s *= 0.97
        if ix.terminated[h.concept]:
            s *= 0.5
        return (-s, len(ix.codes[h.concept]), int(ix.seq[h.concept]))

    hits.sort(key=key)
    return hits[:limit]
