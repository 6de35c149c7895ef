"""Status and factor codes of chapter 21 and their conditions: long-term drug therapy (Z79), tobacco (F17, Z71.6,
Z77.22), BMI (Z68) only with a weight diagnosis, an incidental pregnancy (Z33.1)."""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

from medcode.search.casecode.rules.context import INCIDENTAL
from medcode.search.casecode.rules.sheet import RuleSheet

DRUG_TABLE = Path(__file__).resolve().parents[2] / "data" / "long_term_drugs.tsv"  # medcode/search/data

# a long-term drug (Z79) is one the patient is on, not one started, given once or given today
ON_DRUG = re.compile(
    r"\b(?:on|taking|takes|taken|uses|using|maintained on|continues?|continuing|current(?:ly)? on|requiring|"
    r"managed with|controlled (?:on|with))\b",
    re.I,
)

NOT_LONG_TERM = re.compile(
    r"\b(?:start(?:ed|ing)?|initiat\w*|today|once|given|single dose|trial of|prescribed for)\b", re.I
)

# who is meant by a drug: a relative's tablets swallowed, a substance taken in overdose are no long-term use
POISONING_WORDS = re.compile(r"\b(?:overdose|poison\w*|swallowed|ingest\w*|by mistake|accidental\w*|toxic\w*)\b", re.I)

LONG_TERM = "Guideline I.C.21.c.3: long-term (current) drug therapy, Tabular use additional code ({code})"

BMI_VALUE = re.compile(r"\bBMI (?:of |is |was |= ?)?(\d{2}(?:\.\d)?)\b", re.I)

BMI_ALONE = "Guideline I.B.14 / I.C.21.c.3: BMI is reported only with an associated diagnosis (obesity, overweight...)"

INCIDENTAL_PREGNANCY = "Guideline I.C.15.a.1: Z33.1 only when the provider documents the pregnancy as incidental"


@functools.lru_cache(maxsize=1)
def drug_table() -> dict[str, tuple[str, str]]:
    """Drug names (generic and brand, lower case) -> (Z79 code, drug class), from the reviewed table."""
    out: dict[str, tuple[str, str]] = {}
    with DRUG_TABLE.open(encoding="utf-8") as fh:
        rows = csv.reader((line for line in fh if line.strip() and not line.startswith("#")), delimiter="\t")
        header = next(rows)
        assert header[:3] == ["drug", "code", "class"], header
        for drug, code, what, *_ in rows:
            out[drug.strip().lower()] = (code.strip(), what.strip())
    return out


@functools.lru_cache(maxsize=1)
def _drug_pattern() -> re.Pattern[str]:
    names = sorted(drug_table(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.I)


def long_term_drugs(ws: RuleSheet) -> None:
    """I.C.21.c.3 and the Tabular's "use additional code ... (Z79.-)": long-term (current) use of a drug the
    patient is on (a reviewed table of drugs by class); not a drug started today, nor one taken in overdose."""
    table = drug_table()
    current = ws.codes()
    pregnant_insulin = any(c.startswith(("O24.41", "O24.81", "O24.11", "O24.31")) for c in current)
    for clause in ws.parts:
        if clause.status != "current":
            continue
        said = clause.text
        if POISONING_WORDS.search(said) and not re.search(r"as prescribed", said, re.I):
            continue
        for m in _drug_pattern().finditer(said):
            before = said[: m.start()]
            on = list(ON_DRUG.finditer(before))
            if not on and not re.search(r"\bas prescribed\b", said[m.end() :], re.I):
                continue
            if NOT_LONG_TERM.search(said[(on[-1].end() if on else 0) : m.start()]) or NOT_LONG_TERM.search(
                said[m.end() : m.end() + 20]
            ):
                continue
            code, what = table[m.group(1).lower()]
            if code == "Z79.4" and pregnant_insulin:
                continue  # I.C.15.g: Z79.4 is not assigned with O24.4- insulin controlled
            start = clause.start + m.start()
            ws.add(code, f"{LONG_TERM.format(code=code)}: {what}", start=start, end=clause.start + m.end(), score=0.15)


def tobacco(ws: RuleSheet) -> None:
    """I.C.5.b.? / Tabular F17 and Z71.6, Z77.22: current tobacco use is nicotine dependence by product;
    counseling is Z71.6; exposure to others' smoke is Z77.22."""
    note = ws.note
    current = re.search(
        r"\b(?:smokes|current(?:ly)? smok\w+|current smoker|active smoker|\d+(?:\.\d+)? ?(?:ppd|packs? (?:a|per) day))\b",
        note,
        re.I,
    )
    if current and not re.search(
        r"\b(?:parents?|mother|father|household|spouse|partner)\s+smokes?\b",
        note[max(0, current.start() - 20) : current.end()],
        re.I,
    ):
        product = (
            "cigarettes"
            if re.search(r"\bcigarettes?|ppd|packs?\b", note, re.I)
            else "cigars"
            if re.search(r"\bcigars?\b", note, re.I)
            else ""
        )
        code = ws.find(f"nicotine dependence {product or 'unspecified'} uncomplicated", ("F17.2",))
        if code:
            ws.add(
                code,
                f"Guideline I.C.5.b / Index (Smoker - see Dependence, drug, nicotine): current tobacco use ({code})",
                start=current.start(),
                end=current.end(),
                score=0.2,
            )
    counsel = re.search(
        r"\b(?:smoking|tobacco) cessation\b|\bcounsel\w* (?:on|for|about) (?:smoking|tobacco)\b", note, re.I
    )
    if counsel:
        for code in ws.has("Z71.9", "Z71.89"):
            ws.drop(code, "Guideline I.C.21.c.10: tobacco counseling has its own code (Z71.6)")
        ws.add(
            "Z71.6",
            "Guideline I.C.21.c.10: tobacco abuse counseling (Z71.6)",
            start=counsel.start(),
            end=counsel.end(),
            score=ws.top_score() + 0.05,
        )
        ws.first.setdefault("Z71.6", "I.C.21.c.10")
    exposed = re.search(
        r"\b(?:parents?|mother|father|household|caregivers?)\s+smokes?\b|\b(?:second-?hand|environmental|passive) (?:tobacco )?smoke\b",
        note,
        re.I,
    )
    if exposed:
        ws.add(
            "Z77.22",
            "Guideline I.C.21.c.3: exposure to environmental tobacco smoke (Z77.22)",
            start=exposed.start(),
            end=exposed.end(),
            score=0.05,
        )


def bmi(ws: RuleSheet) -> None:
    """I.B.14 / I.C.21.c.3: the BMI code of the value documented (Z68), with its weight diagnosis."""
    m = BMI_VALUE.search(ws.note)
    if m is None or not ws.has("E66", "E88.82", "R63.5", "E44", "E43"):
        return
    value = float(m.group(1))
    adult = ws.find(f"body mass index bmi {int(value)} adult", ("Z68.",))
    lo, hi = ws.ix.prefix_range("Z68")
    for k in range(lo, hi):
        title = ws.ix.titles[k]
        r = re.search(r"(\d+(?:\.\d)?)-(\d+(?:\.\d)?)", title)
        top = re.search(r"(\d+(?:\.\d)?) or greater", title)
        if (
            ws.ix.billable[k]
            and "adult" in title.lower()
            and (
                (r and float(r.group(1)) <= value <= float(r.group(2)) + 0.09) or (top and value >= float(top.group(1)))
            )
        ):
            adult = ws.ix.codes[k]
            break
    for code in ws.has("Z68"):
        if code != adult:
            ws.drop(code, f"Guideline I.B.14: the BMI documented is {value:g}")
    if adult:
        ws.add(
            adult,
            f"Guideline I.B.14: BMI {value:g}, reported with the weight diagnosis ({adult})",
            start=m.start(),
            end=m.end(),
            score=0.05,
        )


def status_codes(ws: RuleSheet) -> None:
    """BMI only with a weight diagnosis (I.B.14); Z33.1 only when the pregnancy is documented as incidental."""
    codes = ws.codes()
    if ws.has("Z68") and not any(c.startswith(("E66", "E88.82", "R63.5", "E44", "E43", "E46", "R62")) for c in codes):
        for code in ws.has("Z68"):
            ws.drop(code, BMI_ALONE)
    if "Z33.1" in codes and not INCIDENTAL.search(ws.note):
        ws.drop("Z33.1", INCIDENTAL_PREGNANCY)
