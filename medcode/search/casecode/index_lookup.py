"""Stage 2, index lookup: the official texts (code titles, inclusion terms, Alphabetic Index paths such as
"Fracture, femur, neck") a clause states, and the billable codes they lead to, steered by the clause's other words
(side, recurrence, "without" defaults). A text is stated when the clause has nearly all its essential words
(`tuning.STATED`); stated in part, it leads to a code to review (`tuning.PARTLY_STATED`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from medcode.search import engine, index, text
from medcode.search import query as querying
from medcode.search.casecode.candidates import (
    GROUP_KINDS,
    PROCEDURE_SYSTEMS,
    Mention,
    doc_array,
    has_doc,
    without_encounter,
)
from medcode.search.casecode.clauses import Clause, said_as_such, said_words
from medcode.search.casecode.doc_masks import (
    BOTH_SIDES,
    NEEDS_WORDS,
    ONE_SIDE,
    RECURRENT,
    and_pairs,
    bilateral_titles,
    default_core,
    group_docs,
    head_terms,
    one_word_circumstances,
    recurrent_titles,
    specified_nec,
    without_terms,
)
from medcode.search.casecode.procedures import (
    PARTIAL_REMOVAL,
    excision_twins,
    imaging_bilateral,
    procedure_code,
    procedure_heads,
    vital_signs,
)
from medcode.search.casecode.tuning import PARTLY_STATED, RANKING, STATED

# a patient's age ("58-year-old") says nothing of a condition (the index has "Old (previous)" for I25.2)
AGE = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[a-z]+teen|(?:twenty|thirty|forty|fifty"
    r"|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?)[- ]?"
    r"(?:years?|months?|weeks?|days?)[- ]old\b",
    re.I,
)

# a test or a treatment named after what it measures or relieves is no finding: "arterial gas" is a blood gas analysis,
# not flatulence (R14.3); "tumor markers" a blood test, not a neoplasm (D49.9); "under general anesthesia" and
# "analgesia" care given, not loss of sensation (R20.0); a "sinus rhythm" a heart rhythm, not a sinus tract (L98.8);
# a "stress test" a cardiac test (not F43.9); how a pain feels is no injury ("crushing chest pain" is no S28.0)
NOT_FINDINGS = re.compile(
    r"\b(?:(?:crushing|stabbing|burning|shooting|tearing|cutting|gnawing)(?=\s+(?:[a-z]+\s+){0,2}"
    r"(?:pains?|aches?|discomfort|sensations?)\b)"
    r"|(?:arterial|venous|capillary|blood)\s+gas(?:es|ometry)?|gas(?:es)?\s+exchange|gasometry"
    r"|tumou?r\s+markers?|analgesia|sinus\s+rhythm|stress[\s-]+(?:tests?|echo\w*|ergometry)"
    r"|(?:under|general|local|regional|locoregional|spinal|epidural|intradural|topical|sedation and)\s+ana?esthesia)\b",
    re.I,
)

# a clause that says which encounter it is lets the 7th character of an injury code be chosen (ADR 0035)
ENCOUNTER_STATED = re.compile(
    r"\b(?:initial|subsequent|sequelae?|late effects?|healing|nonunion|malunion|follow[- ]?up)\b", re.I
)


def mentions(
    ix: index.ReleaseIndex, clause: Clause, lex: Any, *, partial: bool = False, denied: str = ""
) -> tuple[list[Mention], list[Mention]]:
    """The official texts a clause mentions, steered to billable codes (or, for a procedure the clause does not
    describe fully, to the partial code its codes share); and, when `partial`, the texts it states only in part
    (related codes to review). `denied`: what the rest of its sentence says is absent ("migraine without aura,
    not intractable"): a text that is without it states it."""
    pq = querying.parse(NOT_FINDINGS.sub(" ", AGE.sub(" ", clause.text)), ix.vocab, lex, correct=False)
    if not pq.groups:
        return [], []
    n = len(ix.doc_text)
    matched = np.zeros(n, dtype=np.float64)
    count = np.zeros(n, dtype=np.int16)  # how many of the clause's words each text has
    hits: list[np.ndarray] = []  # per word, the texts that have it (sorted)
    terms: set[int] = set()
    for g in pq.groups:
        # a word said twice is one word, also when one saying is a synonym's expansion ("renal ... kidney")
        # (a single letter is no word: "8h" is not "H (Hartnup's)")
        alts = [
            (ix.vocab[s], f)
            for s, f in g.alternatives.items()
            if s in ix.vocab and ix.vocab[s] not in terms and not (len(s) == 1 and s.isalpha())
        ]
        if not alts:
            continue
        terms.update(t for t, _f in alts)
        # a text covered by one of the group's words counts that word's weight: a rarer synonym ("ultrasound"
        # for "Ultrasonography") must not make up for a word the text has and the clause does not say
        postings = [ix.core_postings(t) for t, _f in alts]
        docs, inverse = np.unique(np.concatenate(postings), return_inverse=True)
        weight = np.zeros(len(docs), dtype=np.float64)
        np.maximum.at(weight, inverse, np.repeat([float(ix.idf[t]) for t, _f in alts], [len(p) for p in postings]))
        matched[docs] += weight
        count[docs] += 1
        hits.append(docs)
    # what a text is "without" is its default: a clause need not say it ("duodenal ulcer" is "..., without
    # hemorrhage or perforation"), and a text that is without what the clause says is not what it says
    core, core_n = doc_array(ix, default_core)
    said = np.zeros(len(ix.idf), dtype=bool)
    said[list(terms)] = True
    pairs = doc_array(ix, and_pairs)
    if pairs.size:
        # "A and B" in a title means A, B or both: a clause stating one of them need not state the other
        a_said, b_said = said[pairs[:, 1]], said[pairs[:, 2]]
        one = a_said != b_said
        if one.any():
            and_docs, other = pairs[one, 0], np.where(a_said[one], pairs[one, 2], pairs[one, 1])
            core, core_n = core.copy(), core_n.copy()
            core[and_docs] -= ix.idf[other]
            core_n[and_docs] = np.maximum(1.0, core_n[and_docs] - 1)
    without = doc_array(ix, without_terms)
    if without.size:
        # what the sentence says is absent (and "uncomplicated" said as such) is stated by a text without it
        absent = np.zeros(len(ix.idf), dtype=bool)
        if denied:
            dq = querying.parse(denied, ix.vocab, lex, correct=False)
            absent[[ix.vocab[a] for g in dq.groups for a in g.alternatives if a in ix.vocab]] = True
        # "uncomplicated" said is what ", uncomplicated" is without (it counts as said already)
        keep = np.zeros(len(ix.idf), dtype=bool)
        uncomplicated = ix.vocab.get(text.stem("uncomplicated"), -1)
        if uncomplicated >= 0:
            keep[uncomplicated] = True
        agree = without[absent[without[:, 1]] & ~said[without[:, 1]]]
        matched[without[said[without[:, 1]] & ~absent[without[:, 1]] & ~keep[without[:, 1]], 0]] = 0.0
        kept = without[said[without[:, 1]] & keep[without[:, 1]]]
        if kept.size:  # ... but it is no word of what the text is: a text is not stated by it alone
            np.subtract.at(matched, kept[:, 0], ix.idf[kept[:, 1]])
            np.maximum(matched, 0.0, out=matched)
        if agree.size:
            agreed = np.unique(agree[:, 0])
            agreed = agreed[matched[agreed] > 0]
            np.add.at(
                matched, agree[np.isin(agree[:, 0], agreed)][:, 0], ix.idf[agree[np.isin(agree[:, 0], agreed)][:, 1]]
            )
    bilateral = doc_array(ix, imaging_bilateral)
    bilateral = bilateral[said[bilateral[:, 1]]]
    if bilateral.size:
        # "bilateral" said is a word of "... of Bilateral Hips" again: its weight must not make up for "hips"
        core, core_n = core.copy(), core_n.copy()
        core[bilateral[:, 0]] += ix.idf[bilateral[:, 1]]
        core_n[bilateral[:, 0]] += 1
    # only the texts that have a word of the clause (a few thousand of several hundred thousand) are read on
    cand = np.flatnonzero(matched)
    cover = np.zeros(n, dtype=np.float64)
    cover[cand] = np.minimum(1.0, matched[cand] / np.maximum(core[cand], 1e-6))
    c_cover, c_matched, c_count, c_core_n = cover[cand], matched[cand], count[cand], core_n[cand]
    stated = (c_cover >= STATED.coverage) & (c_matched >= STATED.weight) & (c_count >= STATED.word_share * c_core_n)
    ok = _evidence(ix, clause, cand[stated], said)
    found = _pick(ix, ok, matched, cover, core, hits, said, clause.text)
    if not partial:
        return found, []
    weak = (
        (c_cover >= PARTLY_STATED.coverage)
        & (c_matched >= PARTLY_STATED.weight)
        & (c_count >= PARTLY_STATED.coverage * c_core_n)
    )
    ok = cand[weak & ~stated]
    # ... whose head word (an index entry's main term, a title's first word) the clause says: "was normal" is no
    # part of "Pregnancy, normal"
    heads = doc_array(ix, head_terms)[ok]
    ok = _evidence(ix, clause, ok[(heads >= 0) & said[np.maximum(heads, 0)]], said)
    return found, _pick(ix, ok, matched, cover, core, hits, said, clause.text)


def _evidence(ix: index.ReleaseIndex, clause: Clause, ok: np.ndarray, said: np.ndarray) -> np.ndarray:
    """Of the texts a clause covers (`ok`), those that are evidence for their code."""
    if ix.system in PROCEDURE_SYSTEMS:
        # a procedure code states every axis (operation, body part, approach, device, qualifier): only texts that
        # lead to one complete code are evidence, never a section, body system or table ("Eye", "Imaging, Veins"),
        # nor an index term that has subterms to choose from ("Measurement" alone)
        ok = ok[ix.billable[ix.doc_concept[ok]] & ~doc_array(ix, procedure_heads)[ok]]
        # ... and only when its operation or main term (a text's first word) is said: not "Drainage, Inguinal
        # Region, Right" from "the right inguinal region"
        heads = doc_array(ix, head_terms)[ok]
        ok = ok[(heads >= 0) & said[np.maximum(heads, 0)]]
        # ... and a vital sign a note reports is an examination finding, not a procedure to code
        ok = ok[~doc_array(ix, vital_signs)[ok]]
    # a one-word procedure or index term ("Isolation", "Dependence (on)") must be said as such, not as another word
    # of the same stem ("was isolated from the culture", "dependent for basic functions")
    one_word = (ix.doc_core_n[ok] < 2) & ((ix.doc_kind[ok] > index.INCLUSION) | (ix.system in PROCEDURE_SYSTEMS))
    if one_word.any():
        clause_words = said_words(clause.text)
        keep = [
            not one or said_as_such(ix.doc_text[d], clause_words) for d, one in zip(ok.tolist(), one_word, strict=True)
        ]
        ok = ok[np.array(keep, dtype=bool)]
    # a chapter or block is no code to suggest, and its title must not hide the codes whose words it shares
    # ("Ischemic heart diseases (I20-I25)" over "Ischemic heart disease (chronic) NOS")
    ok = ok[~doc_array(ix, group_docs)[ok]]
    # one word of the Alphabetic Index never states a circumstance (chapter 21: encounters, status, counseling):
    # "Examination (for) (general) Z00.00" and "Observation Z04.9" are in every note's "physical examination"
    ok = ok[~doc_array(ix, one_word_circumstances)[ok]]
    # "Pneumonia, specified NEC" is for a kind of pneumonia the note names and the index does not list: not
    # what a plain "pneumonia" is (J18.9)
    ok = ok[~doc_array(ix, specified_nec)[ok]]
    if ix.system == "icd10cm":
        for docs_of in unsaid(clause):
            ok = ok[~doc_array(ix, docs_of)[ok]]
    return ok


def unsaid(clause: Clause) -> list[Callable[[index.ReleaseIndex], np.ndarray]]:
    """The kinds of ICD-10-CM code (as document masks) that need words this clause does not say (NEEDS_WORDS)."""
    return [docs_of for words, docs_of in NEEDS_WORDS if not words.search(clause.text)]


def _pick(
    ix: index.ReleaseIndex,
    ok: np.ndarray,
    matched: np.ndarray,
    cover: np.ndarray,
    core: np.ndarray,
    hits: list[np.ndarray],
    said: np.ndarray,
    clause_text: str,
) -> list[Mention]:
    """The codes the texts `ok` lead to, most specific first, at most RANKING.per_clause. With no encounter stated, a code
    whose 7th character is the encounter is given without it, for the coder to complete (ADR 0035)."""
    if ok.size == 0:
        return []
    encounter_stated = ENCOUNTER_STATED.search(clause_text) is not None
    # the most specific texts first: most weight matched, fully covered
    # (among equals, the text with fewer words beyond its essential ones)
    tidy = 0.9 + 0.1 * core[ok] / np.maximum(ix.doc_idf_total[ok], 1e-6)
    score = matched[ok] * cover[ok] ** 2 * index.KIND_WEIGHT[ix.doc_kind[ok]] * tidy
    if ix.system in PROCEDURE_SYSTEMS and not PARTIAL_REMOVAL.search(clause_text):
        # "-ectomy" with nothing said of a part is the whole body part: Resection before its Excision twin
        score = score * np.where(doc_array(ix, excision_twins)[ok], 0.99, 1.0)
    order = ok[np.argsort(-score, kind="stable")][: RANKING.per_clause * 8]
    out: list[Mention] = []
    seen: set[int | str] = set()
    taken: list[frozenset[int]] = []
    for d in order.tolist():
        # a text whose words are all part of a better text already taken is the same mention, less specific
        words_hit = frozenset(k for k, h in enumerate(hits) if has_doc(h, d))
        if any(words_hit <= t for t in taken):
            continue
        taken.append(words_hit)
        # over the note, a code counts by how completely and how often the note states its text, not by how rare
        # its words are (long, rare-worded texts were the least often right: ADR 0023)
        s = float(
            cover[d] ** 2
            * index.KIND_WEIGHT[ix.doc_kind[d]]
            * (0.9 + 0.1 * core[d] / max(float(ix.doc_idf_total[d]), 1e-6))
        )
        c = int(ix.doc_concept[d])
        lo, hi = int(ix.doc_lo[d]), int(ix.doc_hi[d])
        target, via = c, None
        if not ix.billable[c] and hi - lo > 1:
            span = np.arange(lo, min(hi, lo + engine.STEER_RANGE))
            span = span[ix.billable[span]]
            if span.size:
                # the completion whose title the clause covers best
                docs = ix.title_doc[span]
                own = matched[docs] / np.maximum(core[docs], 1e-6)
                # with nothing more said, the "without complications" or "unspecified" code
                own += 0.1 * ix.default_like[span]
                # one side said ("right inguinal hernia") is no bilateral code
                if ONE_SIDE.search(clause_text) and not BOTH_SIDES.search(clause_text):
                    own -= 0.5 * bilateral_titles(ix)[span]
                # a recurrence not said is none ("..., not specified as recurrent" is the default)
                if not RECURRENT.search(clause_text):
                    own -= 0.2 * recurrent_titles(ix)[span]
                # among equals, the completion that states more of what the clause says ("nausea and vomiting":
                # "Nausea with vomiting, unspecified", not "Vomiting, unspecified")
                own += 0.05 * np.minimum(matched[docs] / max(float(matched[d]), 1e-6), 1.0)
                # ... and the one with the fewest words beyond them ("Migraine, unspecified, ..." before
                # "Migraine without aura, ...")
                own += 0.02 * core[docs] / np.maximum(ix.doc_idf_total[docs], 1e-6)
                best = int(np.argmax(own))
                target, via = int(span[best]), d
        if ix.system == "icd10cm" and not encounter_stated:
            target = without_encounter(ix, target)
        partial = ""
        if ix.system in PROCEDURE_SYSTEMS:
            target, partial = procedure_code(ix, d, said)
        if (partial or target) in seen or ix.kinds[target] in GROUP_KINDS:
            continue
        seen.add(partial or target)
        out.append(Mention(target, s, d, via, partial))
        if len(out) >= RANKING.per_clause:
            break
    return out
