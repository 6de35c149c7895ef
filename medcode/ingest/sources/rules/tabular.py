"""Rows of the CMS rule files, whatever their container: tab-delimited text, CSV, xlsx, a zip or a folder."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from medcode.core.errors import IngestError

MSG_NO_FILES = "{file}: holds no .txt, .csv or .xlsx file to read"
MSG_BAD_ENCODING = "{file}: not a UTF-8 or Windows-1252 text file"
MSG_BAD_XLSX = "{file}: not a readable Excel workbook ({problem})"
MSG_NOT_FOUND = "{file}: no such file or folder"

TABLE_SUFFIXES = (".txt", ".csv", ".xlsx")

_YEAR_QUARTER = re.compile(r"(20\d{2})[ _-]?q([1-4])", re.IGNORECASE)
_MDY = re.compile(r"(0[1-9]|1[0-2])[-_.](0[1-9]|[12]\d|3[01])[-_.](20\d{2})")
_YMD = re.compile(r"(20\d{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])")
_NCCI_VERSION = re.compile(r"v(\d{2})(\d)r\d", re.IGNORECASE)
_MONTHS = {"jan": 1, "apr": 4, "jul": 7, "oct": 10}
_MONTH_IN_NAME = re.compile(r"(\d{2})_?(jan|apr|jul|oct)", re.IGNORECASE)


@dataclass(frozen=True)
class Row:
    """One row of one member file: where it is (for messages) and its cells as stripped strings."""

    file: str
    line: int
    cells: list[str]

    def cell(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""


def members(path: Path) -> list[tuple[str, bytes | Path]]:
    """The table files inside ``path`` (itself one file, a zip or a folder), by name, in name order."""
    if not path.exists():
        raise IngestError(MSG_NOT_FOUND.format(file=path))
    if path.is_dir():
        found: list[tuple[str, bytes | Path]] = [
            (child.name, child)
            for child in sorted(path.iterdir())
            if child.is_file() and child.suffix.lower() in (*TABLE_SUFFIXES, ".json")
        ]
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            found = [
                (Path(info.filename).name, archive.read(info))
                for info in sorted(archive.infolist(), key=lambda i: i.filename)
                if not info.is_dir() and Path(info.filename).suffix.lower() in (*TABLE_SUFFIXES, ".json")
            ]
    else:
        return [(path.name, path)]
    if not found:
        raise IngestError(MSG_NO_FILES.format(file=path.name))
    return found


def read_bytes(content: bytes | Path) -> bytes:
    return content.read_bytes() if isinstance(content, Path) else content


def decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise IngestError(MSG_BAD_ENCODING.format(file=name)) from None


def rows(name: str, content: bytes | Path) -> Iterator[Row]:
    """Every row of one table file (.xlsx: every sheet; text: tab-delimited if the first lines have tabs)."""
    data = read_bytes(content)
    if name.lower().endswith(".xlsx"):
        yield from _xlsx_rows(name, data)
        return
    text = decode(name, data).replace("\x1a", "")  # DOS end-of-file marker some CMS files end with
    head = text[:4096]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        yield Row(name, number, [c.strip() for c in cells])


def _xlsx_rows(name: str, data: bytes) -> Iterator[Row]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise IngestError(MSG_BAD_XLSX.format(file=name, problem=type(exc).__name__)) from None
    try:
        for sheet in workbook.worksheets:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                yield Row(f"{name} [{sheet.title}]", number, cells)
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y%m%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", header.lower()).strip()


def effective_date_in_name(name: str) -> dt.date | None:
    """The quarter a CMS file name speaks of: 2026q2, Eff_04-01-2026, 20260401, v321r0 (NCCI 32.1), 25_JAN."""
    if match := _YEAR_QUARTER.search(name):
        return dt.date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1)
    if match := _MDY.search(name):
        return dt.date(int(match.group(3)), int(match.group(1)), int(match.group(2)))
    if match := _YMD.search(name):
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _NCCI_VERSION.search(name):
        # NCCI version 31.0 took effect January 2025; each minor version is one quarter.
        return dt.date(1994 + int(match.group(1)), 1 + 3 * int(match.group(2)), 1)
    if match := _MONTH_IN_NAME.search(name):
        return dt.date(2000 + int(match.group(1)), _MONTHS[match.group(2).lower()], 1)
    return None


def ymd(value: str) -> dt.date | None:
    """A CMS date cell: YYYYMMDD, YYYY-MM-DD or MM/DD/YYYY; None for blank or '*'."""
    value = value.strip()
    if value in ("", "*"):
        return None
    for fmt in ("%Y%m%d", "%Y-%m-%d", "%m/%d/%Y", "%Y%m%d%H%M%S"):
        try:
            return dt.datetime.strptime(value.split(" ")[0], fmt).date()
        except ValueError:
            continue
    raise ValueError(value)
