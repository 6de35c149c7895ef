"""Resumes are recognised by content and structure, never by their name."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from conftest import shared_file
from medcode.careers import resume
from medcode.careers.tests.factories import docx_bytes, pdf_bytes

LIMIT = 100_000


def test_a_real_pdf_and_docx_are_accepted() -> None:
    assert resume.resume_check(data=pdf_bytes(), limit=LIMIT) == "pdf"
    assert resume.resume_check(data=docx_bytes(), limit=LIMIT) == "docx"


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", resume.MSG_RESUME_EMPTY),
        (b"MZ\x90\x00 an executable named resume.pdf", "neither"),
        (b"<html>resume</html>", "neither"),
        (pdf_bytes()[:60], "truncated"),
        (b"%PDF-x.y\n%%EOF startxref", "no version"),
        (docx_bytes(document=False), "word/document.xml"),
        (docx_bytes(macros=True), "macros"),
        (b"PK\x03\x04 not really a zip", "damaged"),
    ],
)
def test_bad_files_are_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(resume.ResumeRejected) as refused:
        resume.resume_check(data=data, limit=LIMIT)
    assert message in refused.value.message


def test_the_size_limit() -> None:
    with pytest.raises(resume.ResumeRejected, match="the limit is 100 bytes"):
        resume.resume_check(data=pdf_bytes(), limit=100)


# --- bounded reads and polyglots (issue 21) -------------------------------------------------------------


class _Counting(io.BytesIO):
    """An upload whose bytes read are counted."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_an_upload_is_refused_on_its_reported_size_before_any_byte_is_read() -> None:
    upload = _Counting(b"%PDF-1.4" + b"x" * 5000)
    with pytest.raises(resume.ResumeRejected, match="is 5,008 bytes; the limit is 1,000 bytes"):
        resume.resume_read(upload=upload, size=5008, limit=1000)
    assert upload.bytes_read == 0


def test_an_upload_with_no_or_a_wrong_size_is_read_up_to_the_limit_only() -> None:
    for reported in (None, 10):
        upload = _Counting(b"%PDF-1.4" + b"x" * 50_000)
        with pytest.raises(resume.ResumeRejected, match="the limit is 1,000 bytes"):
            resume.resume_read(upload=upload, size=reported, limit=1000)
        assert upload.bytes_read == 1001
    assert resume.resume_read(upload=io.BytesIO(pdf_bytes()), size=None, limit=LIMIT) == pdf_bytes()


def _pdf_with(extra: bytes) -> bytes:
    head, tail = pdf_bytes().split(b"xref\n", 1)
    return head + extra + b"\nxref\n" + tail


@pytest.mark.parametrize(
    "data,what",
    [
        (_pdf_with(b"<html><body><script>alert(document.cookie)</script></body></html>"), "HTML or script"),
        (_pdf_with(b"<!DOCTYPE html><p>hi"), "HTML or script"),
        (_pdf_with(b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode.\r\r\n$"), "executable"),
        (_pdf_with(b"\x7fELF\x02\x01\x01\x00\x00\x00"), "executable"),
        (_pdf_with(b"4 0 obj << /Type /Action /S /JavaScript /JS (app.alert(1)) >> endobj"), "/JavaScript"),
        (_pdf_with(b"4 0 obj << /S /Launch /F (cmd.exe) >> endobj"), "/Launch"),
    ],
)
def test_pdf_polyglots_are_refused(data: bytes, what: str) -> None:
    with pytest.raises(resume.ResumeRejected) as refused:
        resume.resume_check(data=data, limit=LIMIT)
    assert what in refused.value.message and "Save the resume again" in refused.value.message


def _docx_with(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO(docx_bytes())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data,problem",
    [
        (docx_bytes() + b"<html><script>alert(1)</script></html>", "other data follows the ZIP archive"),
        (_docx_with("index.html", b"<html>hi</html>"), "part 'index.html'"),
        (_docx_with("word/setup.exe", b"MZ\x90\x00"), "part 'word/setup.exe'"),
        (_docx_with("../evil.xml", b"<x/>"), "part '../evil.xml'"),
        (_docx_with("word/header1.xml", b"<w:hdr><script>alert(1)</script></w:hdr>"), "HTML or script"),
    ],
)
def test_docx_that_is_not_a_clean_ooxml_zip_is_refused(data: bytes, problem: str) -> None:
    with pytest.raises(resume.ResumeRejected) as refused:
        resume.resume_check(data=data, limit=LIMIT)
    assert problem in refused.value.message


def test_junk_between_the_parts_of_a_docx_is_refused() -> None:
    clean = docx_bytes()
    second = clean.index(b"PK\x03\x04", 4)
    junk = b"<html>x</html>"
    data = bytearray(clean[:second] + junk + clean[second:])
    # shift the central directory's offsets (one per part, and the end record's) past the inserted bytes
    eocd = data.rfind(b"PK\x05\x06")
    cd = struct.unpack("<I", data[eocd + 16 : eocd + 20])[0] + len(junk)
    data[eocd + 16 : eocd + 20] = struct.pack("<I", cd)
    entry = cd
    while data[entry : entry + 4] == b"PK\x01\x02":
        offset = struct.unpack("<I", data[entry + 42 : entry + 46])[0]
        if offset >= second:
            data[entry + 42 : entry + 46] = struct.pack("<I", offset + len(junk))
        n, e, c = struct.unpack("<HHH", data[entry + 28 : entry + 34])
        entry += 46 + n + e + c
    with pytest.raises(resume.ResumeRejected, match="other data sits between its parts"):
        resume.resume_check(data=bytes(data), limit=LIMIT)


@pytest.mark.parametrize(
    "parts",
    [
        ("pfs-rvu-2025a", "RVU25A.pdf"),
        ("pfs-rvu-2026b", "RVU26B.pdf"),
        ("icd10cm-guidelines-fy2026", "fy-2026-icd-10-cm-coding-guidelines.pdf"),
    ],
)
def test_real_official_pdfs_are_accepted(parts: tuple[str, str]) -> None:
    data = shared_file(*parts).read_bytes()
    assert resume.resume_check(data=data, limit=len(data)) == "pdf"


def test_a_clean_docx_written_as_a_stream_with_images_is_accepted() -> None:
    """Word processors that stream the ZIP write data descriptors after each part; that is still clean."""

    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            self.data += b
            return len(b)

    out = Unseekable()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document><w:body/></w:document>")
        archive.writestr("word/_rels/document.xml.rels", "<Relationships/>")
        archive.writestr("word/media/image1.png", b"\x89PNG\r\n\x1a\n<svg <html> inside image bytes")
        archive.writestr("docProps/core.xml", "<cp:coreProperties/>")
    assert resume.resume_check(data=bytes(out.data), limit=LIMIT) == "docx"
