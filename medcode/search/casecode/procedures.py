"""ICD-10-PCS in case-to-code: a procedure code states every axis, and the PCS index gives many codes only in part
("Computerized Tomography (CT Scan), Abdomen BW20"): the part the note states, or the one completion it names."""

from __future__ import annotations

import re

import numpy as np

from medcode.codebook import selectors
from medcode.search import engine, index, text
from medcode.search.casecode.candidates import PROCEDURE_SYSTEMS, TITLE_KIND, release_cache
from medcode.search.casecode.tuning import STATED

PCS_LENGTH = 7

IMAGING_SECTION = "B"  # ICD-10-PCS section B, Imaging

PCS_BODY_PART = 4  # table (3 characters) and body part: the level the PCS index gives most often

# PCS index terms of the vital signs every examination records: findings, not procedures (UHDDS reports
# significant procedures)
VITAL_SIGNS = ("blood pressure", "bp (blood pressure)")

# words that say a removal took part of a body part (ICD-10-PCS Excision), not all of it (Resection)
PARTIAL_REMOVAL = re.compile(r"\b(?:partial|partially|subtotal|segmental|segment|wedge|biops(?:y|ies)|portion)\b", re.I)

# a PCS index term's reference to a removal of part of a body part, or of all of it ("Cholecystectomy (see
# Resection, Gallbladder)")
SEE_REMOVAL = re.compile(r"^(.*) \(see (Excision|Resection), ")


def procedure_code(ix: index.ReleaseIndex, d: int, said: np.ndarray) -> tuple[int, str]:
    """The ICD-10-PCS code a stated text leads to, or the part of one that the note leaves to complete (ADR 0025).

    The PCS index gives many codes only in part ("Computerized Tomography (CT Scan), Abdomen BW20"; "Hemodialysis,
    see Performance, Urinary 5A1D"): the coder completes them in the table by what the record says. A completion
    is taken only when the note says the words that set it apart from the others. A code whose remaining
    characters are the "none" values has a title without them ("... of Abdomen": no contrast): a note that says
    nothing of them states the part the codes share, not that code.
    """
    c = int(ix.doc_concept[d])
    lo, hi = int(ix.doc_lo[d]), int(ix.doc_hi[d])
    if hi - lo > 1:  # an index entry that gives a partial code
        first, last = ix.norms[lo], ix.norms[hi - 1]  # sorted: what these two share, all in between share
        shared = next((k for k, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first))
        prefix = first[:shared]
    elif ix.doc_kind[d] == TITLE_KIND and len(ix.norms[c]) == PCS_LENGTH:
        prefix = ix.norms[c][:PCS_BODY_PART]
        lo, hi = ix.prefix_range(prefix)
    else:
        return c, ""
    span = [k for k in range(lo, min(hi, lo + engine.STEER_RANGE)) if ix.billable[k]]
    if len(span) < 2:
        return (span[0] if span else c), ""
    terms = [_title_terms(ix, k) for k in span]
    common = frozenset.intersection(*terms)
    best, best_weight, tie = -1, 0.0, False
    for k, own in zip(span, terms, strict=True):
        own = own - common
        total = sum(float(ix.idf[t]) for t in own)
        stated = sum(float(ix.idf[t]) for t in own if said[t])
        if not own or stated < STATED.coverage * total:
            continue
        if stated > best_weight:
            best, best_weight, tie = k, stated, False
        elif stated == best_weight:
            tie = True
    if best >= 0 and not tie:
        return best, ""
    return c, prefix


def _title_terms(ix: index.ReleaseIndex, concept: int) -> frozenset[int]:
    """The essential words of a concept's title, as term ids (once per index and concept)."""
    cache = release_cache(ix)
    key = ("title terms", concept)
    if key not in cache:
        plain = index.PARENTHESISED.sub(" ", ix.titles[concept]).lower()
        stems = {text.stem(w) for w in text.content_words(plain) if w not in index.NONESSENTIAL}
        cache[key] = frozenset(ix.vocab[s] for s in stems if s in ix.vocab)
    found: frozenset[int] = cache[key]
    return found


def partial_title(ix: index.ReleaseIndex, code: str) -> str:
    """The title of a partial PCS code (what its codes' titles share), once per index and code."""
    cache = release_cache(ix)
    key = ("partial title", code)
    if key not in cache:
        found = selectors.pcs_partial(code=code, release=ix.release)
        cache[key] = found.title if found else code
    title: str = cache[key]
    return title


def procedure_heads(ix: index.ReleaseIndex) -> np.ndarray:
    """Which documents are index terms with subterms beneath them ("Measurement" under "Measurement, Arterial")."""
    terms = np.flatnonzero(ix.doc_kind != TITLE_KIND) if len(ix.doc_text) else np.array([], int)
    heads = {
        ", ".join(parts[:k])
        for d in terms.tolist()
        for parts in [ix.doc_text[d].split(", ")]
        for k in range(1, len(parts))
    }
    mask = np.zeros(len(ix.doc_text), dtype=bool)
    mask[[d for d in terms.tolist() if ix.doc_text[d] in heads]] = True
    return mask


def excision_twins(ix: index.ReleaseIndex) -> np.ndarray:
    """PCS index terms that read "see Excision, ..." where the same term also reads "see Resection, ..."
    ("Cholecystectomy"): the removal of part of a body part, against all of it."""
    found: dict[str, dict[str, list[int]]] = {}
    for d, doc in enumerate(ix.doc_text):
        m = SEE_REMOVAL.match(doc)
        if m:
            found.setdefault(m.group(1), {}).setdefault(m.group(2), []).append(d)
    mask = np.zeros(len(ix.doc_text), dtype=bool)
    for both in found.values():
        if "Resection" in both:
            mask[both.get("Excision", [])] = True
    return mask


def vital_signs(ix: index.ReleaseIndex) -> np.ndarray:
    """Which documents are PCS index entries for a vital sign ("Blood pressure, see Measurement, Arterial 4A03")."""
    mask = np.zeros(len(ix.doc_text), dtype=bool)
    for d in np.flatnonzero(ix.doc_kind == index.PCS_INDEX).tolist():
        mask[d] = ix.doc_text[d].lower().startswith(VITAL_SIGNS)
    return mask


def imaging_bilateral(ix: index.ReleaseIndex) -> np.ndarray:
    """(document, term) for ICD-10-PCS imaging titles of both organs of a pair ("Ultrasonography of Bilateral
    Kidneys"): an image of a paired organ with no side said is of both ("a renal ultrasound")."""
    bilateral = ix.vocab.get(text.stem("bilateral"))
    if ix.system not in PROCEDURE_SYSTEMS or bilateral is None:
        return np.zeros((0, 2), dtype=np.int64)
    docs = [
        d
        for d in np.flatnonzero(ix.doc_kind == TITLE_KIND).tolist()
        if ix.codes[int(ix.doc_concept[d])].startswith(IMAGING_SECTION) and " Bilateral " in ix.doc_text[d]
    ]
    return np.array([(d, bilateral) for d in docs], dtype=np.int64).reshape(-1, 2)
