"""Read the .xlsx form of the CMS Alpha-Numeric HCPCS file (one row per code)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.sources.hcpcs.layout import _FIRST_CODE, _FIRST_MODIFIER, FIELDS, XLSX_COLUMNS, _check_code, _Entry
from medcode.ingest.sources.hcpcs.messages import (
    MSG_DUPLICATE,
    MSG_EMPTY,
    MSG_XLSX_HEADER,
    MSG_XLSX_RECORD_ID,
    MSG_XLSX_SEQUENCE,
    MSG_XLSX_UNREADABLE,
)


def _read_xlsx(path: Path) -> list[_Entry]:
    """The codes and modifiers of the ANWEB workbook (one row per code, descriptors joined)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise IngestError(MSG_XLSX_UNREADABLE.format(file=name, error=type(exc).__name__)) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or not any(_cell(value) for value in header):
            raise IngestError(MSG_EMPTY.format(file=name))
        index = {_header_key(_cell(value)): i for i, value in enumerate(header) if _cell(value)}
        missing = [column for column in XLSX_COLUMNS if _header_key(column) not in index]
        if missing:
            raise IngestError(MSG_XLSX_HEADER.format(file=name, sheet=sheet.title, missing=", ".join(missing)))
        at = {column: index[_header_key(column)] for column in XLSX_COLUMNS}
        width = max(at.values()) + 1
        entries: list[_Entry] = []
        seen: dict[str, _Entry] = {}
        for number, values in enumerate(rows, start=2):
            cells = [_cell(value) for value in values]
            if not any(cell.strip() for cell in cells):
                continue
            cells += [""] * (width - len(cells))
            where = f"row {number}"
            record_id = cells[at["RECID"]].strip()
            if record_id not in (_FIRST_CODE, _FIRST_MODIFIER):
                raise IngestError(MSG_XLSX_RECORD_ID.format(file=name, row=number, value=record_id))
            sequence = cells[at["SEQNUM"]].strip()
            if not sequence.isdigit():
                raise IngestError(MSG_XLSX_SEQUENCE.format(file=name, row=number, value=sequence))
            modifier = record_id == _FIRST_MODIFIER
            code = _check_code(name, where, cells[at["HCPC"]], modifier=modifier)
            if code is None:
                continue
            if code in seen:
                raise IngestError(MSG_DUPLICATE.format(file=name, where=where, code=code, first=seen[code].where))
            entry = _Entry(
                code=code,
                modifier=modifier,
                where=where,
                long_parts=[cells[at["LONG DESCRIPTION"]]],
                short=cells[at["SHORT DESCRIPTION"]],
                raw={f.key: [cells[at[column]] for column in f.columns] for f in FIELDS},
            )
            seen[code] = entry
            entries.append(entry)
        return entries
    finally:
        workbook.close()


def _header_key(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", value.upper())


def _cell(value: object) -> str:
    """A workbook cell as the text the fixed-width file would hold."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y%m%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
