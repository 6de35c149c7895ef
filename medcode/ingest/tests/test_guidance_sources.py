"""The guidance importers on the real FY2026 guidelines PDF and 2026 NCCI manual, and on broken copies of them."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest

from conftest import shared_file
from medcode.codebook import store
from medcode.core.errors import IngestError
from medcode.ingest import build
from medcode.ingest.records import GuidanceSection, Release
from medcode.ingest.sources import icd10cm_guidelines, ncci_manual

GUIDELINES = ("icd10cm-guidelines-fy2026", "fy-2026-icd-10-cm-coding-guidelines.pdf")
MANUAL = ("ncci-policy-manual-2026", "ncci_policy_manual.txt")
MARKER = re.compile(r"^(Section [IV]+\.|Appendix I\b|[A-Z]\.|\d{1,2}\.|[a-z]\.|\d{1,2}\)|\([a-z]+\))")


@pytest.fixture(scope="module")
def guidelines() -> tuple[Release, list[GuidanceSection], list[icd10cm_guidelines.TocEntry]]:
    path = shared_file(*GUIDELINES)
    records = list(icd10cm_guidelines.parse(path))
    release, sections = records[0], records[1:]
    assert isinstance(release, Release)
    toc = icd10cm_guidelines.toc_entries(icd10cm_guidelines.read_rows(path))
    return release, [s for s in sections if isinstance(s, GuidanceSection)], toc


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def test_guidelines_release_is_fy2026_with_its_effective_dates(guidelines) -> None:  # type: ignore[no-untyped-def]
    release, _, _ = guidelines
    assert (release.system, release.version, release.content) == ("icd10cm-guidelines", "FY 2026", "guidance")
    assert (release.effective_from, release.effective_to) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))


def test_every_heading_of_the_table_of_contents_is_a_section_in_order(guidelines) -> None:  # type: ignore[no-untyped-def]
    _, sections, toc = guidelines
    assert len(toc) > 200
    headings = [icd10cm_guidelines.heading_text(s) for s in sections]
    position = 0
    for entry in toc:
        marker = MARKER.match(entry.heading)
        if marker is None:
            continue  # "Reserved for future guideline expansion" is text, not a heading
        want = _words(entry.heading)
        for i in range(position, len(headings)):
            got = _words(headings[i])
            # same marker, and the title's first words (the contents sometimes words a title a little apart)
            if got[: len(_words(marker.group(0)))] == want[: len(_words(marker.group(0)))] and (
                got[:4] == want[:4] or len(set(got) & set(want)) / len(set(got) | set(want)) >= 0.5
            ):
                position = i + 1
                break
        else:
            pytest.fail(f"table of contents entry {entry.heading!r} (page {entry.page}) not found in order")


def test_sections_have_the_documents_numbering_and_verbatim_text(guidelines) -> None:  # type: ignore[no-untyped-def]
    _, sections, _ = guidelines
    by_ref = {s.ref: s for s in sections}
    assert len(by_ref) == len(sections)  # every reference once
    for ref in ("I.A.15", "I.C.4.a.2", "IV.H", "Appendix I", "I.C.1.d.1.b", "II.H", "I.C.21.c.8"):
        assert ref in by_ref, ref
    assert by_ref["I.B.5"].text == (
        "Signs and symptoms that are associated routinely with a disease process should not be assigned as"
        " additional codes, unless otherwise instructed by the classification."
    )
    assert by_ref["I.B.5"].title == "Conditions that are an integral part of a disease process"
    assert by_ref["I.B.5"].page == "13" and by_ref["I.B.5"].parent == "I.B"
    assert by_ref["I.C.4.a.2"].text.startswith("If the type of diabetes mellitus is not documented")
    assert "E11.-" in by_ref["I.C.4.a.2"].text
    assert by_ref["IV.H"].title == "Uncertain diagnosis" and by_ref["IV.H"].parent == "IV"
    assert by_ref["Appendix I"].title == "Present on Admission Reporting Guidelines"
    # a title that wraps onto a second line is whole
    assert by_ref["I"].title == "Conventions, general coding guidelines and chapter specific guidelines"


def test_page_furniture_is_removed_and_words_are_whole(guidelines) -> None:  # type: ignore[no-untyped-def]
    _, sections, _ = guidelines
    text = "\n".join(s.text for s in sections)
    assert not re.search(r"Page \d+ of 121", text)
    assert "ICD-10-CM Official Guidelines for Coding and Reporting\nFY 2026" not in text
    assert "achiev e" not in text and "ICD -10-CM" not in text  # what a naive text extraction gives
    assert "  " not in text  # justified spacing collapsed


def test_a_pdf_that_is_not_the_guidelines_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.pdf"
    other.write_bytes(_one_page_pdf("Quarterly newsletter of the coding department"))
    with pytest.raises(IngestError) as err:
        list(icd10cm_guidelines.parse(other))
    assert err.value.message == icd10cm_guidelines.MSG_NOT_GUIDELINES.format(file="other.pdf")


def test_a_truncated_or_garbled_pdf_is_refused_naming_the_file(tmp_path: Path) -> None:
    data = shared_file(*GUIDELINES).read_bytes()
    truncated = tmp_path / "guidelines-truncated.pdf"
    truncated.write_bytes(data[: len(data) // 3])
    with pytest.raises(IngestError) as err:
        list(icd10cm_guidelines.parse(truncated))
    assert "guidelines-truncated.pdf" in err.value.message
    garbled = tmp_path / "garbled.pdf"
    garbled.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    with pytest.raises(IngestError) as err:
        list(icd10cm_guidelines.parse(garbled))
    assert "garbled.pdf" in err.value.message


def _one_page_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF showing one line of text."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


@pytest.fixture(scope="module")
def manual() -> tuple[Release, list[GuidanceSection], list[ncci_manual.TocChapter]]:
    path = shared_file(*MANUAL)
    records = list(ncci_manual.parse(path))
    lines = [" ".join(line.split()) for line in path.read_text(encoding="utf-8").splitlines()]
    chapters, _ = ncci_manual.toc_chapters(lines)
    release = records[0]
    assert isinstance(release, Release)
    return release, [r for r in records[1:] if isinstance(r, GuidanceSection)], chapters


def test_manual_release_is_2026_effective_january_first(manual) -> None:  # type: ignore[no-untyped-def]
    release, _, _ = manual
    assert (release.system, release.version, release.content) == ("ncci-manual", "2026", "guidance")
    assert release.effective_from == dt.date(2026, 1, 1)


def test_manual_has_every_chapter_and_section_of_its_contents_in_order(manual) -> None:  # type: ignore[no-untyped-def]
    _, sections, chapters = manual
    assert [c.number for c in chapters] == [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
        "VIII",
        "IX",
        "X",
        "XI",
        "XII",
        "XIII",
    ]
    expected = []
    for chapter in chapters:
        expected.append(chapter.number)
        expected += [f"{chapter.number}.{letter}" for letter, _, _ in chapter.sections]
    assert [s.ref for s in sections if s.ref != "Intro"] == expected
    by_ref = {s.ref: s for s in sections}
    assert by_ref["I.E"].title == "Modifiers and Modifier Indicators" and by_ref["I.E"].page == "I-14"
    assert by_ref["I.E"].parent == "I" and by_ref["I"].title == "General Correct Coding Policies"
    assert by_ref["I.E"].text.startswith(
        "The AMA CPT Professional codebook and CMS define modifiers that may be appended to HCPCS/CPT codes"
    )
    assert by_ref["I.O"].title == "Misuse of Column Two Code with Column One Code (Misuse of Code Edit Rationale)"
    text = "\n".join(s.text for s in sections)
    assert "Revision Date (Medicare)" not in text and not re.search(r"(?m)^I-\d+$", text)


def test_a_text_file_that_is_not_the_manual_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("Chapter I \u2013 Things\nA. Something I-3\n", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        list(ncci_manual.parse(other))
    assert err.value.message == ncci_manual.MSG_NOT_MANUAL.format(file="notes.txt")


def test_a_truncated_manual_is_refused_naming_the_missing_section(tmp_path: Path) -> None:
    lines = shared_file(*MANUAL).read_text(encoding="utf-8").splitlines()
    truncated = tmp_path / "ncci_truncated.txt"
    truncated.write_text("\n".join(lines[: len(lines) // 2]), encoding="utf-8")
    with pytest.raises(IngestError) as err:
        list(ncci_manual.parse(truncated))
    assert err.value.message.startswith("ncci_truncated.txt: the table of contents lists Chapter")
    assert "truncated" in err.value.message


def test_a_failed_guidance_import_leaves_the_active_codebook_alone(tmp_path: Path) -> None:
    directory = tmp_path / "codebooks"
    manual_path = shared_file(*MANUAL)
    first = build.release_build(
        sources=[build.SourceSpec("ncci-manual", str(manual_path))],
        directory=directory,
        show_progress=False,
        extend_active=False,
    )
    with sqlite3.connect(first.path) as conn:
        assert conn.execute("SELECT r.system, r.version, r.content, r.effective_from FROM release r").fetchall() == [
            ("ncci-manual", "2026", "guidance", "2026-01-01")
        ]
        (count,) = conn.execute("SELECT count(*) FROM guidance_section").fetchone()
        assert count > 150
    broken = tmp_path / "ncci_policy_manual.txt"
    broken.write_text("\n".join(manual_path.read_text(encoding="utf-8").splitlines()[:3000]), encoding="utf-8")
    with pytest.raises(IngestError, match=r"ncci_policy_manual\.txt"):
        build.release_build(
            sources=[build.SourceSpec("ncci-manual", str(broken))], directory=directory, show_progress=False
        )
    assert store.active_path(directory) == first.path
    # nothing of the failed build is left: only the active codebook, its marker and the builds' lock file
    left = sorted(p.name for p in directory.iterdir())
    assert left == sorted(["ACTIVE", first.path.name, ".build-lock"])
