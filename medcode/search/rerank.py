"""Word results in the order a coder reads them: within a category, the code of the documented specificity; the
combination code that the "with" convention asks for; a code's 7th-character variants grouped under it."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

from medcode.search import index, synonyms, text

# "with", as coders write it ("htn w ckd", "copd w/ pna"): the convention that links the two (Guidelines I.A.15)
WITH = re.compile(r"(?<![a-z0-9/])(?:with|w/|w)(?![a-z0-9/])")
# a title's "with ..." clause, up to the next "without", comma or the end
WITH_CLAUSE = re.compile(r"\bwith\b(.*?)(?=\bwithout\b|,|;|$)")
LATERALITY = ("left", "right", "bilater")  # stems of the sides a title names
STEMS_CACHED = 32768  # titles whose stems are kept (the ones searches return most)
SEVENTH = 7  # an ICD-10-CM code of seven characters carries a 7th character (encounter, fetus, ...)


def _stems(words: list[str]) -> list[str]:
    return [text.stem(w) for w in words if w not in text.STOP_WORDS]


def query_stems(raw: str, system: str) -> Counter[str]:
    """The stems a query says, each as often as it says it, with what its abbreviations stand for."""
    said: Counter[str] = Counter()
    for span, groups in synonyms.expand(text.words(raw.lower()), system):
        if groups is None:
            said.update(_stems(span))
            continue
        for group in groups:
            # a meaning counts once, whichever of its wordings a title uses
            said.update(set(_stems([w for alt in group for w in text.words(alt)])))
        if len(span) == 1:
            said.update(_stems(span))
    return said


def _meanings(raw: str, system: str) -> list[set[str]]:
    """The meanings of a query's words: each a set of stems that say it (an abbreviation's words, one by one)."""
    out: list[set[str]] = []
    for span, groups in synonyms.expand(text.words(raw.lower()), system):
        if groups is None:
            out += [{s} for s in _stems(span)]
            continue
        for k, group in enumerate(groups):
            stems = set(_stems([w for alt in group for w in text.words(alt)]))
            if k == 0 and len(span) == 1:
                stems |= set(_stems(span))  # the abbreviation itself says its first meaning ("ckd", "chronic")
            if stems:
                out.append(stems)
    return out


def _said_count(meanings: list[set[str]], stems: Counter[str]) -> int:
    """How many of a query's meanings a text says, each as often as the query says it ("first pregnancy, first
    trimester" says "first" twice); a meaning counts once however many of its wordings the text holds."""
    left = Counter(stems)
    said = 0
    for meaning in meanings:  # each meaning takes one occurrence of a word that says it
        word = next((s for s in sorted(meaning) if left[s] > 0), None)
        if word is not None:
            left[word] -= 1
            said += 1
    return said


@lru_cache(maxsize=STEMS_CACHED)
def _title_stems(title: str) -> Counter[str]:
    """The stems of a lower-case text, each as often as it says it (read only: shared between searches)."""
    return Counter(_stems(text.words(title)))


# what a text says beyond its essential words: parenthesised words, a "without ..." default, "see" references
OPTIONAL = re.compile(r"\([^)]*\)|\[[^\]]*\]|\bwithout\b[^,;]*|\bNOS\b|\bNEC\b", re.I)


@lru_cache(maxsize=STEMS_CACHED)
def _core(body: str) -> frozenset[str]:
    """The stems of a text's essential words (what a code says that a query must say to mean it exactly)."""
    body = index.UNSPECIFIED_WHAT.sub(" ", OPTIONAL.sub(" ", body))
    words = [w for w in text.words(body) if w not in index.NONESSENTIAL and w not in text.STOP_WORDS]
    return frozenset(text.stem(w) for w in words)


def _specificity_key(r: dict[str, Any], said: Counter[str], meanings: list[set[str]]) -> tuple[float, ...]:
    """How well a code's title says what the query documents, best first: the query's words it says (as often
    as the query says them), no "with" clause the query does not name, no words the query does not say, then the
    unspecified or default code (what the classification takes when nothing more is documented)."""
    title = str(r["title"]).lower()
    stems = _title_stems(title)
    # the text that led to the code itself (a steered hit's text led to the code it completes, not to this one)
    steered = "steered" in str(r.get("match") or "")
    matched_text = "" if steered else str(r.get("matched_text") or "").split(" -> ")[0]
    # what the query says that the code's title (or the inclusion term or Index entry that led to it) says
    matched = max(
        _said_count(meanings, stems),
        _said_count(meanings, _title_stems(matched_text.lower())) if matched_text else 0,
    )
    # the side the query names, first of all (Guidelines I.B.13: laterality is coded as documented)
    sides = sum(1 for s in LATERALITY if s in said and s in stems)
    unnamed_with = 0
    head = _title_stems(title.split(" with ")[0])
    for clause in WITH_CLAUSE.findall(title):
        # what the clause adds to the condition it qualifies ("with diabetic retinopathy": retinopathy)
        clause_stems = set(_core(clause)) - head.keys()
        if clause_stems and clause_stems.isdisjoint(said):
            unnamed_with += 1
    unsaid = len(_core(title) - set(said))
    if matched_text and not _core(matched_text) - set(said):
        unsaid = 0  # an inclusion term or Index entry that is all the query says ("Osteoporosis NOS")
    default = 0 if index.DEFAULT_LIKE.search(title) or "unspecified" in title else 1
    return (-sides, -matched, unnamed_with, unsaid, default)


def _group_of(r: dict[str, Any]) -> str | None:
    """The ICD-10-CM category of a result (its first three characters): the codes a coder chooses among."""
    if r["system"] != "icd10cm" or ("match" in r and r["match"] in ("code", "completion", "nearest")):
        return None
    return str(r["code"]).replace(".", "")[:3]


def specificity_order(results: list[dict[str, Any]], raw: str) -> list[dict[str, Any]]:
    """Within each ICD-10-CM category the query landed in, its codes in the order of `_specificity_key`, in the
    places the category's codes already hold (categories keep their rank against each other)."""
    said = query_stems(raw, "icd10cm")
    meanings = _meanings(raw, "icd10cm")
    places: dict[str, list[int]] = {}
    for n, r in enumerate(results):
        group = _group_of(r)
        if group is not None:
            places.setdefault(group, []).append(n)
    out = list(results)
    for slots in places.values():
        if len(slots) < 2:
            continue
        members = sorted((results[n] for n in slots), key=lambda r: _specificity_key(r, said, meanings))
        for slot, r in zip(slots, members, strict=True):
            out[slot] = r
    return out


def with_order(results: list[dict[str, Any]], raw: str, system: str) -> list[dict[str, Any]]:
    """The "with" convention (Guidelines I.A.15): for "A with B", a code whose text says both A and B (a
    combination code) before codes that say only one of them."""
    sides = [s for s in WITH.split(raw.lower()) if s.strip()]
    if len(sides) < 2:
        return results
    side_meanings = [_meanings(s, system) for s in sides]

    def spans(r: dict[str, Any]) -> bool:
        stems = {s for k in ("title", "matched_text") for s in _title_stems(str(r.get(k) or "").lower())}
        # each side said by more than half of its meanings ("chronic" alone does not say COPD)
        return all(
            sum(1 for m in meanings if not m.isdisjoint(stems)) * 2 > len(meanings)
            for meanings in side_meanings
            if meanings
        )

    both = [r for r in results if spans(r)]
    return both + [r for r in results if not spans(r)] if both else results


def pick_variant(raw: str, variants: list[tuple[str, str]]) -> str | None:
    """The 7th-character variant a query asks for: the one whose title says most of the query's words ("subsequent",
    "nonunion", "sequela"), the first in the classification's order among equals (A, initial encounter, when the
    query says no encounter; D, routine healing, for a subsequent encounter that says nothing more). The query
    is given as "" when it says nothing of the encounter: then the initial encounter where there is one."""
    if not variants:
        return None
    if not raw:  # no encounter said: the initial encounter, where the code has one
        return next((c for c, _ in variants if c.endswith("A")), None)
    meanings = _meanings(raw, "icd10cm")
    best = min(variants, key=lambda ct: (-_said_count(meanings, _title_stems(ct[1].lower())), ct[0]))
    return best[0]


def group_variants(results: list[dict[str, Any]], raw: str, variants_of: Any, result_of: Any) -> list[dict[str, Any]]:
    """A code's 7th-character variants as one result: the variant the query asks for (`pick_variant`) in the place
    of the first of them, every other variant the release has in its "variants", a click away.
    `variants_of(result)` gives [(code, title)] in the classification's order; `result_of(result, code)` the result
    for another variant of the same code."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for r in results:
        code = str(r["code"]).replace(".", "")
        if r["system"] != "icd10cm" or len(code) != SEVENTH:
            out.append(r)
            continue
        key = (r["system"], code[:6])
        if key in seen:
            continue
        seen.add(key)
        variants = variants_of(r)
        chosen = pick_variant(raw, variants)
        head = dict(r) if chosen in (None, r["code"]) else result_of(r, chosen)
        head["variants"] = [{"code": c, "title": t} for c, t in variants if c != head["code"]]
        out.append(head)
    # the code the variants complete is the group itself, not one more result ("S72.002" under "S72.002A")
    return [r for r in out if not (r["system"] == "icd10cm" and (r["system"], str(r["code"]).replace(".", "")) in seen)]


# a dose as a query or a Level II descriptor writes it: "40 mg", "30mg", "per 15 mg", "up to 25 mg", "0.1 mg"
DOSE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(mcg|mg|gm|g|ml|cc|units?|iu|meq)\b", re.I)
# each unit in the smallest of its kind
UNIT_SCALE = {
    "mcg": ("mass", 1.0),
    "mg": ("mass", 1000.0),
    "g": ("mass", 1_000_000.0),
    "gm": ("mass", 1_000_000.0),
    "ml": ("volume", 1.0),
    "cc": ("volume", 1.0),
    "unit": ("units", 1.0),
    "units": ("units", 1.0),
    "iu": ("units", 1.0),
    "meq": ("meq", 1.0),
}


def _dose(body: str) -> tuple[str, float] | None:
    """The last dose a text names, as (kind, amount in the smallest unit of its kind)."""
    found = DOSE.findall(body)
    if not found:
        return None
    amount, unit = found[-1]
    kind, scale = UNIT_SCALE[unit.lower()]
    return kind, float(amount) * scale


def billing_units(query: str, descriptor: str) -> int | None:
    """The units to bill for the dose a query names, from the amount a Level II descriptor bills per unit:
    "fluphenazine 25 mg" against "Injection, fluphenazine decanoate, up to 25 mg" is 1; "toradol 30mg" against
    "Injection, ketorolac tromethamine, per 15 mg" is 2 (a part of a unit is billed as a whole one). None when
    either names no dose or they measure different things (mg against ml)."""
    given, per = _dose(query), _dose(descriptor)
    if given is None or per is None or given[0] != per[0] or per[1] <= 0:
        return None
    units = given[1] / per[1]
    return max(1, int(units) if abs(units - round(units)) < 1e-9 else int(units) + 1)


def headers_last(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A header that a billable result of the list completes goes after the codes that can be reported (a header
    is never reported; it stays in the list as the way to its other codes)."""
    billable = [(r["system"], str(r["code"])) for r in results if r["billable"]]

    def completed(r: dict[str, Any]) -> bool:
        code = str(r["code"])
        return not r["billable"] and any(s == r["system"] and c != code and c.startswith(code) for s, c in billable)

    return [r for r in results if not completed(r)] + [r for r in results if completed(r)]
