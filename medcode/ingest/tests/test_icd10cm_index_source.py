"""Tests of the ICD-10-CM index source: CDC index and table XML, the index CSV, broken copies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from medcode.core.errors import IngestError
from medcode.ingest.records import IndexTerm, Release
from medcode.ingest.sources import icd10cm_index
from medcode.ingest.sources.icd10cm_index import (
    CSV_HEADER,
    DRUG_COLUMNS,
    MSG_CSV_HEADER,
    MSG_CSV_KIND,
    MSG_CSV_LEVEL,
    MSG_CSV_LEVEL_JUMP,
    MSG_NO_YEAR,
    MSG_UNSUPPORTED_INDEX,
    MSG_XML_COL,
    MSG_XML_ELEMENT,
    MSG_XML_HEADING,
    MSG_XML_KIND,
    MSG_XML_LEVEL,
    MSG_XML_ORDER,
    MSG_XML_ROOT,
    MSG_XML_SYNTAX,
    NEOPLASM_COLUMNS,
    TERM_ELEMENTS,
)

RESOURCES = Path(__file__).parent / "resources" / "icd10cm_index"
EINDEX = RESOURCES / "icd-10-cm-eindex-2025.xml"
DRUG = RESOURCES / "icd-10-cm-drug-2025.xml"
NEOPLASM = RESOURCES / "icd-10-cm-neoplasm-2025.xml"
INDEX_CSV = RESOURCES / "ICD10CM_2025_Index.csv"
REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED = REPO_ROOT.parent / "shared"
SHARED_DIR = SHARED / "data" / "icd10cm-index-2025"


def _read(path: Path, **kwargs: object) -> tuple[Release, list[IndexTerm]]:
    records = list(icd10cm_index.parse(path, **kwargs))  # type: ignore[arg-type]
    release, terms = records[0], records[1:]
    assert isinstance(release, Release)
    assert all(isinstance(t, IndexTerm) for t in terms)
    return release, terms  # type: ignore[return-value]


def _error(path: Path, **kwargs: object) -> str:
    with pytest.raises(IngestError) as caught:
        list(icd10cm_index.parse(path, **kwargs))  # type: ignore[arg-type]
    return caught.value.message


def _path_of(terms: list[IndexTerm], term: IndexTerm) -> list[str]:
    """Titles from the main term down to ``term``, following parent_id."""
    by_id = {t.term_id: t for t in terms}
    titles = [term.title]
    while term.parent_id is not None:
        term = by_id[term.parent_id]
        titles.append(term.title)
    return titles[::-1]


def _find(terms: list[IndexTerm], *path: str) -> IndexTerm:
    found = [t for t in terms if t.title == path[-1] and _path_of(terms, t) == list(path)]
    assert len(found) == 1, (path, len(found))
    return found[0]


def _assert_tree(terms: list[IndexTerm]) -> None:
    """Ids run 1..n in file order; every parent comes before its child, one level up."""
    assert [t.term_id for t in terms] == list(range(1, len(terms) + 1))
    by_id = {t.term_id: t for t in terms}
    for term in terms:
        if term.level == 0:
            assert term.parent_id is None
        else:
            assert term.parent_id is not None and term.parent_id < term.term_id
            assert by_id[term.parent_id].level == term.level - 1


def _copy(tmp_path: Path, source: Path, old: str = "", new: str = "", name: str | None = None) -> Path:
    text = source.read_text(encoding="utf-8")
    if old:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / (name or source.name)
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def _shared(name: str) -> Path:
    path = SHARED_DIR / name
    if not path.exists():
        pytest.skip(f"CDC ICD-10-CM FY2025 index file not present at {path} (see ../shared/data/README.md)")
    return path


# --- committed excerpts ----------------------------------------------------------------------------


def test_eindex_excerpt_release_and_tree() -> None:
    release, terms = _read(EINDEX)
    assert release == Release(
        system="icd10cm",
        version="2025",
        effective_from=dt.date(2024, 10, 1),
        title="ICD-10-CM FY2025 External Cause of Injuries Index",
        content="index",
    )
    assert len(terms) == 32
    assert {t.index for t in terms} == {"eindex"}
    _assert_tree(terms)


def test_eindex_excerpt_terms() -> None:
    _, terms = _read(EINDEX)
    first = terms[0]
    assert (first.title, first.level, first.parent_id, first.code) == ("Abandonment NEC", 0, None, "X58")
    assert first.nemod == "(causing exposure to weather conditions) (with intent to injure or kill)"
    powered = _find(terms, "Accident", "boat, boating", "striking swimmer", "powered")
    assert (powered.level, powered.code) == (3, "V94.11")
    boat = _find(terms, "Accident", "boat, boating")
    assert boat.see_also == "Accident, watercraft" and boat.code is None
    cataclysm = _find(terms, "Accident", "aircraft", "due to, caused by cataclysm")
    assert cataclysm.see == "Forces of nature, by type"
    hanging = _find(terms, "Hanging")
    assert (hanging.nemod, hanging.see_also, hanging.code) == ("(accidental)", "category", "T71")
    assert _find(terms, "Lightning").see == "subcategory T75.0"
    assert _find(terms, "Strangulation").see == "category T71"
    missile = _find(terms, "Military operations", "destruction of aircraft", "due to", "air to air missile")
    assert missile.code == "Y37.11-"
    detonation = _find(
        terms,
        "Military operations",
        "destruction of aircraft",
        "due to",
        "detonation of onboard munitions and explosives",
    )
    assert detonation.nemod == "(accidental)"
    assert all(not t.cells and t.manifestation is None for t in terms)


def test_drug_excerpt_cells() -> None:
    release, terms = _read(DRUG)
    assert release.title == "ICD-10-CM FY2025 Table of Drugs and Chemicals"
    assert (release.version, release.effective_from) == ("2025", dt.date(2024, 10, 1))
    assert len(terms) == 32
    _assert_tree(terms)
    acetaminophen = _find(terms, "Acetaminophen")
    assert acetaminophen.cells == dict(
        zip(DRUG_COLUMNS, ["T39.1X1", "T39.1X2", "T39.1X3", "T39.1X4", "T39.1X5", "T39.1X6"], strict=True)
    )
    assert acetaminophen.code is None
    propanol = _find(terms, "1-propanol")  # "--" in the adverse effect and underdosing columns
    assert propanol.cells == {
        "poisoning_accidental": "T51.3X1",
        "poisoning_intentional": "T51.3X2",
        "poisoning_assault": "T51.3X3",
        "poisoning_undetermined": "T51.3X4",
    }
    semicarbazone = _find(terms, "Adrenochrome", "semicarbazone")
    assert (semicarbazone.nemod, semicarbazone.level) == ("(mono)", 1)
    assert _find(terms, "Air contaminant, source/type NOS").nemod == "(s)"
    assert _find(terms, "Acid NEC").nemod == "(corrosive)"
    assert _find(terms, "Adrenalin").see == "Adrenaline"
    assert _find(terms, "Activated charcoal").see_also == "Charcoal, medicinal"
    analgesics = _find(terms, "Coal", "tar", "medicinal", "analgesics NEC")
    assert analgesics.level == 3 and analgesics.cells["adverse_effect"] == "T39.2X5"


def test_neoplasm_excerpt_cells_and_manif() -> None:
    release, terms = _read(NEOPLASM)
    assert release.title == "ICD-10-CM FY2025 Neoplasm Table"
    assert len(terms) == 25
    _assert_tree(terms)
    top = terms[0]
    assert top.title == "Neoplasm, neoplastic" and top.level == 0
    assert top.cells == dict(zip(NEOPLASM_COLUMNS, ["C80.1", "C79.9", "D09.9", "D36.9", "D48.9", "D49.9"], strict=True))
    lung = _find(terms, "Neoplasm, neoplastic", "lung")
    assert lung.cells["malignant_primary"] == "C34.9-"  # the trailing dash is kept as printed
    assert lung.cells["uncertain_behavior"] == "D38.1"
    basal = _find(terms, "Neoplasm, neoplastic", "abdomen, abdominal", "wall", "skin", "basal cell carcinoma")
    assert basal.cells == {"malignant_primary": "C44.519"}  # "-" cells are absent
    assert _find(terms, "Neoplasm, neoplastic", "accessory sinus").see == "Neoplasm, sinus"
    wall = _find(terms, "Neoplasm, neoplastic", "abdomen, abdominal", "wall")
    assert wall.see_also == "Neoplasm, abdomen, wall, skin"
    book_leaf = _find(terms, "Neoplasm, neoplastic", "book-leaf")
    assert (book_leaf.nemod, book_leaf.manifestation) == (
        "(mouth)",
        "ventral surface of tongue and floor of mouth",
    )


def test_index_csv_excerpt() -> None:
    release, terms = _read(INDEX_CSV)
    assert release == Release(
        system="icd10cm",
        version="2025",
        effective_from=dt.date(2024, 10, 1),
        title="ICD-10-CM FY2025 Index to Diseases and Injuries",
        content="index",
    )
    assert len(terms) == 50
    assert {t.index for t in terms} == {"main"}
    _assert_tree(terms)
    abandonment = _find(terms, "Abandonment")
    assert (abandonment.see, abandonment.code) == ("Maltreatment", None)
    assert _find(terms, "Abasia").nemod == "(-astasia) (hysterical)"
    polyneuropathy = _find(terms, "Diabetes, diabetic", "type 2", "with", "polyneuropathy")
    assert (polyneuropathy.level, polyneuropathy.code) == (3, "E11.42")
    ketoacidosis = _find(terms, "Diabetes, diabetic", "type 2", "with", "coma due to", "ketoacidosis")
    assert ketoacidosis.code == "E11.1-"
    acromegaly = _find(terms, "Arthritis, arthritic", "in", "acromegaly")
    assert (acromegaly.code, acromegaly.see_also, acromegaly.manifestation) == (
        "E22.0",
        "subcategory M14.8-",
        None,
    )


def test_index_csv_as_external_cause_index(tmp_path: Path) -> None:
    _, terms = _read(INDEX_CSV, index="eindex")
    assert {t.index for t in terms} == {"eindex"}
    named = _copy(tmp_path, INDEX_CSV, name="ICD10CM_2025_ExternalIndex.csv")
    release, terms = _read(named)
    assert release.title == "ICD-10-CM FY2025 External Cause of Injuries Index"
    assert {t.index for t in terms} == {"eindex"}


def test_version_and_date_overrides() -> None:
    release, terms = _read(DRUG, version="2025.1", effective_from=dt.date(2025, 4, 1))
    assert (release.version, release.effective_from) == ("2025.1", dt.date(2025, 4, 1))
    assert len(terms) == 32


def test_year_from_file_name_then_argument(tmp_path: Path) -> None:
    no_version = _copy(tmp_path, EINDEX, "<version>2025</version>", "")
    assert _read(no_version)[0].version == "2025"  # from the file name
    unnamed = _copy(tmp_path, EINDEX, "<version>2025</version>", "", name="eindex.xml")
    assert _error(unnamed) == MSG_NO_YEAR.format(path=unnamed)
    release, _ = _read(unnamed, version="2026")
    assert (release.version, release.effective_from) == ("2026", dt.date(2025, 10, 1))


def test_columns_follow_the_heading(tmp_path: Path) -> None:
    accidental = '<head col="2">Poisoning Accidental (unintentional)</head>'
    intentional = '<head col="3">Poisoning Intentional self-harm</head>'
    swapped_heads = f"{intentional.replace('3', '2')}\n    {accidental.replace('2', '3')}"
    swapped = _copy(tmp_path, DRUG, f"{accidental}\n    {intentional}", swapped_heads)
    _, terms = _read(swapped)
    cells = _find(terms, "Acetaminophen").cells
    assert (cells["poisoning_intentional"], cells["poisoning_accidental"]) == ("T39.1X1", "T39.1X2")


def test_table_without_heading_takes_the_cdc_order(tmp_path: Path) -> None:
    text = DRUG.read_text(encoding="utf-8")
    start, end = text.index("<indexHeading>"), text.index("</indexHeading>") + len("</indexHeading>")
    path = tmp_path / DRUG.name
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    _, terms = _read(path, index="drug")
    assert _find(terms, "Acetaminophen").cells["underdosing"] == "T39.1X6"


def test_manifestation_codes_of_the_index_schema(tmp_path: Path) -> None:
    """A bracketed code: <manif> after <code>, or a second <code>, goes to ``manifestation``."""
    manif = _copy(tmp_path, EINDEX, "<code>X58</code>", "<code>E11.36</code>\n      <manif>H28</manif>")
    term = _read(manif)[1][0]
    assert (term.index, term.code, term.manifestation) == ("eindex", "E11.36", "H28")
    two_codes = _copy(tmp_path, EINDEX, "<code>X58</code>", "<code>E85.4</code><code>I43</code>", name="two.xml")
    term = _read(two_codes, version="2025")[1][0]
    assert (term.code, term.manifestation) == ("E85.4", "I43")


def test_index_argument_must_match_the_table(tmp_path: Path) -> None:
    assert _error(DRUG, index="neoplasm") == MSG_XML_KIND.format(path=DRUG, found="drug", expected="neoplasm")
    assert _error(EINDEX, index="drug") == MSG_XML_KIND.format(path=EINDEX, found="eindex", expected="drug")
    assert _error(INDEX_CSV, index="drug") == MSG_CSV_KIND.format(path=INDEX_CSV, index="drug")
    assert _error(EINDEX, index="pcs") == MSG_UNSUPPORTED_INDEX.format(
        path=EINDEX, index="pcs", expected="main, eindex, drug, neoplasm"
    )


# --- broken copies ---------------------------------------------------------------------------------


def test_truncated_xml(tmp_path: Path) -> None:
    data = EINDEX.read_bytes()
    path = tmp_path / EINDEX.name
    path.write_bytes(data[: len(data) // 2])
    message = _error(path)
    last_line = data[: len(data) // 2].count(b"\n") + 1
    prefix = MSG_XML_SYNTAX.format(path=path, line=last_line, detail="")
    assert message.startswith(prefix) and len(message) > len(prefix)


def test_wrong_root(tmp_path: Path) -> None:
    path = tmp_path / "tabular.xml"
    path.write_text('<?xml version="1.0"?>\n<ICD10CM.tabular><version>2025</version></ICD10CM.tabular>\n')
    assert _error(path) == MSG_XML_ROOT.format(path=path, line=2, found="ICD10CM.tabular")


def test_xml_level_that_skips(tmp_path: Path) -> None:
    path = _copy(
        tmp_path,
        EINDEX,
        '<term level="2">\n          <title>due to, caused by',
        '<term level="3">\n          <title>due to, caused by',
    )
    line = _line_of(path, '<term level="3">')
    assert _error(path) == MSG_XML_LEVEL.format(path=path, line=line, found="3", parent=1, expected=2)


def test_unexpected_element_in_term(tmp_path: Path) -> None:
    path = _copy(tmp_path, EINDEX, "<code>X58</code>", "<code>X58</code><codes>X59</codes>")
    line = _line_of(path, "<codes>")
    expected = ", ".join(f"<{e}>" for e in TERM_ELEMENTS)
    assert _error(path) == MSG_XML_ELEMENT.format(
        path=path, line=line, found="codes", parent="mainTerm", expected=expected
    )


def test_field_after_subterms(tmp_path: Path) -> None:
    path = _copy(tmp_path, EINDEX, "</term>\n    </mainTerm>", "</term>\n      <code>X59</code>\n    </mainTerm>")
    assert _error(path) == MSG_XML_ORDER.format(path=path, line=_line_of(path, "<code>X59</code>"), found="code")


def test_cell_outside_the_columns(tmp_path: Path) -> None:
    path = _copy(tmp_path, DRUG, '<cell col="7">--</cell>', '<cell col="8">T51.3X6</cell>')
    line = _line_of(path, 'col="8"')
    assert _error(path) == MSG_XML_COL.format(
        path=path, line=line, element="cell", found=8, expected="2, 3, 4, 5, 6, 7"
    )


def test_unknown_column_heading(tmp_path: Path) -> None:
    path = _copy(tmp_path, DRUG, "Underdosing</head>", "Overdosing</head>")
    line = _line_of(path, "Overdosing")
    assert _error(path) == MSG_XML_HEADING.format(
        path=path, line=line, text="Overdosing", index="drug", expected=", ".join(DRUG_COLUMNS)
    )


def test_csv_bad_header(tmp_path: Path) -> None:
    path = _copy(tmp_path, INDEX_CSV, "RowID,Letter,Level,Term", "RowID,Letter,Depth,Term")
    found = "RowID,Letter,Depth,Term,See,SeeAlso,NonEssModif,Code"
    assert _error(path) == MSG_CSV_HEADER.format(path=path, found=found, expected=",".join(CSV_HEADER))


def test_csv_level_jump(tmp_path: Path) -> None:
    path = _copy(tmp_path, INDEX_CSV, "7,A,1,angina", "7,A,3,angina")
    line = _line_of(path, "7,A,3,angina")
    assert _error(path) == MSG_CSV_LEVEL_JUMP.format(path=path, line=line, level=3, after="Level 1", most=2)


def test_csv_first_row_not_a_main_term(tmp_path: Path) -> None:
    path = _copy(tmp_path, INDEX_CSV, "1,A,0,Aarskog's", "1,A,1,Aarskog's")
    assert _error(path) == MSG_CSV_LEVEL_JUMP.format(path=path, line=2, level=1, after="the header", most=0)


def test_csv_level_not_an_integer(tmp_path: Path) -> None:
    path = _copy(tmp_path, INDEX_CSV, "6,A,1,acute", "6,A,one,acute")
    line = _line_of(path, "6,A,one,acute")
    assert _error(path) == MSG_CSV_LEVEL.format(path=path, line=line, found="one")


# --- the full CDC files (../shared/data) -----------------------------------------------------------


@pytest.mark.shared_data
def test_full_index_csv() -> None:
    release, terms = _read(_shared("ICD10CM_2025_Index.csv"))
    assert (release.version, release.effective_from) == ("2025", dt.date(2024, 10, 1))
    assert len(terms) == 81_024
    _assert_tree(terms)
    assert sum(1 for t in terms if t.level == 0) == 8_100
    polyneuropathy = _find(terms, "Diabetes, diabetic", "type 2", "with", "polyneuropathy")
    assert polyneuropathy.code == "E11.42"
    abandonment = _find(terms, "Abandonment")
    assert abandonment.see == "Maltreatment"
    assert _find(terms, "Abdomen, abdominal").see_also == "condition"
    assert sum(1 for t in terms if t.code and t.code.endswith("-")) > 5_000


@pytest.mark.shared_data
def test_full_drug_table() -> None:
    release, terms = _read(_shared("icd-10-cm-drug-2025.xml"))
    assert release.title == "ICD-10-CM FY2025 Table of Drugs and Chemicals"
    assert len(terms) == 7_428
    _assert_tree(terms)
    assert _find(terms, "Acetaminophen").cells == dict(
        zip(DRUG_COLUMNS, ["T39.1X1", "T39.1X2", "T39.1X3", "T39.1X4", "T39.1X5", "T39.1X6"], strict=True)
    )
    assert all(set(t.cells) <= set(DRUG_COLUMNS) for t in terms)
    assert sum(1 for t in terms if t.see) == 97


@pytest.mark.shared_data
def test_full_neoplasm_table() -> None:
    release, terms = _read(_shared("icd-10-cm-neoplasm-2025.xml"))
    assert release.title == "ICD-10-CM FY2025 Neoplasm Table"
    assert len(terms) == 1_939
    _assert_tree(terms)
    lung = _find(terms, "Neoplasm, neoplastic", "lung")
    assert lung.cells == dict(
        zip(NEOPLASM_COLUMNS, ["C34.9-", "C78.0-", "D02.2-", "D14.3-", "D38.1", "D49.1"], strict=True)
    )
    bronchus = _find(terms, "Neoplasm, neoplastic", "bronchus")
    assert bronchus.cells["malignant_primary"] == "C34.9-"


@pytest.mark.shared_data
def test_full_external_cause_index_matches_its_csv() -> None:
    release, terms = _read(_shared("icd-10-cm-eindex-2025.xml"))
    assert release.title == "ICD-10-CM FY2025 External Cause of Injuries Index"
    assert len(terms) == 8_064
    _assert_tree(terms)
    assert sum(1 for t in terms if t.code) == 6_650
    assert _find(terms, "Abandonment NEC").code == "X58"
    # The third-party CSV flattening agrees on structure, codes and references (it drops <seecat>,
    # <subcat> and the words after a nonessential modifier, which the XML importer keeps).
    _, flat = _read(_shared("ICD10CM_2025_ExternalIndex.csv"))
    assert [(t.level, t.parent_id, t.code, t.see_also, t.nemod) for t in terms] == [
        (t.level, t.parent_id, t.code, t.see_also, t.nemod) for t in flat
    ]
