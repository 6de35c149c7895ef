"""Chapters 15 and 16: conditions in pregnancy coded from chapter 15 with the trimester and the weeks (Z3A),
gestational diabetes, deliveries and their outcome (Z37), and a newborn's birth record (Z38, P07)."""

from __future__ import annotations

import re

from medcode.codebook import notes, selectors
from medcode.search.casecode.candidates import Candidate
from medcode.search.casecode.rules.context import INCIDENTAL, tabular_detail
from medcode.search.casecode.rules.sheet import RuleSheet

PREGNANT = re.compile(
    r"\b(?:pregnan\w*|prenatal|antenatal|gestation\w*|trimester|primigravida|multigravida|"
    r"gravida|delivery|delivered|postpartum)\b",
    re.I,
)

NEWBORN = re.compile(r"\b(?:newborn|neonat\w*|birth record|liveborn|born (?:vaginally|by|via|at))\b", re.I)

BIRTH_RECORD = re.compile(
    r"\b(?:birth record|born (?:vaginally |by cesarean |via c-section )?(?:at|in) this hospital)\b", re.I
)

NEWBORN_RECORD = re.compile(r"\b(?:birth record|newborn record)\b", re.I)

WEEKS = re.compile(
    r"\b(\d{1,2})(?:\s*(?:\+\d|and \d/7))?[- ]weeks?(?:'|\u2019)?(?:\s+(?:of\s+)?(?:gestation|pregnan\w*|ga))?\b", re.I
)

GRAMS = re.compile(r"\b(\d{1,2},?\d{3})\s*(?:g|grams?)\b", re.I)

TRIMESTER_WORDS = re.compile(r"\b(first|1st|second|2nd|third|3rd) trimester\b", re.I)

DELIVERY = re.compile(
    r"\b(?:(?:spontaneous |normal |uncomplicated )?(?:vaginal|cesarean) delivery|delivered (?:vaginally|by cesarean)|SVD|NSVD)\b",
    re.I,
)


def pregnancy(ws: RuleSheet) -> None:
    """Chapter 15 (I.C.15.a-b): a condition in a pregnancy is coded with its O code first (the condition's own
    code after it where the O code asks), the trimester from the weeks (I.C.15.a.3), and Z3A for the weeks
    (I.C.15.a.4); a pregnancy the provider calls incidental is Z33.1 after the condition."""
    note = ws.note
    if not PREGNANT.search(note) or BIRTH_RECORD.search(note) or NEWBORN_RECORD.search(note):
        return
    weeks_m = WEEKS.search(note)
    weeks = int(weeks_m.group(1)) if weeks_m else None
    for code in ws.has("Z3A"):
        if weeks is None or code != f"Z3A.{weeks:02d}":
            ws.drop(code, "Guideline I.C.15.a.4: Z3A from the weeks of gestation the note documents")
    if weeks_m is not None and weeks is not None and 8 <= weeks <= 42:
        ws.add(
            f"Z3A.{weeks:02d}",
            f"Guideline I.C.15.a.4: weeks of gestation ({weeks})",
            start=weeks_m.start(),
            end=weeks_m.end(),
            score=0.05,
        )
    if INCIDENTAL.search(note):
        if "Z33.1" not in ws.codes():
            ws.add(
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
    for cand in list(ws.suggested()):
        code = cand.code
        if (code[0] == "O" or code.startswith("Z34")) and tri is not None:
            _trimester(ws, cand, tri)
        elif code[0] not in "OZR" and not code.startswith(("U07", "S", "T")):
            # a condition in a pregnancy: chapter 15's code for it, "complicating pregnancy"
            words = re.sub(r",?\s*unspecified\b", "", cand.title)
            target = ws.find(f"{words} complicating pregnancy trimester", ("O",))
            if target is None:
                continue
            reason = f"Guideline I.C.15.a.1: a condition in a pregnancy is coded from chapter 15 first ({target})"
            ws.add(target, reason, start=ws.span(cand)[0], end=ws.span(cand)[1], score=ws.top_score() + 0.03)
            ws.first.setdefault(target, "I.C.15.a.1")
            new = ws.found.get(("icd10cm", target))
            if new is not None and tri is not None:
                _trimester(ws, new, tri)
            if not _asks_for(ws, target, code):
                ws.drop(code, reason)
        elif code.startswith("U07"):
            target = ws.find("other viral diseases complicating pregnancy trimester", ("O98.51",))
            if target:
                ws.add(
                    target,
                    f"Guideline I.C.1.g.1.d / I.C.15.d: COVID-19 in pregnancy ({target}) first, then U07.1",
                    score=ws.top_score() + 0.03,
                )
                ws.first.setdefault(target, "I.C.15.d")
                new = ws.found.get(("icd10cm", target))
                if new is not None and tri is not None:
                    _trimester(ws, new, tri)


def _asks_for(ws: RuleSheet, code: str, other: str) -> bool:
    """Whether a code's Tabular notes ask for the other as an additional code ("use additional code to identify
    the specific condition")."""
    for at in (code, code[:5], code[:3]):
        detail = tabular_detail(at, ws.as_of)
        for note in detail.notes if detail else []:
            if note.kind == "use_additional":
                refs = notes.note_references(note.text)
                if not refs or any(notes.reference_covers(r, other) for r in refs):
                    return True
    return False


def _trimester(ws: RuleSheet, cand: Candidate, tri: int) -> None:
    """The sibling of an O code for the trimester the note documents (I.C.15.a.3)."""
    word = {1: "first trimester", 2: "second trimester", 3: "third trimester"}[tri]
    if word in cand.title.lower() or ("trimester" not in cand.title.lower() and "childbirth" not in cand.title.lower()):
        return
    norm = selectors.normalize(cand.code)
    lo, hi = ws.ix.prefix_range(norm[:-1])
    for k in range(lo, hi):
        if ws.ix.billable[k] and len(ws.ix.norms[k]) == len(norm) and word in ws.ix.titles[k].lower():
            ws.replace(cand, ws.ix.codes[k], f"Guideline I.C.15.a.3: trimester from the weeks documented ({word})")
            ws.first.setdefault(ws.ix.codes[k], ws.first.pop(cand.code, "I.C.15.a.1"))
            return


def newborn(ws: RuleSheet) -> None:
    """A newborn's birth record (I.C.16.a.2, I.C.21.c.12): Z38 first, then prematurity and low birth weight by
    the weeks and grams documented (I.C.16.e); Z3A is for the mother's record only."""
    if not NEWBORN.search(ws.note):
        return
    for code in ws.has("Z3A"):
        ws.drop(code, "Guideline I.C.15.a.4: Z3A is for the mother's record, not the newborn's")
    if not BIRTH_RECORD.search(ws.note):
        return
    delivery = "by cesarean" if re.search(r"\b(?:cesarean|c-section)\b", ws.note, re.I) else "vaginally"
    z38 = ws.find(f"single liveborn infant delivered {delivery}", ("Z38",))
    if z38:
        code = z38
        ws.add(
            code,
            f"Guideline I.C.16.a.2 / I.C.21.c.12: the birth episode of a newborn ({code}) first",
            score=ws.top_score() + 0.05,
        )
        ws.first.setdefault(code, "I.C.16.a.2")
    weeks_m = WEEKS.search(ws.note)
    if weeks_m and int(weeks_m.group(1)) < 37:
        w = int(weeks_m.group(1))
        found = ws.find(f"preterm newborn gestational age {w} completed weeks", ("P07.2", "P07.3"))
        if found and (str(w) in ws.ix.titles[ws.ix.find(selectors.normalize(found)) or 0]):
            ws.add(found, f"Guideline I.C.16.e: prematurity by the weeks documented ({w})", score=0.1)
    grams_m = GRAMS.search(ws.note)
    if grams_m:
        grams = int(grams_m.group(1).replace(",", ""))
        if grams < 2500:
            lo, hi = ws.ix.prefix_range("P07")
            for k in range(lo, hi):
                r = re.search(r"(\d+)-(\d+) grams", ws.ix.titles[k])
                if ws.ix.billable[k] and r and int(r.group(1)) <= grams <= int(r.group(2)):
                    ws.add(
                        ws.ix.codes[k],
                        f"Guideline I.C.16.e: low birth weight by the grams documented ({grams} g)",
                        score=0.1,
                    )
                    break


def delivery(ws: RuleSheet) -> None:
    """A delivery (I.C.15.b.5, I.C.15.o.1): O80 for a full-term uncomplicated vaginal delivery of a single
    liveborn, and the outcome of delivery (Z37) on the mother's record."""
    if NEWBORN_RECORD.search(ws.note) or not DELIVERY.search(ws.note):
        return
    m = DELIVERY.search(ws.note)
    assert m is not None
    others = [c for c in ws.suggested() if c.code[0] == "O" and c.code != "O80"]
    if not others and re.search(r"\b(?:no complications|uncomplicated|normal|healthy)\b", ws.note, re.I):
        ws.add(
            "O80",
            "Guideline I.C.15.o.1: encounter for full-term uncomplicated delivery (O80)",
            start=m.start(),
            end=m.end(),
            score=ws.top_score() + 0.05,
        )
        ws.first.setdefault("O80", "I.C.15.o.1")
    twins = re.search(r"\b(?:twins?|triplets?)\b", ws.note, re.I)
    outcome = ws.find(("twins, both liveborn" if twins else "single live birth") + " outcome of delivery", ("Z37",))
    if outcome:
        ws.add(
            outcome,
            f"Guideline I.C.15.b.5: outcome of delivery on the mother's record ({outcome})",
            start=m.start(),
            end=m.end(),
            score=0.05,
        )


def gestational_diabetes(ws: RuleSheet) -> None:
    """I.C.15.g: gestational diabetes is O24.4-, by its control (insulin over oral drugs over diet); not a
    type 2 diabetes code, and Z79.4 is not added to O24.4-."""
    m = re.search(r"\bgestational diabetes\b|\bGDM\b", ws.note, re.I)
    if m is None:
        return
    control = (
        "insulin controlled"
        if re.search(r"\binsulin\b", ws.note, re.I)
        else "controlled by oral hypoglycemic drugs"
        if re.search(r"\b(?:metformin|glyburide|oral)\b", ws.note, re.I)
        else "diet controlled"
        if re.search(r"\bdiet\b", ws.note, re.I)
        else "unspecified control"
    )
    code = ws.find(f"gestational diabetes mellitus in pregnancy {control}", ("O24.4",))
    if code is None:
        return
    for old in ws.has("E08", "E09", "E10", "E11", "E13", "Z79.4", "O24.9"):
        ws.drop(old, f"Guideline I.C.15.g: gestational diabetes ({code})")
    ws.add(
        code,
        f"Guideline I.C.15.g: gestational diabetes, {control} ({code})",
        start=m.start(),
        end=m.end(),
        score=ws.top_score() + 0.03,
    )
    ws.first.setdefault(code, "I.C.15.g")
