"""Ranking of one release's concepts for a parsed query: BM25 over documents, coverage, steering to codes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medcode.search import qualifiers
from medcode.search import query as querying
from medcode.search.index import KIND_WEIGHT, ReleaseIndex

TOP_DOCS = 300
STEER_DOCS = 40  # documents whose completions are looked at
STEER_RANGE = 6000  # at most this many completions of one document
MIN_COVERAGE = 0.3  # a document must match at least this share of the query's weight
RELATIVE_COVERAGE = 0.6  # ... and at least this share of what the best document matches
DENSE_SHARE = 8  # postings over 1/8 of the documents: score every document rather than the union
DEFAULT_LIKE_NUDGE = 0.002  # among completions, "unspecified" / "without complication" titles go a little first
TERMINATED_WEIGHT = 0.1  # a code no longer valid goes behind every live one that matches as well
BOUND_SLACK = 1e-6  # float32 weights summed in another order: the bound is kept above any rounding


@dataclass(frozen=True)
class Hit:
    """A concept, its score, the document that matched and, when steered, the document that led there."""

    concept: int
    score: float
    doc: int
    via: int | None = None
    coverage: float = 0.0
    rank_score: float = 0.0  # the score it was ranked by (after the billable, terminated and look-alike weights)


@dataclass(frozen=True)
class Scored:
    """The documents a query touches (sorted ids), their summed term score and matched query weight.

    Final scores are worked out only for the documents asked about (candidates, completions): a common
    typed prefix touches tens of thousands of documents, of which a few hundred are looked at.
    """

    ix: ReleaseIndex
    docs: np.ndarray
    score: np.ndarray
    matched: np.ndarray
    total: float

    def final_at(self, at: np.ndarray) -> np.ndarray:
        """Final scores of the touched documents at these places of `docs`."""
        docs = self.docs[at]
        matched = self.matched[at]
        qcov = matched / self.total
        # how much of the document's essential text the query says ((parenthesised) words, NOS, unspecified are optional)
        dcov = np.minimum(1.0, matched / np.maximum(self.ix.doc_idf_core[docs], 1e-6))
        kind_weight = KIND_WEIGHT.take(self.ix.doc_kind[docs])  # take: int8 kinds as indexes skip numpy's slow path
        # "Congestive heart failure NOS": the text a classification gives for the condition with nothing more said
        kind_weight = kind_weight * nos_weight(self.ix).take(docs)
        final: np.ndarray = self.score[at] * qcov * qcov * (0.6 + 0.4 * dcov) * kind_weight
        return final

    def final_of(self, doc_ids: np.ndarray) -> np.ndarray:
        """Final scores of any documents (0 for those the query does not touch)."""
        pos = np.searchsorted(self.docs, doc_ids)
        pos = np.minimum(pos, max(self.docs.size - 1, 0))
        if self.docs.size == 0:
            return np.zeros(doc_ids.shape, dtype=np.float64)
        hit = self.docs[pos] == doc_ids
        return np.where(hit, self.final_at(pos), 0.0)


NOS_WEIGHT = 1.1  # an inclusion term or index entry "... NOS" against the texts that share its words
_nos: dict[int, tuple[ReleaseIndex, np.ndarray]] = {}


def nos_weight(ix: ReleaseIndex) -> np.ndarray:
    """Per document, NOS_WEIGHT for a text ending in "NOS" (not otherwise specified), else 1 (once per index)."""
    got = _nos.get(id(ix))
    if got is None or got[0] is not ix:
        if len(_nos) >= 8:
            _nos.clear()
        nos = np.array([t.endswith(" NOS") for t in ix.doc_text], dtype=bool)
        # ... of a code to report (an "NOS" under a header is steered among its completions like any other text)
        weights = np.where(nos & ix.billable[ix.doc_concept], NOS_WEIGHT, 1.0) if nos.size else nos.astype(float)
        got = _nos[id(ix)] = (ix, weights)
    return got[1]


_qualifier: dict[int, tuple[ReleaseIndex, np.ndarray]] = {}


def qualifier_mask(ix: ReleaseIndex) -> np.ndarray:
    """Per concept, the look-alike qualifiers its title holds (qualifiers.py), worked out once per index."""
    got = _qualifier.get(id(ix))
    if got is None or got[0] is not ix:
        if len(_qualifier) >= 8:
            _qualifier.clear()
        got = _qualifier[id(ix)] = (ix, qualifiers.title_mask(ix.system, ix.titles))
    return got[1]


def _group_vector(
    ix: ReleaseIndex,
    alts: list[tuple[int, float]],
    docs: np.ndarray,
    position: np.ndarray | None,
    *,
    same_idf: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The group's best alternative per touched document (documents given as sorted ids), and the places
    in `docs` of the documents the group matches (a place may be named more than once).

    `position`, when given, maps a document id to its place in `docs`; otherwise it is looked up by bisection.
    A term's postings name each document once, so its weights are written, not summed.
    """
    vec = np.zeros(docs.size, dtype=np.float64)
    common = min(float(ix.idf[t]) for t, _ in alts)
    places = []
    for n, (term, factor) in enumerate(alts):
        term_docs, w = ix.postings(term)
        idf = common if same_idf else float(ix.idf[term])
        pos = position.take(term_docs) if position is not None else np.searchsorted(docs, term_docs)
        weights = w * (idf * factor)
        if n:
            weights = np.maximum(vec.take(pos), weights)
        vec[pos] = weights
        places.append(pos)
    return vec, places[0] if len(places) == 1 else np.concatenate(places)


@dataclass(frozen=True)
class _Terms:
    """The query's groups as one release knows them: each group's alternatives (term id, factor) and weight,
    and the query's total weight (words the release does not know count against coverage)."""

    groups: list[tuple[querying.Group, list[tuple[int, float]], float]]
    total: float


def _terms(ix: ReleaseIndex, pq: querying.ParsedQuery) -> _Terms:
    groups: list[tuple[querying.Group, list[tuple[int, float]], float]] = []
    total = 0.0
    for g in pq.groups:
        alts = [(ix.vocab[s], f) for s, f in g.alternatives.items() if s in ix.vocab]
        if not alts:
            if not any(ch.isdigit() for w in g.words for ch in w) and not g.steering:
                total += querying.UNKNOWN_IDF
            continue
        # a word being typed weighs as its commonest completion; steering words weigh half
        weight = min(float(ix.idf[t]) for t, _ in alts) if g.prefix else max(float(ix.idf[t]) for t, _ in alts)
        if g.steering:
            weight *= 0.5
        groups.append((g, alts, weight))
    for _, _, weight in groups:  # added after the unknown words, as the scores have always summed them
        total += weight
    return _Terms(groups, total)


def best_possible(ix: ReleaseIndex, terms: _Terms) -> float:
    """A score no hit of this release can exceed for the query (its documents' final scores and the
    completions they steer to): every group matched at its greatest posting weight, full coverage of
    the known words, the heaviest document kind. A release that cannot reach the scores already found
    elsewhere need not be ranked.
    """
    if terms.total <= 0 or not terms.groups:
        return 0.0
    top = ix.post_w_max
    score = 0.0
    known = 0.0
    for g, alts, weight in terms.groups:
        common = min(float(ix.idf[t]) for t, _ in alts)
        score += max(float(top[t]) * (common if g.prefix else float(ix.idf[t])) * f for t, f in alts)
        known += weight
    coverage = known / terms.total
    # completions score at most their leading document's score, times the "default-like" nudge
    return (
        score
        * coverage
        * coverage
        * float(KIND_WEIGHT.max())
        * NOS_WEIGHT
        * (1 + DEFAULT_LIKE_NUDGE)
        * (1 + BOUND_SLACK)
    )


def score_docs(ix: ReleaseIndex, pq: querying.ParsedQuery, terms: _Terms | None = None) -> Scored:
    """Per touched document: summed term score and matched query weight; and the query's total weight.

    Only documents holding at least one query word are scored (a sparse union of the postings): the
    release has hundreds of thousands of documents, a typed prefix touches a few thousand.
    """
    terms = terms or _terms(ix, pq)
    groups = [(g, alts) for g, alts, _ in terms.groups]
    parts = [ix.postings(t)[0] for _, alts in groups for t, _ in alts]
    n = len(ix.doc_text)
    position: np.ndarray | None = None
    if sum(p.size for p in parts) > n // DENSE_SHARE:
        # a very common word: mark the postings in one array over every document rather than sorting them
        touched = np.zeros(n, dtype=bool)
        touched[np.concatenate(parts).astype(np.intp)] = True
        docs = np.flatnonzero(touched)
        position = np.empty(n, dtype=np.intp)
        position[docs] = np.arange(docs.size, dtype=np.intp)
    elif parts:
        docs = np.sort(np.concatenate(parts), kind="stable")  # sorted runs end to end: timsort merges them
        docs = docs[np.concatenate(([True], docs[1:] != docs[:-1]))].astype(np.intp)
    else:
        docs = np.zeros(0, dtype=np.intp)
    score = np.zeros(docs.size, dtype=np.float64)
    matched = np.zeros(docs.size, dtype=np.float64)
    for g, alts, weight in terms.groups:
        vec, places = _group_vector(ix, alts, docs, position, same_idf=g.prefix)
        score += vec
        # the documents with a posting (every posting weighs more than 0), once each however often named
        matched[places] += weight
    return Scored(ix, docs, score, matched, terms.total)


_EMPTY_INT = np.zeros(0, dtype=np.int64)
_NO_COMPLETIONS = (_EMPTY_INT, np.zeros(0, dtype=np.float64), _EMPTY_INT, _EMPTY_INT, _EMPTY_INT)


def _completions(
    ix: ReleaseIndex, scored: Scored, doc: np.ndarray, score: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What the best STEER_DOCS documents that lead to a code still to be completed offer: for each, its three
    best billable completions as (concept, score, via document, rank of that document, offer order).

    Worked on all those documents at once: their completion ranges are laid end to end.
    """
    lead = np.flatnonzero(ix.doc_hi[doc[:STEER_DOCS]] - ix.doc_lo[doc[:STEER_DOCS]] > 1)
    if lead.size == 0:
        return _NO_COMPLETIONS
    d = doc[lead]
    lo = ix.doc_lo[d].astype(np.int64)
    lengths = np.minimum(ix.doc_hi[d].astype(np.int64), lo + STEER_RANGE) - lo
    seg = np.repeat(np.arange(lead.size), lengths)
    span = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths - lo, lengths)
    billable = ix.billable[span]
    span, seg = span[billable], seg[billable]
    if span.size == 0:
        return _NO_COMPLETIONS
    starts = np.flatnonzero(np.concatenate(([True], seg[1:] != seg[:-1])))  # where each document's range starts
    start_of = np.zeros(lead.size, dtype=np.int64)
    start_of[seg[starts]] = starts
    own = scored.final_of(ix.title_doc[span])
    # completions never outrank the entry that led to them; the words of the query order them
    top_own = np.zeros(lead.size, dtype=np.float64)
    top_own[seg[starts]] = np.maximum.reduceat(own, starts)
    top_own = top_own[seg]
    share = np.zeros_like(own)
    np.divide(own, top_own, out=share, where=top_own > 0)
    combined = score[lead][seg] * (0.7 + 0.3 * share)
    combined = combined * (1 + DEFAULT_LIKE_NUDGE * ix.default_like[span])
    # among equals, the code the index names without more words: "unspecified" and shorter titles
    order = np.lexsort((np.arange(span.size), -combined, seg))
    place = np.arange(span.size) - start_of[seg[order]]
    top = order[place < 3]
    source = lead[seg[top]]
    return span[top], combined[top], d[seg[top]], source, 4 * source + 1 + place[place < 3]


def rank(
    ix: ReleaseIndex,
    pq: querying.ParsedQuery,
    *,
    limit: int = 20,
    billable_only: bool = False,
    chapter: str | None = None,
    beat: float | None = None,
    look_alikes: bool = False,
) -> list[Hit]:
    """The best concepts for the query, best first.

    With `beat`, only a release that can score above it is ranked (otherwise: no hits), for a caller that
    already holds `limit` hits scoring at least `beat` from other releases. With `look_alikes`, a code whose title
    holds a qualifier the query does not say (qualifiers.py) is weighed down, as search does for the search box.

    Every candidate document offers its concept, and the best STEER_DOCS documents that lead to a code
    still to be completed also offer their three best completions; each concept keeps its best offer
    (the first one among equals). Worked on arrays: only the `limit` hits returned become objects.
    """
    if not pq.groups or not ix.doc_text:
        return []
    terms = _terms(ix, pq)
    if beat is not None and best_possible(ix, terms) <= beat:
        return []
    scored = score_docs(ix, pq, terms)
    matched, total = scored.matched, scored.total
    if total <= 0 or scored.docs.size == 0:
        return []
    best_matched = float(matched.max())
    candidates = np.flatnonzero(matched >= max(MIN_COVERAGE * total, RELATIVE_COVERAGE * best_matched))
    if candidates.size == 0:
        return []
    final = scored.final_at(candidates)
    if candidates.size > TOP_DOCS:
        part = np.argpartition(-final, TOP_DOCS)[:TOP_DOCS]
        candidates, final = candidates[part], final[part]
    by_score = np.argsort(-final, kind="stable")
    order, score = candidates[by_score], final[by_score]
    positive = int(np.searchsorted(-score, 0.0))  # best first: the documents with a positive score lead
    if positive == 0:
        return []
    order, score = order[:positive], score[:positive]
    doc = scored.docs[order].astype(np.int64)
    cov = matched[order] / total
    # offers in the order they are made: document n's own concept (4n), then its completions (4n + 1..3)
    steer = _completions(ix, scored, doc, score)
    all_concept = np.concatenate((ix.doc_concept[doc].astype(np.int64), steer[0]))
    all_score = np.concatenate((score, steer[1]))
    all_via = np.concatenate((np.full(doc.size, -1, dtype=np.int64), steer[2]))
    all_source = np.concatenate((np.arange(doc.size, dtype=np.int64), steer[3]))  # the document (by rank) offering
    all_seq = np.concatenate((4 * np.arange(doc.size, dtype=np.int64), steer[4]))
    # each concept's best offer (the earliest among equal scores), and when the concept was first offered
    by_concept = np.lexsort((all_seq, -all_score, all_concept))
    first = np.ones(by_concept.size, dtype=bool)
    first[1:] = all_concept[by_concept[1:]] != all_concept[by_concept[:-1]]
    best = by_concept[first]
    group_start = np.flatnonzero(first)
    first_offer = np.minimum.reduceat(all_seq[by_concept], group_start)
    c = all_concept[best]
    if billable_only or chapter:
        keep = np.ones(c.size, dtype=bool)
        if billable_only:
            keep &= ix.billable[c]
        if chapter:
            keep &= np.array(
                [ix.chapter[k] == chapter or ix.codes[k].startswith(chapter) for k in c.tolist()], dtype=bool
            ).reshape(-1)
        best, c, first_offer = best[keep], c[keep], first_offer[keep]
    # best first: headers a little behind billable codes, terminated codes far behind; then shorter codes, code order
    adjusted = all_score[best]
    adjusted = np.where(ix.billable[c], adjusted, adjusted * 0.97)
    adjusted = np.where(ix.terminated[c], adjusted * TERMINATED_WEIGHT, adjusted)
    # look-alikes behind their peers: a title holding a qualifier the query does not say (congenital, newborn, ...)
    if look_alikes:
        unsaid = qualifier_mask(ix)[c] & np.uint32(~qualifiers.said_mask(pq.raw, pq.stems, ix.system) & 0xFFFFFFFF)
        adjusted = np.where(unsaid != 0, adjusted * qualifiers.LOOK_ALIKE_WEIGHT, adjusted)
    if adjusted.size > limit:
        # only concepts that reach the limit-th best adjusted score can be among the first `limit`: order those
        floor = np.partition(adjusted, adjusted.size - limit)[adjusted.size - limit]
        top = np.flatnonzero(adjusted >= floor)
        best, c, first_offer, adjusted = best[top], c[top], first_offer[top], adjusted[top]
    code_len = np.array([len(ix.codes[k]) for k in c.tolist()], dtype=np.int64)
    pick = np.lexsort((first_offer, ix.seq[c], code_len, -adjusted))[:limit]
    b = best[pick]
    concept, via, source = all_concept[b], all_via[b], all_source[b]
    found = np.where(via < 0, doc[source], ix.title_doc[concept])  # a steered hit: the concept's own title
    return [
        Hit(ci, score_, d, None if v < 0 else v, coverage, ranked)
        for ci, score_, d, v, coverage, ranked in zip(
            concept.tolist(),
            all_score[b].tolist(),
            found.tolist(),
            via.tolist(),
            cov[source].tolist(),
            adjusted[pick].tolist(),
            strict=True,
        )
    ]
