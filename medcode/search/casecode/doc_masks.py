"""What case-to-code reads once off each release index's documents (titles, inclusion terms, Alphabetic Index
entries): masks and term pairs that say which texts need which words, what a text is "without", which "and" is
and/or. Built lazily, once per index (`candidates.doc_array`), or ahead of time by `warm`."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from medcode.search import index, text
from medcode.search.casecode.candidates import GROUP_KINDS, PROCEDURE_SYSTEMS, TITLE_KIND, doc_array, release_cache
from medcode.search.casecode.procedures import excision_twins, imaging_bilateral, procedure_heads, vital_signs

# the last subterm of an index entry for a kind the index lists nowhere else ("Pneumonia, specified NEC")
SPECIFIED_NEC = re.compile(r"(?:^|, )specified(?: [a-z]+)? NEC(?: \([^)]*\))?$")

FIRST_WORDS = re.compile(r"[a-z0-9]+")

AND_PAIR = re.compile(r"\b([a-z][a-z'-]+) and ([a-z][a-z'-]+)\b", re.I)

# what a text is without: to the next comma or the next word that starts what it is of ("Puncture wound without
# foreign body of unspecified part of neck": "foreign body")
WITHOUT = re.compile(r"\bwithout\b(.*?)(?=[,;]|$|\b(?:of|with|in|due to|following|at|on)\b)", re.I)

ONE_SIDE = re.compile(r"\b(?:right|left|unilateral)\b", re.I)
RECURRENT = re.compile(r"\brecurr", re.I)
BOTH_SIDES = re.compile(r"\b(?:bilateral|both)\b", re.I)

RECURRENT_TITLE = re.compile(r"(?<!specified as )\brecurrent\b", re.I)

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


def group_docs(ix: index.ReleaseIndex) -> np.ndarray:
    """Which documents are texts of a chapter or block ("Ischemic heart diseases (I20-I25)")."""
    group = np.array([k in GROUP_KINDS for k in ix.kinds], dtype=bool)
    return group[ix.doc_concept] if len(ix.doc_text) else np.zeros(0, dtype=bool)


def and_pairs(ix: index.ReleaseIndex) -> np.ndarray:
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


def docs_leading_to(ix: index.ReleaseIndex, code_is: Callable[[str], bool]) -> np.ndarray:
    """Which documents lead to a code for which `code_is` holds."""
    return docs_of(ix, np.array([code_is(code) for code in ix.codes], dtype=bool))


def docs_of(ix: index.ReleaseIndex, per_concept: np.ndarray) -> np.ndarray:
    """A mask over the concepts, as a mask over the documents that lead to them."""
    mask: np.ndarray = per_concept[ix.doc_concept] if len(ix.doc_text) else np.zeros(0, dtype=bool)
    return mask


def injury_docs(ix: index.ReleaseIndex) -> np.ndarray:
    """Which documents lead to a code of chapter 19, injury, poisoning and other consequences of external causes
    (S00-T88)."""
    return docs_leading_to(ix, lambda code: code[:1] == "S" or "T00" <= code[:3] <= "T88")


def examination_docs(ix: index.ReleaseIndex) -> np.ndarray:
    """Which documents lead to an encounter for an examination (Z00-Z13)."""
    return docs_leading_to(ix, lambda code: "Z00" <= code[:3] <= "Z13")


def congenital_docs(ix: index.ReleaseIndex) -> np.ndarray:
    """Which documents lead to a code whose title calls it congenital."""
    return docs_of(ix, np.array([t.startswith("Congenital") for t in ix.titles], dtype=bool))


def one_word_circumstances(ix: index.ReleaseIndex) -> np.ndarray:
    """Index terms of one essential word that lead to a chapter 21 code (Z00-Z99)."""
    z = docs_leading_to(ix, lambda code: code.startswith("Z"))
    mask: np.ndarray = z & (ix.doc_kind > index.INCLUSION) & (ix.doc_core_n < 2)
    return mask


# kinds of ICD-10-CM code that a clause's words must make possible, for lexical mentions and embedding neighbours:
# - an injury, poisoning or complication code (chapter 19) needs a word of harm: "the right iliac fossa ...
#   arteries" is anatomy, not "Injury of iliac artery", and "its longitudinal axis" no fracture (ADR 0029);
# - an encounter for an examination (Z00-Z13) needs words about the encounter, not an examination's findings
#   (ADR 0034);
# - a code whose title calls it congenital needs the clause to say so (ADR 0035)
NEEDS_WORDS: tuple[tuple[re.Pattern[str], Callable[[index.ReleaseIndex], np.ndarray]], ...] = (
    (INJURY_WORDS, injury_docs),
    (ENCOUNTER_WORDS, examination_docs),
    (CONGENITAL_WORDS, congenital_docs),
)


def specified_nec(ix: index.ReleaseIndex) -> np.ndarray:
    """Index terms whose last subterm is a kind "specified NEC" ("Pneumonia, specified NEC" J18.8, "..., specified
    type NEC", "..., specified site NEC"), or one word NEC ("Symptoms NEC" R68.89): the note must name a kind the
    index lists nowhere else, which the words before it, or one word alone, do not say."""
    mask = np.zeros(len(ix.doc_text), dtype=bool)
    for d in np.flatnonzero(ix.doc_kind > index.INCLUSION).tolist():
        body = ix.doc_text[d].split(": ")[0]
        mask[d] = SPECIFIED_NEC.search(body) is not None or (body.endswith(" NEC") and ix.doc_core_n[d] < 2)
    return mask


def head_terms(ix: index.ReleaseIndex) -> np.ndarray:
    """Each text's first essential word as a term id (-1 if none): a procedure's root operation or main term."""
    heads = np.full(len(ix.doc_text), -1, dtype=np.int64)
    skip = text.STOP_WORDS | index.NONESSENTIAL
    for d, body in enumerate(ix.doc_text):
        first = next((w for w in FIRST_WORDS.findall(body[:80].lower()) if w not in skip), None)
        if first is not None:
            heads[d] = ix.vocab.get(text.stem(first), -1)
    return heads


def without_terms(ix: index.ReleaseIndex) -> np.ndarray:
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


def default_core(ix: index.ReleaseIndex) -> np.ndarray:
    """Each text's essential weight and word count without the words it need not say: what it is without, and
    "Bilateral" in a PCS imaging title."""
    core = ix.doc_idf_core.astype(np.float64)
    core_n = ix.doc_core_n.astype(np.float64)
    without = np.concatenate([doc_array(ix, without_terms), doc_array(ix, imaging_bilateral)])
    np.subtract.at(core, without[:, 0], ix.idf[without[:, 1]])
    np.subtract.at(core_n, without[:, 0], 1.0)
    return np.stack([np.maximum(core, 1e-6), np.maximum(core_n, 1.0)])


def bilateral_titles(ix: index.ReleaseIndex) -> np.ndarray:
    """Which concepts' titles are of both sides ("Bilateral inguinal hernia ...", "... of bilateral knees")."""
    cache = release_cache(ix)
    if "bilateral titles" not in cache:
        cache["bilateral titles"] = np.array([bool(BOTH_SIDES.search(t)) for t in ix.titles], dtype=bool)
    found: np.ndarray = cache["bilateral titles"]
    return found


def recurrent_titles(ix: index.ReleaseIndex) -> np.ndarray:
    """Which concepts' titles say the condition is recurrent (not "not specified as recurrent")."""
    cache = release_cache(ix)
    if "recurrent titles" not in cache:
        cache["recurrent titles"] = np.array([bool(RECURRENT_TITLE.search(t)) for t in ix.titles], dtype=bool)
    found: np.ndarray = cache["recurrent titles"]
    return found


# what case-to-code reads off a release's texts, once per release index (see `warm`)
DOC_ARRAYS = (
    group_docs,
    and_pairs,
    without_terms,
    imaging_bilateral,
    default_core,
    one_word_circumstances,
    specified_nec,
    injury_docs,
    examination_docs,
    congenital_docs,
    head_terms,
)

PROCEDURE_ARRAYS = (procedure_heads, vital_signs, excision_twins)  # read only where a code states a procedure's axes


def doc_arrays(ix: index.ReleaseIndex) -> tuple[Callable[[index.ReleaseIndex], np.ndarray], ...]:
    """The builders `mentions` uses on this release's index."""
    return DOC_ARRAYS + (PROCEDURE_ARRAYS if ix.system in PROCEDURE_SYSTEMS else ())
