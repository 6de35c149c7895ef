"""Resume uploads: PDF or DOCX recognised by their content (magic bytes and structure), never by the name."""

from __future__ import annotations

import io
import zipfile
from typing import Literal

from medcode.core.errors import ApplicationError

Kind = Literal["pdf", "docx"]

MSG_RESUME_EMPTY = "The resume file is empty"
MSG_RESUME_TOO_BIG = "The resume is {size:,} bytes; the limit is {limit:,} bytes"
MSG_RESUME_TYPE = (
    "The resume must be a PDF or a Word (.docx) document; this file is neither (its content was checked, not its name)"
)
MSG_RESUME_BROKEN_PDF = "The PDF is damaged or incomplete: {problem}"
MSG_RESUME_BROKEN_DOCX = "The Word document is damaged or not a .docx: {problem}"
MSG_RESUME_MACROS = "The Word document contains macros; save it as a plain .docx and upload it again"

# A .docx expands a lot when unzipped; refuse archives that would expand beyond this (zip bombs).
MAX_EXPANDED = 50 * 1024 * 1024


class ResumeRejected(ApplicationError):
    """An uploaded resume is not an acceptable PDF or DOCX."""


def resume_check(*, data: bytes, limit: int) -> Kind:
    """The kind of the file, or ResumeRejected naming what is wrong."""
    if not data:
        raise ResumeRejected(MSG_RESUME_EMPTY)
    if len(data) > limit:
        raise ResumeRejected(MSG_RESUME_TOO_BIG.format(size=len(data), limit=limit))
    if data.startswith(b"%PDF-"):
        _pdf_structure(data)
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        _docx_structure(data)
        return "docx"
    raise ResumeRejected(MSG_RESUME_TYPE)


def _pdf_structure(data: bytes) -> None:
    version = data[5:8]
    if len(version) < 3 or not (version[:1].isdigit() and version[1:2] == b"." and version[2:3].isdigit()):
        raise ResumeRejected(MSG_RESUME_BROKEN_PDF.format(problem="the header has no version (%PDF-1.x)"))
    tail = data[-2048:]
    if b"%%EOF" not in tail:
        raise ResumeRejected(MSG_RESUME_BROKEN_PDF.format(problem="it does not end with %%EOF (truncated?)"))
    if b"startxref" not in tail:
        raise ResumeRejected(MSG_RESUME_BROKEN_PDF.format(problem="it has no cross-reference table (startxref)"))
    if b"obj" not in data or b"/Page" not in data:
        raise ResumeRejected(MSG_RESUME_BROKEN_PDF.format(problem="it has no pages"))


def _docx_structure(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            expanded = sum(info.file_size for info in archive.infolist())
            if expanded > MAX_EXPANDED:
                raise ResumeRejected(MSG_RESUME_BROKEN_DOCX.format(problem="it expands to an unreasonable size"))
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise ResumeRejected(
                    MSG_RESUME_BROKEN_DOCX.format(problem="it has no word/document.xml (a ZIP, but not a Word file)")
                )
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise ResumeRejected(MSG_RESUME_MACROS)
            content_types = archive.read("[Content_Types].xml")
            if b"macroEnabled" in content_types:
                raise ResumeRejected(MSG_RESUME_MACROS)
            if archive.testzip() is not None:
                raise ResumeRejected(MSG_RESUME_BROKEN_DOCX.format(problem="a part fails its checksum"))
    except zipfile.BadZipFile as exc:
        raise ResumeRejected(MSG_RESUME_BROKEN_DOCX.format(problem=str(exc))) from exc
