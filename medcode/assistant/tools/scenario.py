"""Code questions as coders ask them: the case-to-code engine on the question's scenario, the encounter it states
read into the 7th character, and the meaning of a 7th character asked for without a code."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from medcode.assistant.answer import Citation, Fact, ToolResult
from medcode.assistant.text import content_words, match_score
from medcode.assistant.tools import search
from medcode.assistant.tools.codebook import ref
from medcode.codebook import notes, selectors
from medcode.codebook.codes import code_normalize
from medcode.core.errors import ApplicationError
from medcode.search import casecode
from medcode.search import synonyms as search_synonyms

MAX_CODES = 8
MIN_SEARCH_COVER = 0.6  # share of the scenario's words a searched code's text must state to be shown
INPATIENT = re.compile(r"\b(?:inpatient|admitted|admission|discharge summary|discharged|hospitali[sz]ed)\b", re.I)
MAX_CHECKS = 4
SENTENCE = re.compile(r"[^.?!]+(?:[.?!]+|$)")
# the words of a question that ask for a code, up to where the scenario starts ("What ICD-10-CM codes do I
# report for ...", "Which code reports ...", "What code is used for ...", "Give the full code ... for ...")
ASKS = re.compile(
    r"\b(?:codes?|diagnos[ie]s|principal|first[- ]listed|sequenced|7th character|seventh character)\b", re.IGNORECASE
)
ASK_LEAD = re.compile(
    r"^.*?\b(?:codes?|diagnos[ie]s)\b(?:\W+\w+){0,6}?\W+(?:for|reports?|describes?|identif(?:y|ies))\s+(?=\S)",
    re.IGNORECASE,
)
QUESTION_START = re.compile(r"^\s*(?:what|which|how|give|code|list|name|is|are|can|should)\b", re.IGNORECASE)

# The encounter a question states (ICD-10-CM Official Guidelines I.C.19.a: 7th characters A, D and S; care for
# the injury's healing or recovery is a subsequent encounter, active treatment an initial one).
INITIAL = re.compile(r"\b(?:initial(?:ly)? (?:encounter|visit|evaluation|treatment)|active treatment|initial)\b", re.I)
SUBSEQUENT = re.compile(
    r"\b(?:subsequent|follow[- ]?up|routine healing|healing phase|recovery phase|aftercare|cast (?:change|removal)|"
    r"removal of (?:the )?(?:cast|sutures|external fixat\w*|internal fixat\w*|fixation)|check(?:ing)? (?:the )?healing|"
    r"medication adjustment)\b",
    re.I,
)
SEQUELA = re.compile(r"\b(?:sequelae?|late effects?|residual)\b", re.I)
HEALING = (
    ("delayed healing", re.compile(r"\bdelayed (?:healing|union)\b", re.I)),
    ("nonunion", re.compile(r"\bnon-?union\b", re.I)),
    ("malunion", re.compile(r"\bmal-?union\b", re.I)),
)
OPEN = re.compile(r"\bopen fracture|\bfracture[^.;]{0,40}\bopen\b|\bcompound\b", re.I)
OPEN_SEVERE = re.compile(r"\b(?:type )?III\s?[ABC]?\b|\btype 3", re.I)


@dataclass(frozen=True)
class Encounter:
    """What a question says of the encounter: initial, subsequent or sequela, and of a fracture's healing."""

    kind: str  # "initial", "subsequent", "sequela"
    healing: str = "routine healing"
    open: bool = False
    open_severe: bool = False
    said: str = ""


def encounter_read(text: str) -> Encounter | None:
    """The encounter stated in a question, or None. Active treatment is an initial encounter even when the
    provider is a new one; healing care (cast removal, follow-up) is subsequent (Guidelines I.C.19.a)."""
    healing = next((name for name, pattern in HEALING if pattern.search(text)), None)
    open_fracture = OPEN.search(text) is not None
    severe = open_fracture and OPEN_SEVERE.search(text) is not None
    for kind, pattern in (("sequela", SEQUELA), ("subsequent", SUBSEQUENT), ("initial", INITIAL)):
        match = pattern.search(text)
        if match and not (kind == "subsequent" and INITIAL.search(text) and "active treatment" in text.lower()):
            return Encounter(kind, healing or "routine healing", open_fracture, severe, match.group(0))
    if healing:
        return Encounter("subsequent", healing, open_fracture, severe, healing)
    return None


def seventh_fit(meaning: str, encounter: Encounter) -> float:
    """How well a 7th character's meaning fits the encounter (negative: it does not)."""
    low = meaning.lower()
    if encounter.kind not in low:
        return -1.0
    score = 1.0
    if "fracture" in low:
        if encounter.open != ("open" in low):
            return -1.0
        if encounter.open:
            score += 0.5 if ("iiia" in low or "type iii" in low) == encounter.open_severe else 0.0
        if encounter.kind == "subsequent":
            score += 1.0 if encounter.healing in low else -0.5
    return score


def seventh_pick(chars: list[tuple[str, str]], encounter: Encounter) -> tuple[str, str] | None:
    """The 7th character of a list whose meaning fits the encounter (the fracture's type and healing included)."""
    ranked = sorted(chars, key=lambda item: -seventh_fit(item[1], encounter))
    if ranked and seventh_fit(ranked[0][1], encounter) > 0:
        return ranked[0]
    return None


def _concept(code: str, as_of: dt.date | None) -> selectors.ConceptRow | None:
    try:
        return selectors.concept_get(system="icd10cm", code=code, as_of=as_of)
    except ApplicationError:
        return None


def code_complete(code: str, encounter: Encounter | None, as_of: dt.date | None) -> tuple[str, str | None]:
    """The code with the 7th character of the stated encounter (placeholders added), and that character's meaning.

    A code that takes no 7th character, or a question that states no encounter, leaves the code as it is."""
    if encounter is None:
        return code, None
    concept = _concept(code, as_of)
    if concept is None:
        return code, None
    ancestors = selectors.concept_ancestors(concept=concept)
    chars, _ = selectors.seventh_characters(concept=concept, ancestors=ancestors)
    if not chars:
        return code, None
    picked = seventh_pick(chars, encounter)
    if picked is None:
        return code, None
    norm = code_normalize(code)
    stem = norm[:6] if len(norm) >= 7 else norm.ljust(6, "X")
    full = stem + picked[0]
    complete = _concept(f"{full[:3]}.{full[3:]}", as_of)
    if complete is None or not complete.billable:
        return code, None
    return complete.code, picked[1]


SIDE = re.compile(r"\b(left|right)(?![- ]handed)\b", re.IGNORECASE)
HANDED = re.compile(r"\b(?:(left|right)[- ]handed|(ambidextrous))\b", re.IGNORECASE)
NONDOMINANT = re.compile(r"\bnon-?dominant\b", re.IGNORECASE)


def _words(title: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", title.lower()))


def side_refine(code: str, question: str, as_of: dt.date | None) -> str:
    """The code of the side the question states, when case-to-code gave the unspecified side: a sibling whose
    title names that side (and, for hemiplegia and the like, the dominant or non-dominant side: the side of the
    hand the patient favours is dominant; with the hand not stated, the right side is dominant and the left
    non-dominant, ICD-10-CM Official Guidelines I.C.6.a)."""
    sides = {m.group(1).lower() for m in SIDE.finditer(question)}
    if len(sides) != 1:
        return code
    side = sides.pop()
    concept = _concept(code, as_of)
    if concept is None or "unspecified" not in concept.title.lower() or side in concept.title.lower():
        return code
    norm = code_normalize(code)
    seventh = ""
    target = concept
    if len(norm) == 7 and concept.parent:
        parent = _concept(concept.parent, as_of)
        if parent is not None and not parent.billable and code_normalize(parent.code) == norm[:6].rstrip("X"):
            target, seventh = parent, norm[6]
    if not target.parent:
        return code
    parent = _concept(target.parent, as_of)
    if parent is None:
        return code
    hand = HANDED.search(question)
    dominant = (hand.group(2) is not None or hand.group(1).lower() == side) if hand else side == "right"
    own = _words(target.title) - {"unspecified"}
    best: tuple[float, selectors.ConceptRow] | None = None
    for sibling in selectors.concept_children(concept=parent):
        title = sibling.title.lower()
        if sibling.code == target.code or side not in _words(title) or "unspecified side" in title:
            continue
        if "dominant" in title and (NONDOMINANT.search(title) is not None) == dominant:
            continue
        words = _words(title)
        score = len(words & own) - 0.5 * len(words - own - {side, "side", "dominant", "non", "nondominant"})
        if best is None or score > best[0]:
            best = (score, sibling)
    if best is None:
        return code
    refined = best[1]
    if seventh:
        full = code_normalize(refined.code).ljust(6, "X") + seventh
        completed = _concept(f"{full[:3]}.{full[3:]}", as_of)
        return completed.code if completed is not None else code
    return refined.code


STAGE_STATED = re.compile(r"\bstage\s+([0-9]{1,2})[a-z]?\b", re.IGNORECASE)
STAGE_RANGE = re.compile(r"\bstages?\s+([0-9]{1,2})\s+(?:through|to|-)\s+(?:stage\s+)?([0-9]{1,2})\b", re.IGNORECASE)


def _stages(title: str) -> set[int]:
    found = {int(m.group(1)) for m in STAGE_STATED.finditer(title)}
    for m in STAGE_RANGE.finditer(title):
        found |= set(range(int(m.group(1)), int(m.group(2)) + 1))
    return found


def stage_refine(code: str, question: str, as_of: dt.date | None) -> str:
    """The sibling code whose title's stages hold the stage the question states, when the code's title names other
    stages only ("stage 3b" with hypertension: "with stage 1 through stage 4 ...", not "with stage 5 ...")."""
    stated = {int(m.group(1)) for m in STAGE_STATED.finditer(question)}
    if len(stated) != 1:
        return code
    stage = stated.pop()
    concept = _concept(code, as_of)
    if concept is None or not concept.parent:
        return code
    own = _stages(concept.title)
    if not own or stage in own:
        return code
    parent = _concept(concept.parent, as_of)
    if parent is None:
        return code
    for sibling in selectors.concept_children(concept=parent):
        if sibling.billable and stage in _stages(sibling.title):
            return sibling.code
    return code


ALTERNATIVES = re.compile(r",?\s+or\s+|;\s*")


def _alternative_stated(title: str, words: set[str]) -> bool:
    """Whether the question states in full one alternative of what a title adds after "with" ("with stage 5
    chronic kidney disease or end stage renal disease": "end stage renal disease")."""
    _, with_, rest = title.partition(" with ")
    if not with_:
        return False
    for alternative in ALTERNATIVES.split(rest):
        wanted = [w for w in content_words(alternative) if w != "unspecified"]
        if len(wanted) >= 2 and "unspecified" not in alternative.lower() and all(w in words for w in wanted):
            return True
    return False


def alternative_refine(code: str, question: str, as_of: dt.date | None) -> str:
    """The sibling that names what the question states, when case-to-code gave one that leaves it unspecified:
    "hypertension with ESRD" is "... with stage 5 chronic kidney disease or end stage renal disease", not "...
    with stage 1 through stage 4 chronic kidney disease, or unspecified chronic kidney disease"."""
    concept = _concept(code, as_of)
    if concept is None or not concept.parent or "unspecified" not in concept.title.lower():
        return code
    words = expanded_words(question)
    if _alternative_stated(concept.title, words):
        return code
    parent = _concept(concept.parent, as_of)
    if parent is None:
        return code
    stated = [
        c
        for c in selectors.concept_children(concept=parent)
        if c.billable and c.code != concept.code and _alternative_stated(c.title, words)
    ]
    return stated[0].code if len(stated) == 1 else code


def expanded_words(text: str) -> set[str]:
    """Content words of a text with its abbreviations spelled out (CKD: chronic kidney disease, ESRD: ...)."""
    found = set(content_words(text))
    for _, groups in search_synonyms.expand(re.findall(r"[a-z0-9/]+", text.lower())):
        for group in groups or ():
            found |= set(content_words(" ".join(group)))
    return found


def _stated(title: str, words: set[str]) -> bool:
    wanted = content_words(title)
    return bool(wanted) and all(w in words for w in wanted)


def partners_add(
    chosen: list[tuple[str, str, str | None]], others: list[str], question: str, as_of: dt.date | None
) -> list[tuple[str, str, str | None]]:
    """The set with the codes its "code first" and "use additional code" notes name, where the question states
    them: a code the note names that case-to-code found but did not suggest, or whose title the question says
    in full ("hypertension with ESRD ... on hemodialysis": I12.0, then N18.6 and Z99.2). Code first comes before
    the code with the note; use additional code after it."""
    words = expanded_words(question)
    out = list(chosen)
    i = 0
    moves = 0
    while i < len(out) and len(out) < MAX_CODES:
        system, code, _ = out[i]
        concept = _concept(code, as_of) if system == "icd10cm" else None
        i += 1
        if concept is None:
            continue
        ancestors = selectors.concept_ancestors(concept=concept)
        for note in selectors.concept_notes(concept=concept, ancestors=ancestors):
            if note.kind not in {"use_additional", "code_first"} or note.code.isdigit():
                continue
            # a code the note names as such (not a category or range it opens) that case-to-code found
            exact = {code_normalize(r) for r in notes.note_references(note.text) if "-" not in r}
            found = [o for o in others if code_normalize(o) in exact]
            references = notes.note_references(note.text)
            found += [c for _, c, _ in out if any(notes.reference_covers(r, c) for r in references)]
            for named in note.codes:
                partner = _concept(named, as_of)
                if partner is not None and partner.billable and _stated(partner.title, words):
                    found.append(partner.code)
            for partner_code in found:
                at = next(
                    (k for k, (_, c, _) in enumerate(out) if code_normalize(c) == code_normalize(partner_code)),
                    None,
                )
                if at is not None:
                    # already in the set: a "use additional code" partner listed before its code moves after it,
                    # a "code first" partner listed after its code moves before it
                    if moves >= MAX_CODES or at == i - 1:
                        continue
                    if note.kind == "use_additional" and at < i - 1:
                        out.insert(i - 1, out.pop(at))
                        i -= 1
                        moves += 1
                    elif note.kind == "code_first" and at > i - 1:
                        out.insert(i - 1, out.pop(at))
                        i += 1
                        moves += 1
                    continue
                entry = ("icd10cm", partner_code, None)
                if note.kind == "code_first":
                    out.insert(i - 1, entry)
                    i += 1
                else:
                    out.insert(i, entry)
    return out


def description_of(question: str) -> str:
    """The scenario in a code question: the question's own words ("Which code?") taken out."""
    kept: list[str] = []
    for match in SENTENCE.finditer(question):
        sentence = match.group(0).strip()
        if not sentence:
            continue
        asks = QUESTION_START.search(sentence) is not None and ASKS.search(sentence) is not None
        if not asks:
            kept.append(sentence)
            continue
        lead = ASK_LEAD.match(sentence)
        if lead:
            rest = sentence[lead.end() :].rstrip("?").strip()
            if rest:
                kept.append(rest)
    return " ".join(kept).strip() or question


def scenario_codes(*, question: str, as_of: dt.date | None = None) -> ToolResult:
    """The codes a scenario question asks for, in reporting order, from case-to-code; the encounter the question
    states completes the 7th character; the checks (Excludes1, code first, use additional code) on the set."""
    result = ToolResult(tool="case_to_code")
    note = description_of(question)
    try:
        found = casecode.case_to_code(note=note, date=as_of.isoformat() if as_of else None, use_semantic=False)
    except ApplicationError as exc:
        result.found = False
        result.direct = exc.message
        return result
    encounter = encounter_read(question)
    stated = [item for item in found["codes"] if item.get("suggested")]
    uncertain = [item for item in found["codes"] if not item.get("suggested") and _uncertain(item)]
    inpatient = INPATIENT.search(question) is not None
    if not stated and uncertain and inpatient:
        # an inpatient record codes an uncertain diagnosis as if it were established (Guidelines II.H, III.C)
        stated = uncertain[:1]
    elif not stated and uncertain:
        return _uncertain_answer(uncertain[0], as_of)
    chosen: list[tuple[str, str, str | None]] = []  # system, code, 7th character meaning
    for item in stated:
        code, meaning = item["code"], None
        if item["system"] == "icd10cm":
            code = stage_refine(side_refine(code, question, as_of), question, as_of)
            code = alternative_refine(code, question, as_of)
            code, meaning = code_complete(code, encounter, as_of)
        if all(code != c for _, c, _ in chosen):
            chosen.append((item["system"], code, meaning))
        if len(chosen) >= MAX_CODES:
            break
    others = [item["code"] for item in found["codes"] if not item.get("suggested") and item["system"] == "icd10cm"]
    chosen = partners_add(chosen, others, question, as_of)
    for system, code, meaning in chosen:
        try:
            concept = selectors.concept_get(system=system, code=code, as_of=as_of)
        except ApplicationError:
            continue
        state = "" if concept.billable else " (not billable as it stands: it needs more characters)"
        text = f"{concept.code} ({concept.release.label}): {concept.title}{state}."
        if meaning:
            text += f" 7th character {concept.code[-1]}: {meaning}, as the question states ({encounter.said if encounter else ''})."
        result.facts.append(Fact(text, Citation.of_release(concept.release), (ref(concept),)))
        result.codes.append(ref(concept))
    if not result.codes:
        result.found = False
        return result
    checks = casecode.validate_set(codes=[(c.system, c.code) for c in result.codes], as_of=as_of)
    cite = result.facts[0].citation
    for check in checks[:MAX_CHECKS]:
        result.facts.append(Fact(f"Check: {check['message']}.", cite))
    listed = ", ".join(c.code for c in result.codes)
    if len(result.codes) == 1:
        title = result.facts[0].text.split(": ", 1)[1]
        result.direct = f"Report {result.codes[0].code}: {title}"
    else:
        result.direct = f"Report {listed}, in this order (the first is the first-listed code)."
    result.direct += " From case-to-code on the question's words: confirm against the record and the notes."
    return result


def _uncertain(item: dict[str, Any]) -> bool:
    evidence = item.get("evidence") or []
    return any(isinstance(e, dict) and e.get("status") == "uncertain" for e in evidence)


def _uncertain_answer(item: dict[str, Any], as_of: dt.date | None) -> ToolResult:
    """A condition the question states only as uncertain, outside an inpatient record: not coded as such."""
    result = ToolResult(tool="case_to_code")
    title = str(item.get("title") or "")
    result.direct = (
        f"Do not code the condition itself ({title or 'as named'}): the question states it only as uncertain"
        " (rule out, probable, suspected). Outside an inpatient record an uncertain diagnosis is not coded;"
        " code the documented signs, symptoms or findings, or the reason for the visit, instead (ICD-10-CM"
        " Official Guidelines IV.H). An inpatient record would code it as if established (II.H)."
    )
    try:
        release = selectors.release_for(system="icd10cm", as_of=as_of)
        result.facts.append(
            Fact(
                "Case-to-code found the condition only with an uncertainty word, so it is a code to review, not"
                " one to report.",
                Citation.of_release(release),
            )
        )
    except ApplicationError:
        pass
    return result


def _said(word: str, said: set[str]) -> bool:
    """Whether a word is in a text's words, or shares its start with one of them ("exam", "examination")."""
    if word in said:
        return True
    return len(word) >= 4 and any(len(s) >= 4 and (s.startswith(word) or word.startswith(s)) for s in said)


def search_fallback(*, question: str, as_of: dt.date | None = None) -> ToolResult:
    """The search engine's best code for the scenario's words, only when its text states most of them; otherwise
    nothing (an answer that matches one word of the question is off the topic)."""
    description = description_of(question)
    found = search.code_search(question=description, system="icd10cm", as_of=as_of)
    if not found.found or not found.facts:
        return ToolResult(tool="code_search", found=False)
    wanted = content_words(description)
    said = set(content_words(found.facts[0].text))
    if not wanted or sum(1 for w in wanted if _said(w, said)) / len(wanted) < MIN_SEARCH_COVER:
        return ToolResult(tool="code_search", found=False)
    # the best match is the answer; the others stay as facts to compare, not as codes the answer reports
    found.codes = found.codes[:1]
    return found


def seventh_meaning(*, question: str, as_of: dt.date | None = None) -> ToolResult:
    """The 7th character whose official meaning fits a described encounter, over every 7th-character list of the
    release (a question that names no code: "which 7th character means subsequent encounter for ... nonunion?")."""
    result = ToolResult(tool="seventh_character")
    try:
        release = selectors.release_for(system="icd10cm", as_of=as_of)
    except ApplicationError:
        result.found = False
        return result
    meanings = selectors.seventh_character_meanings(release=release)
    if not meanings:
        result.found = False
        return result
    encounter = encounter_read(question)
    wanted = content_words(question)
    fracture = re.search(r"\bfracture", question, re.I) is not None

    def score(item: selectors.SeventhMeaning) -> tuple[float, int]:
        value = match_score(wanted, item.meaning)
        if encounter is not None:
            value += 3.0 * seventh_fit(item.meaning, encounter)
        if fracture != ("fracture" in item.meaning.lower()):
            value -= 2.0
        return value, item.categories

    best = max(meanings, key=score)
    if score(best)[0] <= 0:
        result.found = False
        return result
    cite = Citation.of_release(release)
    result.direct = (
        f"7th character {best.char}: {best.meaning} (as defined at {best.example} and {best.categories - 1} other"
        " categories)."
    )
    why = f" The question states {encounter.said!r}: a {encounter.kind} encounter." if encounter else ""
    result.direct += why
    same = [m for m in meanings if m.char == best.char and m.meaning != best.meaning][:2]
    result.facts.append(Fact(f"{best.example}: 7th character {best.char} = {best.meaning}.", cite))
    for other in same:
        result.facts.append(Fact(f"{other.example}: 7th character {other.char} = {other.meaning}.", cite))
    return result
