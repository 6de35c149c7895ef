"""Tools over the codebook: what a code means, whether it is billable, Excludes notes, 7th characters."""

from __future__ import annotations

import datetime as dt
import re

from medcode.assistant.answer import Citation, CodeRef, Fact, ToolResult
from medcode.assistant.text import content_words, match_score
from medcode.codebook import lookup, notes, selectors
from medcode.codebook.systems import SYSTEM_LABELS
from medcode.core import labels
from medcode.core.errors import CodeNotFound, ReleaseNotFound

MAX_NOTES = 6
NOTE_LABELS = {
    "includes": "Includes",
    "inclusion_term": "Inclusion term",
    "excludes1": "Excludes1",
    "excludes2": "Excludes2",
    "code_first": "Code first",
    "use_additional": "Use additional code",
    "code_also": "Code also",
    "note": "Note",
}


def ref(concept: selectors.ConceptRow) -> CodeRef:
    return CodeRef(concept.system, concept.code)


def _locks(section: str, concept: selectors.ConceptRow) -> tuple[str, CodeRef]:
    """The section of `concept`'s page a fact quotes, so that the assistant meters it as the page does."""
    return section, ref(concept)


def concept_resolve(*, code: str, system: str | None, as_of: dt.date | None) -> selectors.ConceptRow | None:
    """The concept a typed code names (any case, with or without dot), in the release in effect; None if none."""
    if system:
        try:
            return selectors.concept_get(system=system, code=code, as_of=as_of)
        except (CodeNotFound, ReleaseNotFound):
            return None
    found = selectors.concept_locate(code=code, as_of=as_of)
    return found[0] if found else None


def _title(concept: selectors.ConceptRow) -> str:
    return concept.title or (concept.short_title or "")


def not_found(*, code: str, system: str | None, as_of: dt.date | None, tool: str) -> ToolResult:
    """The code is in no loaded release: say so without repeating it, and offer real codes that are close."""
    label = SYSTEM_LABELS.get(system or "", "any code system")
    result = ToolResult(tool=tool, found=False)
    result.direct = (
        f"The code you asked about is not in {label} as loaded in this codebook, so I cannot describe it."
        " Check it for a typo, or search by words."
    )
    for close in selectors.concept_suggest(system=system, code=code, as_of=as_of, limit=5):
        if close.kind in {"chapter", "section", "range"}:
            continue
        result.facts.append(
            Fact(
                f"A close code that does exist: {close.code} ({_title(close) or 'no descriptor'}).",
                Citation.of_release(close.release),
                (ref(close),),
            )
        )
    return result


def code_define(*, code: str, system: str | None = None, as_of: dt.date | None = None) -> ToolResult:
    """What a code means: its official title, where it sits, billable or not, its notes and 7th characters."""
    concept = concept_resolve(code=code, system=system, as_of=as_of)
    if concept is None:
        return not_found(code=code, system=system, as_of=as_of, tool="code_define")
    detail = selectors.concept_detail(system=concept.system, code=concept.code, as_of=as_of)
    c = detail.concept
    cite = Citation.of_release(c.release)
    label = c.release.label
    result = ToolResult(tool="code_define", codes=[ref(c)])
    notice = lookup.cpt_notice(c)
    if notice:
        result.direct = (
            f"{c.code} is a CPT code. Its descriptor is copyrighted by the AMA and is not distributed with medcode,"
            " so I can give only the public CMS facts about it."
        )
        result.facts.append(Fact(notice, cite, (ref(c),)))
        for key, value in sorted(c.attrs.items()):
            if key.endswith("_label") or key == "descriptor_source":
                continue
            shown = c.attrs.get(f"{key}_label")
            result.facts.append(
                Fact(
                    f"{labels.label(key, 'field')}: {value}{f' ({shown})' if shown else ''}.",
                    cite,
                    (ref(c),),
                    *_locks("attrs", c),
                )
            )
        return result
    title = _title(c)
    result.direct = f"{c.code} ({label}) means: {title}."
    result.facts.append(Fact(f"Official title of {c.code}: {title}.", cite, (ref(c),)))
    if c.short_title and c.short_title != c.title:
        result.facts.append(Fact(f"Short descriptor: {c.short_title}.", cite, (ref(c),)))
    if c.system not in {"pos", "modifier"}:
        result.facts.append(Fact(billable_sentence(detail), cite, (ref(c),)))
    if detail.ancestors:
        parent = detail.ancestors[-1]
        result.facts.append(Fact(f"It sits under {parent.code} ({_title(parent)}).", cite, (ref(c), ref(parent))))
    for note in [n for n in detail.notes if not n.inherited][:MAX_NOTES]:
        kind = NOTE_LABELS.get(note.kind)
        if kind:
            result.facts.append(Fact(f"{kind} note at {note.code}: {note.text}", cite, (ref(c),), *_locks("notes", c)))
    if detail.pcs_axes:
        parts = [f"{a['axis']} {a['value']} = {a['label']}" for a in detail.pcs_axes if a["label"]]
        if parts:
            result.facts.append(
                Fact("Character by character: " + "; ".join(parts) + ".", cite, (ref(c),), *_locks("axes", c))
            )
        root = next((a for a in detail.pcs_axes if a["position"] == "3" and a["definition"]), None)
        if root:
            result.facts.append(
                Fact(
                    f"Root operation {root['label']}, as the PCS tables define it: {root['definition']}",
                    cite,
                    (ref(c),),
                    *_locks("axes", c),
                )
            )
    for path in detail.index_paths[:MAX_INDEX_PATHS]:
        index_release = _index_release(system=c.system, version=path.release)
        if index_release is not None and path.terms:
            result.facts.append(
                Fact(
                    f"Index path that leads to it: {' > '.join(path.terms)} ({INDEX_NAMES.get(path.index, path.index)}).",
                    Citation.of_release(index_release),
                    (ref(c),),
                    *_locks("index", c),
                )
            )
    if detail.seventh and not c.billable:
        chars = "; ".join(f"{ch} = {meaning}" for ch, meaning in detail.seventh)
        result.facts.append(
            Fact(f"7th characters (defined at {detail.seventh_from}): {chars}.", cite, (ref(c),), *_locks("seventh", c))
        )
    if c.system == "pos":
        description = c.attrs.get("description")
        if description:
            result.facts.append(Fact(f"CMS description: {description}", cite, (ref(c),), *_locks("attrs", c)))
        if c.attrs.get("setting"):
            result.facts.append(
                Fact(
                    f"For Physician Fee Schedule payment it counts as a {c.attrs['setting']} setting.",
                    cite,
                    (ref(c),),
                    *_locks("attrs", c),
                )
            )
    if c.system in {"hcpcs", "modifier"} and c.attrs.get("termination_date"):
        result.facts.append(Fact(f"CMS terminated it on {c.attrs['termination_date']}.", cite, (ref(c),)))
    return result


MAX_INDEX_PATHS = 3
INDEX_NAMES = {
    "main": "Alphabetic Index",
    "eindex": "External Cause Index",
    "drug": "Table of Drugs and Chemicals",
    "neoplasm": "Neoplasm Table",
    "pcs": "ICD-10-PCS Index",
}


def _index_release(*, system: str, version: str) -> selectors.ReleaseInfo | None:
    for release in selectors.release_list(system=system, content="index"):
        if release.version == version:
            return release
    return None


def billable_sentence(detail: selectors.ConceptDetail) -> str:
    c = detail.concept
    if c.billable:
        return f"{c.code} is a valid, billable code in the {c.release.title}: it can be reported as is."
    if c.attrs.get("requires_7th") == "true" or (detail.seventh and not detail.children):
        chars = ", ".join(ch for ch, _ in detail.seventh)
        return f"{c.code} is not billable by itself: it needs a 7th character ({chars}) to be complete."
    if detail.children:
        more = ", ".join(ch.code for ch in detail.children[:8])
        return (
            f"{c.code} is not billable: it is a header with {len(detail.children)} more specific codes"
            f" below it ({more}{', ...' if len(detail.children) > 8 else ''})."
        )
    return f"{c.code} is not billable in the {c.release.title}."


def code_billable(*, code: str, system: str | None = None, as_of: dt.date | None = None) -> ToolResult:
    """Whether a code can be reported as is: yes for a billable code, no for a header or incomplete code."""
    concept = concept_resolve(code=code, system=system, as_of=as_of)
    if concept is None:
        result = not_found(code=code, system=system, as_of=as_of, tool="code_billable")
        result.verdict = "no"
        return result
    detail = selectors.concept_detail(system=concept.system, code=concept.code, as_of=as_of)
    c = detail.concept
    cite = Citation.of_release(c.release)
    result = ToolResult(tool="code_billable", codes=[ref(c)])
    result.verdict = "yes" if c.billable else "no"
    if c.billable:
        result.direct = f"Yes: {c.code} is billable ({_title(c)})."
    else:
        result.direct = f"No: {c.code} is not billable as is. {billable_sentence(detail)}"
    result.facts.append(Fact(f"Official title of {c.code}: {_title(c)}.", cite, (ref(c),)))
    result.facts.append(
        Fact(billable_sentence(detail), cite, tuple([ref(c)] + [ref(ch) for ch in detail.children[:8]]))
    )
    return result


def note_covers(text: str, code: str) -> bool:
    """Whether an Excludes note's text names the code: itself, an ancestor (E10.-) or a range holding it (E08-E13)."""
    return notes.note_covers(text, code)


def excludes_pair(*, first: str, second: str, as_of: dt.date | None = None) -> ToolResult:
    """Whether two ICD-10-CM codes may be coded together, from the Excludes1 and Excludes2 notes of both."""
    a = concept_resolve(code=first, system="icd10cm", as_of=as_of)
    b = concept_resolve(code=second, system="icd10cm", as_of=as_of)
    if a is None or b is None:
        missing = first if a is None else second
        return not_found(code=missing, system="icd10cm", as_of=as_of, tool="excludes_pair")
    cite = Citation.of_release(a.release)
    result = ToolResult(tool="excludes_pair", codes=[ref(a), ref(b)])
    excludes1: list[Fact] = []
    excludes2: list[Fact] = []
    for this, other in ((a, b), (b, a)):
        ancestors = selectors.concept_ancestors(concept=this)
        for note in selectors.concept_notes(concept=this, ancestors=ancestors):
            if note.kind not in {"excludes1", "excludes2"}:
                continue
            if note_covers(note.text, other.code):
                where = "" if note.code == this.code else f" (applies to {this.code})"
                label = NOTE_LABELS[note.kind]
                at = f"chapter {note.code}" if note.code.isdigit() else note.code
                section = "notes" if note.code == this.code else "inherited_notes"
                fact = Fact(
                    f"{label} note at {at}{where}: {note.text}", cite, (ref(this), ref(other)), *_locks(section, this)
                )
                (excludes1 if note.kind == "excludes1" else excludes2).append(fact)
    title_a, title_b = _title(a), _title(b)
    opposed = _with_and_without(a, b)
    if opposed and not excludes1:
        result.verdict = "no"
        result.direct = (
            f"No: {a.code} ({title_a}) and {b.code} ({title_b}) are two codes of category {a.code[:3]} that say"
            f" opposite things ({opposed}): one condition is coded once, with the code that fits the record."
        )
        result.facts.insert(0, Fact(f"{a.code}: {title_a}. {b.code}: {title_b}.", cite, (ref(a), ref(b))))
        return result
    if excludes1:
        result.verdict = "no"
        result.direct = (
            f"No: {a.code} ({title_a}) and {b.code} ({title_b}) are not coded together: an Excludes1 note"
            " says the two conditions are mutually exclusive. (The guidelines allow an exception only when the"
            " two conditions are unrelated to each other.)"
        )
        result.facts += excludes1 + excludes2
    elif excludes2:
        result.verdict = "yes"
        result.direct = (
            f"Yes: {a.code} and {b.code} may be coded together when the patient has both conditions. The note"
            " between them is Excludes2 (not included here), which does not forbid reporting both."
        )
        result.facts += excludes2
    else:
        result.verdict = "yes"
        result.direct = (
            f"Yes: no Excludes1 note in ICD-10-CM stops {a.code} and {b.code} being coded together; report both"
            " when the documentation supports both."
        )
    result.facts.insert(0, Fact(f"{a.code}: {title_a}. {b.code}: {title_b}.", cite, (ref(a), ref(b))))
    return result


WITH_WITHOUT = re.compile(r"\b(with|without)\s+(?:\(\w+\)\s+)?([a-z]+)", re.IGNORECASE)


def _with_and_without(a: selectors.ConceptRow, b: selectors.ConceptRow) -> str | None:
    """The words on which two codes of one category contradict each other ("with esophagitis" and "without
    esophagitis"), or None."""
    if a.code[:3] != b.code[:3]:
        return None
    said_a = {(m.group(1).lower(), m.group(2).lower()) for m in WITH_WITHOUT.finditer(a.title)}
    said_b = {(m.group(1).lower(), m.group(2).lower()) for m in WITH_WITHOUT.finditer(b.title)}
    for how, word in said_a:
        other = "without" if how == "with" else "with"
        if (other, word) in said_b:
            return f"{how} {word} and {other} {word}"
    return None


def seventh_character(*, code: str, description: str, as_of: dt.date | None = None) -> ToolResult:
    """The 7th character of a category that best fits a described encounter, with the full list."""
    concept = concept_resolve(code=code, system="icd10cm", as_of=as_of)
    if concept is None:
        return not_found(code=code, system="icd10cm", as_of=as_of, tool="seventh_character")
    ancestors = selectors.concept_ancestors(concept=concept)
    chars, defined_at = selectors.seventh_characters(concept=concept, ancestors=ancestors)
    cite = Citation.of_release(concept.release)
    result = ToolResult(tool="seventh_character", codes=[ref(concept)])
    if not chars:
        result.direct = f"{concept.code} ({_title(concept)}) has no 7th character in ICD-10-CM."
        result.facts.append(Fact(f"No 7th-character list applies to {concept.code}.", cite, (ref(concept),)))
        return result
    wanted = content_words(description)
    best = max(chars, key=lambda item: match_score(wanted, item[1]))
    if wanted and match_score(wanted, best[1]) > 0:
        result.direct = f"Use 7th character {best[0]}: {best[1]} (category {concept.code}, {_title(concept)})."
    else:
        result.direct = f"Category {concept.code} ({_title(concept)}) takes one of these 7th characters."
    listing = "; ".join(f"{ch} = {meaning}" for ch, meaning in chars)
    result.facts.append(
        Fact(f"7th characters defined at {defined_at}: {listing}.", cite, (ref(concept),), *_locks("seventh", concept))
    )
    return result


def system_label(system: str) -> str:
    return SYSTEM_LABELS.get(system, system)
