"""The semantic extra in case-to-code: codes whose text is nearest in meaning to a current clause (codes to
review, never suggested), and the lexical candidates re-ranked by how near their text is to their clause."""

from __future__ import annotations

import numpy as np

from medcode.codebook import selectors
from medcode.search import embedding, index, semantic, text
from medcode.search.casecode.candidates import Candidate, doc_array, new_candidate, without_encounter
from medcode.search.casecode.clauses import Clause
from medcode.search.casecode.doc_masks import NEEDS_WORDS
from medcode.search.casecode.index_lookup import ENCOUNTER_STATED, unsaid
from medcode.search.casecode.tuning import NEIGHBOURS


def add_neighbours(
    found: dict[tuple[str, str], Candidate],
    ix: index.ReleaseIndex,
    vectors: semantic.CodebookVectors,
    parts: list[Clause],
) -> None:
    """Embedding retrieval: re-rank the lexical candidates by how near their text is to the clause they came
    from, then add the codes whose text is nearest to each current clause (below the lexical ones' scores)."""
    current = [c for c in parts if c.status == "current" and len(text.content_words(c.text)) >= NEIGHBOURS.min_words]
    if not current:
        return
    clause_vecs = embedding.encoder().encode([c.text.strip() for c in current], threads=1)
    spans = [(c.start, c.start + len(c.text)) for c in current]
    for cand in found.values():
        if cand.system != ix.system:
            continue
        concept = ix.find(selectors.normalize(cand.code))
        v = vectors.vector_of(concept) if concept is not None else None
        if v is None:
            continue
        rows = [k for k, (a, b) in enumerate(spans) if any(a <= e.start < b for e in cand.evidence)]
        if rows:
            cosine = float(np.max(clause_vecs[rows] @ v))
            cand.score *= max(NEIGHBOURS.floor, 1 + NEIGHBOURS.boost * (cosine - NEIGHBOURS.min_cosine))
    # as for lexical mentions: no code of a kind that needs words the clause does not say (NEEDS_WORDS)
    per_concept = {docs_of: doc_array(ix, docs_of)[ix.title_doc] for _words, docs_of in NEEDS_WORDS}
    for clause, hits in zip(current, vectors.nearest(clause_vecs, NEIGHBOURS.per_clause), strict=True):
        barred = [per_concept[docs_of] for docs_of in unsaid(clause)]
        encounter_unsaid = ix.system == "icd10cm" and not ENCOUNTER_STATED.search(clause.text)
        for rank_no, (concept, cosine, t) in enumerate(hits):
            if cosine < NEIGHBOURS.min_cosine:
                break
            if any(b[concept] for b in barred):
                continue
            if encounter_unsaid:
                concept = without_encounter(ix, concept)
            key = (ix.system, ix.codes[concept])
            if key not in found:
                found[key] = new_candidate(ix, concept)
            cand = found[key]
            cand.score += (
                NEIGHBOURS.scale * (cosine - NEIGHBOURS.min_cosine) / (1 + rank_no) / (1 + 0.5 * len(cand.evidence))
            )
            cand.statuses.add("current")
            cand.evidence.append(clause.evidence(reason=f"semantic match ({cosine:.2f})", matched=vectors.texts[t]))
