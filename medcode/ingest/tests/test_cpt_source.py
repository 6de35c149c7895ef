"""Tests of the CPT source: AMA data file layouts (invented descriptors only) and public code numbers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Record, Release
from medcode.ingest.sources import cpt
from medcode.ingest.sources.cpt import (
    MSG_BAD_CODE,
    MSG_BAD_VERSION,
    MSG_DUPLICATE,
    MSG_EMPTY,
    MSG_MISSING_COLUMNS,
    MSG_NO_CODES,
    MSG_NO_DATA_FILE,
    MSG_NO_DESCRIPTOR,
    MSG_NO_TAB,
    MSG_NO_VERSION,
    MSG_PYOCE_VERSION,
    MSG_SHORT_ROW,
    PUBLIC_TITLE,
)

RESOURCES = Path(__file__).parent / "resources" / "cpt"
PLAIN = RESOURCES / "LONGULT_2026.txt"
WITH_IDS = RESOURCES / "CPT2026_concept_ids.txt"
INVENTED = re.compile(r"Invented test descriptor for \w{5}")


def _split(records: list[Record]) -> tuple[Release, dict[str, Concept]]:
    release = records[0]
    assert isinstance(release, Release)
    concepts: dict[str, Concept] = {}
    for record in records[1:]:
        assert isinstance(record, Concept)
        concepts[record.code] = record
    return release, concepts


def _write(tmp_path: Path, text: str, name: str = "LONGULT_2026.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path, **kwargs: str) -> str:
    with pytest.raises(IngestError) as caught:
        list(cpt.parse(path, **kwargs))
    return caught.value.message


def test_plain_layout_release() -> None:
    release, _ = _split(list(cpt.parse(PLAIN)))
    assert release == Release(
        system="cpt",
        version="2026",
        effective_from=dt.date(2026, 1, 1),
        title="CPT 2026 (AMA licensed data file)",
    )


def test_plain_layout_concepts() -> None:
    _, concepts = _split(list(cpt.parse(PLAIN)))
    assert list(concepts) == ["99213", "0001F", "0042T", "0001U", "0002M", "10021"]
    visit = concepts["99213"]
    assert visit.title == "Invented test descriptor for 99213"
    assert visit.kind == "code"
    assert visit.billable is True
    assert visit.attrs == {"descriptor_source": "ama", "cpt_category": "I"}
    assert [concepts[c].attrs["cpt_category"] for c in ("0001F", "0042T", "0001U", "0002M")] == [
        "II",
        "III",
        "PLA",
        "MAAA",
    ]
    assert all(INVENTED.fullmatch(c.title) for c in concepts.values())


def test_concept_id_layout_with_header() -> None:
    release, concepts = _split(list(cpt.parse(WITH_IDS)))
    assert release.version == "2026"
    assert list(concepts) == ["99213", "0001F", "0042T"]
    assert concepts["99213"].title == "Invented test descriptor for 99213"
    assert concepts["99213"].attrs == {
        "descriptor_source": "ama",
        "cpt_category": "I",
        "ama_concept_id": "1000001",
    }


def test_concept_id_layout_without_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "1000001\t99213\tInvented test descriptor for 99213\n")
    _, concepts = _split(list(cpt.parse(path)))
    assert concepts["99213"].attrs["ama_concept_id"] == "1000001"


def test_two_column_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "CPT Code\tShort Descriptor\n99213\tInvented test descriptor for 99213\n")
    _, concepts = _split(list(cpt.parse(path)))
    assert concepts["99213"].title == "Invented test descriptor for 99213"


def test_version_argument_wins_over_file_name() -> None:
    release, _ = _split(list(cpt.parse(PLAIN, version="2025")))
    assert release.version == "2025"
    assert release.effective_from == dt.date(2025, 1, 1)
    assert release.title == "CPT 2025 (AMA licensed data file)"


def test_year_from_folder_name(tmp_path: Path) -> None:
    folder = tmp_path / "CPT 2027 data files"
    folder.mkdir()
    path = _write(folder, PLAIN.read_text(encoding="utf-8"), name="LONGULT.txt")
    release, _ = _split(list(cpt.parse(path)))
    assert release.version == "2027"


def test_folder_is_searched_for_the_long_descriptor_file(tmp_path: Path) -> None:
    folder = tmp_path / "2026"
    folder.mkdir()
    _write(folder, "99213\tInvented short test descriptor\n", name="SHORTU.txt")
    _write(folder, "99213\tInvented long test descriptor\n", name="LongULT.txt")
    _, concepts = _split(list(cpt.parse(folder)))
    assert concepts["99213"].title == "Invented long test descriptor"


def test_folder_without_data_file(tmp_path: Path) -> None:
    folder = tmp_path / "2026"
    folder.mkdir()
    _write(folder, "nothing", name="README.txt")
    assert _error(folder) == MSG_NO_DATA_FILE.format(file="2026", names=", ".join(cpt.DATA_FILE_NAMES))


def test_windows_1252_file(tmp_path: Path) -> None:
    path = tmp_path / "MEDU_2026.txt"
    path.write_bytes("99213\tInvented test descriptor \u2013 dash\r\n".encode("cp1252"))
    _, concepts = _split(list(cpt.parse(path)))
    assert concepts["99213"].title == "Invented test descriptor \u2013 dash"


def test_lower_case_suffix_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, "0042t\tInvented test descriptor for 0042T\n")
    _, concepts = _split(list(cpt.parse(path)))
    assert list(concepts) == ["0042T"]


# Broken copies


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "")
    assert _error(path) == MSG_EMPTY.format(file="LONGULT_2026.txt")


def test_header_only(tmp_path: Path) -> None:
    path = _write(tmp_path, "Concept Id\tCPT Code\tLong Descriptor\n")
    assert _error(path) == MSG_NO_CODES.format(file="LONGULT_2026.txt")


def test_missing_descriptor_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "Concept Id\tCPT Code\tNotes\n1\t99213\tx\n")
    assert _error(path) == MSG_MISSING_COLUMNS.format(
        file="LONGULT_2026.txt",
        line=1,
        missing="descriptor (Long Descriptor)",
        found="Concept Id | CPT Code | Notes",
    )


def test_missing_code_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "Concept Id\tLong Descriptor\n1\tInvented test descriptor\n")
    message = _error(path)
    assert message.startswith("LONGULT_2026.txt, line 1: the header has no code (CPT Code) column")


@pytest.mark.parametrize("code", ["9921", "992133", "A4206", "0042X", "99-13"])
def test_malformed_code(tmp_path: Path, code: str) -> None:
    text = PLAIN.read_text(encoding="utf-8") + f"{code}\tInvented test descriptor\n"
    path = _write(tmp_path, text)
    assert _error(path) == MSG_BAD_CODE.format(file="LONGULT_2026.txt", line=7, code=code)


def test_malformed_code_on_first_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "9921\tInvented test descriptor\n")
    assert _error(path) == MSG_BAD_CODE.format(file="LONGULT_2026.txt", line=1, code="9921")


def test_malformed_code_after_header(tmp_path: Path) -> None:
    text = WITH_IDS.read_text(encoding="utf-8") + "1000004\tE0100\tInvented test descriptor\n"
    path = _write(tmp_path, text)
    assert _error(path) == MSG_BAD_CODE.format(file="LONGULT_2026.txt", line=5, code="E0100")


@pytest.mark.parametrize("delimiter", [",", "|", " "])
def test_wrong_delimiter(tmp_path: Path, delimiter: str) -> None:
    text = PLAIN.read_text(encoding="utf-8").replace("\t", delimiter)
    path = _write(tmp_path, text)
    assert _error(path) == MSG_NO_TAB.format(file="LONGULT_2026.txt", line=1)


def test_wrong_delimiter_in_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "Concept Id,CPT Code,Long Descriptor\n1,99213,Invented test descriptor\n")
    assert _error(path) == MSG_NO_TAB.format(file="LONGULT_2026.txt", line=1)


def test_line_without_tab(tmp_path: Path) -> None:
    text = PLAIN.read_text(encoding="utf-8") + "\n99214 Invented test descriptor\n"
    path = _write(tmp_path, text)
    assert _error(path) == MSG_NO_TAB.format(file="LONGULT_2026.txt", line=8)


def test_short_row_in_concept_id_layout(tmp_path: Path) -> None:
    text = WITH_IDS.read_text(encoding="utf-8") + "1000004\t99214\n"
    path = _write(tmp_path, text)
    assert _error(path) == MSG_SHORT_ROW.format(file="LONGULT_2026.txt", line=5, expected=3, found=2)


def test_blank_descriptor(tmp_path: Path) -> None:
    path = _write(tmp_path, "99213\t  \n")
    assert _error(path) == MSG_NO_DESCRIPTOR.format(file="LONGULT_2026.txt", line=1, code="99213")


def test_duplicate_code(tmp_path: Path) -> None:
    path = _write(tmp_path, "99213\tInvented one\n99214\tInvented two\n99213\tInvented three\n")
    assert _error(path) == MSG_DUPLICATE.format(file="LONGULT_2026.txt", line=3, code="99213", first=1)


def test_no_year_anywhere(tmp_path: Path) -> None:
    folder = tmp_path / "ama"
    folder.mkdir()
    path = _write(folder, "99213\tInvented one\n", name="LONGULT.txt")
    assert _error(path) == MSG_NO_VERSION.format(file="LONGULT.txt")


def test_version_without_year(tmp_path: Path) -> None:
    assert _error(PLAIN, version="latest") == MSG_BAD_VERSION.format(file="LONGULT_2026.txt", version="latest")


# Public code numbers (pyoce)


@pytest.fixture(scope="module")
def public() -> tuple[Release, dict[str, Concept]]:
    return _split(list(cpt.parse_public_codes()))


def test_public_release(public: tuple[Release, dict[str, Concept]]) -> None:
    release, _ = public
    assert release.system == "cpt"
    assert release.title == PUBLIC_TITLE
    assert release.version.startswith("public-ioce-")
    assert release.effective_from >= dt.date(2026, 1, 1)


def test_public_codes_have_no_descriptor(public: tuple[Release, dict[str, Concept]]) -> None:
    _, concepts = public
    assert len(concepts) > 10_000
    for code, concept in concepts.items():
        assert cpt.CODE_PATTERN.fullmatch(code)
        assert concept.title == ""
        assert concept.short_title is None
        assert concept.kind == "code"
        assert concept.billable is True
        assert concept.attrs["descriptor_source"] == "none"
        assert "description" not in concept.attrs


def test_public_codes_never_carry_pyoce_short_descriptors(public: tuple[Release, dict[str, Concept]]) -> None:
    from pyoce.dao.provider import LmdbDataProvider

    _, concepts = public
    rows = LmdbDataProvider.get_instance().get_multi("data_hcpcs", "")
    descriptors = {str(row["description"]) for key, row in rows if key.decode().split("|")[0] in concepts}
    shown = {value for c in concepts.values() for value in (c.title, *c.attrs.values())}
    assert descriptors
    assert not descriptors & shown


def test_public_codes_facts(public: tuple[Release, dict[str, Concept]]) -> None:
    _, concepts = public
    assert concepts["99292"].attrs["addon_type"] == "1"
    assert concepts["0054T"].attrs["addon_type"] == "2"
    assert concepts["96160"].attrs["addon_type"] == "3"
    assert "addon_type" not in concepts["99213"].attrs
    assert concepts["99213"].attrs["status_indicator"] == "B"
    assert concepts["99213"].attrs["status_indicator_label"]
    assert concepts["0001F"].attrs["cpt_category"] == "II"
    assert concepts["0001U"].attrs["cpt_category"] == "PLA"
    with_apc = [c for c in concepts.values() if "apc" in c.attrs]
    assert with_apc
    assert all(re.fullmatch(r"\d{5}", c.attrs["apc"]) and c.attrs["apc"] != "00000" for c in with_apc)
    # Deleted codes are not in the newest release (99354 was deleted in 2023).
    assert "99354" not in concepts


def test_public_codes_of_an_older_release() -> None:
    release, concepts = _split(list(cpt.parse_public_codes(ioce_version=94)))
    assert release.version == "public-ioce-25.0.9"
    assert release.effective_from == dt.date(2024, 1, 1)
    assert "99213" in concepts


def test_public_codes_unknown_release() -> None:
    with pytest.raises(IngestError) as caught:
        list(cpt.parse_public_codes(ioce_version=1))
    assert caught.value.message.startswith(MSG_PYOCE_VERSION.split("{")[0] + "1;")
