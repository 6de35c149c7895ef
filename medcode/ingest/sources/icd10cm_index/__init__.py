"""ICD-10-CM index importers: Alphabetic, External Cause, Drugs and Neoplasm (CDC XML) and the index CSV."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.records import IndexName, Record
from medcode.ingest.sources.icd10cm_index.cdc_xml import TERM_ELEMENTS, _parse_xml
from medcode.ingest.sources.icd10cm_index.columns import DRUG_COLUMNS, EMPTY_CELLS, NEOPLASM_COLUMNS, TABLE_COLUMNS
from medcode.ingest.sources.icd10cm_index.common import (
    INDEX_TITLES,
    MSG_CSV_EMPTY_TERM,
    MSG_CSV_ENCODING,
    MSG_CSV_FIELDS,
    MSG_CSV_HEADER,
    MSG_CSV_KIND,
    MSG_CSV_LEVEL,
    MSG_CSV_LEVEL_JUMP,
    MSG_CSV_SYNTAX,
    MSG_NO_YEAR,
    MSG_NOT_READABLE,
    MSG_UNSUPPORTED_INDEX,
    MSG_XML_COL,
    MSG_XML_ELEMENT,
    MSG_XML_HEADING,
    MSG_XML_HEADINGS_UNKNOWN,
    MSG_XML_KIND,
    MSG_XML_LEVEL,
    MSG_XML_NO_TITLE,
    MSG_XML_ORDER,
    MSG_XML_ROOT,
    MSG_XML_SYNTAX,
    MSG_XML_TOO_MANY_CODES,
    SOURCE_INDEXES,
    SourceIndex,
    _as_source,
)
from medcode.ingest.sources.icd10cm_index.index_csv import CSV_HEADER, _parse_csv

__all__ = [
    "CSV_HEADER",
    "DRUG_COLUMNS",
    "EMPTY_CELLS",
    "INDEX_TITLES",
    "MSG_CSV_EMPTY_TERM",
    "MSG_CSV_ENCODING",
    "MSG_CSV_FIELDS",
    "MSG_CSV_HEADER",
    "MSG_CSV_KIND",
    "MSG_CSV_LEVEL",
    "MSG_CSV_LEVEL_JUMP",
    "MSG_CSV_SYNTAX",
    "MSG_NOT_READABLE",
    "MSG_NO_YEAR",
    "MSG_UNSUPPORTED_INDEX",
    "MSG_XML_COL",
    "MSG_XML_ELEMENT",
    "MSG_XML_HEADING",
    "MSG_XML_HEADINGS_UNKNOWN",
    "MSG_XML_KIND",
    "MSG_XML_LEVEL",
    "MSG_XML_NO_TITLE",
    "MSG_XML_ORDER",
    "MSG_XML_ROOT",
    "MSG_XML_SYNTAX",
    "MSG_XML_TOO_MANY_CODES",
    "NEOPLASM_COLUMNS",
    "SOURCE_INDEXES",
    "TABLE_COLUMNS",
    "TERM_ELEMENTS",
    "SourceIndex",
    "parse",
]


def parse(
    path: Path,
    *,
    index: IndexName | None = None,
    version: str | None = None,
    effective_from: dt.date | None = None,
) -> Iterator[Record]:
    """Yield a Release, then one IndexTerm per entry at every level, in file order.

    The kind of file is taken from its content (a CDC XML file, or the CSV flattening of the
    Alphabetic Index) unless ``index`` says it; ``version`` and ``effective_from`` override what the
    file says (FY N takes effect on October 1 of N-1).
    """
    path = Path(path)
    if index is not None:
        _as_source(path, index)
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        raise IngestError(MSG_NOT_READABLE.format(path=path, reason=exc.strerror or exc)) from exc
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        yield from _parse_xml(path, index=index, version=version, effective_from=effective_from)
    else:
        yield from _parse_csv(path, index=index, version=version, effective_from=effective_from)
