"""The reason for an encounter when it is no condition (chapter 21, I.C.21.c): screening, general examinations,
preoperative evaluations, aftercare, devices, contraception, immunization, routine prenatal care, chemotherapy."""

from __future__ import annotations

import re
from dataclasses import dataclass

from medcode.search import engine, services
from medcode.search import query as querying
from medcode.search.casecode.rules.context import AGE
from medcode.search.casecode.rules.sheet import RuleSheet

SCREENING = re.compile(r"\bscreen(?:ing)?\b", re.I)

SCREENING_RULE = "Guideline I.C.21.c.5: screening encounter ({code}); the condition screened for is not coded"

ADULT_EXAM = "encounter for general adult medical examination"

CHILD_EXAM = "encounter for routine child health examination"


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


def screening(ws: RuleSheet) -> None:
    """I.C.21.c.5: a screening encounter is coded with its Z11-Z13 code first; the condition screened for is
    not coded (a screening that finds something is still listed first, the finding after it)."""
    lex = services.codebook_lexicon()
    for clause in ws.parts:
        if clause.status not in ("current", "history") or not SCREENING.search(clause.text):
            continue
        words = re.sub(
            r"\b(?:screen(?:ing)?|for|to|an?|the|routine|average risk|asymptomatic)\b", " ", clause.text, flags=re.I
        )
        pq = querying.parse(f"encounter for screening {words}", ws.ix.vocab, lex, correct=False)
        best = None
        for hit in engine.rank(ws.ix, pq, limit=8, billable_only=True):
            code = ws.ix.codes[hit.concept]
            if "Z11" <= code[:3] <= "Z13":
                best = code
                break
        if best is None:
            continue
        ws.add(
            best,
            SCREENING_RULE.format(code=best),
            start=clause.start,
            end=clause.start + len(clause.text),
            score=ws.top_score() + 0.02,
        )
        ws.first.setdefault(best, "I.C.21.c.5")
        # the condition screened for is no diagnosis: neoplasms and disorders named in the screening clause
        for cand in list(ws.suggested()):
            if cand.code == best or cand.code.startswith("Z"):
                continue
            if all(
                clause.start <= e.start < clause.start + len(clause.text)
                for e in cand.evidence
                if e.status == "current"
            ):
                ws.drop(cand.code, f"{SCREENING_RULE.format(code=best)}")


def immunization_clause(ws: RuleSheet) -> None:
    """I.C.21.c.2: the diseases a vaccine is named after are not diagnoses ("hepatitis A vaccine given")."""
    for clause in ws.parts:
        m = re.search(r"\bvaccin\w*|\bimmuni[sz]\w*", clause.text, re.I)
        if not m:
            continue
        a, b = clause.start, clause.start + len(clause.text)
        for cand in list(ws.suggested()):
            if cand.code[0] in "Z":
                continue
            if cand.evidence and all(a <= e.start < b for e in cand.evidence):
                ws.drop(
                    cand.code,
                    "Guideline I.C.21.c.2: a vaccine names the disease it prevents, not one the patient has",
                )


def encounters(ws: RuleSheet) -> None:
    """The reason for the encounter when it is no condition (chapter 21, I.C.21.c): chemotherapy (I.C.2.e.2),
    general examinations (I.C.21.c.13), preoperative evaluations (IV.M), aftercare (I.C.21.c.7), checking a
    device, contraception (I.C.21.c.11), immunization (I.C.21.c.2), routine prenatal care (I.C.15.b),
    newborns' birth records (I.C.16.a, I.C.16.e): found in the codebook by the words of its title."""
    note = ws.note
    age = AGE.search(note)
    child = bool(age and (age.group(2).lower().startswith(("month", "week", "day")) or int(age.group(1)) < 18))
    child = (
        child
        or re.search(r"\b(?:well[- ](?:child|baby)|\d+[- ]month|infant|toddler|pediatric)\b", note, re.I) is not None
    )
    span = (0, len(note))
    findings = [c for c in ws.suggested() if c.code[0] not in "ZRVWXY"]
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
        code = ws.find(query, rule.prefixes)
        if code is None:
            continue
        span = (m.start(), m.end())
        reason = f"Guideline {rule.section}: {rule.what} ({code})"
        ws.add(code, reason, start=span[0], end=span[1], score=ws.top_score() + (0.05 if rule.first else 0.0))
        if rule.first:
            ws.first.setdefault(code, rule.section)
        if rule.section == "I.C.21.c.7":
            side = re.search(r"\b(right|left|bilateral)\b", note, re.I)
            joint = re.search(r"\b(knee|hip|shoulder|ankle|elbow|wrist)\b", note, re.I)
            if joint:
                status = ws.find(
                    f"presence of {side.group(1) if side else ''} artificial {joint.group(1)} joint", ("Z96.6",)
                )
                if status:
                    ws.add(
                        status,
                        f"Guideline I.C.21.c.7: aftercare, with the status of the joint ({status})",
                        start=span[0],
                        end=span[1],
                    )
            # the condition the replacement treated is gone: it is not coded with the aftercare
            for cand in findings:
                if cand.code[0] == "M":
                    ws.drop(cand.code, f"Guideline I.C.21.c.7: aftercare of its treatment ({code})")
