"""Intent routing: which kind of question this is, and which codes, modifiers and settings it names."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from medcode.codebook import codes, selectors
from medcode.core.errors import ReleaseNotFound

TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.]*[A-Za-z0-9]|[A-Za-z0-9]")
MODIFIER_NAMED = (
    re.compile(r"\bmodifiers?\s*[-:#]?\s*([A-Za-z0-9]{2})\b", re.IGNORECASE),
    re.compile(r"\b([A-Z0-9]{2})\s+modifier\b"),
    re.compile(r"\bmodifiers?\s+[A-Za-z0-9]{2}\s*(?:,|and|or|vs\.?|versus)\s*([A-Za-z0-9]{2})\b", re.IGNORECASE),
)
POS_NAMED = re.compile(r"\b(?:place of service|pos)(?:\s+code)?\s*[-:#]?\s*([0-9]{1,2})\b", re.IGNORECASE)

SYSTEM_WORDS = {
    "icd10cm": re.compile(r"\b(icd[- ]?10[- ]?cm|icd[- ]?10|icd|diagnos[ie]s|dx)\b", re.IGNORECASE),
    "icd10pcs": re.compile(r"\b(icd[- ]?10[- ]?pcs|pcs|inpatient procedure)\b", re.IGNORECASE),
    "hcpcs": re.compile(r"\b(hcpcs|level ii)\b", re.IGNORECASE),
    "cpt": re.compile(r"\bcpt\b", re.IGNORECASE),
}

SEVENTH = re.compile(r"\b(7th|seventh)\s+character", re.IGNORECASE)
BILLABLE = re.compile(
    r"\b(billable|reportable|valid (?:for|on) (?:a )?claim|reported on a claim|bill(?:ed)? (?:it|this|that) alone|"
    r"header code|complete code|can i (?:use|bill|code|report) \S+ (?:alone|by itself|as is)|as is\b|"
    r"valid (?:for billing|to bill|code)|specific enough|on a claim|(?:be|is it) (?:billed|reported)\b)",
    re.IGNORECASE,
)
TOGETHER = re.compile(
    r"\b(together|with|and|same (?:day|date|encounter|claim|session)|bundle[ds]?|bundling|ptp|ncci|pair|"
    r"added to|add(?:ed)? (?:it|them)?\s*(?:to|with)|in addition to|along with|alongside)\b",
    re.IGNORECASE,
)
MUE = re.compile(
    r"\b(mues?|medically unlikely|max(?:imum)? (?:number of )?units|units of service|how many units|"
    r"units (?:per|a|each) (?:day|date)|unit limit)\b",
    re.IGNORECASE,
)
PFS = re.compile(
    r"\b(global (?:period|days|surgery)|glob days|rvus?|relative value|fee schedule|pfs|payment amount|"
    r"fee for|how much does medicare pay|bilateral|assistant(?:[- ]at)? surg|co-?surgeon|team surgeon|"
    r"multiple procedure|pc/tc|status indicator|conversion factor|allowed amount)\b",
    re.IGNORECASE,
)
CROSSWALK = re.compile(r"\b(icd[- ]?9|gems?|crosswalk|map(?:s|ping)? to)\b", re.IGNORECASE)
HCC = re.compile(r"\b(hcc|risk adjust\w*|hierarchical condition)\b", re.IGNORECASE)
DRG = re.compile(r"\b(ms-?drg|drg|cc/mcc|mcc|\bcc\b|complication or comorbidity)\b", re.IGNORECASE)
OUTPATIENT_HOSPITAL = re.compile(r"\b(outpatient hospital|hospital outpatient|opps|facility|hospital)\b", re.IGNORECASE)
WHICH_CODE = re.compile(
    r"\b(what(?:'s| is) the (?:icd[- ]?10(?:[- ]?cm)?|diagnosis|hcpcs|cpt|pcs)? ?code for|which code|code for|"
    r"how (?:do i|to|should i|would i|do you|should we|do we) code|"
    r"(?:what|which) is the (?:correct|right|appropriate|proper|best) (?:icd[- ]?10(?:[- ]?cm)? |diagnosis )?code|icd[- ]?10(?:[- ]?cm)? (?:code )?for|diagnosis code for|hcpcs (?:code )?for|what code|"
    r"(?:which|what) (?:icd[- ]?10(?:[- ]?(?:cm|pcs))?|hcpcs(?: level ii)?|cpt|diagnosis|dx) codes?|"
    r"(?:which|what) (?:two |three |four |[2-4] )?codes|full code|principal diagnosis|first[- ]listed (?:code|diagnosis)|sequenced first)\b",
    re.IGNORECASE,
)
# lettered options after the question: "... A. K40.90  B. K40.91  C. ..." (at least three, in order)
OPTION = re.compile(r"(?:^|\s)\(?(?:([A-F])[.):]|([a-f])\))\s+")
MIN_OPTIONS = 3
# "What are the NCCI edits for 20553?": the edits of one code, not of a pair
EDITS_OF = re.compile(r"\b(ncci|ptp|procedure[- ]to[- ]procedure|edits?|bundl\w*)\b", re.IGNORECASE)
# "acute appendicitis icd-10 code?": words, then the code set asked for
WHICH_CODE_TAIL = re.compile(r"\b(?:icd[- ]?10(?:[- ]?(?:cm|pcs))?|hcpcs|cpt|dx)(?: codes?)?\s*\??\s*$", re.IGNORECASE)
WHICH_MODIFIER = re.compile(
    r"\b(which|what)\b.*\bmodifiers?\b|\bmodifiers?\b.*\b(for|when|marks|identif|used)\b", re.IGNORECASE
)
# "what does an NCCI modifier indicator of 1 mean?" asks about a rule, not for a modifier
ABOUT_RULES = re.compile(r"\b(indicators?|ncci|ptp|polic(?:y|ies)|guidelines?)\b", re.IGNORECASE)
WHICH_POS = re.compile(r"\b(which|what)\b.*\b(place of service|pos)\b.*\b(for|when|is used)\b", re.IGNORECASE)
# sequencing and reporting-rule questions, answered from the official guidance documents even when they name a
# code or ask which code (a question about "the guidelines" or a policy in general is a concept question, which
# quotes the official documents first too)
GUIDANCE = re.compile(
    r"\b(sequenc\w*|first[- ]listed|principal diagnosis|is principal|primary diagnosis|default|"
    r"instead of|in addition to|coding convention|in (?:what |which )?order|"
    r"which (?:is|comes|goes) first|(?:listed|sequenced|reported|coded) first)\b",
    re.IGNORECASE,
)
# "Can I code ...?", "Should U07.1 be assigned ...?": a yes/no question about a coding action
CODING_YES_NO = re.compile(
    r"(?:^|[.:;]\s+)(?:can|could|should|may|must|is it|do|does|would)\b[^?]*"
    r"\b(?:code|coded|coding|assign|assigned|report|reported|use|used|list|listed|sequence|sequenced)\b[^?]*\?",
    re.IGNORECASE,
)
DEFINE = re.compile(r"\b(what|define|describe|meaning|mean|explain|tell me about|look ?up)\b", re.IGNORECASE)
CASE_NOTE = re.compile(
    r"\b(patient|pt|presents?|history of|diagnosed|complain\w*|year[- ]old|y/?o|admitted|s/p)\b", re.IGNORECASE
)

ICD9 = re.compile(
    r"(?<![\w.])(V[0-9]{2}(?:\.[0-9]{1,2})?|E[0-9]{3}(?:\.[0-9])?|[0-9]{3}(?:\.[0-9]{1,2})?)(?![\w]|\.[0-9])"
)
ICD9_WORDS = re.compile(r"\bicd[- ]?9(?:[- ]?cm)?\b", re.IGNORECASE)
# a PFS locality (MAC-locality 01112-05, or "locality 05") is not a code
LOCALITY_NAMED = re.compile(r"\b[0-9]{5}-[0-9]{2}\b|\blocality\s+[A-Za-z0-9-]+", re.IGNORECASE)
DATE = re.compile(r"\b(20[0-9]{2}-[01][0-9]-[0-3][0-9])\b")


@dataclass(frozen=True)
class Mention:
    """A code named in the question, resolved to the systems where it exists."""

    typed: str
    system: str
    code: str


@dataclass
class Intent:
    """What the question asks and what it names."""

    kind: str
    question: str
    codes: list[Mention] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)
    pos: list[str] = field(default_factory=list)
    setting: str = "practitioner"
    as_of: dt.date | None = None
    system_hint: str | None = None
    icd9: list[str] = field(default_factory=list)


def _system_hint(question: str) -> str | None:
    for system, pattern in (
        ("icd10pcs", SYSTEM_WORDS["icd10pcs"]),
        ("hcpcs", SYSTEM_WORDS["hcpcs"]),
        ("cpt", SYSTEM_WORDS["cpt"]),
        ("icd10cm", SYSTEM_WORDS["icd10cm"]),
    ):
        if pattern.search(question):
            return system
    return None


def _shapes(token: str) -> list[str]:
    upper = token.upper()
    systems = []
    if codes.ICD10CM_CODE.match(upper) and any(ch.isdigit() for ch in upper[1:3]):
        systems.append("icd10cm")
    if codes.HCPCS_CODE.match(upper):
        systems.append("hcpcs")
    if codes.CPT_CODE.match(upper):
        systems.append("cpt")
    if (
        codes.PCS_CODE.match(upper)
        and sum(ch.isdigit() for ch in upper) >= 1
        and sum(ch.isalpha() for ch in upper) >= 2
    ):
        systems.append("icd10pcs")
    return systems


def code_mentions(question: str, *, as_of: dt.date | None, hint: str | None) -> tuple[list[Mention], list[str]]:
    """Codes typed in the question that exist in a loaded release, and code-shaped tokens that exist nowhere."""
    found: list[Mention] = []
    unknown: list[str] = []
    for match in TOKEN.finditer(question):
        token = match.group(0).rstrip(".")
        if re.fullmatch(r"(?i)(fy|cy|icd|q[1-4])?[0-9]{4}", token) or token.isalpha():
            continue
        shapes = _shapes(token)
        if not shapes:
            continue
        hits = []
        for system in shapes:
            try:
                release = selectors.release_for(system=system, as_of=as_of)
            except ReleaseNotFound:
                continue
            concept = selectors.concept_find(system=system, code=token, release=release)
            if concept is not None:
                hits.append(Mention(token, system, concept.code))
        if hint and any(h.system == hint for h in hits):
            hits = [h for h in hits if h.system == hint]
        if hits:
            # a token that is a code in two systems (E1010: ICD-10-CM E10.10 and HCPCS E1010) and no word
            # saying which: both are answered, each named with its system
            for hit in hits:
                if all((hit.system, hit.code) != (m.system, m.code) for m in found):
                    found.append(hit)
        elif token[0].isupper() or any(ch.isdigit() for ch in token[:3]):
            unknown.append(token)
    return found, unknown


def _modifiers(question: str) -> list[str]:
    named: list[tuple[int, str]] = []
    for pattern in MODIFIER_NAMED:
        for match in pattern.finditer(question):
            value = match.group(1)
            if value.isupper() or any(ch.isdigit() for ch in value):
                named.append((match.start(1), value.upper()))
    return list(dict.fromkeys(value for _, value in sorted(named)))


def options_split(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """The question's stem and its options, when it ends with at least three options lettered A, B, C ... in order."""
    marks = list(OPTION.finditer(text))
    for start in range(len(marks)):
        run = marks[start:]
        letters = [(m.group(1) or m.group(2)).upper() for m in run]
        if len(letters) < MIN_OPTIONS or letters != [chr(ord("A") + i) for i in range(len(letters))]:
            continue
        stem = text[: run[0].start()].strip()
        options = []
        for i, mark in enumerate(run):
            end = run[i + 1].start() if i + 1 < len(run) else len(text)
            options.append(((mark.group(1) or mark.group(2)).upper(), text[mark.end() : end].strip().rstrip(",;")))
        if stem and all(body for _, body in options):
            return stem, options
    return None


def route(question: str) -> Intent:
    """Classify a question and pull out what it names. The order of the checks is the order of precedence."""
    text = " ".join(question.split())
    date = DATE.search(text)
    as_of = selectors.parse_date(date.group(1)) if date else None
    hint = _system_hint(text)
    intent = Intent(kind="unknown", question=text, as_of=as_of, system_hint=hint)
    intent.modifiers = _modifiers(text)
    intent.pos = [m.group(1).zfill(2) for m in POS_NAMED.finditer(text)]
    scrubbed = LOCALITY_NAMED.sub(" ", POS_NAMED.sub(" ", text))
    for pattern in MODIFIER_NAMED:
        scrubbed = pattern.sub(" ", scrubbed)
    intent.codes, intent.unknown = code_mentions(scrubbed, as_of=as_of, hint=hint)
    if ICD9_WORDS.search(text):
        intent.icd9 = [m.group(1) for m in ICD9.finditer(ICD9_WORDS.sub(" ", text))]
    if OUTPATIENT_HOSPITAL.search(text):
        intent.setting = "hospital"
    procedures = [m for m in intent.codes if m.system in {"cpt", "hcpcs"}]
    diagnoses = [m for m in intent.codes if m.system == "icd10cm"]
    words = len(text.split())

    if options_split(text) is not None:
        intent.kind = "choice"
    elif SEVENTH.search(text) and diagnoses:
        intent.kind = "seventh"
    elif SEVENTH.search(text) and not intent.codes:
        intent.kind = "seventh_meaning"
    elif len(text) > 240 and CASE_NOTE.search(text) and len(intent.codes) == 0:
        intent.kind = "case"
    elif MUE.search(text) and procedures:
        intent.kind = "mue"
    elif PFS.search(text) and procedures:
        intent.kind = "pfs"
    elif CROSSWALK.search(text) and (intent.codes or intent.unknown or intent.icd9):
        intent.kind = "crosswalk"
    elif HCC.search(text) and diagnoses:
        intent.kind = "hcc"
    elif DRG.search(text) and (diagnoses or any(m.system == "icd10pcs" for m in intent.codes)):
        intent.kind = "drg"
    elif len(procedures) >= 2 and TOGETHER.search(text):
        intent.kind = "ncci_pair"
    elif len(procedures) == 1 and not diagnoses and EDITS_OF.search(text) and not MUE.search(text):
        intent.kind = "ncci_list"
    elif len(diagnoses) >= 2 and TOGETHER.search(text):
        intent.kind = "icd_excludes"
    elif BILLABLE.search(text) and (intent.codes or intent.unknown):
        intent.kind = "billable"
    elif intent.modifiers:
        intent.kind = "modifier_define"
    elif intent.pos:
        intent.kind = "pos_define"
    elif WHICH_MODIFIER.search(text) and not intent.codes and not ABOUT_RULES.search(text):
        intent.kind = "modifier_find"
    elif WHICH_POS.search(text) and not intent.codes:
        intent.kind = "pos_find"
    elif (GUIDANCE.search(text) or CODING_YES_NO.search(text)) and not WHICH_MODIFIER.search(text):
        # a rule question; "which modifier marks ... per payer policy?" asks for a modifier instead
        intent.kind = "guidance"
    elif intent.codes or (intent.unknown and (words <= 8 or MUE.search(text) or PFS.search(text))):
        # a question about a code that is in no loaded release: say so (and offer close real codes)
        intent.kind = "define"
    elif WHICH_CODE.search(text) or WHICH_CODE_TAIL.search(text):
        # a diagnosis question is a scenario for case-to-code; a procedure or supply question is a search
        intent.kind = "search" if hint in {"hcpcs", "cpt", "icd10pcs"} else "scenario"
    elif len(text) > 240 and CASE_NOTE.search(text):
        intent.kind = "case"
    else:
        intent.kind = "concept"
    return intent
