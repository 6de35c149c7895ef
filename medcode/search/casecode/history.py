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


# The Tabular's family-history codes (Z80-Z84) by the block of the relative's condition, for a family history the
# Alphabetic Index and the Z titles do not name in the note's words ("father had colon cancer": Z80.0, family
# history of malignant neoplasm of digestive organs; "mother had an MI": Z82.49). Guideline I.C.21.c.4. Read in
# order, the first range holding the condition's category wins (ranges as first and last category, inclusive).
FAMILY_HISTORY: tuple[tuple[str, str, str], ...] = (
    ("C15", "C26", "Z80.0"),  # digestive organs
    ("C33", "C34", "Z80.1"),  # trachea, bronchus and lung
    ("C30", "C39", "Z80.2"),  # other respiratory and intrathoracic organs
    ("C50", "C50", "Z80.3"),  # breast
    ("C56", "C56", "Z80.41"),  # ovary
    ("C61", "C61", "Z80.42"),  # prostate
    ("C62", "C62", "Z80.43"),  # testis
    ("C51", "C63", "Z80.49"),  # other genital organs
    ("C64", "C64", "Z80.51"),  # kidney
    ("C67", "C67", "Z80.52"),  # bladder
    ("C65", "C68", "Z80.59"),  # other urinary tract organs
    ("C91", "C95", "Z80.6"),  # leukemia
    ("C81", "C96", "Z80.7"),  # other lymphoid, hematopoietic and related tissues
    ("C80", "C80", "Z80.9"),  # malignant neoplasm, unspecified
    ("C00", "C79", "Z80.8"),  # other organs or systems
    ("F70", "F79", "Z81.0"),  # intellectual disabilities
    ("F10", "F10", "Z81.1"),  # alcohol abuse and dependence
    ("F17", "F17", "Z81.2"),  # tobacco
    ("F11", "F19", "Z81.3"),  # other psychoactive substances
    ("F01", "F99", "Z81.8"),  # other mental and behavioral disorders
    ("G00", "G99", "Z82.0"),  # epilepsy and other diseases of the nervous system
    ("H90", "H91", "Z82.2"),  # deafness and hearing loss
    ("I60", "I69", "Z82.3"),  # stroke
    ("I46", "I46", "Z82.41"),  # sudden cardiac death
    ("I00", "I99", "Z82.49"),  # ischemic heart disease and other diseases of the circulatory system
    ("J40", "J47", "Z82.5"),  # asthma and other chronic lower respiratory diseases
    ("J00", "J99", "Z83.6"),  # other diseases of the respiratory system
    ("M05", "M19", "Z82.61"),  # arthritis
    ("M80", "M81", "Z82.62"),  # osteoporosis
    ("M00", "M99", "Z82.69"),  # other musculoskeletal and connective tissue
    ("Q61", "Q61", "Z82.71"),  # polycystic kidney
    ("Q00", "Q99", "Z82.79"),  # congenital malformations, deformations, chromosomal abnormalities
    ("B20", "B20", "Z83.0"),  # HIV disease
    ("A00", "B99", "Z83.1"),  # other infectious and parasitic diseases
    ("D50", "D89", "Z83.2"),  # blood and immune mechanism
    ("E08", "E13", "Z83.3"),  # diabetes mellitus
    ("E00", "E89", "Z83.49"),  # other endocrine, nutritional and metabolic diseases
    ("H40", "H42", "Z83.511"),  # glaucoma
    ("H00", "H59", "Z83.518"),  # other eye disorders
    ("H60", "H95", "Z83.52"),  # ear disorders
    ("K00", "K95", "Z83.79"),  # other diseases of the digestive system
    ("L00", "L99", "Z84.0"),  # skin and subcutaneous tissue
    ("N00", "N29", "Z84.19"),  # other disorders of kidney and ureter
    ("N30", "N99", "Z84.2"),  # other diseases of the genitourinary system
)
FAMILY_REASON = "family history of {code} (Guideline I.C.21.c.4; Tabular Z80-Z84 by the relative's condition): "


def family_history_of(code: str) -> str | None:
    """The family-history code (Z80-Z84) for a relative's condition, by its block (`FAMILY_HISTORY`)."""
    category = code[:3]
    return next((z for first, last, z in FAMILY_HISTORY if first <= category <= last), None)
