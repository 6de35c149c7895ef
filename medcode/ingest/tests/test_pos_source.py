"""Tests of the place of service source: CMS CSV files, the transcribed default, broken copies."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Record, Release
from medcode.ingest.sources import pos
from medcode.ingest.sources.pos import (
    DEFAULT_TITLE,
    MSG_BAD_CODE,
    MSG_BAD_SETTING,
    MSG_DUPLICATE,
    MSG_EMPTY,
    MSG_MISSING_COLUMNS,
    MSG_MISSING_VALUE,
    MSG_NO_CODES,
    MSG_NOT_CSV,
    TITLE,
)

RESOURCES = Path(__file__).parent / "resources" / "pos"
SAMPLE = RESOURCES / "place_of_service_2025-10.csv"
REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED = REPO_ROOT.parent / "shared"
SHARED_FILE = SHARED / "data" / "pos" / "place_of_service_codes.csv"
HEADER = "pos_code,pos_type,pos_name,pos_description\n"


def _split(records: list[Record]) -> tuple[Release, dict[str, Concept]]:
    release = records[0]
    assert isinstance(release, Release)
    concepts: dict[str, Concept] = {}
    for record in records[1:]:
        assert isinstance(record, Concept)
        concepts[record.code] = record
    return release, concepts


def _shared_file() -> Path:
    if not SHARED_FILE.exists():
        pytest.skip(f"official place of service file not present at {SHARED_FILE}")
    return SHARED_FILE


def _broken(tmp_path: Path, text: str, name: str = "pos.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(IngestError) as caught:
        list(pos.parse(path))
    return caught.value.message


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip().rstrip(".").casefold()


def test_parse_sample_release_from_file_name() -> None:
    release, concepts = _split(list(pos.parse(SAMPLE)))
    assert release == Release(system="pos", version="2025-10", effective_from=dt.date(2025, 10, 1), title=TITLE)
    assert list(concepts) == ["01", "02", "11", "21", "28", "29", "30", "99"]


def test_parse_sample_concepts() -> None:
    _, concepts = _split(list(pos.parse(SAMPLE)))
    office = concepts["11"]
    assert office.title == "Office"
    assert office.kind == "code"
    assert office.billable is True
    assert office.attrs["setting"] == "non-facility"
    assert office.attrs["description"].startswith("Location, other than a hospital")
    assert concepts["21"].attrs["setting"] == "facility"
    assert concepts["02"].title == "Telehealth Provided Other than in Patient\u2019s Home"


def test_parse_unassigned_range_is_expanded_and_not_billable() -> None:
    _, concepts = _split(list(pos.parse(SAMPLE)))
    for code in ("28", "29", "30"):
        assert concepts[code].title == "Unassigned"
        assert concepts[code].billable is False
        assert concepts[code].attrs == {"status": "unassigned"}


def test_parse_arguments_override_version_and_date() -> None:
    release, _ = _split(list(pos.parse(SAMPLE, version="v1", effective_from=dt.date(2024, 1, 1))))
    assert release.version == "v1"
    assert release.effective_from == dt.date(2024, 1, 1)


def test_parse_without_date_in_name_uses_modification_date(tmp_path: Path) -> None:
    path = _broken(tmp_path, SAMPLE.read_text(encoding="utf-8"))
    release, _ = _split(list(pos.parse(path)))
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date()
    assert release.effective_from == modified
    assert release.version == modified.strftime("%Y-%m")


def test_parse_pads_single_digit_codes(tmp_path: Path) -> None:
    path = _broken(tmp_path, HEADER + "1,Non-Facility,Pharmacy,Some description.\n")
    _, concepts = _split(list(pos.parse(path)))
    assert list(concepts) == ["01"]


def test_parse_reads_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "pos.csv"
    path.write_bytes((HEADER + "10,Non-Facility,Telehealth Provided in Patient\u2019s Home,Text.\n").encode("cp1252"))
    _, concepts = _split(list(pos.parse(path)))
    assert concepts["10"].title == "Telehealth Provided in Patient\u2019s Home"


def test_parse_without_setting_column(tmp_path: Path) -> None:
    path = _broken(tmp_path, "code,name,description\n11,Office,Some description.\n")
    _, concepts = _split(list(pos.parse(path)))
    assert concepts["11"].attrs == {"description": "Some description."}


# Broken copies


def test_empty_file(tmp_path: Path) -> None:
    path = _broken(tmp_path, "\n\n")
    assert _error(path) == MSG_EMPTY.format(file="pos.csv")


def test_header_only(tmp_path: Path) -> None:
    path = _broken(tmp_path, HEADER)
    assert _error(path) == MSG_NO_CODES.format(file="pos.csv")


def test_missing_description_column(tmp_path: Path) -> None:
    path = _broken(tmp_path, "pos_code,pos_type,pos_name\n11,Non-Facility,Office\n")
    message = _error(path)
    assert message.startswith("pos.csv, line 1: missing column(s) description")
    assert message == MSG_MISSING_COLUMNS.format(
        file="pos.csv",
        line=1,
        missing="description (pos_description or description)",
        found="pos_code, pos_type, pos_name",
    )


def test_malformed_code(tmp_path: Path) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("11,", "1A,", 1)
    path = _broken(tmp_path, "\n".join(lines) + "\n")
    assert _error(path) == MSG_BAD_CODE.format(file="pos.csv", line=4, code="1A")


@pytest.mark.parametrize("code", ["100", "00", "O1"])
def test_other_malformed_codes(tmp_path: Path, code: str) -> None:
    path = _broken(tmp_path, HEADER + f"{code},Non-Facility,Office,Text.\n")
    assert _error(path) == MSG_BAD_CODE.format(file="pos.csv", line=2, code=code)


def test_range_only_for_unassigned(tmp_path: Path) -> None:
    path = _broken(tmp_path, HEADER + "11-12,Non-Facility,Office,Text.\n")
    assert _error(path) == MSG_BAD_CODE.format(file="pos.csv", line=2, code="11-12")


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_wrong_delimiter(tmp_path: Path, delimiter: str) -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace(",", delimiter)
    path = _broken(tmp_path, text)
    assert _error(path) == MSG_NOT_CSV.format(file="pos.csv", line=1)


def test_row_in_another_delimiter(tmp_path: Path) -> None:
    path = _broken(tmp_path, HEADER + "11;Non-Facility;Office;Text\n")
    assert _error(path) == MSG_NOT_CSV.format(file="pos.csv", line=2)


def test_bad_setting(tmp_path: Path) -> None:
    path = _broken(tmp_path, HEADER + "11,Outpatient,Office,Text.\n")
    assert _error(path) == MSG_BAD_SETTING.format(file="pos.csv", line=2, value="Outpatient")


def test_blank_name(tmp_path: Path) -> None:
    path = _broken(tmp_path, HEADER + "11,Non-Facility,,Text.\n")
    assert _error(path) == MSG_MISSING_VALUE.format(file="pos.csv", line=2, column="name", code="11")


def test_duplicate_code(tmp_path: Path) -> None:
    path = _broken(tmp_path, HEADER + "11,Non-Facility,Office,Text.\n11,Non-Facility,Office,Text.\n")
    assert _error(path) == MSG_DUPLICATE.format(file="pos.csv", line=3, code="11", first=2)


def test_error_names_file_and_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, HEADER + "\n11,Non-Facility,Office,Text.\nXX,Facility,Bad,Text.\n", name="x.csv")
    message = _error(path)
    assert message.startswith("x.csv, line 4:")


# The transcribed default


def test_default_release() -> None:
    release, concepts = _split(list(pos.parse_default()))
    assert release.system == "pos"
    assert release.title == DEFAULT_TITLE
    assert release.version == "2025-10"
    assert release.effective_from == dt.date(2025, 10, 1)
    assert list(concepts) == [f"{n:02d}" for n in range(1, 100)]


def test_default_counts_and_settings() -> None:
    _, concepts = _split(list(pos.parse_default()))
    billable = {code for code, c in concepts.items() if c.billable}
    assert len(billable) == 52
    for code, concept in concepts.items():
        if code in billable:
            assert concept.attrs["setting"] in {"facility", "non-facility"}
            assert concept.attrs["description"]
        else:
            assert concept.title == "Unassigned"
            assert concept.attrs == {"status": "unassigned"}
    assert concepts["11"].attrs["setting"] == "non-facility"
    assert concepts["22"].attrs["setting"] == "facility"
    assert concepts["66"].title == "Programs of All-Inclusive Care for the Elderly (PACE) Center"


def test_default_file_uses_our_own_layout() -> None:
    header = pos.default_path().read_text(encoding="utf-8").splitlines()[0]
    assert header == "code,name,description,pricing_setting"


@pytest.mark.shared_data
def test_default_is_not_a_copy_of_the_shared_file() -> None:
    assert pos.default_path().read_bytes() != _shared_file().read_bytes()


@pytest.mark.shared_data
def test_shared_file_parses() -> None:
    release, concepts = _split(list(pos.parse(_shared_file())))
    assert release.title == TITLE
    assert len(concepts) == 52
    assert all(c.billable for c in concepts.values())
    assert concepts["19"].attrs["setting"] == "facility"
    assert concepts["10"].attrs["setting"] == "non-facility"


@pytest.mark.shared_data
def test_default_transcription_matches_official_list() -> None:
    _, official = _split(list(pos.parse(_shared_file())))
    _, default = _split(list(pos.parse_default()))
    for code, concept in official.items():
        assert code in default, f"POS {code} is missing from the transcription"
        mine = default[code]
        assert mine.title == concept.title, f"POS {code}: name differs"
        assert mine.billable
        assert mine.attrs.get("setting") == concept.attrs.get("setting"), f"POS {code}: setting differs"
        assert _normal(mine.attrs["description"]) == _normal(concept.attrs["description"]), (
            f"POS {code}: description differs"
        )
    # Every code the transcription has as assigned is in the official list too.
    assert {c for c, v in default.items() if v.billable} == set(official)
