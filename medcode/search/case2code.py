"""Case-to-code: the conditions and procedures a clinical note documents, as ranked codes with evidence.

A note is cut into sentences and clauses; each clause gets its context (negated, uncertain, history,
family history) from cue words (NegEx-style, scope to the end of the clause). An official text
(title, inclusion term, Alphabetic Index path) is *mentioned* by a clause when the clause contains
nearly all of its essential words; the codes these texts lead to (steered to billable codes by the
clause's other words) are ranked over the whole note, and the set is validated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from medcode.codebook import notes, selectors
from medcode.core.errors import ApplicationError, ReleaseNotFound
from medcode.rules import classifiers
from medcode.search import embedding, engine, guideline_rules, index, semantic, services, synonyms, text
from medcode.search import query as querying

MAX_NOTE_CHARS = 100_000
MSG_EMPTY = "The note is empty: paste the clinical text to code"
MSG_TOO_LONG = "The note is {length} characters long; case-to-code reads at most {limit}"
MIN_DOC_COVERAGE = 0.8  # a clause must contain this share of an official text's essential weight
MIN_DOC_WEIGHT = 4.0  # ... and that weight must be at least this much (no codes from one common word)
MIN_WORD_SHARE = 0.75  # ... and this share of its essential words, however common
# a text a clause states only in part (at least this share of its essential weight and of its essential words)
# is a related code to review, ranked after the suggested ones and never in the suggested set (ADR 0034)
PARTIAL_COVERAGE = 0.5
PARTIAL_WEIGHT = 3.0
PARTIAL_SCALE = 0.3  # its score, on the scale of the semantic extra's neighbours
PER_CLAUSE = 6
OTHER_TEXT_WEIGHT = 0.8  # an index or inclusion term's evidence, against a code's own title (ADR 0035)
LATER_MENTION_DISCOUNT = 0.3  # a code first mentioned at the note's end ranks as if it scored this much less
MAX_CODES = 60
# embedding retrieval (the semantic extra): codes whose text is nearest to a current clause
SEMANTIC_PER_CLAUSE = 5
SEMANTIC_MIN_COSINE = 0.45  # below this, a nearest code text is not what the clause says
# score of a semantic candidate: SCALE * (cosine - MIN), at most about 0.25 a clause, on the scale of a lexical
# mention (up to 1 a clause); codes the note states rank first anyway (`suggested`)
SEMANTIC_SCALE = 0.5
SEMANTIC_BOOST = 2.0  # a lexical candidate's score times (1 + BOOST * (cosine to its clause - MIN)), when known
SEMANTIC_FLOOR = 0.1  # ... and at least this (a text far from its clause in meaning is still stated there)
SEMANTIC_MIN_WORDS = 2  # clauses with fewer content words are not embedded

SENTENCE = re.compile(r"[^.\n;!?]+(?:[.;!?]+|\n|$)")
# periods that end no sentence: decimals (4.2 cm) and a period followed on the same line by a lower-case word,
# as after genus abbreviations and initials (E. coli, S. aureus) and short forms ("approx. 3 cm", "vs. placebo")
INNER_PERIOD = re.compile(r"(?<=\d)\.(?=\d)|\.(?=[ \t]+[a-z])")
SHORT_PARENTHESES = re.compile(r"\(([A-Za-z][A-Za-z0-9/-]{0,7})\)")  # "(CT)", "(MRI)": same length without them
CLAUSE_BREAK = re.compile(r",?\s+\b(?:but|however|although|though|except|whereas)\b|[:()]", re.I)
CUES: dict[str, re.Pattern[str]] = {
    "family": re.compile(
        r"\b(family history|fhx|family hx|mother|father|sister|brother|sibling|grandmother|grandfather|maternal|paternal)\b",
        re.I,
    ),
    "history": re.compile(
        r"\b(?:(?:history of|h/o|hx of|past history|previous|prior|status post|s/p|resolved|former|formerly)\b|ex-(?=[a-z]))",
        re.I,
    ),
    "negated": re.compile(
        r"\b(no|not|denies|denied|deny|without|negative for|absence of|absent|free of|ruled out|excluded|never|nor)\b",
        re.I,
    ),
    "uncertain": re.compile(
        r"\b(rule out|r/o|possible|possibly|probable|probably|suspected|suspicion of|suspect|likely|questionable|"
        r"cannot be excluded|may be|might|differential|versus|vs)\b",
        re.I,
    ),
}
# negation cues that follow what they deny
POST_NEGATION = re.compile(r"ruled out|excluded", re.I)
# words that end a cue's scope inside a clause (NegEx's termination terms): what follows is said of something
# else ("no abnormalities and an epididymal cyst", "no fever, which ...", "negative for X due to Y")
SCOPE_END = re.compile(
    r"\b(?:and|with|showing|revealing)\s+(?:a|an|the|some|signs? of|presence of)\b|\b(?:which|who|because|due to|"
    r"secondary to|caused by|presents?|presented|presenting|revealed|showed|shows|consistent with|compatible with|"
    r"(?:was|is) admitted|consult(?:s|ed)|comes|came|complain(?:s|ed|ing))\b"
    # "no (personal) history of interest" (nothing relevant in the past history): what follows is the present
    r"|(?<=history )of interest\b",
    re.I,
)
# "a 3-day history of", "a two-week history of": how long a present complaint has lasted, not the past history
DURATION = re.compile(
    r"\b(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|several|few)[- ]"
    r"(?:hours?|days?|weeks?|months?|years?)['\u2019]?[- ]?$",
    re.I,
)
PROCEDURE_SYSTEMS = ("icd10pcs",)
PCS_LENGTH = 7
IMAGING_SECTION = "B"  # ICD-10-PCS section B, Imaging
PCS_BODY_PART = 4  # table (3 characters) and body part: the level the PCS index gives most often
# PCS index terms of the vital signs every examination records: findings, not procedures (UHDDS reports
# significant procedures)
VITAL_SIGNS = ("blood pressure", "bp (blood pressure)")
TITLE_KIND = index.KIND_NAMES.index("title")
GROUP_KINDS = frozenset({"chapter", "section"})
# the last subterm of an index entry for a kind the index lists nowhere else ("Pneumonia, specified NEC")
SPECIFIED_NEC = re.compile(r"(?:^|, )specified(?: [a-z]+)? NEC(?: \([^)]*\))?$")
# a patient's age ("58-year-old") says nothing of a condition (the index has "Old (previous)" for I25.2)
AGE = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[a-z]+teen|(?:twenty|thirty|forty|fifty"
    r"|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?)[- ]?"
    r"(?:years?|months?|weeks?|days?)[- ]old\b",
    re.I,
)
# a test or a treatment named after what it measures or relieves is no finding: "arterial gas" is a blood gas
# analysis, not flatulence (R14.3); "tumor markers" are a blood test, not a neoplasm (D49.9); "under general
# anesthesia" and "analgesia" are care given, not loss of sensation (R20.0); a "sinus rhythm" is a normal
# heart rhythm, not a sinus tract (L98.8); a "stress test" is a cardiac test, not a reaction to stress (F43.9)
NOT_FINDINGS = re.compile(
    r"\b(?:(?:arterial|venous|capillary|blood)\s+gas(?:es|ometry)?|gas(?:es)?\s+exchange|gasometry"
    r"|tumou?r\s+markers?|analgesia|sinus\s+rhythm|stress[\s-]+(?:tests?|echo\w*|ergometry)"
    r"|(?:under|general|local|regional|locoregional|spinal|epidural|intradural|topical|sedation and)\s+ana?esthesia)\b",
    re.I,
)
# what a text is without: to the next comma or the next word that starts what it is of ("Puncture wound without
# foreign body of unspecified part of neck": "foreign body")
WITHOUT = re.compile(r"\bwithout\b(.*?)(?=[,;]|$|\b(?:of|with|in|due to|following|at|on)\b)", re.I)
FIRST_WORDS = re.compile(r"[a-z0-9]+")
AND_PAIR = re.compile(r"\b([a-z][a-z'-]+) and ([a-z][a-z'-]+)\b", re.I)
# the codes ICD-10-CM has for a personal and a family history (Z85-Z87, Z80-Z84)
HISTORY_CODES = {"history": ("Z85", "Z86", "Z87"), "family": ("Z80", "Z81", "Z82", "Z83", "Z84")}
# words of harm, one of which a clause must say for a code of chapter 19 (injury, poisoning, complications): the
# head words of its titles (as stems: "fractur") and how injuries happen ("fell", "assault")
INJURY_WORDS = re.compile(
    r"\b(?:injur|trauma|fractur|displace|lacerat|wound|contus|bruis|burn|corros|scald|disloc|sublux|sprain|strain"
    r"|poison|overdos|intoxicat|toxic|adverse|underdos|punctur|bite|bitten|sting|abras|blister|crush|amputat|avuls"
    r"|foreign bod|frostbit|hypotherm|heat stroke|asphyx|suffocat|drown|complicat|reject|breakdown|leak|ruptur"
    r"|concuss|whiplash|hematoma|haematoma|gunshot|accident|assault|insect|anaphyla|allerg|side effect|electrocut"
    r"|exposure|ingest|inhal|swallow|obstruct|perforat|fistul)"
    r"|\b(?:cut|cuts|tear|tears|torn|stab|stabbed|shot|fall|falls|fell|fallen)\b",
    re.I,
)
# words that make a clause about the encounter itself: an examination or test the note reports ("physical
# examination showed ...", "laboratory tests revealed ...") is no encounter for an examination (Z00-Z13)
ENCOUNTER_WORDS = re.compile(
    r"\b(?:routine|screening|check-?up|encounter|annual|periodic|general health|well[- ](?:child|baby|woman|man))\b",
    re.I,
)
# a code whose title calls it congenital needs the clause to say so: "bone defect" or "filling defect" is no
# "Congenital malformation, unspecified" (Q89.9, from the index's main term "Defect, defective") (ADR 0035)
CONGENITAL_WORDS = re.compile(
    r"\b(?:congenital(?:ly)?|birth|born|newborn|neonatal|inborn|inherited|hereditary|genetic|malformation)\b", re.I
)
ONE_SIDE = re.compile(r"\b(?:right|left|unilateral)\b", re.I)
BOTH_SIDES = re.compile(r"\b(?:bilateral|both)\b", re.I)
RECURRENT = re.compile(r"\brecurr", re.I)
RECURRENT_TITLE = re.compile(r"(?<!specified as )\brecurrent\b", re.I)
# a clause that says which encounter it is lets the 7th character of an injury code be chosen (ADR 0035)
ENCOUNTER_STATED = re.compile(
    r"\b(?:initial|subsequent|sequelae?|late effects?|healing|nonunion|malunion|follow[- ]?up)\b", re.I
)
# words that say a removal took part of a body part (ICD-10-PCS Excision), not all of it (Resection)
PARTIAL_REMOVAL = re.compile(r"\b(?:partial|partially|subtotal|segmental|segment|wedge|biops(?:y|ies)|portion)\b", re.I)
# a PCS index term's reference to a removal of part of a body part, or of all of it ("Cholecystectomy (see
# Resection, Gallbladder)")
SEE_REMOVAL = re.compile(r"^(.*) \(see (Excision|Resection), ")
# the reason of an uncertain diagnosis, a code to review: inpatient records code it as if established (ADR 0035)
UNCERTAIN_REASON = "uncertain (inpatient, II.H): "
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


@dataclass
class Evidence:
    """A span of the note that supports a code, and why."""

    text: str
    start: int
    end: int
    reason: str
    matched: str
    status: str = "current"

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
            "matched": self.matched,
            "status": self.status,
        }


@dataclass
class Candidate:
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


@dataclass(frozen=True)
class Clause:
    text: str
    start: int
    status: str
    cue: str = ""  # the words that set the status ("history of", "denies"), lower case

    def evidence(self, *, reason: str, matched: str, status: str = "current") -> Evidence:
        """This clause, without its surrounding blanks, as evidence for a code."""
        stripped = self.text.strip()
        start = self.start + len(self.text) - len(self.text.lstrip())
        return Evidence(stripped, start, start + len(stripped), reason, matched, status)


def clauses(note: str) -> list[Clause]:
    """Sentences cut at clause breaks, each with its context status (current, negated, uncertain, history, family)."""
    out: list[Clause] = []
    masked = INNER_PERIOD.sub("\u2024", note)  # same length: offsets into the note stay right
    for m in SENTENCE.finditer(masked):
        sentence = note[m.start() : m.end()]
        if not sentence.strip():
            continue
        pos = 0
        pieces = []
        # an abbreviation in parentheses is part of its clause: "a computerized axial tomography (CAT) of the abdomen"
        for b in CLAUSE_BREAK.finditer(SHORT_PARENTHESES.sub(r" \1 ", sentence)):
            pieces.append((pos, sentence[pos : b.start()]))
            pos = b.end()
        pieces.append((pos, sentence[pos:]))
        for offset, piece in pieces:
            if not piece.strip():
                continue
            start = m.start() + offset
            # a cue governs the rest of its clause; text before the first cue keeps the clause's status
            found: list[tuple[int, int, str]] = []
            for status in ("family", "history", "uncertain", "negated"):
                found += [
                    (cue.start(), cue.end(), status)
                    for cue in CUES[status].finditer(piece)
                    if not (status == "history" and DURATION.search(piece, 0, cue.start()))
                ]
            found.sort()
            cuts: list[tuple[int, str, str]] = []
            last_end = -1
            for at, end, status in found:
                if at < last_end:
                    continue  # inside a cue already taken ("history" of "family history")
                if cuts and at - last_end <= 3 and "negated" in (status, cuts[-1][1]):
                    cuts[-1] = (cuts[-1][0], "negated", cuts[-1][2])  # "no history of", "denies any history of"
                elif cuts and at - last_end <= 3:
                    pass  # two cues in a row: the first one's status
                elif cuts and status == "history" and cuts[-1][1] == "family":
                    pass  # "her mother had a history of ...": the relative's history is family history
                else:
                    cuts.append((at, status, piece[at:end].lower()))
                last_end = max(last_end, end)
            if not cuts:
                out.append(Clause(piece, start, "current"))
                continue
            if cuts[0][0] > 0 and piece[: cuts[0][0]].strip():
                # "MI ruled out with serial troponins": a cue that follows what it denies (NegEx's post-negation)
                before = "negated" if POST_NEGATION.fullmatch(cuts[0][2]) else "current"
                out.append(Clause(piece[: cuts[0][0]], start, before, cuts[0][2] if before != "current" else ""))
            for k, (at, status, cue) in enumerate(cuts):
                end = cuts[k + 1][0] if k + 1 < len(cuts) else len(piece)
                stop = SCOPE_END.search(piece, at + 1, end)
                if stop is not None and piece[stop.start() : end].strip():
                    # the cue's scope ends here; the rest is current again
                    out.append(Clause(piece[at : stop.start()], start + at, status, cue))
                    out.append(Clause(piece[stop.start() : end], start + stop.start(), "current"))
                else:
                    out.append(Clause(piece[at:end], start + at, status, cue))
    return out


def _mentions(
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
    core, core_n = _doc_array(ix, _default_core)
    said = np.zeros(len(ix.idf), dtype=bool)
    said[list(terms)] = True
    pairs = _doc_array(ix, _and_pairs)
    if pairs.size:
        # "A and B" in a title means A, B or both: a clause stating one of them need not state the other
        a_said, b_said = said[pairs[:, 1]], said[pairs[:, 2]]
        one = a_said != b_said
        if one.any():
            and_docs, other = pairs[one, 0], np.where(a_said[one], pairs[one, 2], pairs[one, 1])
            core, core_n = core.copy(), core_n.copy()
            core[and_docs] -= ix.idf[other]
            core_n[and_docs] = np.maximum(1.0, core_n[and_docs] - 1)
    without = _doc_array(ix, _without_terms)
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
    bilateral = _doc_array(ix, _imaging_bilateral)
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
    stated = (c_cover >= MIN_DOC_COVERAGE) & (c_matched >= MIN_DOC_WEIGHT) & (c_count >= MIN_WORD_SHARE * c_core_n)
    ok = _evidence(ix, clause, cand[stated], said)
    found = _pick(ix, ok, matched, cover, core, hits, said, clause.text)
    if not partial:
        return found, []
    weak = (c_cover >= PARTIAL_COVERAGE) & (c_matched >= PARTIAL_WEIGHT) & (c_count >= PARTIAL_COVERAGE * c_core_n)
    ok = cand[weak & ~stated]
    # ... whose head word (an index entry's main term, a title's first word) the clause says: "was normal" is no
    # part of "Pregnancy, normal"
    heads = _doc_array(ix, _head_terms)[ok]
    ok = _evidence(ix, clause, ok[(heads >= 0) & said[np.maximum(heads, 0)]], said)
    return found, _pick(ix, ok, matched, cover, core, hits, said, clause.text)


def _evidence(ix: index.ReleaseIndex, clause: Clause, ok: np.ndarray, said: np.ndarray) -> np.ndarray:
    """Of the texts a clause covers (`ok`), those that are evidence for their code."""
    if ix.system in PROCEDURE_SYSTEMS:
        # a procedure code states every axis (operation, body part, approach, device, qualifier): only texts that
        # lead to one complete code are evidence, never a section, body system or table ("Eye", "Imaging, Veins"),
        # nor an index term that has subterms to choose from ("Measurement" alone)
        ok = ok[ix.billable[ix.doc_concept[ok]] & ~_doc_array(ix, _procedure_heads)[ok]]
        # ... and only when its operation or main term (a text's first word) is said: not "Drainage, Inguinal
        # Region, Right" from "the right inguinal region"
        heads = _doc_array(ix, _head_terms)[ok]
        ok = ok[(heads >= 0) & said[np.maximum(heads, 0)]]
        # ... and a vital sign a note reports is an examination finding, not a procedure to code
        ok = ok[~_doc_array(ix, _vital_signs)[ok]]
    # a one-word procedure or index term ("Isolation", "Dependence (on)") must be said as such, not as another word
    # of the same stem ("was isolated from the culture", "dependent for basic functions")
    one_word = (ix.doc_core_n[ok] < 2) & ((ix.doc_kind[ok] > index.INCLUSION) | (ix.system in PROCEDURE_SYSTEMS))
    if one_word.any():
        clause_words = _said_words(clause.text)
        keep = [
            not one or _said_as_such(ix.doc_text[d], clause_words) for d, one in zip(ok.tolist(), one_word, strict=True)
        ]
        ok = ok[np.array(keep, dtype=bool)]
    # a chapter or block is no code to suggest, and its title must not hide the codes whose words it shares
    # ("Ischemic heart diseases (I20-I25)" over "Ischemic heart disease (chronic) NOS")
    ok = ok[~_doc_array(ix, _group_docs)[ok]]
    # one word of the Alphabetic Index never states a circumstance (chapter 21: encounters, status, counseling):
    # "Examination (for) (general) Z00.00" and "Observation Z04.9" are in every note's "physical examination"
    ok = ok[~_doc_array(ix, _one_word_circumstances)[ok]]
    # "Pneumonia, specified NEC" is for a kind of pneumonia the note names and the index does not list: not
    # what a plain "pneumonia" is (J18.9)
    ok = ok[~_doc_array(ix, _specified_nec)[ok]]
    if ix.system == "icd10cm":
        for docs_of in _unsaid(clause):
            ok = ok[~_doc_array(ix, docs_of)[ok]]
    return ok


def _unsaid(clause: Clause) -> list[Callable[[index.ReleaseIndex], np.ndarray]]:
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
    """The codes the texts `ok` lead to, most specific first, at most PER_CLAUSE. With no encounter stated, a code
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
        score = score * np.where(_doc_array(ix, _excision_twins)[ok], 0.99, 1.0)
    order = ok[np.argsort(-score, kind="stable")][: PER_CLAUSE * 8]
    out: list[Mention] = []
    seen: set[int | str] = set()
    taken: list[frozenset[int]] = []
    for d in order.tolist():
        # a text whose words are all part of a better text already taken is the same mention, less specific
        words_hit = frozenset(k for k, h in enumerate(hits) if _has(h, d))
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
                    own -= 0.5 * _bilateral_titles(ix)[span]
                # a recurrence not said is none ("..., not specified as recurrent" is the default)
                if not RECURRENT.search(clause_text):
                    own -= 0.2 * _recurrent_titles(ix)[span]
                # among equals, the completion that states more of what the clause says ("nausea and vomiting":
                # "Nausea with vomiting, unspecified", not "Vomiting, unspecified")
                own += 0.05 * np.minimum(matched[docs] / max(float(matched[d]), 1e-6), 1.0)
                # ... and the one with the fewest words beyond them ("Migraine, unspecified, ..." before
                # "Migraine without aura, ...")
                own += 0.02 * core[docs] / np.maximum(ix.doc_idf_total[docs], 1e-6)
                best = int(np.argmax(own))
                target, via = int(span[best]), d
        if ix.system == "icd10cm" and not encounter_stated:
            target = _without_encounter(ix, target)
        partial = ""
        if ix.system in PROCEDURE_SYSTEMS:
            target, partial = _procedure_code(ix, d, said)
        if (partial or target) in seen or ix.kinds[target] in GROUP_KINDS:
            continue
        seen.add(partial or target)
        out.append(Mention(target, s, d, via, partial))
        if len(out) >= PER_CLAUSE:
            break
    return out


def _bilateral_titles(ix: index.ReleaseIndex) -> np.ndarray:
    """Which concepts' titles are of both sides ("Bilateral inguinal hernia ...", "... of bilateral knees")."""
    cache = _cache(ix)
    if "bilateral titles" not in cache:
        cache["bilateral titles"] = np.array([bool(BOTH_SIDES.search(t)) for t in ix.titles], dtype=bool)
    found: np.ndarray = cache["bilateral titles"]
    return found


def _recurrent_titles(ix: index.ReleaseIndex) -> np.ndarray:
    """Which concepts' titles say the condition is recurrent (not "not specified as recurrent")."""
    cache = _cache(ix)
    if "recurrent titles" not in cache:
        cache["recurrent titles"] = np.array([bool(RECURRENT_TITLE.search(t)) for t in ix.titles], dtype=bool)
    found: np.ndarray = cache["recurrent titles"]
    return found


def _without_encounter(ix: index.ReleaseIndex, concept: int) -> int:
    """The code a 7th-character code extends, when that character is the encounter (initial "A", subsequent "D",
    sequela "S"): "T14.8XXA" -> "T14.8" (its placeholders are the coder's to add with the 7th character)."""
    norm = ix.norms[concept]
    if len(norm) != 7 or not _needs_encounter(ix, norm[:6]):
        return concept
    node = ix.find(norm[:6].rstrip("X"))
    return concept if node is None else node


def _needs_encounter(ix: index.ReleaseIndex, norm: str) -> bool:
    """Whether a code (without dot) is completed by a 7th character that is the encounter: initial, subsequent,
    sequela."""
    return len(norm) < 7 and all(ix.find(norm.ljust(6, "X") + ch) is not None for ch in "ADS")


def _has(sorted_docs: np.ndarray, d: int) -> bool:
    """Whether document `d` is among `sorted_docs` (a word's texts, as `_mentions` keeps them)."""
    i = int(np.searchsorted(sorted_docs, d))
    return i < len(sorted_docs) and int(sorted_docs[i]) == d


def _procedure_code(ix: index.ReleaseIndex, d: int, said: np.ndarray) -> tuple[int, str]:
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
        if not own or stated < MIN_DOC_COVERAGE * total:
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
    cache = _cache(ix)
    key = ("title terms", concept)
    if key not in cache:
        plain = index.PARENTHESISED.sub(" ", ix.titles[concept]).lower()
        stems = {text.stem(w) for w in text.content_words(plain) if w not in index.NONESSENTIAL}
        cache[key] = frozenset(ix.vocab[s] for s in stems if s in ix.vocab)
    found: frozenset[int] = cache[key]
    return found


def _partial_title(ix: index.ReleaseIndex, code: str) -> str:
    """The title of a partial PCS code (what its codes' titles share), once per index and code."""
    cache = _cache(ix)
    key = ("partial title", code)
    if key not in cache:
        found = selectors.pcs_partial(code=code, release=ix.release)
        cache[key] = found.title if found else code
    title: str = cache[key]
    return title


def _said_words(clause_text: str) -> set[str]:
    """A clause's words, with what the synonym table's abbreviations and clinical words stand for ("ECG" says
    "EKG"): a one-word text is said as such through them too (anatomy adjectives name an organ, not a finding)."""
    words = text.words(clause_text.lower())
    said = set(words)
    table = synonyms.synonym_table()
    for span, groups in synonyms.expand(words):
        if groups is not None and table[tuple(span)].kind != "anatomy":
            said |= {alt for group in groups for alt in group}
    return said


def _said_as_such(body: str, said: set[str]) -> bool:
    """Whether the word of a one-word text is among the clause's words, as such or in the plural."""
    if body.endswith(" (o)"):
        return False  # a linking vowel: the index's CSV cut the word short ("Cancer (o)" is "Cancer(o)phobia")
    words = [w for w in text.content_words(index.PARENTHESISED.sub(" ", body).lower()) if w not in index.NONESSENTIAL]
    plurals = {f"{w}s" for w in words} | {f"{w[:-1]}ies" for w in words if w.endswith("y")}
    said = said | {text.american(w) for w in said}  # "oedema" says "Edema"
    return any(w in said for w in words) or bool(plurals & said)


def _still_present(code: str, title: str) -> bool:
    """A condition named in a medical-history list that the patient still has (see HISTORY_LIST_CUES)."""
    return not code.startswith(NOT_CARRIED) and not ACUTE.search(title) and classifiers.is_chronic(code)


_caches: dict[int, tuple[index.ReleaseIndex, dict[Any, Any]]] = {}


def _cache(ix: index.ReleaseIndex) -> dict[Any, Any]:
    """What case-to-code works out once per release index (document arrays, title words, partial codes' titles)."""
    got = _caches.get(id(ix))
    if got is None or got[0] is not ix:
        if len(_caches) >= 4:
            _caches.clear()  # indexes of releases no longer searched are not kept alive
        got = _caches[id(ix)] = (ix, {})
    return got[1]


def _doc_array(ix: index.ReleaseIndex, build: Callable[[index.ReleaseIndex], np.ndarray]) -> np.ndarray:
    """What `build` reads off a release index's documents (a mask, term pairs, weights), once per index."""
    cache = _cache(ix)
    if build not in cache:
        cache[build] = build(ix)
    found: np.ndarray = cache[build]
    return found


def _procedure_heads(ix: index.ReleaseIndex) -> np.ndarray:
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


def _excision_twins(ix: index.ReleaseIndex) -> np.ndarray:
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


def _vital_signs(ix: index.ReleaseIndex) -> np.ndarray:
    """Which documents are PCS index entries for a vital sign ("Blood pressure, see Measurement, Arterial 4A03")."""
    mask = np.zeros(len(ix.doc_text), dtype=bool)
    for d in np.flatnonzero(ix.doc_kind == index.PCS_INDEX).tolist():
        mask[d] = ix.doc_text[d].lower().startswith(VITAL_SIGNS)
    return mask


def _group_docs(ix: index.ReleaseIndex) -> np.ndarray:
    """Which documents are texts of a chapter or block ("Ischemic heart diseases (I20-I25)")."""
    group = np.array([k in GROUP_KINDS for k in ix.kinds], dtype=bool)
    return group[ix.doc_concept] if len(ix.doc_text) else np.zeros(0, dtype=bool)


def _and_pairs(ix: index.ReleaseIndex) -> np.ndarray:
    """(document, term, term) for titles joining two words with "and" ("Syncope and collapse", "Disorder of
    kidney and ureter"): ICD-10-CM reads "and" in a title as "and/or", so either word states the title."""
    rows: list[tuple[int, int, int]] = []
    if ix.system in PROCEDURE_SYSTEMS:
        return np.zeros((0, 3), dtype=np.int64)  # the convention is ICD-10-CM's ("Kidneys and Bladder" is both)
    for d in np.flatnonzero(ix.doc_kind == TITLE_KIND).tolist():  # in other texts "and" is literal ("Pins and needles")
        body = ix.doc_text[d]
        if " and " not in body:
            continue
        m = AND_PAIR.search(index.PARENTHESISED.sub(" ", body.split(" -> ")[0]))
        if m is None:
            continue
        a, b = (text.stem(w.lower()) for w in m.groups())
        if a != b and a in ix.vocab and b in ix.vocab and not ({a, b} & index.NONESSENTIAL):
            rows.append((d, ix.vocab[a], ix.vocab[b]))
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def _docs_leading_to(ix: index.ReleaseIndex, code_is: Callable[[str], bool]) -> np.ndarray:
    """Which documents lead to a code for which `code_is` holds."""
    return _docs_of(ix, np.array([code_is(code) for code in ix.codes], dtype=bool))


def _docs_of(ix: index.ReleaseIndex, per_concept: np.ndarray) -> np.ndarray:
    """A mask over the concepts, as a mask over the documents that lead to them."""
    mask: np.ndarray = per_concept[ix.doc_concept] if len(ix.doc_text) else np.zeros(0, dtype=bool)
    return mask


def _injury_docs(ix: index.ReleaseIndex) -> np.ndarray:
    """Which documents lead to a code of chapter 19, injury, poisoning and other consequences of external causes
    (S00-T88)."""
    return _docs_leading_to(ix, lambda code: code[:1] == "S" or "T00" <= code[:3] <= "T88")


def _examination_docs(ix: index.ReleaseIndex) -> np.ndarray:
    """Which documents lead to an encounter for an examination (Z00-Z13)."""
    return _docs_leading_to(ix, lambda code: "Z00" <= code[:3] <= "Z13")


def _congenital_docs(ix: index.ReleaseIndex) -> np.ndarray:
    """Which documents lead to a code whose title calls it congenital."""
    return _docs_of(ix, np.array([t.startswith("Congenital") for t in ix.titles], dtype=bool))


def _one_word_circumstances(ix: index.ReleaseIndex) -> np.ndarray:
    """Index terms of one essential word that lead to a chapter 21 code (Z00-Z99)."""
    z = _docs_leading_to(ix, lambda code: code.startswith("Z"))
    mask: np.ndarray = z & (ix.doc_kind > index.INCLUSION) & (ix.doc_core_n < 2)
    return mask


# kinds of ICD-10-CM code that a clause's words must make possible, for lexical mentions and embedding neighbours:
# - an injury, poisoning or complication code (chapter 19) needs a word of harm: "the right iliac fossa ...
#   arteries" is anatomy, not "Injury of iliac artery", and "its longitudinal axis" no fracture (ADR 0029);
# - an encounter for an examination (Z00-Z13) needs words about the encounter, not an examination's findings
#   (ADR 0034);
# - a code whose title calls it congenital needs the clause to say so (ADR 0035)
NEEDS_WORDS: tuple[tuple[re.Pattern[str], Callable[[index.ReleaseIndex], np.ndarray]], ...] = (
    (INJURY_WORDS, _injury_docs),
    (ENCOUNTER_WORDS, _examination_docs),
    (CONGENITAL_WORDS, _congenital_docs),
)


def _specified_nec(ix: index.ReleaseIndex) -> np.ndarray:
    """Index terms whose last subterm is a kind "specified NEC" ("Pneumonia, specified NEC" J18.8, "..., specified
    type NEC", "..., specified site NEC"), or one word NEC ("Symptoms NEC" R68.89): the note must name a kind the
    index lists nowhere else, which the words before it, or one word alone, do not say."""
    mask = np.zeros(len(ix.doc_text), dtype=bool)
    for d in np.flatnonzero(ix.doc_kind > index.INCLUSION).tolist():
        body = ix.doc_text[d].split(": ")[0]
        mask[d] = SPECIFIED_NEC.search(body) is not None or (body.endswith(" NEC") and ix.doc_core_n[d] < 2)
    return mask


def _head_terms(ix: index.ReleaseIndex) -> np.ndarray:
    """Each text's first essential word as a term id (-1 if none): a procedure's root operation or main term."""
    heads = np.full(len(ix.doc_text), -1, dtype=np.int64)
    skip = text.STOP_WORDS | index.NONESSENTIAL
    for d, body in enumerate(ix.doc_text):
        first = next((w for w in FIRST_WORDS.findall(body[:80].lower()) if w not in skip), None)
        if first is not None:
            heads[d] = ix.vocab.get(text.stem(first), -1)
    return heads


def _without_terms(ix: index.ReleaseIndex) -> np.ndarray:
    """(document, term) for the essential words a text has only in what it is without ("..., without hemorrhage
    or perforation", "..., uncomplicated")."""
    rows: list[tuple[int, int]] = []
    # in the Alphabetic Index, "without" is a subterm to follow ("Consultation, without complaint"): titles and
    # inclusion terms only
    for d in np.flatnonzero(ix.doc_kind <= index.INCLUSION).tolist():
        body = ix.doc_text[d]
        uncomplicated = body.endswith(", uncomplicated")  # "Alcohol dependence, uncomplicated": without complications
        if "without" not in body and "Without" not in body and not uncomplicated:
            continue
        plain = index.PARENTHESISED.sub(" ", body.split(" -> ")[0]).lower()
        rest = {text.stem(w) for w in text.content_words(WITHOUT.sub(" ", plain.removesuffix(", uncomplicated")))}
        stems = {text.stem(w) for m in WITHOUT.finditer(plain) for w in text.content_words(m.group(1))}
        stems |= {text.stem("uncomplicated")} if uncomplicated else set()
        rows += [(d, ix.vocab[s]) for s in stems - rest - index.NONESSENTIAL if s in ix.vocab]
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def _imaging_bilateral(ix: index.ReleaseIndex) -> np.ndarray:
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


def _default_core(ix: index.ReleaseIndex) -> np.ndarray:
    """Each text's essential weight and word count without the words it need not say: what it is without, and
    "Bilateral" in a PCS imaging title."""
    core = ix.doc_idf_core.astype(np.float64)
    core_n = ix.doc_core_n.astype(np.float64)
    without = np.concatenate([_doc_array(ix, _without_terms), _doc_array(ix, _imaging_bilateral)])
    np.subtract.at(core, without[:, 0], ix.idf[without[:, 1]])
    np.subtract.at(core_n, without[:, 0], 1.0)
    return np.stack([np.maximum(core, 1e-6), np.maximum(core_n, 1.0)])


def _history_code(clause: Clause, ix: index.ReleaseIndex, had: set[int]) -> tuple[int, float] | None:
    """For a history or family-history clause, the Z code ICD-10-CM has for it, if any (`had`: `_had_terms`)."""
    lead = "family history of" if clause.status == "family" else "personal history of"
    body = _had(clause)
    if len(text.content_words(body)) == 0:
        return None
    pq = querying.parse(f"{lead} {body}", ix.vocab, services.codebook_lexicon())
    for hit in engine.rank(ix, pq, limit=3, billable_only=True):
        code = ix.codes[hit.concept]
        if code.startswith(HISTORY_CODES[clause.status]) and hit.coverage >= 0.8 and _names(ix, had, hit.doc):
            return hit.concept, min(1.0, hit.coverage) ** 2  # on the scale of _mentions
    return None


def _had(clause: Clause) -> str:
    """What a history clause says was had: "her mother had a history of breast cancer" -> "breast cancer"."""
    return HAD.sub(" ", CUES["history"].sub(" ", CUES[clause.status].sub(" ", clause.text)))


def _had_terms(ix: index.ReleaseIndex, clause: Clause) -> set[int]:
    """The words (with their synonyms) of what a history clause says was had, but "personal", "family" and
    "history" themselves."""
    lex = services.codebook_lexicon()

    def terms(words: str) -> set[int]:
        groups = querying.parse(words, ix.vocab, lex, correct=False).groups
        return {ix.vocab[s] for g in groups for s in g.alternatives if s in ix.vocab}

    return terms(_had(clause)) - terms("personal family history")


def _names(ix: index.ReleaseIndex, had: set[int], doc: int) -> bool:
    """Whether a history code's text says something of what was had: "no personal history of interest" is not
    "Personal history of other specified conditions" (Z87.898), whose other words are defaults."""
    return any(_has(ix.core_postings(t), doc) for t in had)


def case_to_code(
    *,
    note: str,
    date: str | None = None,
    systems: tuple[str, ...] = ("icd10cm", "icd10pcs"),
    use_semantic: bool = True,
) -> dict[str, Any]:
    """Ranked codes for a note: {"codes": [{"system","code","title","score","suggested","evidence"}], "excluded",
    "validation"}. "suggested" codes (first) have an official text the note states; the rest, to review, have a
    text a clause states only in part ("partial ..." evidence) or are embedding neighbours of a clause. The
    validation is of the suggested set.

    With the semantic extra installed and the release's code vectors computed (`medcode serve` does it),
    embedding retrieval adds candidates and re-ranks the lexical ones; `use_semantic=False` turns it off.
    """
    if not isinstance(note, str):
        raise ApplicationError("The note must be text")
    if not note.strip():
        raise ApplicationError(MSG_EMPTY)
    if len(note) > MAX_NOTE_CHARS:
        raise ApplicationError(MSG_TOO_LONG.format(length=len(note), limit=MAX_NOTE_CHARS))
    note = note.replace("\x00", " ")
    as_of = selectors.parse_date(date)
    lex = services.codebook_lexicon()
    indexes = []
    for name in systems:
        try:
            indexes.append(index.release_index(selectors.release_for(system=name, as_of=as_of)))
        except ReleaseNotFound:
            continue
    found: dict[tuple[str, str], Candidate] = {}
    excluded: dict[tuple[str, str], Candidate] = {}
    parts = clauses(note)
    for clause in parts:
        for ix in indexes:
            if ix.system in PROCEDURE_SYSTEMS and clause.status != "current":
                continue
            wanted = clause.status == "current" and ix.system not in PROCEDURE_SYSTEMS
            mentions, partial = _mentions(ix, clause, lex, partial=wanted, denied=_denied(note, parts, clause))
            if clause.status in HISTORY_CODES and ix.system == "icd10cm":
                had = _had_terms(ix, clause)
                z = _history_code(clause, ix, had)
                if z is not None:
                    mentions_z = [Mention(z[0], z[1], int(ix.title_doc[z[0]]), None)]
                    _add(found, ix, clause, mentions_z, status="current", reason_prefix=f"{clause.status}: ")
                # a history code the clause states ("ex-smoker": Z87.891) is how ICD-10-CM codes that history
                as_such = [
                    m
                    for m in mentions
                    if ix.codes[m.concept].startswith(HISTORY_CODES[clause.status]) and _names(ix, had, m.doc)
                ]
                mentions = [m for m in mentions if m not in as_such]
                # (once: the history code `_history_code` found is already added from this clause)
                as_such = [m for m in as_such if z is None or m.concept != z[0]]
                _add(found, ix, clause, as_such, status="current", reason_prefix=f"{clause.status}: ")
            if clause.status == "history" and clause.cue in HISTORY_LIST_CUES and ix.system == "icd10cm":
                carried = [m for m in mentions if _still_present(ix.codes[m.concept], ix.titles[m.concept])]
                _add(found, ix, clause, carried, status="current", reason_prefix=CHRONIC_REASON)
                mentions = [m for m in mentions if m not in carried]
            if clause.status == "uncertain" and ix.system not in PROCEDURE_SYSTEMS:
                # an inpatient record codes an uncertain diagnosis as if established (Guidelines II.H), an
                # outpatient one codes the symptoms (IV.H): the coder, who knows which, reviews it (ADR 0035)
                _add(found, ix, clause, mentions, status="uncertain", reason_prefix=UNCERTAIN_REASON, stated=False)
            else:
                _add(found if clause.status == "current" else excluded, ix, clause, mentions, status=clause.status)
            weak = [m._replace(score=m.score * PARTIAL_SCALE) for m in partial]
            _add(found, ix, clause, weak, status="current", reason_prefix="partial ", stated=False)
    if use_semantic:
        for ix in indexes:
            vectors = semantic.release_vectors(ix.release)
            if vectors is not None:
                _semantic(found, ix, vectors, parts)
    for key, why in _superseded(found).items():
        moved = found.pop(key)
        moved.statuses = {why}
        excluded.setdefault(key, moved)
    # the suggested set first: codes an official text of which the note states; then the codes whose text a
    # clause states in part, or that only the embedding finds near a clause, for the coder to review (ADRs 0023,
    # 0034)
    # the coder's stage: the setting, 7th characters, the "with" convention, Tabular notes, guideline rules
    icd = next((ix for ix in indexes if ix.system == "icd10cm"), None)
    first = (
        guideline_rules.apply(note=note, parts=parts, found=found, excluded=excluded, ix=icd, as_of=as_of)
        if icd is not None
        else {}
    )
    ranked = sorted(found.values(), key=lambda c: (not c.stated, -c.score * _placed(c, len(note))))[:MAX_CODES]
    suggested = guideline_rules.sequence([c for c in ranked if c.stated], first, as_of=as_of)
    ranked = suggested + [c for c in ranked if not c.stated]
    # a condition coded as current is not also listed as excluded
    current = {(c.system, c.code) for c in ranked}
    excluded_list = [c for k, c in sorted(excluded.items(), key=lambda kv: -kv[1].score) if k not in current]
    return {
        "codes": [_as_dict(c) for c in ranked],
        "excluded": [
            {**_as_dict(c), "suggested": False, "status": sorted(c.statuses)} for c in excluded_list[:MAX_CODES]
        ],
        "validation": validate_set(codes=[(c.system, c.code) for c in suggested[:25]], as_of=as_of),
    }


def _denied(note: str, parts: list[Clause], clause: Clause) -> str:
    """What the negated clauses that follow a current one in its sentence say is absent ("Migraine without aura,
    not intractable": "without aura, not intractable")."""
    if clause.status != "current":
        return ""
    out = []
    for other in parts:
        if other.start <= clause.start:
            continue
        if other.status == "current" or re.search(
            r"[.;!?\n]", note[clause.start + len(clause.text.rstrip()) - 1 : other.start]
        ):
            break
        if other.status == "negated":
            out.append(other.text)
    return " ".join(out)


def _placed(cand: Candidate, length: int) -> float:
    """How much a code's place in the note adds to its rank: a note states why the patient came first (ADR 0035)."""
    first = min((e.start for e in cand.evidence), default=length)
    return 1.0 - LATER_MENTION_DISCOUNT * first / max(length, 1)


def _superseded(found: dict[tuple[str, str], Candidate]) -> dict[tuple[str, str], str]:
    """Candidates the rest of the set makes wrong to report, with why (ICD-10-CM guidelines I.C.2 and I.C.20).

    A neoplasm of unspecified behavior (D49) or unspecified site (C80) is for when the record says no more: not
    beside a code that states the behavior or the site. An external cause code (V00-Y99) goes with an injury or
    poisoning, not alone ("activity", "exposure" in a note are no external cause).
    """
    stated = sorted(c.code for c in found.values() if c.stated and c.system == "icd10cm")
    behavior = next((c for c in stated if c[0] == "C" or "D00" <= c[:3] <= "D48"), None)
    site = next((c for c in stated if (c[0] == "C" and not c.startswith("C80")) or "D00" <= c[:3] <= "D09"), None)
    neoplasm = next((c for c in stated if c.startswith("D49") and not c.startswith("D49.9")), behavior)
    injury = any("S00" <= c[:3] <= "T88" for c in stated)
    out: dict[tuple[str, str], str] = {}
    for key, c in found.items():
        if c.system != "icd10cm":
            continue
        code = c.code
        if code.startswith("D49") and behavior:
            out[key] = f"superseded by {behavior}"
        elif code.startswith("D49.9") and neoplasm:
            out[key] = f"superseded by {neoplasm}"
        elif code.startswith("C80") and site:
            out[key] = f"superseded by {site}"
        elif code[0] in "VWXY" and not injury:
            out[key] = "external cause without an injury"
    return out


def warm(releases: list[selectors.ReleaseInfo]) -> None:
    """Work out now what case-to-code reads off each release's texts (otherwise the first note of a process
    does it: about half a second per system)."""
    for release in releases:
        ix = index.release_index(release)
        for build in doc_arrays(ix):
            _doc_array(ix, build)


def _semantic(
    found: dict[tuple[str, str], Candidate],
    ix: index.ReleaseIndex,
    vectors: semantic.CodebookVectors,
    parts: list[Clause],
) -> None:
    """Embedding retrieval: re-rank the lexical candidates by how near their text is to the clause they came
    from, then add the codes whose text is nearest to each current clause (below the lexical ones' scores)."""
    current = [c for c in parts if c.status == "current" and len(text.content_words(c.text)) >= SEMANTIC_MIN_WORDS]
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
            cand.score *= max(SEMANTIC_FLOOR, 1 + SEMANTIC_BOOST * (cosine - SEMANTIC_MIN_COSINE))
    # as for lexical mentions: no code of a kind that needs words the clause does not say (NEEDS_WORDS)
    per_concept = {docs_of: _doc_array(ix, docs_of)[ix.title_doc] for _words, docs_of in NEEDS_WORDS}
    for clause, hits in zip(current, vectors.nearest(clause_vecs, SEMANTIC_PER_CLAUSE), strict=True):
        barred = [per_concept[docs_of] for docs_of in _unsaid(clause)]
        encounter_unsaid = ix.system == "icd10cm" and not ENCOUNTER_STATED.search(clause.text)
        for rank_no, (concept, cosine, t) in enumerate(hits):
            if cosine < SEMANTIC_MIN_COSINE:
                break
            if any(b[concept] for b in barred):
                continue
            if encounter_unsaid:
                concept = _without_encounter(ix, concept)
            key = (ix.system, ix.codes[concept])
            if key not in found:
                found[key] = _candidate(ix, concept)
            cand = found[key]
            cand.score += (
                SEMANTIC_SCALE * (cosine - SEMANTIC_MIN_COSINE) / (1 + rank_no) / (1 + 0.5 * len(cand.evidence))
            )
            cand.statuses.add("current")
            cand.evidence.append(clause.evidence(reason=f"semantic match ({cosine:.2f})", matched=vectors.texts[t]))


def _as_dict(c: Candidate) -> dict[str, Any]:
    return {
        "system": c.system,
        "code": c.code,
        "title": c.title,
        "billable": c.billable,
        "score": round(c.score, 3),
        "suggested": c.stated,
        "incomplete": c.incomplete,
        "evidence": [e.as_dict() for e in c.evidence[:5]],
    }


def _add(
    into: dict[tuple[str, str], Candidate],
    ix: index.ReleaseIndex,
    clause: Clause,
    mentions: list[Mention],
    *,
    status: str,
    reason_prefix: str = "",
    stated: bool = True,
) -> None:
    """Add what a clause mentions to the candidates; `stated=False` for texts the clause states only in part."""
    for concept, score, doc, via, partial in mentions:
        key = (ix.system, partial or ix.codes[concept])
        cand = into.get(key)
        if cand is None and partial:
            cand = into[key] = Candidate(ix.system, partial, _partial_title(ix, partial), False, incomplete=True)
        elif cand is None:
            cand = into[key] = _candidate(ix, concept)
        source = via if via is not None else doc
        kind = index.KIND_NAMES[int(ix.doc_kind[source])]
        reason = {"title": "title match", "inclusion": "inclusion term"}.get(kind, f"{kind} term")
        # repeated mentions add up, with diminishing returns; each code a clause states counts in full ("chills,
        # vomiting and anorexia" states three findings: ADR 0036); a code's own title is the most direct evidence
        # (ADR 0035)
        weight = 1.0 if kind == "title" else OTHER_TEXT_WEIGHT
        cand.score += weight * score / (1 + 0.5 * len(cand.evidence))
        cand.statuses.add(status)
        cand.stated = cand.stated or stated
        cand.evidence.append(clause.evidence(reason=reason_prefix + reason, matched=ix.doc_text[source], status=status))


def _candidate(ix: index.ReleaseIndex, concept: int) -> Candidate:
    """A new candidate for a code of the release; incomplete when it is an ICD-10-CM code given without the 7th
    character (the encounter) that the note does not say, for the coder to add (ADR 0035)."""
    billable = bool(ix.billable[concept])
    incomplete = not billable and ix.system == "icd10cm" and _needs_encounter(ix, ix.norms[concept])
    return Candidate(ix.system, ix.codes[concept], ix.titles[concept], billable, incomplete=incomplete)


def _with_seventh(code: str, char: str) -> str:
    """The code completed by a 7th character, with the placeholders it needs: ("T14.8", "A") -> "T14.8XXA"."""
    norm = selectors.normalize(code).ljust(6, "X") + char
    return f"{norm[:3]}.{norm[3:]}"


def validate_set(*, codes: list[tuple[str, str]], as_of: Any = None) -> list[dict[str, Any]]:
    """Findings about a set of codes: not billable, 7th character needed, Excludes1 pairs, missing partners."""
    findings: list[dict[str, Any]] = []
    norms = {selectors.normalize(code) for _, code in codes}
    for system, code in codes:
        try:
            detail = selectors.concept_detail(system=system, code=code, as_of=as_of)
        except ApplicationError:
            partial = selectors.pcs_partial(code=code, as_of=as_of) if system == "icd10pcs" else None
            if partial is not None:
                shown = ", ".join(c.code for c in partial.completions[:4])
                more = ", ..." if len(partial.completions) > 4 else ""
                findings.append(
                    {
                        "rule": "incomplete",
                        "codes": [code],
                        "message": f"{code} is incomplete: choose one of its {len(partial.completions)} codes"
                        f" ({shown}{more}) by what the record says",
                    }
                )
            continue
        c = detail.concept
        if not c.billable and system in ("icd10cm", "icd10pcs"):
            if detail.seventh and len(selectors.normalize(code)) < 7:
                findings.append(
                    {
                        "rule": "seventh_character",
                        "codes": [code],
                        "message": f"{code} needs a 7th character ({', '.join(ch for ch, _ in detail.seventh)}):"
                        f" {_with_seventh(code, detail.seventh[0][0])} for {detail.seventh[0][1]}, ...",
                    }
                )
            else:
                findings.append(
                    {"rule": "billable", "codes": [code], "message": f"{code} is a header: pick a more specific code"}
                )
        if system != "icd10cm":
            continue
        for note in detail.notes:
            refs = notes.note_references(note.text)
            hits = [
                n for n in norms if n != selectors.normalize(code) and any(notes.reference_covers(r, n) for r in refs)
            ]
            if note.kind == "excludes1" and hits:
                findings.append(
                    {
                        "rule": "excludes1",
                        "codes": [code, *sorted(hits)],
                        "message": f"Excludes1 at {note.code}: {note.text}",
                    }
                )
            if note.kind in ("code_first", "use_additional") and refs and not hits:
                at = f"chapter {note.code}" if note.code.isdigit() else note.code  # chapter notes are on "1", "10"
                label = f"{'Code first' if note.kind == 'code_first' else 'Use additional code'} ({at})"
                # the official text goes on from the instruction's words when it starts with a comma ("Code first,
                # if applicable, associated influenza ...")
                joined = f"{label}{note.text}" if note.text.startswith(",") else f"{label}: {note.text}"
                findings.append({"rule": note.kind, "codes": [code], "message": joined})
    unique: dict[tuple[str, str, str], dict[str, Any]] = {}
    for f in findings:
        key = (f["rule"], f["codes"][0], f["message"].split(":")[0])
        unique.setdefault(key, f)
    return list(unique.values())


# what case-to-code reads off a release's texts, once per release index (see `warm`)
DOC_ARRAYS = (
    _group_docs,
    _and_pairs,
    _without_terms,
    _imaging_bilateral,
    _default_core,
    _one_word_circumstances,
    _specified_nec,
    _injury_docs,
    _examination_docs,
    _congenital_docs,
    _head_terms,
)
PROCEDURE_ARRAYS = (_procedure_heads, _vital_signs, _excision_twins)  # read only where a code states a procedure's axes


def doc_arrays(ix: index.ReleaseIndex) -> tuple[Callable[[index.ReleaseIndex], np.ndarray], ...]:
    """The builders `_mentions` uses on this release's index."""
    return DOC_ARRAYS + (PROCEDURE_ARRAYS if ix.system in PROCEDURE_SYSTEMS else ())
