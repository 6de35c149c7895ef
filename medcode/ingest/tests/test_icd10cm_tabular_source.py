"""The ICD-10-CM tabular XML source: structure, notes, generated 7th-character codes, broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Note, Release, SeventhCharacter
from medcode.ingest.sources import icd10cm_tabular as tabular


@pytest.fixture(scope="module")
def records() -> list[object]:
    return list(tabular.parse_default())


def concepts(records: list[object]) -> dict[str, Concept]:
    return {r.code: r for r in records if isinstance(r, Concept)}


def test_release_is_fy2026_april_update(records: list[object]) -> None:
    release = records[0]
    assert isinstance(release, Release)
    assert (release.system, release.version, release.effective_from.isoformat()) == (
        "icd10cm",
        "2026-04",
        "2026-04-01",
    )


def test_hierarchy_levels_and_billable_flags(records: list[object]) -> None:
    by_code = concepts(records)
    assert by_code["4"].kind == "chapter"
    assert by_code["E08-E13"].kind == "section" and by_code["E08-E13"].parent == "4"
    assert by_code["E11"].kind == "category" and not by_code["E11"].billable
    assert by_code["E11.4"].parent == "E11" and not by_code["E11.4"].billable
    assert by_code["E11.42"].title == "Type 2 diabetes mellitus with diabetic polyneuropathy"
    assert by_code["E11.42"].billable
    # a section whose id has no range gets a range code so it cannot collide with its category
    assert by_code["B99-B99"].kind == "section" and by_code["B99"].kind == "category"


def test_seventh_character_codes_are_generated_as_cms_lists_them(records: list[object]) -> None:
    by_code = concepts(records)
    assert by_code["S72.001A"].title == (
        "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture"
    )
    assert by_code["S72.001A"].parent == "S72.001" and by_code["S72.001A"].billable
    assert not by_code["S72.001"].billable and by_code["S72.001"].attrs["requires_7th"] == "true"
    assert "T36.0X1A" in by_code and by_code["T36.0X1A"].parent == "T36.0X1"
    assert "S01.01XA" in by_code  # placeholder X up to the sixth character
    sevenths = [r for r in records if isinstance(r, SeventhCharacter) and r.code == "S72"]
    assert ("A", "initial encounter for closed fracture") in {(s.char, s.meaning) for s in sevenths}


def test_every_note_kind_is_kept_verbatim(records: list[object]) -> None:
    notes = [r for r in records if isinstance(r, Note)]
    kinds = {n.kind for n in notes}
    assert kinds >= {
        "includes",
        "inclusion_term",
        "excludes1",
        "excludes2",
        "code_first",
        "use_additional",
        "code_also",
        "note",
        "seven_chr_note",
    }
    e11 = {(n.kind, n.text) for n in notes if n.code == "E11"}
    assert ("includes", "diabetes (mellitus) due to insulin secretory defect") in e11
    assert ("use_additional", "insulin (Z79.4)") in e11
    assert any(kind == "excludes1" and "E08.-" in text for kind, text in e11)


def test_code_list_drops_seventh_characters_cms_does_not_list(records: list[object]) -> None:
    without_list = {r.code for r in tabular.parse(tabular.default_path()) if isinstance(r, Concept)}
    with_list = set(concepts(records))
    assert with_list < without_list


MINIMAL = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular><version>2026</version>
<chapter><name>1</name><desc>Certain infectious and parasitic diseases (A00-B99)</desc>
<section id="A00-A09"><desc>Intestinal infectious diseases (A00-A09)</desc>
<diag><name>A00</name><desc>Cholera</desc>
<diag><name>A00.0</name><desc>Cholera due to Vibrio cholerae 01, biovar cholerae</desc></diag>
</diag></section></chapter></ICD10CM.tabular>
"""


def write(tmp_path: Path, text: str, name: str = "icd10cm_tabular_2026.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_official_shape_parses(tmp_path: Path) -> None:
    records = list(tabular.parse(write(tmp_path, MINIMAL)))
    assert isinstance(records[0], Release) and records[0].effective_from.isoformat() == "2025-10-01"
    assert [r.code for r in records if isinstance(r, Concept)] == ["1", "A00-A09", "A00", "A00.0"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL[: len(MINIMAL) // 2], "malformed XML at line"),
        (MINIMAL.replace("ICD10CM.tabular>", "ICD10PCS.tabular>"), "expected root element <ICD10CM.tabular>"),
        (
            MINIMAL.replace("<name>A00.0</name>", "<name>A00.0</name><name2/>").replace(
                "<desc>Cholera due to Vibrio cholerae 01, biovar cholerae</desc>", ""
            ),
            "has no <desc>",
        ),
        (MINIMAL.replace("<name>A00.0</name>", "<name>A00</name>"), "code A00 appears twice"),
        (
            MINIMAL.replace("<name>A00.0</name>", "<name>not a code</name>"),
            "'not a code' is not an ICD-10-CM code",
        ),
        (MINIMAL.replace("<version>2026</version>", ""), "no <version> element"),
        ("<ICD10CM.tabular><version>2026</version></ICD10CM.tabular>", "no <chapter> elements"),
    ],
)
def test_broken_files_are_refused_with_the_place_named(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(IngestError) as error:
        list(tabular.parse(write(tmp_path, text)))
    assert expected in error.value.message
    assert "icd10cm_tabular_2026.xml" in error.value.message
