"""Case-to-code's coder stage: the ICD-10-CM Official Guidelines (FY2026) and Tabular conventions applied to the
codes a note states, so that the suggested set is what a certified coder reports, in the order they report it.

Each rule cites its section of the guidelines (or the Tabular note it reads) in the evidence of the codes it adds,
completes, promotes or leaves out. The stage works on the candidates the lexical stage found (`case2code`): it
reads the note's setting, completes 7th characters from the documented encounter, adds the codes the guidelines
require beside others (combination codes of the "with" convention, stages, long-term drug use, encounter reasons,
statuses), removes what the Tabular forbids or makes redundant (Excludes1, an unspecified code beside a specific
one of its category, signs integral to a confirmed diagnosis) and sequences the set.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medcode.codebook import notes, selectors
from medcode.core.errors import ApplicationError
from medcode.search import engine, index, services
from medcode.search import query as querying

if TYPE_CHECKING:
    from medcode.search.case2code import Candidate, Clause

DRUG_TABLE = Path(__file__).parent / "data" / "long_term_drugs.tsv"

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
SCREENING = re.compile(r"\bscreen(?:ing)?\b", re.I)
# a long-term drug (Z79) is one the patient is on, not one started, given once or given today
ON_DRUG = re.compile(
    r"\b(?:on|taking|takes|taken|uses|using|maintained on|continues?|continuing|current(?:ly)? on|requiring|"
    r"managed with|controlled (?:on|with))\b",
    re.I,
)
NOT_LONG_TERM = re.compile(
    r"\b(?:start(?:ed|ing)?|initiat\w*|today|once|given|single dose|trial of|prescribed for)\b", re.I
)
INCIDENTAL = re.compile(r"\bincidental\b", re.I)
BMI = re.compile(r"\bBMI\b", re.I)
DIALYSIS = re.compile(
    r"\b(?:on|receiving|dependent on|requires?)\s+(?:chronic\s+)?(?:hemo|peritoneal\s+)?dialysis\b", re.I
)
# who is meant by a drug: a relative's tablets swallowed, a substance taken in overdose are no long-term use
POISONING_WORDS = re.compile(r"\b(?:overdose|poison\w*|swallowed|ingest\w*|by mistake|accidental\w*|toxic\w*)\b", re.I)

# the section of the guidelines each rule follows (FY2026 ICD-10-CM Official Guidelines for Coding and Reporting)
UNCERTAIN_INPATIENT = "Guideline II.H / III.C: uncertain diagnosis at discharge coded as if established (inpatient)"
SEVENTH = "Guideline I.C.19.a: 7th character {char} ({meaning})"
FRACTURE_DEFAULT = "Guideline I.C.19.c.1: a fracture not indicated as open or closed is coded closed"
PLACEHOLDER = "Guideline I.A.4 / I.B.3: placeholder X for the 7th character"
WITH_CONVENTION = "Guideline I.A.15 / I.C.9.a.{n}: {what} presumed linked ({code})"
DIABETES_CKD = "Guideline I.A.15 / I.C.4.a: diabetes with chronic kidney disease presumed linked (E1x.22)"
USE_ADDITIONAL = "Tabular: use additional code at {at} ({code})"
LONG_TERM = "Guideline I.C.21.c.3: long-term (current) drug therapy, Tabular use additional code ({code})"
DIALYSIS_STATUS = "Guideline I.C.21.c.3: status, dependence on renal dialysis (Z99.2)"
EXCLUDES1 = "Tabular: Excludes1 at {at} ({other} is reported instead)"
MORE_SPECIFIC = (
    "Guideline I.B.2 / I.A.9: an unspecified code is not reported beside a specific code of its category ({other})"
)
INTEGRAL = "Guideline I.B.5: a sign or symptom routinely part of a confirmed diagnosis is not coded ({other})"
BMI_ALONE = "Guideline I.B.14 / I.C.21.c.3: BMI is reported only with an associated diagnosis (obesity, overweight...)"
INCIDENTAL_PREGNANCY = "Guideline I.C.15.a.1: Z33.1 only when the provider documents the pregnancy as incidental"
SCREENING_RULE = "Guideline I.C.21.c.5: screening encounter ({code}); the condition screened for is not coded"
SEQUENCE = "Guideline {section}: sequenced first"

KIDNEY_STAGE_5 = ("N18.5", "N18.6")
AGE = re.compile(r"\b(\d+)[- ](years?|months?|weeks?|days?)[- ]old\b", re.I)
PREGNANT = re.compile(
    r"\b(?:pregnan\w*|prenatal|antenatal|gestation\w*|trimester|primigravida|multigravida|"
    r"gravida|delivery|delivered|postpartum)\b",
    re.I,
)
NEWBORN = re.compile(r"\b(?:newborn|neonat\w*|birth record|liveborn|born (?:vaginally|by|via|at))\b", re.I)
BIRTH_RECORD = re.compile(
    r"\b(?:birth record|born (?:vaginally |by cesarean |via c-section )?(?:at|in) this hospital)\b", re.I
)
WEEKS = re.compile(
    r"\b(\d{1,2})(?:\s*(?:\+\d|and \d/7))?[- ]weeks?(?:'|\u2019)?(?:\s+(?:of\s+)?(?:gestation|pregnan\w*|ga))?\b", re.I
)
GRAMS = re.compile(r"\b(\d{1,2},?\d{3})\s*(?:g|grams?)\b", re.I)
TRIMESTER_WORDS = re.compile(r"\b(first|1st|second|2nd|third|3rd) trimester\b", re.I)
NO_DISEASE = re.compile(
    r"\b(?:no evidence of (?:disease|recurrence|malignancy)|no current treatment|completed treatment|"
    r"treatment completed|no further treatment|NED|in remission after|cancer-free|disease-free)\b",
    re.I,
)
FOLLOW_UP = re.compile(r"\b(?:surveillance|follow-?up|post-?treatment check)\b", re.I)
NEWBORN_RECORD = re.compile(r"\b(?:birth record|newborn record)\b", re.I)
DELIVERY = re.compile(
    r"\b(?:(?:spontaneous |normal |uncomplicated )?(?:vaginal|cesarean) delivery|delivered (?:vaginally|by cesarean)|SVD|NSVD)\b",
    re.I,
)
METASTASIS = (
    re.compile(r"\bmetasta(?:s[ie]s|tic) (?:to|in) (?:the )?(?P<site>[a-z]+)\b", re.I),
    re.compile(r"\b(?P<site>[a-z]+) metastas[ie]s\b", re.I),
)
BMI_VALUE = re.compile(r"\bBMI (?:of |is |was |= ?)?(\d{2}(?:\.\d)?)\b", re.I)
COVID = re.compile(r"\b(?:covid(?:-19)?|sars-cov-2|coronavirus disease 2019)\b", re.I)
ADVERSE = re.compile(
    r"\b(?:as prescribed|adverse (?:effect|reaction)|side effect|properly (?:taken|administered))\b", re.I
)
POISONING = re.compile(
    r"\b(?:overdose\w*|poison\w*|took (?:extra|too much|too many)|by mistake|in error|swallowed|"
    r"ingest\w*|together with|combined with|with (?:several |a few )?(?:beers?|alcohol|wine|drinks))\b",
    re.I,
)
ALCOHOL = {
    "beer": "ethanol",
    "beers": "ethanol",
    "wine": "ethanol",
    "alcohol": "ethanol",
    "liquor": "ethanol",
    "drinks": "ethanol",
}
# words of a poisoning note that name no drug (the Drug table has entries for some: "Tablets", "Grandmother" none)
NOT_DRUGS = frozenset(
    [
        "accidental",
        "accidentally",
        "overdose",
        "taken",
        "taking",
        "took",
        "extra",
        "mistake",
        "prescribed",
        "together",
        "several",
        "tablets",
        "tablet",
        "pills",
        "arrival",
        "somnolent",
        "drowsy",
        "asymptomatic",
        "level",
        "drawn",
        "toddler",
        "child",
        "patient",
        "swallowed",
        "caused",
        "hypoglycemia",
        "type",
        "diabetic",
        "grandmother",
        "grandfather",
        "mother",
        "father",
        "bradycardia",
        "with",
        "after",
        "from",
        "their",
        "while",
    ]
)
NOT_SITES = frozenset(
    ["with", "and", "of", "multiple", "distant", "widespread", "known", "no", "without", "the", "a", "new", "bone-only"]
)
# words of a record of care given now: an injury seen, treated, repaired in this encounter is in active treatment
ENCOUNTER_DOCUMENTED = re.compile(
    r"\b(?:initial|ED|ER|emergency|urgent care|seen|visit|presents?|presented|presenting|admitted|repaired|sutured|"
    r"reduced|splinted|cast|dressed|cleaned|removed|treated|x-ray|radiograph\w*|imaging|CT|MRI|evaluat\w*|"
    r"diagnosed|found|brought|arrived|today)\b",
    re.I,
)
ADULT_EXAM = "encounter for general adult medical examination"
CHILD_EXAM = "encounter for routine child health examination"
# site of a malignancy (C category) -> its personal history code (Z85), by the Tabular's Z85 subcategories
NEOPLASM_HISTORY = (
    ("C15", "Z85.01"),
    ("C16", "Z85.028"),
    ("C17", "Z85.068"),
    ("C18", "Z85.038"),
    ("C19", "Z85.038"),
    ("C20", "Z85.048"),
    ("C21", "Z85.048"),
    ("C22", "Z85.05"),
    ("C25", "Z85.07"),
    ("C32", "Z85.21"),
    ("C33", "Z85.12"),
    ("C34", "Z85.118"),
    ("C43", "Z85.820"),
    ("C44", "Z85.828"),
    ("C50", "Z85.3"),
    ("C53", "Z85.41"),
    ("C54", "Z85.42"),
    ("C55", "Z85.42"),
    ("C56", "Z85.43"),
    ("C61", "Z85.46"),
    ("C62", "Z85.47"),
    ("C64", "Z85.528"),
    ("C65", "Z85.53"),
    ("C67", "Z85.51"),
    ("C71", "Z85.841"),
    ("C73", "Z85.850"),
)


@dataclass(frozen=True)
class EncounterRule:
    """A reason for an encounter that chapter 21 codes: the words that say it, the title words that find its code."""

    trigger: re.Pattern[str]
    query: str
    prefixes: tuple[str, ...]
    section: str
    what: str
    first: bool = True


ENCOUNTER_RULES = (
    EncounterRule(
        re.compile(
            r"\bcycle \d+\b|\b(?:for|receive|receiving|scheduled)\s+(?:\w+\s+){0,2}chemo(?:therapy)?\b(?!\s+induced)",
            re.I,
        ),
        "encounter for antineoplastic chemotherapy",
        ("Z51.1",),
        "I.C.2.e.2",
        "encounter for chemotherapy",
    ),
    EncounterRule(
        re.compile(
            r"\b(?:annual|routine|yearly|general|complete) (?:physical|exam(?:ination)?|check-?up|wellness)\b|"
            r"\bwell[- ](?:child|baby|adult|woman|visit)\b|\bphysical exam(?:ination)? for\b",
            re.I,
        ),
        "",
        ("Z00.0", "Z00.1"),
        "I.C.21.c.13",
        "general examination",
    ),
    EncounterRule(
        re.compile(
            r"\bpre-?op(?:erative)?\b(?:\s+(?:clearance|evaluation|exam\w*|visit))?|\bpreprocedur\w+|"
            r"\bsurgical clearance\b|\bcleared for surgery\b",
            re.I,
        ),
        "encounter for other preprocedural examination",
        ("Z01.81",),
        "IV.M",
        "preoperative evaluation",
    ),
    EncounterRule(
        re.compile(r"\b(?:follow-?up|aftercare)\b[^.;]*\b(?:joint )?(?:replacement|arthroplasty)\b", re.I),
        "aftercare following joint replacement surgery",
        ("Z47.1",),
        "I.C.21.c.7",
        "aftercare",
    ),
    EncounterRule(
        re.compile(
            r"\bpacemaker\b[^.;]*\b(?:check|interrogation|battery)\b|\b(?:check|interrogation)\b[^.;]*\bpacemaker\b",
            re.I,
        ),
        "encounter for checking and testing of cardiac pacemaker pulse generator battery",
        ("Z45.01",),
        "I.C.21.c.7",
        "checking a device",
    ),
    EncounterRule(
        re.compile(
            r"\b(?:start|initiat\w*|begin|first prescription)\b[^.;]*\b(?:oral )?contracepti\w+(?: pills?)?\b", re.I
        ),
        "encounter for initial prescription of contraceptive pills",
        ("Z30.0",),
        "I.C.21.c.11",
        "contraceptive management",
    ),
    EncounterRule(
        re.compile(
            r"\b(?:vaccines?|vaccinations?|immuni[sz]ations?|flu shot|booster)\b[^.;]*\b(?:given|administered)\b|"
            r"\b(?:given|administered)\b[^.;]*\b(?:vaccines?|immuni[sz]ations?)\b",
            re.I,
        ),
        "encounter for immunization",
        ("Z23",),
        "I.C.21.c.2",
        "immunization",
        first=False,
    ),
    EncounterRule(
        re.compile(r"\b(?:routine )?(?:prenatal|antenatal|OB) (?:visit|care|check)\b", re.I),
        "encounter for supervision of normal pregnancy",
        ("Z34",),
        "I.C.15.b",
        "routine prenatal care",
    ),
)


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


def _seventh_choice(options: list[tuple[str, str]], ctx: Context) -> tuple[str, str] | None:
    """The 7th character (and its meaning) for the documented encounter."""
    best, best_score = None, -1.0
    for char, meaning in options:
        m = meaning.lower()
        score = 0.0
        if ctx.encounter == "sequela":
            score += 4 if "sequela" in m else 0
        elif ctx.encounter == "subsequent":
            score += 4 if "subsequent" in m else 0
        else:
            score += 4 if "initial" in m else 0
        if "fracture" in m:
            wanted = "open" if ctx.open_fracture else "closed"
            if wanted in m:
                score += 2
            elif ("open" in m or "closed" in m) and "type" not in m:
                score -= 1
            if "type i" in m and "open" in m and ctx.open_fracture:
                score += 1 if "type i or ii" in m else 0
            score += 2 if ctx.healing in m.replace("routine healing", "routine") else 0
        if score > best_score:
            best, best_score = (char, meaning), score
    return best


@functools.lru_cache(maxsize=4096)
def _detail(code: str, as_of: Any) -> selectors.ConceptDetail | None:
    try:
        return selectors.concept_detail(system="icd10cm", code=code, as_of=as_of)
    except ApplicationError:
        return None


@functools.lru_cache(maxsize=1)
def drug_table() -> dict[str, tuple[str, str]]:
    """Drug names (generic and brand, lower case) -> (Z79 code, drug class), from the reviewed table."""
    out: dict[str, tuple[str, str]] = {}
    with DRUG_TABLE.open(encoding="utf-8") as fh:
        rows = csv.reader((line for line in fh if line.strip() and not line.startswith("#")), delimiter="\t")
        header = next(rows)
        assert header[:3] == ["drug", "code", "class"], header
        for drug, code, what, *_ in rows:
            out[drug.strip().lower()] = (code.strip(), what.strip())
    return out


@functools.lru_cache(maxsize=1)
def _drug_pattern() -> re.Pattern[str]:
    names = sorted(drug_table(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.I)


class Coder:
    """The candidates of one note as the coder stage sees and edits them."""

    def __init__(
        self,
        *,
        note: str,
        parts: list[Clause],
        found: dict[tuple[str, str], Candidate],
        excluded: dict[tuple[str, str], Candidate],
        ix: index.ReleaseIndex,
        as_of: Any,
    ) -> None:
        self.note, self.parts, self.found, self.excluded, self.ix, self.as_of = note, parts, found, excluded, ix, as_of
        self.ctx = context_read(note)
        self.first: dict[str, str] = {}  # code -> guideline section that puts it first

    # --- helpers --------------------------------------------------------------------------------------------
    def suggested(self) -> list[Candidate]:
        return [c for c in self.found.values() if c.stated and c.system == "icd10cm"]

    def codes(self) -> set[str]:
        return {c.code for c in self.suggested()}

    def has(self, *prefixes: str) -> list[str]:
        return sorted(c for c in self.codes() if c.startswith(prefixes))

    def _evidence(self, reason: str, matched: str, start: int = 0, end: int | None = None) -> Any:
        from medcode.search.case2code import Evidence

        end = len(self.note) if end is None else end
        return Evidence(self.note[start:end].strip(), start, end, reason, matched)

    def add(self, code: str, reason: str, *, start: int = 0, end: int | None = None, score: float = 0.5) -> bool:
        """Suggest a code (a valid billable one of the release) with the rule that requires it."""
        from medcode.search.case2code import _candidate

        concept = self.ix.find(selectors.normalize(code))
        if concept is None or not self.ix.billable[concept]:
            return False
        key = ("icd10cm", self.ix.codes[concept])
        cand = self.found.get(key) or self.excluded.pop(key, None)
        if cand is None:
            cand = _candidate(self.ix, concept)
        self.found[key] = cand
        cand.stated = True
        cand.score = max(cand.score, score)
        cand.statuses.add("current")
        cand.evidence.insert(0, self._evidence(reason, self.ix.titles[concept], start, end))
        return True

    def drop(self, code: str, why: str) -> None:
        """Leave a suggested code out of the set, listed under "excluded" with the rule that removed it."""
        key = ("icd10cm", code)
        cand = self.found.pop(key, None)
        if cand is None:
            return
        cand.statuses = {why}
        cand.stated = False
        self.excluded.setdefault(key, cand)

    def replace(self, old: Candidate, code: str, reason: str) -> None:
        """Put another code of the release in a candidate's place, keeping its evidence."""
        from medcode.search.case2code import _candidate

        concept = self.ix.find(selectors.normalize(code))
        if concept is None:
            return
        self.found.pop((old.system, old.code), None)
        key = ("icd10cm", self.ix.codes[concept])
        new = self.found.get(key) or _candidate(self.ix, concept)
        new.stated = True
        new.score = max(new.score, old.score)
        new.statuses |= old.statuses
        new.evidence = (
            [self._evidence(reason, self.ix.titles[concept], *self._span(old))]
            + old.evidence
            + [e for e in new.evidence if e not in old.evidence]
        )
        self.found[key] = new

    def _span(self, cand: Candidate) -> tuple[int, int]:
        if cand.evidence:
            return cand.evidence[0].start, cand.evidence[0].end
        return 0, len(self.note)

    # --- rules ----------------------------------------------------------------------------------------------
    def uncertain_inpatient(self) -> None:
        """II.H / III.C: an inpatient record codes a diagnosis uncertain at discharge as if it were established."""
        if not self.ctx.inpatient:
            return
        from medcode.search.case2code import UNCERTAIN_REASON

        for cand in list(self.found.values()):
            if cand.system != "icd10cm" or cand.stated:
                continue
            if any(e.status == "uncertain" and e.reason.startswith(UNCERTAIN_REASON) for e in cand.evidence):
                cand.stated = True
                cand.evidence.insert(0, self._evidence(UNCERTAIN_INPATIENT, cand.title, *self._span(cand)))

    def seventh_characters(self) -> None:
        """See `_seventh_characters`; a note that documents no encounter at all (a case summary, a phrase) leaves
        an injury code without its 7th character for the coder (ADR 0035), unless it says which."""
        if self.ctx.encounter == "initial" and not ENCOUNTER_DOCUMENTED.search(self.note):
            return
        self._seventh_characters()

    def _seventh_characters(self) -> None:
        """I.C.19.a: the 7th character of an injury (and other 7th-character) code from the documented encounter:
        active treatment is the initial encounter; a fracture not said to be open is closed (I.C.19.c.1)."""
        for cand in list(self.suggested()):
            norm = selectors.normalize(cand.code)
            base = norm[:6] if len(norm) == 7 else norm
            detail = _detail(
                cand.code if len(norm) < 7 else f"{base[:3]}.{base[3:]}".rstrip("X").rstrip("."), self.as_of
            )
            if detail is None:
                continue
            if len(norm) == 7 and not detail.seventh:
                continue
            options = detail.seventh
            if not any("encounter" in m or "sequela" in m for _ch, m in options):
                continue  # a 7th character that is no encounter (a fetus, O32.1XX0): the coder's to choose
            choice = _seventh_choice(options, self.ctx)
            if choice is None:
                continue
            full = base.ljust(6, "X") + choice[0]
            if full == norm or self.ix.find(full) is None:
                continue
            reason = SEVENTH.format(char=choice[0], meaning=choice[1])
            if "fracture" in choice[1] and not self.ctx.open_fracture:
                reason += f"; {FRACTURE_DEFAULT}"
            if "X" in full[3:6]:
                reason += f"; {PLACEHOLDER}"
            self.replace(cand, f"{full[:3]}.{full[3:]}", reason)

    def with_convention(self) -> None:
        """I.A.15 and I.C.9.a: hypertension with heart disease or chronic kidney disease, and diabetes with chronic
        kidney disease, are linked unless the provider says otherwise: combination codes, with the stage and the
        type of heart failure as additional codes."""
        htn = self.has("I10", "I11", "I12", "I13", "I16")
        ckd = self.has("N18")
        hf = self.has("I50")
        if (htn and ckd) or (htn and hf) or self.has("I13"):
            stage5 = any(c.startswith(KIDNEY_STAGE_5) for c in ckd)
            if ckd and (hf or self.has("I13")):
                code = "I13.2" if stage5 else "I13.0"
                what, n = "hypertension with heart and chronic kidney disease", 3
            elif ckd:
                code = "I12.0" if stage5 else "I12.9"
                what, n = "hypertension with chronic kidney disease", 2
            else:
                code = "I11.0"
                what, n = "hypertension with heart disease", 1
            reason = WITH_CONVENTION.format(n=n, what=what, code=code)
            for old in htn:
                if old != code and old[:3] in ("I10", "I11", "I12", "I13"):
                    self.drop(old, f"combined into {code} ({reason})")
            self.add(code, reason, score=self._top_score() + 0.01)
            self.first.setdefault(code, f"I.C.9.a.{n}")
            if ckd and not [c for c in ckd if c != "N18.9"] and "N18.9" not in ckd:
                self.add("N18.9", USE_ADDITIONAL.format(at=code, code="N18.-"))
        diabetes = [c for c in self.has("E08", "E09", "E10", "E11", "E13")]
        if diabetes and ckd:
            kind = diabetes[0][:3]
            if f"{kind}.22" not in self.codes():
                for old in diabetes:
                    if old in (f"{kind}.9", f"{kind}.8"):
                        self.drop(old, f"combined into {kind}.22 ({DIABETES_CKD})")
                self.add(f"{kind}.22", DIABETES_CKD)
        # N19 (kidney failure NOS) beside a stated stage, N18.9 beside a stage: the stage says more
        if self.has("N18.1", "N18.2", "N18.3", "N18.4", "N18.5", "N18.6"):
            for vague in ("N18.9", "N19"):
                if vague in self.codes():
                    self.drop(vague, MORE_SPECIFIC.format(other=", ".join(self.has("N18"))))
        if self.has("N18.6", "N18.5", "I12.0", "I13.2") and DIALYSIS.search(self.note):
            m = DIALYSIS.search(self.note)
            assert m is not None
            self.add("Z99.2", DIALYSIS_STATUS, start=m.start(), end=m.end(), score=0.2)

    def long_term_drugs(self) -> None:
        """I.C.21.c.3 and the Tabular's "use additional code ... (Z79.-)": long-term (current) use of a drug the
        patient is on (a reviewed table of drugs by class); not a drug started today, nor one taken in overdose."""
        table = drug_table()
        current = self.codes()
        pregnant_insulin = any(c.startswith(("O24.41", "O24.81", "O24.11", "O24.31")) for c in current)
        for clause in self.parts:
            if clause.status != "current":
                continue
            said = clause.text
            if POISONING_WORDS.search(said) and not re.search(r"as prescribed", said, re.I):
                continue
            for m in _drug_pattern().finditer(said):
                before = said[: m.start()]
                on = list(ON_DRUG.finditer(before))
                if not on and not re.search(r"\bas prescribed\b", said[m.end() :], re.I):
                    continue
                if NOT_LONG_TERM.search(said[(on[-1].end() if on else 0) : m.start()]) or NOT_LONG_TERM.search(
                    said[m.end() : m.end() + 20]
                ):
                    continue
                code, what = table[m.group(1).lower()]
                if code == "Z79.4" and pregnant_insulin:
                    continue  # I.C.15.g: Z79.4 is not assigned with O24.4- insulin controlled
                start = clause.start + m.start()
                self.add(
                    code, f"{LONG_TERM.format(code=code)}: {what}", start=start, end=clause.start + m.end(), score=0.15
                )

    def screening(self) -> None:
        """I.C.21.c.5: a screening encounter is coded with its Z11-Z13 code first; the condition screened for is
        not coded (a screening that finds something is still listed first, the finding after it)."""
        lex = services.codebook_lexicon()
        for clause in self.parts:
            if clause.status not in ("current", "history") or not SCREENING.search(clause.text):
                continue
            words = re.sub(
                r"\b(?:screen(?:ing)?|for|to|an?|the|routine|average risk|asymptomatic)\b", " ", clause.text, flags=re.I
            )
            pq = querying.parse(f"encounter for screening {words}", self.ix.vocab, lex, correct=False)
            best = None
            for hit in engine.rank(self.ix, pq, limit=8, billable_only=True):
                code = self.ix.codes[hit.concept]
                if "Z11" <= code[:3] <= "Z13":
                    best = code
                    break
            if best is None:
                continue
            self.add(
                best,
                SCREENING_RULE.format(code=best),
                start=clause.start,
                end=clause.start + len(clause.text),
                score=self._top_score() + 0.02,
            )
            self.first.setdefault(best, "I.C.21.c.5")
            # the condition screened for is no diagnosis: neoplasms and disorders named in the screening clause
            for cand in list(self.suggested()):
                if cand.code == best or cand.code.startswith("Z"):
                    continue
                if all(
                    clause.start <= e.start < clause.start + len(clause.text)
                    for e in cand.evidence
                    if e.status == "current"
                ):
                    self.drop(cand.code, f"{SCREENING_RULE.format(code=best)}")

    def tabular_pairs(self) -> None:
        """Excludes1 between two suggested codes (the code whose note excludes the other is left out), and an
        unspecified code beside a more specific code of its own category."""
        codes = sorted(self.codes())
        for code in codes:
            detail = _detail(code, self.as_of)
            if detail is None or code not in self.codes():
                continue
            for note in detail.notes:
                if note.kind != "excludes1":
                    continue
                refs = notes.note_references(note.text)
                others = [
                    o
                    for o in self.codes()
                    if o != code and o[:3] != code[:3] and any(notes.reference_covers(r, o) for r in refs)
                ]
                if others:
                    self.drop(code, EXCLUDES1.format(at=note.code, other=", ".join(others)))
                    break
        for code in sorted(self.codes()):
            concept = self.ix.find(selectors.normalize(code))
            if concept is None or not self.ix.default_like[concept]:
                continue
            siblings = [o for o in self.codes() if o != code and o[:3] == code[:3]]
            specific = [
                o
                for o in siblings
                if (k := self.ix.find(selectors.normalize(o))) is not None and not self.ix.default_like[k]
            ]
            if specific:
                self.drop(code, MORE_SPECIFIC.format(other=", ".join(specific)))

    def integral_signs(self) -> None:
        """I.B.5: signs and symptoms (R00-R99) are not coded beside a confirmed diagnosis they are part of; they
        are kept where a Tabular note asks for them ("use additional code ... nocturia (R35.1)") and as the
        manifestations of a poisoning (I.C.19.e.5.b)."""
        codes = self.codes()
        definitive = [c for c in codes if c[0] not in "RZVWXY" and not c.startswith("U")]
        poisoning = any("T36" <= c[:3] <= "T65" for c in codes)
        if not definitive or poisoning:
            return
        asked = set()
        for code in definitive:
            detail = _detail(code, self.as_of)
            for note in detail.notes if detail else []:
                if note.kind == "use_additional":
                    refs = notes.note_references(note.text)
                    asked |= {r for r in codes if r[0] == "R" and any(notes.reference_covers(x, r) for x in refs)}
        # a sign is part of a diagnosis the note states before it in the same sentence ("appendicitis presenting
        # with RLQ pain", "strep pharyngitis; sore throat"), not of one listed beside it ("haematuria and anaemia")
        definitive = [c for c in definitive if not c.startswith("G89")]
        diagnosed = [
            (self._where(e), self._sentence(e.start)) for c in definitive for e in self.found[("icd10cm", c)].evidence
        ]
        for code in codes:
            # G89 pain codes are not assigned when the underlying diagnosis is known (I.C.6.b.1.a)
            if not (code[0] == "R" or code.startswith("G89")) or code in asked:
                continue
            said = [
                (self._where(e, last=True), self._sentence(e.start)) for e in self.found[("icd10cm", code)].evidence
            ]
            if said and all(any(d < s and ds == ss for d, ds in diagnosed) for s, ss in said):
                self.drop(code, INTEGRAL.format(other=", ".join(sorted(definitive)[:3])))

    def _where(self, e: Any, *, last: bool = False) -> int:
        """Where in its clause a piece of evidence's words are first (or last) said (the clause's start if nowhere)."""
        low = self.note.lower()
        found = [low.find(w[:5], e.start, e.end) for w in re.findall(r"[a-z]{4,}", str(e.matched).lower())]
        at = [f for f in found if f >= 0]
        return (max(at) if last else min(at)) if at else int(e.start)

    def _sentence(self, at: int) -> int:
        """Which sentence of the note (cut at full stops and line ends) holds the offset."""
        return len(re.findall(r"[.!?](?:\s|$)|\n", self.note[:at]))

    def status_codes(self) -> None:
        """BMI only with a weight diagnosis (I.B.14); Z33.1 only when the pregnancy is documented as incidental."""
        codes = self.codes()
        if self.has("Z68") and not any(
            c.startswith(("E66", "E88.82", "R63.5", "E44", "E43", "E46", "R62")) for c in codes
        ):
            for code in self.has("Z68"):
                self.drop(code, BMI_ALONE)
        if "Z33.1" in codes and not INCIDENTAL.search(self.note):
            self.drop("Z33.1", INCIDENTAL_PREGNANCY)

    def find(self, query: str, prefixes: tuple[str, ...]) -> str | None:
        """The first billable code under `prefixes` that a search of the codebook gives for `query`."""
        for hit in services.search(query=query, system="icd10cm", limit=10, billable=True)["results"]:
            if hit["code"].startswith(prefixes) and hit["billable"]:
                return str(hit["code"])
        return None

    def encounters(self) -> None:
        """The reason for the encounter when it is no condition (chapter 21, I.C.21.c): chemotherapy (I.C.2.e.2),
        general examinations (I.C.21.c.13), preoperative evaluations (IV.M), aftercare (I.C.21.c.7), checking a
        device, contraception (I.C.21.c.11), immunization (I.C.21.c.2), routine prenatal care (I.C.15.b),
        newborns' birth records (I.C.16.a, I.C.16.e): found in the codebook by the words of its title."""
        note = self.note
        age = AGE.search(note)
        child = bool(age and (age.group(2).lower().startswith(("month", "week", "day")) or int(age.group(1)) < 18))
        child = (
            child
            or re.search(r"\b(?:well[- ](?:child|baby)|\d+[- ]month|infant|toddler|pediatric)\b", note, re.I)
            is not None
        )
        span = (0, len(note))
        findings = [c for c in self.suggested() if c.code[0] not in "ZRVWXY"]
        for rule in ENCOUNTER_RULES:
            m = rule.trigger.search(note)
            if m is None:
                continue
            query = rule.query
            if rule.section == "I.C.21.c.13":
                query = CHILD_EXAM if child else ADULT_EXAM
                normal = re.search(r"\b(?:normal|no abnormal|unremarkable|healthy)\b", note, re.I)
                query += " without abnormal findings" if normal or not findings else " with abnormal findings"
            elif rule.section == "I.C.15.b":
                years = int(age.group(1)) if age and age.group(2).lower().startswith("year") else 0
                first_pregnancy = re.search(r"\b(?:first pregnancy|primigravida|G1(?:P0)?)\b", note, re.I)
                if years >= 35:
                    # I.C.15.b.4: supervision of a high-risk pregnancy (O09) for a pregnant patient 35 or older
                    query = "supervision of elderly " + ("primigravida" if first_pregnancy else "multigravida")
                    rule = EncounterRule(
                        rule.trigger, query, ("O09.5",), "I.C.15.b.4", "supervision of high-risk pregnancy"
                    )
                elif first_pregnancy:
                    query += " first pregnancy"
            elif rule.section == "IV.M":
                query += " cardiovascular" if re.search(r"\bcardi", note, re.I) else ""
            code = self.find(query, rule.prefixes)
            if code is None:
                continue
            span = (m.start(), m.end())
            reason = f"Guideline {rule.section}: {rule.what} ({code})"
            self.add(code, reason, start=span[0], end=span[1], score=self._top_score() + (0.05 if rule.first else 0.0))
            if rule.first:
                self.first.setdefault(code, rule.section)
            if rule.section == "I.C.21.c.7":
                side = re.search(r"\b(right|left|bilateral)\b", note, re.I)
                joint = re.search(r"\b(knee|hip|shoulder|ankle|elbow|wrist)\b", note, re.I)
                if joint:
                    status = self.find(
                        f"presence of {side.group(1) if side else ''} artificial {joint.group(1)} joint", ("Z96.6",)
                    )
                    if status:
                        self.add(
                            status,
                            f"Guideline I.C.21.c.7: aftercare, with the status of the joint ({status})",
                            start=span[0],
                            end=span[1],
                        )
                # the condition the replacement treated is gone: it is not coded with the aftercare
                for cand in findings:
                    if cand.code[0] == "M":
                        self.drop(cand.code, f"Guideline I.C.21.c.7: aftercare of its treatment ({code})")

    def pregnancy(self) -> None:
        """Chapter 15 (I.C.15.a-b): a condition in a pregnancy is coded with its O code first (the condition's own
        code after it where the O code asks), the trimester from the weeks (I.C.15.a.3), and Z3A for the weeks
        (I.C.15.a.4); a pregnancy the provider calls incidental is Z33.1 after the condition."""
        note = self.note
        if not PREGNANT.search(note) or BIRTH_RECORD.search(note) or NEWBORN_RECORD.search(note):
            return
        weeks_m = WEEKS.search(note)
        weeks = int(weeks_m.group(1)) if weeks_m else None
        for code in self.has("Z3A"):
            if weeks is None or code != f"Z3A.{weeks:02d}":
                self.drop(code, "Guideline I.C.15.a.4: Z3A from the weeks of gestation the note documents")
        if weeks_m is not None and weeks is not None and 8 <= weeks <= 42:
            self.add(
                f"Z3A.{weeks:02d}",
                f"Guideline I.C.15.a.4: weeks of gestation ({weeks})",
                start=weeks_m.start(),
                end=weeks_m.end(),
                score=0.05,
            )
        if INCIDENTAL.search(note):
            if "Z33.1" not in self.codes():
                self.add(
                    "Z33.1",
                    "Guideline I.C.15.a.1: pregnancy incidental to the encounter (Z33.1, not first)",
                    score=0.01,
                )
            return
        trimester = TRIMESTER_WORDS.search(note)
        tri = (
            {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}[trimester.group(1).lower()]
            if trimester
            else None
            if weeks is None
            else 1
            if weeks < 14
            else 2
            if weeks < 28
            else 3
        )
        for cand in list(self.suggested()):
            code = cand.code
            if (code[0] == "O" or code.startswith("Z34")) and tri is not None:
                self._trimester(cand, tri)
            elif code[0] not in "OZR" and not code.startswith(("U07", "S", "T")):
                # a condition in a pregnancy: chapter 15's code for it, "complicating pregnancy"
                words = re.sub(r",?\s*unspecified\b", "", cand.title)
                target = self.find(f"{words} complicating pregnancy trimester", ("O",))
                if target is None:
                    continue
                reason = f"Guideline I.C.15.a.1: a condition in a pregnancy is coded from chapter 15 first ({target})"
                self.add(
                    target, reason, start=self._span(cand)[0], end=self._span(cand)[1], score=self._top_score() + 0.03
                )
                self.first.setdefault(target, "I.C.15.a.1")
                new = self.found.get(("icd10cm", target))
                if new is not None and tri is not None:
                    self._trimester(new, tri)
                if not self._asks_for(target, code):
                    self.drop(code, reason)
            elif code.startswith("U07"):
                target = self.find("COVID-19 complicating pregnancy trimester", ("O98.5",))
                if target:
                    self.add(
                        target,
                        f"Guideline I.C.1.g.1.d / I.C.15.d: COVID-19 in pregnancy ({target}) first, then U07.1",
                        score=self._top_score() + 0.03,
                    )
                    self.first.setdefault(target, "I.C.15.d")
                    new = self.found.get(("icd10cm", target))
                    if new is not None and tri is not None:
                        self._trimester(new, tri)

    def _asks_for(self, code: str, other: str) -> bool:
        """Whether a code's Tabular notes ask for the other as an additional code ("use additional code to identify
        the specific condition")."""
        for at in (code, code[:5], code[:3]):
            detail = _detail(at, self.as_of)
            for note in detail.notes if detail else []:
                if note.kind == "use_additional":
                    refs = notes.note_references(note.text)
                    if not refs or any(notes.reference_covers(r, other) for r in refs):
                        return True
        return False

    def _trimester(self, cand: Candidate, tri: int) -> None:
        """The sibling of an O code for the trimester the note documents (I.C.15.a.3)."""
        word = {1: "first trimester", 2: "second trimester", 3: "third trimester"}[tri]
        if word in cand.title.lower() or (
            "trimester" not in cand.title.lower() and "childbirth" not in cand.title.lower()
        ):
            return
        norm = selectors.normalize(cand.code)
        lo, hi = self.ix.prefix_range(norm[:-1])
        for k in range(lo, hi):
            if self.ix.billable[k] and len(self.ix.norms[k]) == len(norm) and word in self.ix.titles[k].lower():
                self.replace(
                    cand, self.ix.codes[k], f"Guideline I.C.15.a.3: trimester from the weeks documented ({word})"
                )
                self.first.setdefault(self.ix.codes[k], self.first.pop(cand.code, "I.C.15.a.1"))
                return

    def newborn(self) -> None:
        """A newborn's birth record (I.C.16.a.2, I.C.21.c.12): Z38 first, then prematurity and low birth weight by
        the weeks and grams documented (I.C.16.e); Z3A is for the mother's record only."""
        if not NEWBORN.search(self.note):
            return
        for code in self.has("Z3A"):
            self.drop(code, "Guideline I.C.15.a.4: Z3A is for the mother's record, not the newborn's")
        if not BIRTH_RECORD.search(self.note):
            return
        delivery = "by cesarean" if re.search(r"\b(?:cesarean|c-section)\b", self.note, re.I) else "vaginally"
        z38 = self.find(f"single liveborn infant delivered {delivery}", ("Z38",))
        if z38:
            code = z38
            self.add(
                code,
                f"Guideline I.C.16.a.2 / I.C.21.c.12: the birth episode of a newborn ({code}) first",
                score=self._top_score() + 0.05,
            )
            self.first.setdefault(code, "I.C.16.a.2")
        weeks_m = WEEKS.search(self.note)
        if weeks_m and int(weeks_m.group(1)) < 37:
            w = int(weeks_m.group(1))
            found = self.find(f"preterm newborn gestational age {w} completed weeks", ("P07.2", "P07.3"))
            if found and (str(w) in self.ix.titles[self.ix.find(selectors.normalize(found)) or 0]):
                self.add(found, f"Guideline I.C.16.e: prematurity by the weeks documented ({w})", score=0.1)
        grams_m = GRAMS.search(self.note)
        if grams_m:
            grams = int(grams_m.group(1).replace(",", ""))
            if grams < 2500:
                lo, hi = self.ix.prefix_range("P07")
                for k in range(lo, hi):
                    r = re.search(r"(\d+)-(\d+) grams", self.ix.titles[k])
                    if self.ix.billable[k] and r and int(r.group(1)) <= grams <= int(r.group(2)):
                        self.add(
                            self.ix.codes[k],
                            f"Guideline I.C.16.e: low birth weight by the grams documented ({grams} g)",
                            score=0.1,
                        )
                        break

    def neoplasm_history(self) -> None:
        """I.C.2.d / I.C.21.c.4: a malignancy excised or eradicated, with no further treatment and no evidence of
        disease, is coded as its history (Z85); a surveillance visit after completed treatment is Z08 first
        (I.C.21.c.8)."""
        for cand in list(self.suggested()):
            if cand.code[0] != "C" or cand.code.startswith(("C81", "C82", "C83", "C84", "C85", "C88", "C9")):
                continue
            start, end = self._span(cand)
            sentence_end = re.search(r"[.\n]", self.note[end:])
            rest = self.note[start : end + (sentence_end.start() if sentence_end else len(self.note))]
            if not NO_DISEASE.search(rest):
                continue
            z = next((z for prefix, z in NEOPLASM_HISTORY if cand.code.startswith(prefix)), "Z85.9")
            self.replace(
                cand,
                z,
                f"Guideline I.C.2.d: a malignancy treated, with no further treatment and no evidence of disease, is history ({z})",
            )
        if self.has("Z85") and not self.has("C") and FOLLOW_UP.search(self.note):
            self.add(
                "Z08",
                "Guideline I.C.21.c.8: follow-up examination after completed treatment of a malignancy (Z08) first",
                score=self._top_score() + 0.05,
            )
            self.first.setdefault("Z08", "I.C.21.c.8")

    def sepsis(self) -> None:
        """I.C.1.d.4: sepsis present on admission is sequenced before its localized infection; one that develops
        after admission follows the reason for admission."""
        sepsis = self.has("A40", "A41", "A02.1", "A22.7", "A26.7", "A32.7", "A39.4", "B37.7")
        if not sepsis:
            return
        if re.search(r"\b(?:not present on admission|developed (?:on|after)|hospital day \d+)\b", self.note, re.I):
            return
        self.first.setdefault(sepsis[0], "I.C.1.d.4")

    def delivery(self) -> None:
        """A delivery (I.C.15.b.5, I.C.15.o.1): O80 for a full-term uncomplicated vaginal delivery of a single
        liveborn, and the outcome of delivery (Z37) on the mother's record."""
        if NEWBORN_RECORD.search(self.note) or not DELIVERY.search(self.note):
            return
        m = DELIVERY.search(self.note)
        assert m is not None
        others = [c for c in self.suggested() if c.code[0] == "O" and c.code != "O80"]
        if not others and re.search(r"\b(?:no complications|uncomplicated|normal|healthy)\b", self.note, re.I):
            self.add(
                "O80",
                "Guideline I.C.15.o.1: encounter for full-term uncomplicated delivery (O80)",
                start=m.start(),
                end=m.end(),
                score=self._top_score() + 0.05,
            )
            self.first.setdefault("O80", "I.C.15.o.1")
        twins = re.search(r"\b(?:twins?|triplets?)\b", self.note, re.I)
        outcome = self.find(
            ("twins, both liveborn" if twins else "single live birth") + " outcome of delivery", ("Z37",)
        )
        if outcome:
            self.add(
                outcome,
                f"Guideline I.C.15.b.5: outcome of delivery on the mother's record ({outcome})",
                start=m.start(),
                end=m.end(),
                score=0.05,
            )

    def metastases(self) -> None:
        """I.C.2: a malignancy spread to a site ("metastases to the liver", "a brain metastasis") is coded as a
        secondary malignant neoplasm of that site (C77-C79); when the encounter is directed at the secondary site,
        it is sequenced first (I.C.2.b)."""
        for m in (m for pattern in METASTASIS for m in pattern.finditer(self.note)):
            site = m.group("site")
            if not site or site.lower() in NOT_SITES:
                continue
            code = self.find(f"secondary malignant neoplasm of {site}", ("C77", "C78", "C79"))
            if code is None or code.startswith(("C79.9", "C80")):
                continue
            self.add(
                code,
                f"Guideline I.C.2: metastasis to the {site.lower()} is a secondary malignant neoplasm ({code})",
                start=m.start(),
                end=m.end(),
                score=0.2,
            )
            for vague in self.has("C79.9", "C80"):
                self.drop(vague, f"Guideline I.C.2: the site of the metastasis is documented ({code})")
            directed = re.search(
                r"\b(?:resect\w*|excis\w*|radiation|radiotherapy|treatment of|for)\b[^.;]{0,30}$",
                self.note[: m.start()],
                re.I,
            )
            if directed and INPATIENT.search(self.note):
                self.first.setdefault(code, "I.C.2.b")

    def tobacco(self) -> None:
        """I.C.5.b.? / Tabular F17 and Z71.6, Z77.22: current tobacco use is nicotine dependence by product;
        counseling is Z71.6; exposure to others' smoke is Z77.22."""
        note = self.note
        current = re.search(
            r"\b(?:smokes|current(?:ly)? smok\w+|current smoker|active smoker|\d+(?:\.\d+)? ?(?:ppd|packs? (?:a|per) day))\b",
            note,
            re.I,
        )
        if current and not re.search(
            r"\b(?:parents?|mother|father|household|spouse|partner)\s+smokes?\b",
            note[max(0, current.start() - 20) : current.end()],
            re.I,
        ):
            product = (
                "cigarettes"
                if re.search(r"\bcigarettes?|ppd|packs?\b", note, re.I)
                else "cigars"
                if re.search(r"\bcigars?\b", note, re.I)
                else ""
            )
            code = self.find(f"nicotine dependence {product or 'unspecified'} uncomplicated", ("F17.2",))
            if code:
                self.add(
                    code,
                    f"Guideline I.C.5.b / Index (Smoker - see Dependence, drug, nicotine): current tobacco use ({code})",
                    start=current.start(),
                    end=current.end(),
                    score=0.2,
                )
        counsel = re.search(
            r"\b(?:smoking|tobacco) cessation\b|\bcounsel\w* (?:on|for|about) (?:smoking|tobacco)\b", note, re.I
        )
        if counsel:
            for code in self.has("Z71.9", "Z71.89"):
                self.drop(code, "Guideline I.C.21.c.10: tobacco counseling has its own code (Z71.6)")
            self.add(
                "Z71.6",
                "Guideline I.C.21.c.10: tobacco abuse counseling (Z71.6)",
                start=counsel.start(),
                end=counsel.end(),
                score=self._top_score() + 0.05,
            )
            self.first.setdefault("Z71.6", "I.C.21.c.10")
        exposed = re.search(
            r"\b(?:parents?|mother|father|household|caregivers?)\s+smokes?\b|\b(?:second-?hand|environmental|passive) (?:tobacco )?smoke\b",
            note,
            re.I,
        )
        if exposed:
            self.add(
                "Z77.22",
                "Guideline I.C.21.c.3: exposure to environmental tobacco smoke (Z77.22)",
                start=exposed.start(),
                end=exposed.end(),
                score=0.05,
            )

    def bmi(self) -> None:
        """I.B.14 / I.C.21.c.3: the BMI code of the value documented (Z68), with its weight diagnosis."""
        m = BMI_VALUE.search(self.note)
        if m is None or not self.has("E66", "E88.82", "R63.5", "E44", "E43"):
            return
        value = float(m.group(1))
        adult = self.find(f"body mass index bmi {int(value)} adult", ("Z68.",))
        lo, hi = self.ix.prefix_range("Z68")
        for k in range(lo, hi):
            title = self.ix.titles[k]
            r = re.search(r"(\d+(?:\.\d)?)-(\d+(?:\.\d)?)", title)
            top = re.search(r"(\d+(?:\.\d)?) or greater", title)
            if (
                self.ix.billable[k]
                and "adult" in title.lower()
                and (
                    (r and float(r.group(1)) <= value <= float(r.group(2)) + 0.09)
                    or (top and value >= float(top.group(1)))
                )
            ):
                adult = self.ix.codes[k]
                break
        for code in self.has("Z68"):
            if code != adult:
                self.drop(code, f"Guideline I.B.14: the BMI documented is {value:g}")
        if adult:
            self.add(
                adult,
                f"Guideline I.B.14: BMI {value:g}, reported with the weight diagnosis ({adult})",
                start=m.start(),
                end=m.end(),
                score=0.05,
            )

    def infections(self) -> None:
        """Chapter 1: COVID-19 (U07.1) first with its manifestations (I.C.1.g.1.a-b); an exposure to a disease
        (Z20) is no case of it (I.C.1.g.1.e)."""
        if (
            self.has("J12.82", "J20.8", "J22", "J80", "J98.8", "J96.0")
            and COVID.search(self.note)
            and not self.has("Z20")
        ):
            self.add(
                "U07.1",
                "Guideline I.C.1.g.1.a: COVID-19 confirmed, U07.1 first, with its manifestations",
                score=self._top_score() + 0.05,
            )
        if self.has("U07.1") and not self.has("O98.5"):
            self.first.setdefault("U07.1", "I.C.1.g.1.a")
        for z in self.has("Z20"):
            zc = self.found[("icd10cm", z)]
            spans = [(e.start, e.end) for e in zc.evidence]
            for cand in list(self.suggested()):
                if cand.code[0] in "Z" or cand.code == z:
                    continue
                if all(any(a <= e.start < b for a, b in spans) for e in cand.evidence if e.status == "current"):
                    self.drop(cand.code, f"Guideline I.C.1.g.1.e: exposure to a disease is not the disease ({z})")

    def immunization_clause(self) -> None:
        """I.C.21.c.2: the diseases a vaccine is named after are not diagnoses ("hepatitis A vaccine given")."""
        for clause in self.parts:
            m = re.search(r"\bvaccin\w*|\bimmuni[sz]\w*", clause.text, re.I)
            if not m:
                continue
            a, b = clause.start, clause.start + len(clause.text)
            for cand in list(self.suggested()):
                if cand.code[0] in "Z":
                    continue
                if cand.evidence and all(a <= e.start < b for e in cand.evidence):
                    self.drop(
                        cand.code,
                        "Guideline I.C.21.c.2: a vaccine names the disease it prevents, not one the patient has",
                    )

    def poisoning(self) -> None:
        """I.C.19.e.5: a drug taken in error, in excess or with alcohol is a poisoning (T code first, intent
        accidental when not documented, then its manifestations); a drug correctly prescribed and properly taken
        that causes an effect is an adverse effect (the effect first, then T code with 5th/6th character 5). The
        drug's code comes from the Drug table (an instance with the ICD-10-CM Drug table imported)."""
        adverse = ADVERSE.search(self.note)
        poisoned = POISONING.search(self.note)
        if not adverse and not poisoned:
            return
        intent = (
            "adverse effect"
            if adverse and not poisoned
            else "poisoning intentional self-harm"
            if re.search(r"\b(?:intentional|suicid\w*|self-harm)\b", self.note, re.I)
            else "poisoning assault"
            if re.search(r"\bassault\w*\b", self.note, re.I)
            else "poisoning accidental"
        )
        seen: set[str] = set()
        for word in dict.fromkeys(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", self.note)):
            if word in NOT_DRUGS:
                continue
            drug = ALCOHOL.get(word, word)
            for hit in services.search(query=f"{drug} {intent}", system="icd10cm", limit=6)["results"]:
                text_ = (hit.get("matched_text") or "").lower()
                code = selectors.normalize(hit["code"])
                if not hit["match"].startswith("drug") or not text_.startswith(drug) or not "T36" <= code[:3] <= "T65":
                    continue
                base = code[:6].ljust(6, "X")
                full = base + {"initial": "A", "subsequent": "D", "sequela": "S"}[self.ctx.encounter]
                if full in seen or self.ix.find(full) is None:
                    break
                seen.add(full)
                dotted = f"{full[:3]}.{full[3:]}"
                m = re.search(re.escape(word), self.note, re.I)
                section = "I.C.19.e.5.a" if intent == "adverse effect" else "I.C.19.e.5.b"
                self.add(
                    dotted,
                    f"Guideline {section}: {intent} ({hit['matched_text']} -> {dotted})",
                    start=m.start() if m else 0,
                    end=m.end() if m else None,
                    score=0.3,
                )
                if section == "I.C.19.e.5.b":
                    self.first.setdefault(dotted, section)
                break

    def gestational_diabetes(self) -> None:
        """I.C.15.g: gestational diabetes is O24.4-, by its control (insulin over oral drugs over diet); not a
        type 2 diabetes code, and Z79.4 is not added to O24.4-."""
        m = re.search(r"\bgestational diabetes\b|\bGDM\b", self.note, re.I)
        if m is None:
            return
        control = (
            "insulin controlled"
            if re.search(r"\binsulin\b", self.note, re.I)
            else "controlled by oral hypoglycemic drugs"
            if re.search(r"\b(?:metformin|glyburide|oral)\b", self.note, re.I)
            else "diet controlled"
            if re.search(r"\bdiet\b", self.note, re.I)
            else "unspecified control"
        )
        code = self.find(f"gestational diabetes mellitus in pregnancy {control}", ("O24.4",))
        if code is None:
            return
        for old in self.has("E08", "E09", "E10", "E11", "E13", "Z79.4", "O24.9"):
            self.drop(old, f"Guideline I.C.15.g: gestational diabetes ({code})")
        self.add(
            code,
            f"Guideline I.C.15.g: gestational diabetes, {control} ({code})",
            start=m.start(),
            end=m.end(),
            score=self._top_score() + 0.03,
        )
        self.first.setdefault(code, "I.C.15.g")

    def _top_score(self) -> float:
        return max((c.score for c in self.suggested()), default=0.0)

    def run(self) -> dict[str, str]:
        self.uncertain_inpatient()
        self.screening()
        self.immunization_clause()
        self.encounters()
        self.neoplasm_history()
        self.seventh_characters()
        self.newborn()
        self.gestational_diabetes()
        self.pregnancy()
        self.delivery()
        self.poisoning()
        self.metastases()
        self.tobacco()
        self.bmi()
        self.infections()
        self.sepsis()
        self.with_convention()
        self.tabular_pairs()
        self.long_term_drugs()
        self.integral_signs()
        self.status_codes()
        return self.first


def apply(
    *,
    note: str,
    parts: list[Clause],
    found: dict[tuple[str, str], Candidate],
    excluded: dict[tuple[str, str], Candidate],
    ix: index.ReleaseIndex,
    as_of: Any,
) -> dict[str, str]:
    """Apply the coder's rules to the candidates (in place); returns the codes a guideline sequences first."""
    return Coder(note=note, parts=parts, found=found, excluded=excluded, ix=ix, as_of=as_of).run()


def sequence(suggested: list[Candidate], first: dict[str, str], *, as_of: Any) -> list[Candidate]:
    """The suggested codes in reporting order: a code a guideline puts first; a "code first" partner before the
    code whose note asks for it, a "use additional code" partner after its code; then by rank."""
    order = {id(c): k for k, c in enumerate(suggested)}
    codes = {c.code: c for c in suggested if c.system == "icd10cm"}
    before: dict[str, set[str]] = {code: set() for code in codes}  # code -> codes that must come before it
    for code in codes:
        detail = _detail(code, as_of)
        for note in detail.notes if detail else []:
            if note.kind not in ("code_first", "use_additional"):
                continue
            refs = notes.note_references(note.text)
            for other in codes:
                if other != code and any(notes.reference_covers(r, other) for r in refs):
                    if note.kind == "code_first":
                        before[code].add(other)
                    else:
                        before[other].add(code)
    out: list[Candidate] = []
    placed: set[str] = set()
    pending = sorted(suggested, key=lambda c: (c.code not in first, order[id(c)]))
    while pending:
        for k, cand in enumerate(pending):
            need = before.get(cand.code, set()) - placed
            if not (need & {c.code for c in pending}):
                out.append(pending.pop(k))
                placed.add(cand.code)
                break
        else:  # a cycle: rank decides
            cand = pending.pop(0)
            out.append(cand)
            placed.add(cand.code)
    return out
