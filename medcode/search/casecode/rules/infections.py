"""Chapter 1 (I.C.1): COVID-19 first with its manifestations, an exposure that is no case of the disease, sepsis
present on admission first."""

from __future__ import annotations

import re

from medcode.search.casecode.rules.sheet import RuleSheet

COVID = re.compile(r"\b(?:covid(?:-19)?|sars-cov-2|coronavirus disease 2019)\b", re.I)


def infections(ws: RuleSheet) -> None:
    """Chapter 1: COVID-19 (U07.1) first with its manifestations (I.C.1.g.1.a-b); an exposure to a disease
    (Z20) is no case of it (I.C.1.g.1.e)."""
    if ws.has("J12.82", "J20.8", "J22", "J80", "J98.8", "J96.0") and COVID.search(ws.note) and not ws.has("Z20"):
        ws.add(
            "U07.1",
            "Guideline I.C.1.g.1.a: COVID-19 confirmed, U07.1 first, with its manifestations",
            score=ws.top_score() + 0.05,
        )
    if ws.has("U07.1") and not ws.has("O98.5"):
        ws.first.setdefault("U07.1", "I.C.1.g.1.a")
    for z in ws.has("Z20"):
        zc = ws.found[("icd10cm", z)]
        spans = [(e.start, e.end) for e in zc.evidence]
        for cand in list(ws.suggested()):
            if cand.code[0] in "Z" or cand.code == z:
                continue
            if all(any(a <= e.start < b for a, b in spans) for e in cand.evidence if e.status == "current"):
                ws.drop(cand.code, f"Guideline I.C.1.g.1.e: exposure to a disease is not the disease ({z})")


def sepsis(ws: RuleSheet) -> None:
    """I.C.1.d.4: sepsis present on admission is sequenced before its localized infection; one that develops
    after admission follows the reason for admission."""
    sepsis = ws.has("A40", "A41", "A02.1", "A22.7", "A26.7", "A32.7", "A39.4", "B37.7")
    if not sepsis:
        return
    if re.search(r"\b(?:not present on admission|developed (?:on|after)|hospital day \d+)\b", ws.note, re.I):
        return
    ws.first.setdefault(sepsis[0], "I.C.1.d.4")
