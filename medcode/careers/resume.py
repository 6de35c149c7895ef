"""Resume uploads: PDF or DOCX recognised by their content (magic bytes and structure), never by the name."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from typing import IO, Literal

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
MSG_RESUME_POLYGLOT = (
    "The file is a PDF or Word document but also holds {what}; such files can run as something else. "
    "Save the resume again as a plain PDF or .docx (e.g. print it to PDF) and upload that"
)
MSG_RESUME_NOT_CLEAN_DOCX = "The Word document is not a clean .docx: {problem}; save it again from your word processor"

# A .docx expands a lot when unzipped; refuse archives that would expand beyond this (zip bombs).
MAX_EXPANDED = 50 * 1024 * 1024


class ResumeRejected(ApplicationError):
    """An uploaded resume is not an acceptable PDF or DOCX."""


def resume_read(*, upload: IO[bytes], size: int | None, limit: int) -> bytes:
    """The bytes of an uploaded resume, refused on the size the upload handler reports before anything is read,
    and never more than ``limit + 1`` bytes read (a handler that reports no size or a wrong one)."""
    if size is not None and size > limit:
        raise ResumeRejected(MSG_RESUME_TOO_BIG.format(size=size, limit=limit))
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ResumeRejected(MSG_RESUME_TOO_BIG.format(size=size if size and size > limit else len(data), limit=limit))
    return data


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
    what = _foreign_content(data) or _pdf_active_content(data)
    if what:
        raise ResumeRejected(MSG_RESUME_POLYGLOT.format(what=what))


# Markup a browser would sniff as HTML, and the headers of executables (Windows PE, ELF, Mach-O); a resume
# never holds them uncompressed. Patterns are long enough that compressed stream bytes do not match by chance.
_HTML = re.compile(
    rb"<\s*(?:!doctype\s+html|html[\s>]|script[\s>/]|body[\s>]|iframe[\s>]|svg[\s>]|object[\s>]|embed[\s>]"
    rb"|meta\s+http-equiv)|javascript:",
    re.IGNORECASE,
)
_EXECUTABLE = re.compile(
    rb"This program cannot be run in DOS mode|This program must be run under Win32|\x7fELF[\x01\x02][\x01\x02]\x01"
    rb"|\xcf\xfa\xed\xfe[\x07\x0c]\x00\x00[\x01\x00]"
)
# PDF actions that run or launch something, looked for outside the (possibly compressed) streams.
_PDF_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)(?![A-Za-z0-9])")


def _foreign_content(data: bytes) -> str:
    if _HTML.search(data):
        return "HTML or script"
    if _EXECUTABLE.search(data):
        return "an executable program"
    return ""


def _pdf_active_content(data: bytes) -> str:
    found = _PDF_ACTIVE.search(_PDF_STREAM.sub(b"stream endstream", data))
    return f"an active PDF element ({found.group().decode()})" if found else ""


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
            _docx_clean(data, archive)
    except zipfile.BadZipFile as exc:
        raise ResumeRejected(MSG_RESUME_BROKEN_DOCX.format(problem=str(exc))) from exc


# The parts a Word document holds; anything else (scripts, programs, web pages) makes the file a polyglot.
_OOXML_PART = re.compile(
    r"(?:\[Content_Types\]\.xml|(?:[\w.-]+/)*_rels/[\w.\[\]-]*\.rels|(?:docProps|word|customXml)/[\w./\[\]-]+\."
    r"(?:xml|rels|png|jpe?g|gif|bmp|tiff?|emf|wmf|svg|odttf|fntdata|bin))",
)
_EOCD = b"PK\x05\x06"


def _docx_clean(data: bytes, archive: zipfile.ZipFile) -> None:
    """A .docx is a ZIP and nothing else: its parts back to back from the first byte to the central directory,
    which ends the file; only OOXML part names; no HTML or program hidden in a part or between them."""

    def refuse(problem: str) -> ResumeRejected:
        return ResumeRejected(MSG_RESUME_NOT_CLEAN_DOCX.format(problem=problem))

    for info in archive.infolist():
        name = info.filename
        if name.startswith("/") or ".." in name.split("/") or "\\" in name or not _OOXML_PART.fullmatch(name):
            raise refuse(f"it holds a part '{name[:80]}' that is no part of a Word document")
        if name.endswith(".bin") and not name.startswith("word/media/") and "printerSettings" not in name:
            raise refuse(f"it holds a binary part '{name[:80]}'")
    eocd = data.rfind(_EOCD)
    if eocd < 0 or eocd + 22 > len(data):
        raise refuse("its end record is missing")
    comment_length = struct.unpack("<H", data[eocd + 20 : eocd + 22])[0]
    if eocd + 22 + comment_length != len(data):
        raise refuse("other data follows the ZIP archive")
    offset = 0
    for info in sorted(archive.infolist(), key=lambda i: i.header_offset):
        if info.header_offset != offset:
            raise refuse("other data sits between its parts")
        name_length, extra_length = struct.unpack("<HH", data[offset + 26 : offset + 30])
        offset += 30 + name_length + extra_length + info.compress_size
        if info.flag_bits & 0x08:  # a data descriptor follows the data (with or without its signature)
            offset += 16 if data[offset : offset + 4] == b"PK\x07\x08" else 12
    central_directory = struct.unpack("<I", data[eocd + 16 : eocd + 20])[0]
    if offset != central_directory:
        raise refuse("other data sits between its parts")
    for info in archive.infolist():
        what = _foreign_content(archive.read(info)) if not info.filename.startswith("word/media/") else ""
        if what:
            raise ResumeRejected(MSG_RESUME_POLYGLOT.format(what=what))
