"""The code ranges of HCPCS Level II (our titles, after the usual section headings) and their concepts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from medcode.ingest.records import Concept

# The code ranges of HCPCS Level II by their section headings. Titles are ours (after the usual
# CMS/industry headings), so range concepts carry attrs {"generated": "true"}.
RANGES: tuple[tuple[str, str, str], ...] = (
    ("A0000", "A0999", "Transportation Services Including Ambulance"),
    ("A2000", "A2999", "Skin Substitutes"),
    ("A4000", "A8999", "Medical and Surgical Supplies"),
    ("A9000", "A9999", "Administrative, Miscellaneous and Investigational"),
    ("B4000", "B9999", "Enteral and Parenteral Therapy"),
    ("C1000", "C9999", "Outpatient PPS"),
    ("E0100", "E9999", "Durable Medical Equipment"),
    ("G0000", "G9999", "Procedures/Professional Services (Temporary)"),
    ("H0001", "H9999", "Alcohol and Drug Abuse Treatment Services"),
    ("J0000", "J8499", "Drugs Administered Other Than Oral Method"),
    ("J8500", "J9999", "Chemotherapy Drugs"),
    ("K0000", "K9999", "Temporary Codes (DME MACs)"),
    ("L0000", "L4999", "Orthotic Procedures and Devices"),
    ("L5000", "L9999", "Prosthetic Procedures"),
    ("M0000", "M9999", "Other Medical Services"),
    ("P0000", "P9999", "Pathology and Laboratory Services"),
    ("Q0000", "Q9999", "Temporary Codes"),
    ("R0000", "R9999", "Diagnostic Radiology Services"),
    ("S0000", "S9999", "Temporary National Codes (Non-Medicare)"),
    ("T1000", "T9999", "National Codes Established for State Medicaid Agencies"),
    ("U0000", "U9999", "Coronavirus Diagnostic Panel"),
    ("V0000", "V2999", "Vision Services"),
    ("V5000", "V5999", "Hearing and Speech-Language Pathology Services"),
)
# A code outside every range above falls into its letter's range with this title.
LETTER_RANGE_TITLE = "HCPCS Level II {letter} codes"
GENERATED = {"generated": "true"}


def range_of(code: str) -> str:
    """The code of the range concept ("A0000-A0999") that a Level II code belongs to."""
    for start, end, _title in RANGES:
        if start <= code <= end:
            return f"{start}-{end}"
    return f"{code[0]}0000-{code[0]}9999"


def range_concepts(codes: Iterable[str]) -> Iterator[Concept]:
    """The range concepts that hold at least one of ``codes``, in code order (titles are ours)."""
    titles = {f"{start}-{end}": title for start, end, title in RANGES}
    used = sorted({range_of(code) for code in codes})
    for code in used:
        title = titles.get(code) or LETTER_RANGE_TITLE.format(letter=code[0])
        yield Concept(code=code, title=title, kind="range", attrs=dict(GENERATED))
