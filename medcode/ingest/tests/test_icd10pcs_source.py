"""Tests of the ICD-10-PCS source: the embedded default, CMS tables XML, order and code files."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path

import pytest

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Guideline, IndexTerm, Note, PcsAxisValue, Record, Release
from medcode.ingest.sources import icd10pcs
from medcode.ingest.sources.icd10pcs import (
    MSG_BAD_CODE,
    MSG_CODE_LENGTH,
    MSG_MALFORMED_XML,
    MSG_NO_VERSION,
    MSG_ORDER_LAYOUT,
    MSG_ROW_AXIS,
    MSG_UNKNOWN_FORMAT,
    MSG_WRONG_ROOT,
    Repair,
    parse,
    parse_default,
    repair_text,
)

RESOURCES = Path(__file__).parent / "resources" / "icd10pcs"
TABLES = RESOURCES / "icd10pcs_tables_2025.xml"
ORDER = RESOURCES / "icd10pcs_order_2025.txt"
CODES = RESOURCES / "icd10pcs_codes_2025.txt"


@pytest.fixture(scope="module")
def default() -> tuple[list[Record], list[Repair]]:
    repairs: list[Repair] = []
    return list(parse_default(repairs=repairs)), repairs


def _concepts(records: list[Record]) -> dict[str, Concept]:
    return {r.code: r for r in records if isinstance(r, Concept)}


def _axes(records: list[Record]) -> dict[tuple[str, int, str], PcsAxisValue]:
    return {(r.table, r.position, r.value): r for r in records if isinstance(r, PcsAxisValue)}


def _codes_release(records: list[Record]) -> list[Record]:
    """The records of the first (codes) release, up to the next Release."""
    end = next(i for i, r in enumerate(records) if i and isinstance(r, Release))
    return records[:end]


# --- embedded default ------------------------------------------------------------------------------


def test_default_releases(default: tuple[list[Record], list[Repair]]) -> None:
    records, _ = default
    releases = [r for r in records if isinstance(r, Release)]
    assert [(r.content, r.version, r.effective_from) for r in releases] == [
        ("codes", "2025", dt.date(2024, 10, 1)),
        ("guidelines", "2025", dt.date(2024, 10, 1)),
        ("index", "2025", dt.date(2024, 10, 1)),
    ]
    assert releases[2].title == "ICD-10-PCS FY2025 Index"
    assert isinstance(records[0], Release)


def test_default_counts(default: tuple[list[Record], list[Repair]]) -> None:
    records, _ = default
    concepts = _concepts(_codes_release(records))
    codes = [c for c in concepts.values() if c.kind == "code"]
    by_section = Counter(c.code[0] for c in codes)
    assert by_section["0"] == 68_367
    assert by_section["1"] == 305
    assert sum(n for s, n in by_section.items() if s not in "01") == 10_242
    assert set(by_section) == set("0123456789BCDFGHX")
    assert all(c.billable and len(c.code) == 7 and c.parent == c.code[:3] for c in codes)
    assert Counter(c.kind for c in concepts.values())["table"] == 907
    sections = [c for c in concepts.values() if c.kind == "section" and len(c.code) == 1]
    assert len(sections) == 17
    # every parent exists in the release
    assert all(c.parent is None or c.parent in concepts for c in concepts.values())
    # the 12 FY2024 codes that FY2025 deleted (0SG6...) are not in the FY2025 release
    assert "0SG604Z" not in concepts


def test_default_titles(default: tuple[list[Record], list[Repair]]) -> None:
    concepts = _concepts(_codes_release(default[0]))
    appendix = concepts["0DTJ4ZZ"]
    assert appendix.title == "Resection of Appendix, Percutaneous Endoscopic Approach"
    assert appendix.attrs == {"title_source": icd10pcs.SOURCE_CODER}
    stent = concepts["027034Z"]
    assert stent.title == (
        "Dilation of Coronary Artery, One Artery with Drug-eluting Intraluminal Device, Percutaneous Approach"
    )
    assert stent.short_title == "Dilation of 1 Cor Art with Drug-elut Intra, Perc Approach"
    chest = concepts["BW03ZZZ"]
    assert chest.title == "Plain Radiography of Chest"
    assert chest.attrs == {"title_source": icd10pcs.SOURCE_DRG}
    assert concepts["10D10ZZ"].title == "Extraction of Products of Conception, Retained, Open Approach"
    assert concepts["10D10ZZ"].attrs["title_source"] == "derived from 10D17ZZ (approach changed)"
    assert concepts["0"].title == "Medical and Surgical"
    assert concepts["0D"].title == "Gastrointestinal System"
    assert concepts["0DT"].title == "Medical and Surgical, Gastrointestinal System, Resection"
    assert concepts["0DT"].kind == "table" and concepts["0DT"].parent == "0D"
    assert concepts["B"].title == "Imaging"
    assert concepts["BW0"].title == "Imaging, Anatomical Regions, Plain Radiography"


def test_default_axes_of_table_0dt(default: tuple[list[Record], list[Repair]]) -> None:
    axes = _axes(_codes_release(default[0]))
    assert axes[("", 1, "0")].label == "Medical and Surgical"
    assert axes[("0", 2, "D")].label == "Gastrointestinal System"
    resection = axes[("0D", 3, "T")]
    assert resection.label == "Resection"
    assert resection.definition == "Cutting out or off, without replacement, all of a body part"
    assert axes[("0DT", 4, "J")].label == "Appendix"
    endoscopic = axes[("0DT", 5, "4")]
    assert endoscopic.label == "Percutaneous Endoscopic"
    assert endoscopic.definition is not None and "reach and visualize the site" in endoscopic.definition
    assert axes[("0DT", 6, "Z")].label == "No Device"
    assert axes[("0DT", 7, "G")].label == "Hand-Assisted"
    assert {value for (table, pos, value) in axes if table == "0DT" and pos == 5} == set("0478F")
    # other sections: labels only where the titles confirm them
    assert axes[("BW", 3, "0")].label == "Plain Radiography"
    assert axes[("3E0", 5, "X")].label == "External"
    assert ("D0", 3, "2") not in axes  # "Stereotactic Radiosurgery" is not written so in the D02 titles
    assert ("BW0", 5, "0") not in axes  # imaging: the 5th character is contrast, not approach


def test_default_root_operation_notes(default: tuple[list[Record], list[Repair]]) -> None:
    notes = [r for r in _codes_release(default[0]) if isinstance(r, Note) and r.code == "0DT"]
    assert [n.kind for n in notes] == ["definition", "note"]
    assert notes[0].text == "Resection: Cutting out or off, without replacement, all of a body part"
    assert notes[1].text == "Examples: Total nephrectomy, total lobectomy of lung"


def test_default_repairs(default: tuple[list[Record], list[Repair]]) -> None:
    records, repairs = default
    axes = _axes(_codes_release(records))
    texts = [a.label for a in axes.values()] + [a.definition for a in axes.values() if a.definition]
    assert all(text[0].isupper() or text[0].isdigit() for text in texts)
    assert not any(text.startswith(("xcision", "herapeutic", "iagnostic")) for text in texts)
    assert not any("- " in text or "\n" in text for text in texts)
    assert axes[("027", 6, "4")].label == "Intraluminal Device, Drug-eluting"
    assert axes[("005", 7, "4")].label == "Stereoelectroencephalographic Radiofrequency Ablation"
    kinds = Counter(r.kind for r in repairs)
    assert kinds["split hyphen"] == 4
    assert kinds["split word"] == 1
    assert kinds["whitespace"] >= 2
    assert kinds["reviewed"] == 1
    assert kinds["line breaks"] >= 20
    assert "first letter" not in kinds  # the fields we import keep their first letter


def test_repair_text_first_letter() -> None:
    words = {"excision", "therapeutic", "ultrasound"}
    assert repair_text("xcision", words) == ("Excision", ["first letter"])
    assert repair_text("herapeutic Ultrasound", words) == ("Therapeutic Ultrasound", ["first letter"])
    assert repair_text("ercutaneous Endoscopic", set()) == ("Percutaneous Endoscopic", ["first letter"])
    assert repair_text("Excision", words) == ("Excision", [])
    assert repair_text("xcision", words, first_letter=False) == ("xcision", [])
    assert repair_text("Drug- eluting", {"drug-eluting"}) == ("Drug-eluting", ["split hyphen"])


def test_default_guidelines(default: tuple[list[Record], list[Repair]]) -> None:
    records = default[0]
    start = next(i for i, r in enumerate(records) if isinstance(r, Release) and r.content == "guidelines")
    guidelines = [r for r in records[start:] if isinstance(r, Guideline)]
    assert len(guidelines) == 60
    by_ref = {g.ref: g for g in guidelines}
    assert by_ref["B3.1a"].text.startswith("In order to determine the appropriate root operation")
    assert by_ref["B3.2"].section == "Root Operation: Multiple procedures"
    assert by_ref["A2"].text.startswith("One of 34 possible values")
    assert "(except I and O because" in by_ref["A2"].text
    assert "\n" in by_ref["B3.2"].text  # list items stay on their own lines


def test_default_index(default: tuple[list[Record], list[Repair]]) -> None:
    records = default[0]
    start = next(i for i, r in enumerate(records) if isinstance(r, Release) and r.content == "index")
    terms = [r for r in records[start:] if isinstance(r, IndexTerm)]
    assert all(t.index == "pcs" for t in terms)
    assert len({t.term_id for t in terms}) == len(terms) > 20_000
    by_id = {t.term_id: t for t in terms}
    assert all(t.parent_id is None or by_id[t.parent_id].level == t.level - 1 for t in terms)
    mains = [t for t in terms if t.level == 0]
    assert len(mains) == len({t.title for t in mains}) == 3243
    appendectomy = next(t for t in mains if t.title == "Appendectomy")
    assert appendectomy.see == "Excision, Appendix 0DBJ; Resection, Appendix 0DTJ"
    bypass = next(t for t in mains if t.title == "Bypass")
    children = {t.title: t for t in terms if t.parent_id == bypass.term_id}
    artery = children["Artery"]
    coronary = next(t for t in terms if t.parent_id == artery.term_id and t.title == "Coronary")
    one = next(t for t in terms if t.parent_id == coronary.term_id and t.title == "One Artery")
    assert (one.code, one.level) == ("0210", 3)
    # "Artery (continued)" on the next page of the index is the same subterm, not a second one
    assert sum(1 for t in terms if t.parent_id == bypass.term_id and t.title == "Artery") == 1
    radial = next(t for t in terms if t.parent_id == artery.term_id and t.title == "Radial")
    assert radial.term_id > coronary.term_id
    plexus = next(t for t in mains if t.title == "Abdominal aortic plexus")
    assert plexus.see == "Abdominal Sympathetic Nerve"


# --- official CMS files -----------------------------------------------------------------------------


def test_tables_xml() -> None:
    records = list(parse(TABLES))
    release = records[0]
    assert isinstance(release, Release)
    assert (release.system, release.version, release.effective_from) == ("icd10pcs", "2025", dt.date(2024, 10, 1))
    concepts = _concepts(records)
    codes = [c for c in concepts.values() if c.kind == "code"]
    assert len(codes) == 2 + 23 * 4 + 6 + 4 + 4
    assert concepts["0DT"].title == "Medical and Surgical, Gastrointestinal System, Resection"
    assert concepts["0DT"].parent == "0D" and concepts["0D"].parent == "0" and concepts["0"].parent is None
    appendix = concepts["0DTJ4ZG"]
    assert appendix.title == "Resection, Appendix, Percutaneous Endoscopic, No Device, Hand-Assisted"
    assert appendix.attrs == {"title_source": "composed from table labels"}
    assert appendix.billable and appendix.parent == "0DT"
    assert "0DTJFZZ" not in concepts  # F approach is valid only for G, L, M, N
    axes = _axes(records)
    assert axes[("0D", 3, "T")].definition == "Cutting out or off, without replacement, all of a body part"
    assert axes[("0DT", 4, "J")].label == "Appendix"
    assert axes[("027", 6, "4")].label == "Intraluminal Device, Drug-eluting"
    assert len([k for k in axes if k[0] == "0DT"]) == 25 + 5 + 1 + 2


def test_tables_xml_with_order_titles() -> None:
    concepts = _concepts(list(parse(TABLES, titles=ORDER)))
    stent = concepts["027034Z"]
    assert stent.title == (
        "Dilation of Coronary Artery, One Artery with Drug-eluting Intraluminal Device, Percutaneous Approach"
    )
    assert stent.attrs == {"title_source": "order file"}
    assert concepts["0DTJ4ZZ"].title == "Resection of Appendix, Percutaneous Endoscopic Approach"
    assert concepts["0DT10ZZ"].attrs == {"title_source": "composed from table labels"}


def test_order_file() -> None:
    records = list(parse(ORDER))
    release = records[0]
    assert isinstance(release, Release) and release.version == "2025"
    concepts = _concepts(records)
    assert [c.code for c in concepts.values() if c.kind == "code"][:2] == ["027034Z", "02703DZ"]
    table = concepts["0DT"]
    assert (table.kind, table.title, table.parent) == (
        "table",
        "Medical and Surgical, Gastrointestinal System, Resection",
        "0D",
    )
    assert concepts["0D"].title == "Gastrointestinal System"
    appendix = concepts["0DTJ8ZZ"]
    assert appendix.title == "Resection of Appendix, Via Natural or Artificial Opening Endoscopic"
    assert appendix.short_title == "Resection of Appendix, Endo"
    assert appendix.billable and appendix.parent == "0DT"
    assert all(c.parent is None or c.parent in concepts for c in concepts.values())
    axes = _axes(records)
    assert axes[("0D", 3, "T")].label == "Resection"
    assert axes[("0", 2, "2")].label == "Heart and Great Vessels"


def test_code_file() -> None:
    records = list(parse(CODES))
    concepts = _concepts(records)
    assert concepts["0DTJ4ZG"].title == "Resection of Appendix, Percutaneous Endoscopic Approach, Hand-Assisted"
    assert concepts["0DTJ4ZG"].parent == "0"


def test_version_keywords_and_april(tmp_path: Path) -> None:
    release = next(parse(ORDER, version="2026", effective_from=dt.date(2025, 10, 1)))
    assert isinstance(release, Release) and (release.version, release.effective_from) == ("2026", dt.date(2025, 10, 1))
    april = tmp_path / "icd10pcs_order_April_2025.txt"
    shutil.copy(ORDER, april)
    release = next(parse(april))
    assert isinstance(release, Release) and (release.version, release.effective_from) == (
        "2025-04",
        dt.date(2025, 4, 1),
    )


# --- broken inputs ----------------------------------------------------------------------------------


def _broken(tmp_path: Path, source: Path, old: str, new: str, *, count: int = 1, name: str | None = None) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / (name or source.name)
    target.write_text(text.replace(old, new, count), encoding="utf-8", newline="")
    return target


def _error(path: Path) -> str:
    with pytest.raises(IngestError) as info:
        list(parse(path))
    return info.value.message


def test_malformed_xml(tmp_path: Path) -> None:
    path = _broken(tmp_path, TABLES, "</pcsRow>", "</pcsRowX>")
    message = _error(path)
    assert message.startswith(MSG_MALFORMED_XML.split("{line}")[0].format(file=path.name))
    assert "line 36" in message


def test_wrong_root(tmp_path: Path) -> None:
    path = _broken(tmp_path, TABLES, "ICD10PCS.tabular", "ICD10PCS.index", count=2)
    assert _error(path) == MSG_WRONG_ROOT.format(file=path.name, root="ICD10PCS.index")


def test_row_without_qualifier_axis(tmp_path: Path) -> None:
    old = '      <axis pos="7" values="1">\n        <title>Qualifier</title>\n        <label code="Z">No Qualifier</label>\n      </axis>\n'
    path = _broken(tmp_path, TABLES, old, "")
    assert _error(path) == MSG_ROW_AXIS.format(file=path.name, line=18, table="027", pos=7, what="qualifier")


def test_order_line_of_wrong_layout(tmp_path: Path) -> None:
    path = _broken(tmp_path, ORDER, "00005 0DT90ZZ 1 ", "00005 0DT90ZZ  1 ")
    message = _error(path)
    assert message.startswith(MSG_ORDER_LAYOUT.split("{found!r}")[0].format(file=path.name, line=5))


def test_order_code_not_seven_characters(tmp_path: Path) -> None:
    path = _broken(tmp_path, ORDER, "00009 0DTJ0ZZ 1 ", "00009 0DTJ0Z  1 ")
    assert _error(path) == MSG_CODE_LENGTH.format(file=path.name, line=9, code="0DTJ0Z", length=6)


def test_order_code_with_letter_o(tmp_path: Path) -> None:
    path = _broken(tmp_path, ORDER, "00009 0DTJ0ZZ 1 ", "00009 ODTJ0ZZ 1 ")
    assert _error(path) == MSG_BAD_CODE.format(file=path.name, line=9, code="ODTJ0ZZ")


def test_code_file_code_not_seven_characters(tmp_path: Path) -> None:
    path = _broken(tmp_path, CODES, "0DTJ4ZZ ", "0DTJ4Z ")
    assert _error(path) == MSG_CODE_LENGTH.format(file=path.name, line=3, code="0DTJ4Z", length=6)


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "icd10pcs_notes_2025.txt"
    path.write_text("\nThis is a note about ICD-10-PCS.\n", encoding="utf-8")
    assert _error(path) == MSG_UNKNOWN_FORMAT.format(file=path.name, line=2)


def test_no_version(tmp_path: Path) -> None:
    path = tmp_path / "pcs_order.txt"
    shutil.copy(ORDER, path)
    assert _error(path) == MSG_NO_VERSION.format(file=path.name)
