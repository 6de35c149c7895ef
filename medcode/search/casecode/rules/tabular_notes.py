"""Tabular instructional notes as rules: a "use additional code" note that asks for a site within a range of codes
("use additional code to identify site of ulcer (L97.4-, L97.5-)") is completed by the code of that range whose title the note's
sentence states (I.A.13, the "code also" and "use additional code" convention)."""

from __future__ import annotations

import re

from medcode.codebook import notes
from medcode.search import index, services, text
from medcode.search import query as querying
from medcode.search.casecode.rules.context import tabular_detail
from medcode.search.casecode.rules.sheet import RuleSheet

MAX_RANGE = 200  # codes of a note's ranges read at most
MIN_SAID = 0.6  # share of the words that set a completion apart (idf weight) the sentence must say
# only notes that ask for the site ("to identify site of ulcer"): the site is what a sentence states in words; a note
# for a factor, a source or a history (tobacco, external causes, family history, a lab level) needs its own rule
SITE_NOTE = re.compile(r"\bsites?\b", re.I)
USE_ADDITIONAL = "Tabular: use additional code ({refs}) at {at}: {code}, the code of that range the note states"


def use_additional_ranges(ws: RuleSheet) -> None:
    """I.A.13: a suggested code whose Tabular note asks for an additional code of a range the set has no code of
    takes the one completion of the range whose distinguishing words the sentence says."""
    for cand in list(ws.suggested()):
        detail = tabular_detail(cand.code, ws.as_of)
        for note in detail.notes if detail else []:
            if note.kind != "use_additional" or not SITE_NOTE.search(note.text):
                continue
            refs = [r for r in notes.note_references(note.text) if _is_range(ws.ix, r)]
            if not refs or any(c.replace(".", "").startswith(tuple(refs)) for c in ws.codes()):
                continue
            start, end = ws.span(cand)
            stop = re.search(r"[.\n]", ws.note[end:])
            sentence = ws.note[start : end + (stop.start() if stop else len(ws.note) - end)]
            code = _completion(ws.ix, refs, sentence)
            if code is not None:
                reason = USE_ADDITIONAL.format(
                    refs=", ".join(f"{r[:3]}.{r[3:]}-" for r in refs), at=note.code, code=code
                )
                ws.add(code, reason, start=start, end=end, score=cand.score - 0.01)


def _is_range(ix: index.ReleaseIndex, ref: str) -> bool:
    lo, hi = ix.prefix_range(ref)
    return sum(1 for k in range(lo, min(hi, lo + MAX_RANGE)) if ix.billable[k]) > 1


def _completion(ix: index.ReleaseIndex, refs: list[str], sentence: str) -> str | None:
    """The billable code of the ranges whose own words (those not common to all) the sentence says best."""
    said = {
        ix.vocab[s]
        for g in querying.parse(sentence, ix.vocab, services.codebook_lexicon(), correct=False).groups
        for s in g.alternatives
        if s in ix.vocab
    }
    span = [
        k for r in refs for lo, hi in [ix.prefix_range(r)] for k in range(lo, min(hi, lo + MAX_RANGE)) if ix.billable[k]
    ]
    terms = [_terms(ix, k) for k in span]
    common = frozenset.intersection(*terms) if terms else frozenset()
    best, best_weight, tie = -1, 0.0, False
    for k, own in zip(span, terms, strict=True):
        own = own - common
        total = sum(float(ix.idf[t]) for t in own)
        stated = sum(float(ix.idf[t]) for t in own if t in said)
        if not own or stated < MIN_SAID * total:
            continue
        if stated > best_weight:
            best, best_weight, tie = k, stated, False
        elif stated == best_weight:
            tie = True
    return ix.codes[best] if best >= 0 and not tie else None


def _terms(ix: index.ReleaseIndex, concept: int) -> frozenset[int]:
    plain = index.PARENTHESISED.sub(" ", ix.titles[concept]).lower()
    stems = {text.stem(w) for w in text.content_words(plain) if w not in index.NONESSENTIAL}
    return frozenset(ix.vocab[s] for s in stems if s in ix.vocab)
