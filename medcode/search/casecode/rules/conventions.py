"""Conventions and Tabular instructions (section I.A-I.B and the "with" convention of I.C.9.a and I.C.4.a):
combination codes, Excludes1, unspecified beside specific, signs integral to a diagnosis, uncertain diagnoses of
an inpatient record."""

from __future__ import annotations

import re
from typing import Any

from medcode.codebook import notes, selectors
from medcode.search.casecode.candidates import UNCERTAIN_REASON
from medcode.search.casecode.rules.context import tabular_detail
from medcode.search.casecode.rules.sheet import RuleSheet

# the section of the guidelines each rule follows (FY2026 ICD-10-CM Official Guidelines for Coding and Reporting)
UNCERTAIN_INPATIENT = "Guideline II.H / III.C: uncertain diagnosis at discharge coded as if established (inpatient)"

KIDNEY_STAGE_5 = ("N18.5", "N18.6")

DIALYSIS = re.compile(
    r"\b(?:on|receiving|dependent on|requires?)\s+(?:chronic\s+)?(?:hemo|peritoneal\s+)?dialysis\b", re.I
)

WITH_CONVENTION = "Guideline I.A.15 / I.C.9.a.{n}: {what} presumed linked ({code})"

DIABETES_CKD = "Guideline I.A.15 / I.C.4.a: diabetes with chronic kidney disease presumed linked (E1x.22)"

USE_ADDITIONAL = "Tabular: use additional code at {at} ({code})"

DIALYSIS_STATUS = "Guideline I.C.21.c.3: status, dependence on renal dialysis (Z99.2)"

EXCLUDES1 = "Tabular: Excludes1 at {at} ({other} is reported instead)"

MORE_SPECIFIC = (
    "Guideline I.B.2 / I.A.9: an unspecified code is not reported beside a specific code of its category ({other})"
)

INTEGRAL = "Guideline I.B.5: a sign or symptom routinely part of a confirmed diagnosis is not coded ({other})"


# --- rules ----------------------------------------------------------------------------------------------
def uncertain_inpatient(ws: RuleSheet) -> None:
    """II.H / III.C: an inpatient record codes a diagnosis uncertain at discharge as if it were established."""
    if not ws.ctx.inpatient:
        return
    for cand in list(ws.found.values()):
        if cand.system != "icd10cm" or cand.stated:
            continue
        if any(e.status == "uncertain" and e.reason.startswith(UNCERTAIN_REASON) for e in cand.evidence):
            cand.stated = True
            cand.evidence.insert(0, ws.evidence(UNCERTAIN_INPATIENT, cand.title, *ws.span(cand)))


def with_convention(ws: RuleSheet) -> None:
    """I.A.15 and I.C.9.a: hypertension with heart disease or chronic kidney disease, and diabetes with chronic
    kidney disease, are linked unless the provider says otherwise: combination codes, with the stage and the
    type of heart failure as additional codes."""
    htn = ws.has("I10", "I11", "I12", "I13", "I16")
    ckd = ws.has("N18")
    hf = ws.has("I50")
    if (htn and ckd) or (htn and hf) or ws.has("I13"):
        stage5 = any(c.startswith(KIDNEY_STAGE_5) for c in ckd)
        if ckd and (hf or ws.has("I13")):
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
                ws.drop(old, f"combined into {code} ({reason})")
        ws.add(code, reason, score=ws.top_score() + 0.01)
        ws.first.setdefault(code, f"I.C.9.a.{n}")
        if ckd and not [c for c in ckd if c != "N18.9"] and "N18.9" not in ckd:
            ws.add("N18.9", USE_ADDITIONAL.format(at=code, code="N18.-"))
    diabetes = [c for c in ws.has("E08", "E09", "E10", "E11", "E13")]
    if diabetes and ckd:
        kind = diabetes[0][:3]
        if f"{kind}.22" not in ws.codes():
            for old in diabetes:
                if old in (f"{kind}.9", f"{kind}.8"):
                    ws.drop(old, f"combined into {kind}.22 ({DIABETES_CKD})")
            ws.add(f"{kind}.22", DIABETES_CKD)
    # N19 (kidney failure NOS) beside a stated stage, N18.9 beside a stage: the stage says more
    if ws.has("N18.1", "N18.2", "N18.3", "N18.4", "N18.5", "N18.6"):
        for vague in ("N18.9", "N19"):
            if vague in ws.codes():
                ws.drop(vague, MORE_SPECIFIC.format(other=", ".join(ws.has("N18"))))
    if ws.has("N18.6", "N18.5", "I12.0", "I13.2") and DIALYSIS.search(ws.note):
        m = DIALYSIS.search(ws.note)
        assert m is not None
        ws.add("Z99.2", DIALYSIS_STATUS, start=m.start(), end=m.end(), score=0.2)


OTHER_WITHOUT_KIND = (
    'Guideline I.A.9.a-b: an "other" code is for a kind the record names that has no code of its own; the note names '
    "none: the unspecified code ({other}) is reported"
)


def other_without_a_kind(ws: RuleSheet) -> None:
    """I.A.9: an "Other ..." code and the unspecified code of its subcategory's parent, both stated by the same words
    of the note ("healed fracture of right humeral shaft"): the note names no other kind, the unspecified code
    stands."""
    for code in sorted(ws.codes()):
        cand = ws.found.get(("icd10cm", code))
        if cand is None or not cand.title.startswith("Other "):
            continue
        spans = {e.start for e in cand.evidence if e.status == "current"}
        for other in sorted(ws.codes()):
            if other[:3] != code[:3] or other == code:
                continue
            k = ws.ix.find(selectors.normalize(other))
            twin = ws.found.get(("icd10cm", other))
            if k is None or twin is None or not ws.ix.default_like[k] or "other" in ws.note.lower().split():
                continue
            if spans and spans <= {e.start for e in twin.evidence}:
                ws.drop(code, OTHER_WITHOUT_KIND.format(other=other))
                break


UNSPECIFIED = re.compile(r"\bunspecified\b", re.I)


def _unspecified(ws: RuleSheet, concept: int) -> bool:
    """Whether a code is its category's code for what the record leaves unsaid: a title that ends "unspecified" or
    "without complications" (the index's default), or that says "unspecified" of one of its axes ("Preterm newborn,
    unspecified weeks of gestation", "..., site unspecified")."""
    return bool(ws.ix.default_like[concept]) or UNSPECIFIED.search(ws.ix.titles[concept]) is not None


DIABETES_CODE_FIRST = (
    'Guideline I.A.15 / I.C.4.a: a diabetic complication whose Tabular note says "code first" {code} is coded '
    "with the diabetes combination code ({code} at {at})"
)


def diabetes_code_first(ws: RuleSheet) -> None:
    """I.A.15 and I.C.4.a: a condition the note calls diabetic ("diabetic gastroparesis") whose Tabular note says
    "code first" the diabetes code of that complication (K31.84: "code first ... E11.43") takes that combination
    code in place of diabetes without (or with unspecified) complications."""
    vague = [c for c in ws.has("E08", "E09", "E10", "E11", "E13") if c[4:] in ("9", "8")]
    if not vague:
        return
    kind = vague[0][:3]
    for cand in list(ws.suggested()):
        if cand.code[0] == "E" or not any(DIABETIC.search(e.text) for e in cand.evidence):
            continue
        detail = tabular_detail(cand.code, ws.as_of)
        refs = [
            r for n in (detail.notes if detail else []) if n.kind == "code_first" for r in notes.note_references(n.text)
        ]
        combined = next((r for r in refs if r.startswith(kind) and r[4:].rstrip("-") and r not in vague), None)
        k = ws.ix.find(selectors.normalize(combined)) if combined else None
        if combined is None or k is None or not ws.ix.billable[k]:
            continue
        reason = DIABETES_CODE_FIRST.format(code=ws.ix.codes[k], at=cand.code)
        for old in vague:
            ws.drop(old, f"combined into {ws.ix.codes[k]} ({reason})")
        ws.add(ws.ix.codes[k], reason, start=ws.span(cand)[0], end=ws.span(cand)[1], score=cand.score + 0.01)
        return


DIABETIC = re.compile(r"\bdiabet", re.I)


def tabular_pairs(ws: RuleSheet) -> None:
    """Excludes1 between two suggested codes (the code whose note excludes the other is left out), and an
    unspecified code beside a more specific code of its own category."""
    codes = sorted(ws.codes())
    for code in codes:
        detail = tabular_detail(code, ws.as_of)
        if detail is None or code not in ws.codes():
            continue
        for note in detail.notes:
            if note.kind != "excludes1":
                continue
            refs = notes.note_references(note.text)
            others = [
                o
                for o in ws.codes()
                if o != code and o[:3] != code[:3] and any(notes.reference_covers(r, o) for r in refs)
            ]
            if others:
                ws.drop(code, EXCLUDES1.format(at=note.code, other=", ".join(others)))
                break
    for code in sorted(ws.codes()):
        concept = ws.ix.find(selectors.normalize(code))
        if concept is None or not _unspecified(ws, concept):
            continue
        siblings = [o for o in ws.codes() if o != code and o[:3] == code[:3]]
        specific = [
            o for o in siblings if (k := ws.ix.find(selectors.normalize(o))) is not None and not _unspecified(ws, k)
        ]
        if specific:
            ws.drop(code, MORE_SPECIFIC.format(other=", ".join(specific)))


def integral_signs(ws: RuleSheet) -> None:
    """I.B.5: signs and symptoms (R00-R99) are not coded beside a confirmed diagnosis they are part of; they
    are kept where a Tabular note asks for them ("use additional code ... nocturia (R35.1)") and as the
    manifestations of a poisoning (I.C.19.e.5.b)."""
    codes = ws.codes()
    definitive = [c for c in codes if c[0] not in "RZVWXY" and not c.startswith("U")]
    poisoning = any("T36" <= c[:3] <= "T65" for c in codes)
    if not definitive or poisoning:
        return
    asked = set()
    for code in definitive:
        detail = tabular_detail(code, ws.as_of)
        for note in detail.notes if detail else []:
            if note.kind == "use_additional":
                refs = notes.note_references(note.text)
                asked |= {r for r in codes if r[0] == "R" and any(notes.reference_covers(x, r) for x in refs)}
    # a sign is part of a diagnosis the note states before it in the same sentence ("appendicitis presenting
    # with RLQ pain", "strep pharyngitis; sore throat"), not of one listed beside it ("haematuria and anaemia")
    definitive = [c for c in definitive if not c.startswith("G89")]
    diagnosed = [(_where(ws, e), _sentence(ws, e.start)) for c in definitive for e in ws.found[("icd10cm", c)].evidence]
    for code in codes:
        # G89 pain codes are not assigned when the underlying diagnosis is known (I.C.6.b.1.a)
        if not (code[0] == "R" or code.startswith("G89")) or code in asked:
            continue
        said = [(_where(ws, e, last=True), _sentence(ws, e.start)) for e in ws.found[("icd10cm", code)].evidence]
        if said and all(any(d < s and ds == ss for d, ds in diagnosed) for s, ss in said):
            ws.drop(code, INTEGRAL.format(other=", ".join(sorted(definitive)[:3])))


def _where(ws: RuleSheet, e: Any, *, last: bool = False) -> int:
    """Where in its clause a piece of evidence's words are first (or last) said (the clause's start if nowhere)."""
    low = ws.note.lower()
    found = [low.find(w[:5], e.start, e.end) for w in re.findall(r"[a-z]{4,}", str(e.matched).lower())]
    at = [f for f in found if f >= 0]
    return (max(at) if last else min(at)) if at else int(e.start)


def _sentence(ws: RuleSheet, at: int) -> int:
    """Which sentence of the note (cut at full stops and line ends) holds the offset."""
    return len(re.findall(r"[.!?](?:\s|$)|\n", ws.note[:at]))
