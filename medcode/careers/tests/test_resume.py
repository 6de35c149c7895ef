"""Resumes are recognised by content and structure, never by their name."""

from __future__ import annotations

import pytest

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
