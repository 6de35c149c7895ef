"""The CMS ICD-10-CM order file source and the FY2025 default built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Release
from medcode.ingest.sources import icd10cm_order

LINES = [
    ("00001", "A00", "0", "Cholera", "Cholera"),
    (
        "00002",
        "A000",
        "1",
        "Cholera due to Vibrio cholerae 01, biovar cholerae",
        "Cholera due to Vibrio cholerae 01, biovar cholerae",
    ),
    (
        "00003",
        "A001",
        "1",
        "Cholera due to Vibrio cholerae 01, biovar eltor",
        "Cholera due to Vibrio cholerae 01, biovar eltor",
    ),
]


def order_file(tmp_path: Path, lines: list[tuple[str, str, str, str, str]]) -> Path:
    path = tmp_path / "icd10cm_order_2026.txt"
    path.write_text("".join(f"{o} {c:<7} {h} {s:<60} {long}\n" for o, c, h, s, long in lines), encoding="latin-1")
    return path


def test_order_file_gives_codes_titles_and_parents(tmp_path: Path) -> None:
    records = list(icd10cm_order.parse(order_file(tmp_path, LINES)))
    release = records[0]
    assert isinstance(release, Release) and release.version == "2026"
    assert release.effective_from.isoformat() == "2025-10-01"
    concepts = [r for r in records if isinstance(r, Concept)]
    assert [(c.code, c.parent, c.billable) for c in concepts] == [
        ("A00", None, False),
        ("A00.0", "A00", True),
        ("A00.1", "A00", True),
    ]


def test_a_line_out_of_layout_is_named(tmp_path: Path) -> None:
    path = order_file(tmp_path, LINES)
    path.write_text(path.read_text(encoding="latin-1") + "garbage line\n", encoding="latin-1")
    with pytest.raises(IngestError, match=r"icd10cm_order_2026.txt: line 4: expected the CMS order-file layout"):
        list(icd10cm_order.parse(path))


def test_fy2025_default_has_the_fy2025_billable_count() -> None:
    records = list(icd10cm_order.parse_default_fy2025())
    concepts = {r.code: r for r in records if isinstance(r, Concept)}
    assert sum(c.billable for c in concepts.values()) == 74_260  # CMS: 74,260 billable FY2025 codes
    assert concepts["S72.001A"].parent == "S72.001"
    assert concepts["S72.001A"].short_title == "Fracture of unsp part of neck of right femur, init"
