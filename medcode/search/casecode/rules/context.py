"""What a note says of its setting and encounter (inpatient or outpatient; initial, subsequent or sequela; how a
fracture heals), and the Tabular detail of a code, as the guideline rules read them."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from medcode.codebook import selectors
from medcode.core.errors import ApplicationError

# the setting of the record: an inpatient record codes uncertain diagnoses as if established (II.H, III.C), an
# outpatient one codes their signs (IV.H)
INPATIENT = re.compile(
    r"\b(?:admitted|admission|admit|inpatient|discharge (?:summary|diagnos[ie]s)|discharged|hospital day|"
    r"hospitali[sz]ed|birth record|born (?:vaginally |by [a-z-]+ )?at this hospital)\b",
    re.I,
)

# the encounter of an injury (I.C.19.a): subsequent care after active treatment, a sequela; otherwise active
# treatment, the initial encounter
SUBSEQUENT = re.compile(
    r"\b(?:subsequent|follow[- ]?up|cast (?:check|change|removal)|removal of (?:the )?cast|healed|healing|nonunion|"
    r"non-union|malunion|mal-union|recheck|suture removal|routine healing|delayed healing|\d+ (?:weeks?|months?) "
    r"(?:after|post|since))\b",
    re.I,
)

SEQUELA = re.compile(r"\b(?:sequela|sequelae|late effects?|residual)\b", re.I)

NONUNION = re.compile(r"\bnon-?union\b", re.I)

MALUNION = re.compile(r"\bmal-?union\b", re.I)

DELAYED = re.compile(r"\bdelayed healing\b", re.I)

OPEN_FRACTURE = re.compile(r"\bopen\b(?!\s+(?:reduction|repair|surgery|approach|wound))", re.I)

# words of a record of care given now: an injury seen, treated, repaired in this encounter is in active treatment
ENCOUNTER_DOCUMENTED = re.compile(
    r"\b(?:initial|ED|ER|emergency|urgent care|seen|visit|presents?|presented|presenting|admitted|repaired|sutured|"
    r"reduced|splinted|cast|dressed|cleaned|removed|treated|x-ray|radiograph\w*|imaging|CT|MRI|evaluat\w*|"
    r"diagnosed|found|brought|arrived|today)\b",
    re.I,
)

INCIDENTAL = re.compile(r"\bincidental\b", re.I)

AGE = re.compile(r"\b(\d+)[- ](years?|months?|weeks?|days?)[- ]old\b", re.I)


@dataclass(frozen=True)
class Context:
    """What the note says of its setting and encounter."""

    inpatient: bool
    encounter: str  # "initial", "subsequent", "sequela"
    healing: str  # "routine", "delayed", "nonunion", "malunion"
    open_fracture: bool


def context_read(note: str) -> Context:
    """The setting and the encounter a note documents (no words for them: outpatient, initial encounter)."""
    if SEQUELA.search(note):
        encounter = "sequela"
    elif SUBSEQUENT.search(note):
        encounter = "subsequent"
    else:
        encounter = "initial"
    healing = (
        "nonunion"
        if NONUNION.search(note)
        else "malunion"
        if MALUNION.search(note)
        else "delayed"
        if DELAYED.search(note)
        else "routine"
    )
    return Context(
        inpatient=INPATIENT.search(note) is not None,
        encounter=encounter,
        healing=healing,
        open_fracture=OPEN_FRACTURE.search(note) is not None,
    )


@functools.lru_cache(maxsize=4096)
def tabular_detail(code: str, as_of: Any) -> selectors.ConceptDetail | None:
    try:
        return selectors.concept_detail(system="icd10cm", code=code, as_of=as_of)
    except ApplicationError:
        return None
