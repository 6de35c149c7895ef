"""Tools over small reference code sets: HCPCS Level II modifiers and place of service codes."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import Counter
from functools import lru_cache

from medcode.assistant.answer import Citation, CodeRef, Fact, ToolResult
from medcode.assistant.text import content_words
from medcode.assistant.tools.codebook import code_define, ref
from medcode.codebook import selectors, store
from medcode.core.errors import ApplicationError, ReleaseNotFound
from medcode.rules import modifiers as rules_modifiers

MSG_NO_MODIFIERS = (
    "No HCPCS modifier release is loaded in this codebook. The modifiers come with the CMS Alpha-Numeric HCPCS"
    " file: an operator imports it with `medcode build --source hcpcs FILE`."
)
# CPT modifiers (two digits) are AMA content: the knowledge base explains the common ones in its own words.
CPT_MODIFIER_HINT = (
    "Two-digit modifiers (25, 59, 76...) are CPT modifiers, whose descriptors belong to the AMA; see the"
    " knowledge-base article on modifiers."
)


@lru_cache(maxsize=8)
def _catalogue(path: str, release_id: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    rows = selectors.concept_rows(release_id=release_id, order="seq")
    return tuple((r["code"], tuple(content_words(f"{r['title']} {r['short_title'] or ''}"))) for r in rows)


def rank(*, system: str, description: str, as_of: dt.date | None = None, limit: int = 3) -> list[selectors.ConceptRow]:
    """Concepts of a small code set ranked by how well their titles cover the description (IDF-weighted)."""
    release = selectors.release_for(system=system, as_of=as_of)
    catalogue = _catalogue(str(store.connected_path()), release.id)
    frequency = Counter(w for _, ws in catalogue for w in set(ws))
    total = len(catalogue)
    wanted = [w for w in content_words(description) if not w.isdigit()]
    scored = []
    for code, ws in catalogue:
        have = set(ws)
        hits = sum(math.log(1 + total / frequency[w]) for w in wanted if w in have)
        if hits <= 0:
            continue
        missing = sum(1 for w in ws[:8] if w not in wanted)
        scored.append((hits - 0.3 * missing, code))
    scored.sort(key=lambda item: -item[0])
    found = []
    for _, code in scored[:limit]:
        concept = selectors.concept_find(system=system, code=code, release=release)
        if concept is not None:
            found.append(concept)
    return found


def modifier_define(*, code: str, as_of: dt.date | None = None) -> ToolResult:
    """What a HCPCS Level II modifier means (official long and short descriptors)."""
    try:
        selectors.release_for(system="modifier", as_of=as_of)
    except ReleaseNotFound:
        return ToolResult(tool="modifier_define", direct=MSG_NO_MODIFIERS, found=False)
    result = code_define(code=code, system="modifier", as_of=as_of)
    result.tool = "modifier_define"
    explained = _team_explanation(code)
    if explained is not None:
        name, facts = explained
        result.facts += facts
        if not result.found:
            # a CPT modifier: the team's own words, never the AMA descriptor
            result.found = True
            result.direct = (
                f"Modifier {code.upper()}: {name}. This is the medcode team's explanation in its own words: CPT"
                " modifier descriptors belong to the AMA and are not distributed with medcode."
            )
    elif not result.found and code.isdigit():
        result.direct = f"{result.direct} {CPT_MODIFIER_HINT}"
    return result


def _team_explanation(code: str) -> tuple[str, list[Fact]] | None:
    """The rules module's modifier reference (written by the team in its own words), when it covers the code."""
    try:
        entry = rules_modifiers.modifier_get(code)
    except ApplicationError:
        return None
    if not entry.get("name"):
        return None
    cite = Citation(
        system="medcode modifier reference",
        release="team explanations (not official descriptors)",
        source_file="medcode/rules/modifiers.toml",
        title=rules_modifiers.LABEL,
    )
    facts = [Fact(f"Modifier {entry['code']}, {entry['name']}: {entry.get('meaning', '')}", cite)]
    for key, label in (("ncci", "NCCI"), ("payment", "Payment")):
        if entry.get(key):
            facts.append(Fact(f"{label}: {entry[key]}", cite))
    return str(entry["name"]), facts


PLURAL_MODIFIERS = re.compile(r"\bmodifiers\b", re.IGNORECASE)
PARTS = re.compile(r",?\s+\b(?:and|or|versus|vs\.?)\b\s+(?:the\s+)?", re.IGNORECASE)


# who performed a service, however the question names them
SAME_ROLE = {
    "physician": "practitioner",
    "provider": "practitioner",
    "doctor": "practitioner",
    "clinician": "practitioner",
}


def _name_fit(wanted: list[str], name: str) -> float:
    """How well a modifier's name states the described situation: words said and word pairs said in order ("another
    practitioner", not "same practitioner"), less the name's words not said."""
    want = [SAME_ROLE.get(w, w) for w in wanted]
    have = [SAME_ROLE.get(w, w) for w in content_words(name)]
    hits = sum(1 for w in want if w in have)
    if not hits:
        return 0.0
    pairs = set(itertools.pairwise(want))
    in_order = sum(1 for pair in itertools.pairwise(have) if pair in pairs)
    return hits + 0.5 * in_order - 0.3 * sum(1 for w in have if w not in want)


def _team_find(description: str, official: list[selectors.ConceptRow]) -> ToolResult | str | None:
    """A modifier of the team's reference (CPT modifiers among them: 80, 62, 76) whose name fits the description
    better than any official HCPCS descriptor found, answered in the team's own words; or, when that modifier is
    in the HCPCS file, its code, for the official descriptor to answer."""
    wanted = [w for w in content_words(description) if not w.isdigit()]
    best_official = max((_name_fit(wanted, c.title) for c in official), default=0.0)
    entries = [(e, _name_fit(wanted, str(e.get("name", "")))) for e in rules_modifiers.modifier_list()]
    entries = [(e, fit) for e, fit in entries if fit > best_official and fit >= TEAM_MIN_FIT]
    if not entries:
        return None
    entry = max(entries, key=lambda item: item[1])[0]
    if entry.get("official_descriptor"):
        # a HCPCS Level II modifier: its official descriptor answers (the caller puts it first)
        return str(entry["code"])
    explained = _team_explanation(str(entry["code"]))
    if explained is None:
        return None
    name, facts = explained
    result = ToolResult(tool="modifier_find", facts=facts)
    result.direct = f"Modifier {entry['code']}: {name}."
    if entry.get("official_descriptor"):
        result.direct += f" Official descriptor: {entry['official_descriptor']}."
    else:
        result.direct += (
            " This is the medcode team's explanation in its own words: CPT modifier descriptors belong to the AMA"
            " and are not distributed with medcode."
        )
    result.codes.append(CodeRef("modifier", str(entry["code"])))
    return result


TEAM_MIN_FIT = 1.5  # at least two words of the description, or one name said in full


def modifier_find(*, description: str, as_of: dt.date | None = None) -> ToolResult:
    """The modifier whose descriptor best fits a described situation, with close alternatives: the HCPCS Level II
    descriptors, or the team's reference when one of its modifiers (CPT's among them) fits better."""
    try:
        found = rank(system="modifier", description=description, as_of=as_of)
    except ReleaseNotFound:
        found = []
        if not rules_modifiers.modifier_list():
            return ToolResult(tool="modifier_find", direct=MSG_NO_MODIFIERS, found=False)
    team = _team_find(description, found)
    if isinstance(team, ToolResult):
        return team
    if team is not None:
        try:
            official = selectors.concept_get(system="modifier", code=team, as_of=as_of)
            found = [official, *(c for c in found if c.code != official.code)][: len(found) or 1]
        except ApplicationError:
            pass
    if not found:
        try:
            selectors.release_for(system="modifier", as_of=as_of)
        except ReleaseNotFound:
            return ToolResult(tool="modifier_find", direct=MSG_NO_MODIFIERS, found=False)
    result = ToolResult(tool="modifier_find")
    if not found:
        result.found = False
        result.direct = "I found no HCPCS Level II modifier whose descriptor fits that description."
        return result
    best = found[0]
    result.codes.append(ref(best))
    result.direct = f"Modifier {best.code}: {best.title}."
    if PLURAL_MODIFIERS.search(description):
        # "which modifiers identify the right side and the left side": one modifier for each situation named
        for part in PARTS.split(description)[1:]:
            if len(content_words(part)) < 2:
                continue
            try:
                more = rank(system="modifier", description=part, as_of=as_of)
            except ReleaseNotFound:
                break
            if more and ref(more[0]) not in result.codes:
                result.codes.append(ref(more[0]))
                result.direct += f" Modifier {more[0].code}: {more[0].title}."
                found = [*found, more[0]] if more[0] not in found else found
    for concept in found:
        result.facts.append(
            Fact(
                f"Modifier {concept.code}: {concept.title}" + ("" if concept is best else " (a close alternative)."),
                Citation.of_release(concept.release),
                (ref(concept),),
            )
        )
    return result


def pos_define(*, code: str, as_of: dt.date | None = None) -> ToolResult:
    """What a place of service code means and whether it is a facility setting."""
    code = code.strip().zfill(2)
    result = code_define(code=code, system="pos", as_of=as_of)
    result.tool = "pos_define"
    if result.found and result.codes:
        concept = selectors.concept_get(system="pos", code=code, as_of=as_of)
        result.direct = f"Place of service {concept.code} is {concept.title}."
    return result


def pos_find(*, description: str, as_of: dt.date | None = None) -> ToolResult:
    """The place of service code that best fits a described setting."""
    found = rank(system="pos", description=description, as_of=as_of)
    result = ToolResult(tool="pos_find")
    if not found:
        result.found = False
        result.direct = "I found no place of service code whose name fits that description."
        return result
    best = found[0]
    result.codes.append(ref(best))
    result.direct = f"Place of service {best.code}: {best.title}."
    for concept in found:
        text = f"POS {concept.code}: {concept.title}. {concept.attrs.get('description', '')}".strip()
        result.facts.append(Fact(text, Citation.of_release(concept.release), (ref(concept),)))
    return result
