"""Guideline rules of chapter 19 (I.C.19): the 7th character from the documented encounter, fracture defaults,
and poisonings against adverse effects with the Drug table's T codes."""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

from medcode.codebook import selectors
from medcode.search import services
from medcode.search.casecode.rules.context import ENCOUNTER_DOCUMENTED, Context, tabular_detail
from medcode.search.casecode.rules.sheet import RuleSheet

SEVENTH = "Guideline I.C.19.a: 7th character {char} ({meaning})"

FRACTURE_DEFAULT = "Guideline I.C.19.c.1: a fracture not indicated as open or closed is coded closed"

PLACEHOLDER = "Guideline I.A.4 / I.B.3: placeholder X for the 7th character"

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


def seventh_characters(ws: RuleSheet) -> None:
    """See `_seventh_characters`; a note that documents no encounter at all (a case summary, a phrase) leaves
    an injury code without its 7th character for the coder (ADR 0035), unless it says which."""
    if ws.ctx.encounter == "initial" and not ENCOUNTER_DOCUMENTED.search(ws.note):
        return
    _seventh_characters(ws)


def _seventh_characters(ws: RuleSheet) -> None:
    """I.C.19.a: the 7th character of an injury (and other 7th-character) code from the documented encounter:
    active treatment is the initial encounter; a fracture not said to be open is closed (I.C.19.c.1)."""
    for cand in list(ws.suggested()):
        norm = selectors.normalize(cand.code)
        base = norm[:6] if len(norm) == 7 else norm
        detail = tabular_detail(
            cand.code if len(norm) < 7 else f"{base[:3]}.{base[3:]}".rstrip("X").rstrip("."), ws.as_of
        )
        if detail is None:
            continue
        if len(norm) == 7 and not detail.seventh:
            continue
        options = detail.seventh
        if not any("encounter" in m or "sequela" in m for _ch, m in options):
            continue  # a 7th character that is no encounter (a fetus, O32.1XX0): the coder's to choose
        choice = _seventh_choice(options, ws.ctx)
        if choice is None:
            continue
        full = base.ljust(6, "X") + choice[0]
        if full == norm or ws.ix.find(full) is None:
            continue
        reason = SEVENTH.format(char=choice[0], meaning=choice[1])
        if "fracture" in choice[1] and not ws.ctx.open_fracture:
            reason += f"; {FRACTURE_DEFAULT}"
        if "X" in full[3:6]:
            reason += f"; {PLACEHOLDER}"
        ws.replace(cand, f"{full[:3]}.{full[3:]}", reason)


def poisoning(ws: RuleSheet) -> None:
    """I.C.19.e.5: a drug taken in error, in excess or with alcohol is a poisoning (T code first, intent
    accidental when not documented, then its manifestations); a drug correctly prescribed and properly taken
    that causes an effect is an adverse effect (the effect first, then T code with 5th/6th character 5). The
    drug's code comes from the Drug table (an instance with the ICD-10-CM Drug table imported)."""
    adverse = ADVERSE.search(ws.note)
    poisoned = POISONING.search(ws.note)
    if not adverse and not poisoned:
        return
    intent = (
        "adverse effect"
        if adverse and not poisoned
        else "poisoning intentional self-harm"
        if re.search(r"\b(?:intentional|suicid\w*|self-harm)\b", ws.note, re.I)
        else "poisoning assault"
        if re.search(r"\bassault\w*\b", ws.note, re.I)
        else "poisoning accidental"
    )
    seen: set[str] = set()
    for word in dict.fromkeys(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", ws.note)):
        if word in NOT_DRUGS:
            continue
        drug = ALCOHOL.get(word, word)
        found = _drug_code(drug, intent)
        if found is None:
            continue
        base, matched = found
        full = base + {"initial": "A", "subsequent": "D", "sequela": "S"}[ws.ctx.encounter]
        if full in seen or ws.ix.find(full) is None:
            continue
        seen.add(full)
        dotted = f"{full[:3]}.{full[3:]}"
        m = re.search(re.escape(word), ws.note, re.I)
        section = "I.C.19.e.5.a" if intent == "adverse effect" else "I.C.19.e.5.b"
        ws.add(
            dotted,
            f"Guideline {section}: {intent} ({matched} -> {dotted})",
            start=m.start() if m else 0,
            end=m.end() if m else None,
            score=0.3,
        )
        if section == "I.C.19.e.5.b":
            ws.first.setdefault(dotted, section)


INTENT_CHARACTER = {"adverse effect": "5", "poisoning accidental": "1", "poisoning intentional self-harm": "2"}
INTENT_CHARACTER["poisoning assault"] = "3"
DRUG_CLASSES = Path(__file__).resolve().parents[2] / "data" / "poisoning_drugs.tsv"  # medcode/search/data


@functools.lru_cache(maxsize=1)
def drug_classes() -> dict[str, tuple[str, str]]:
    """Drug names (lower case) -> (T category, class), from the reviewed table (for a codebook without the Drug
    table)."""
    with DRUG_CLASSES.open(encoding="utf-8") as fh:
        rows = csv.reader((line for line in fh if line.strip() and not line.startswith("#")), delimiter="\t")
        header = next(rows)
        assert header[:3] == ["drug", "category", "class"], header
        return {drug.strip().lower(): (category.strip(), what.strip()) for drug, category, what, *_ in rows}


def _drug_code(drug: str, intent: str) -> tuple[str, str] | None:
    """The T code of a drug and intent without its 7th character (6 characters, no dot), and the text that gave it:
    the Drug table's row when the codebook has it, otherwise the reviewed table of drug classes."""
    for hit in services.search(query=f"{drug} {intent}", system="icd10cm", limit=6)["results"]:
        text_ = (hit.get("matched_text") or "").lower()
        code = selectors.normalize(hit["code"])
        if hit["match"].startswith("drug") and text_.startswith(drug) and "T36" <= code[:3] <= "T65":
            return code[:6].ljust(6, "X"), str(hit["matched_text"])
    known = drug_classes().get(drug)
    if known is None:
        return None
    category, what = known
    return selectors.normalize(category).ljust(5, "X") + INTENT_CHARACTER[intent], f"{drug}: {what}"


# a note that asks for external cause codes ("include the external cause code for the accident"), and one that
# says they are not wanted ("external cause codes not required")
EXTERNAL_CAUSE = re.compile(r"\bexternal[- ]cause", re.I)
EXTERNAL_NOT_WANTED = re.compile(
    r"\bno external[- ]cause|\bexternal[- ]cause(?: codes?)?(?: are| is)? not (?:required|needed|requested|reported)",
    re.I,
)
EXTERNAL_UNASKED = (
    "Guideline I.C.20: external cause codes are reported where a payer, a state or the facility asks for them; "
    "the note does not: a code to review"
)


def external_causes(ws: RuleSheet) -> None:
    """I.C.20 (introduction): there is no national requirement to report external cause codes (V00-Y99); they are
    suggested only when the note asks for them, otherwise left as codes to review."""
    if EXTERNAL_CAUSE.search(ws.note) and not EXTERNAL_NOT_WANTED.search(ws.note):
        return
    for cand in ws.suggested():
        if cand.code[0] in "VWXY":
            cand.stated = False
            cand.evidence.insert(0, ws.evidence(EXTERNAL_UNASKED, cand.title, *ws.span(cand)))
