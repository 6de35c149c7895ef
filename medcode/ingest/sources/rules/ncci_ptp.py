"""NCCI procedure-to-procedure edits: the CMS quarterly PTP files, and the hospital history pyoce carries."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, Literal

from medcode.core.errors import IngestError
from medcode.ingest.records import AddOnCode, PtpEdit, Record, Release
from medcode.ingest.sources.rules import tabular

MSG_NO_HEADER = (
    "{file}: found no header row with 'Column 1' and 'Column 2'; expected the CMS NCCI PTP layout "
    "(Column 1, Column 2, *=in existence prior to 1996, Effective Date, Deletion Date, Modifier, PTP Edit Rationale)"
)
MSG_MISSING_COLUMN = "{file}, line {line}: the header has no '{column}' column; found: {found}"
MSG_BAD_CODE = "{file}, line {line}: '{code}' is not a HCPCS/CPT code; expected five letters or digits"
MSG_BAD_DATE = "{file}, line {line}: {column} '{value}' is not a date; expected YYYYMMDD (or * for none)"
MSG_BAD_MODIFIER = "{file}, line {line}: modifier indicator '{value}' is not 0, 1 or 9"
MSG_NO_EDITS = "{file}: no PTP edits after the header"
MSG_NO_SETTING = (
    "{file}: cannot tell whether these are practitioner or hospital edits; name the file with "
    "'practitioner' or 'hospital' (CMS names them ccipra-... and ccioph-...)"
)
MSG_NO_DATE = (
    "{file}: cannot tell which quarter this file is; name it with the NCCI version (e.g. ccipra-v321r0) "
    "or the date (e.g. 2026q2)"
)
MSG_PYOCE_MISSING = "The pyoce package (CMS I/OCE data) is not installed; it carries the hospital NCCI edits"

Setting = Literal["practitioner", "hospital"]
CODE = re.compile(r"[0-9A-Z]{5}")
PYOCE_TITLE = "NCCI PTP edits, hospital outpatient (CMS I/OCE {first} to {last} data, pyoce {version})"
PYOCE_ADDON_TITLE = "Add-on codes and primaries (CMS I/OCE {first} to {last} data, pyoce {version})"
CMS_TITLE = "NCCI PTP edits, {setting} (CMS file {file})"


def parse(path: Path, *, setting: Setting | None = None) -> Iterator[Record]:
    """Yield a release, then one edit per row of a CMS PTP file (.txt, .csv, .xlsx, or a zip/folder of them)."""
    path = Path(path)
    members = tabular.members(path)
    setting = setting or _setting(path.name, [name for name, _ in members])
    if setting is None:
        raise IngestError(MSG_NO_SETTING.format(file=path.name))
    effective = tabular.effective_date_in_name(path.name) or next(
        (d for name, _ in members if (d := tabular.effective_date_in_name(name))), None
    )
    if effective is None:
        raise IngestError(MSG_NO_DATE.format(file=path.name))
    yield Release(
        system=f"ncci-ptp-{setting}",  # type: ignore[arg-type]
        version=f"{effective.isoformat()} {path.stem}",
        effective_from=effective,
        title=CMS_TITLE.format(setting=setting, file=path.name),
        content="rules",
    )
    total = 0
    for name, content in members:
        if name.lower().endswith(".json"):
            continue
        for edit in _edits(name, content):
            total += 1
            yield edit
    if total == 0:
        raise IngestError(MSG_NO_EDITS.format(file=path.name))


def _setting(*names: str | list[str]) -> Setting | None:
    flat = " ".join(n if isinstance(n, str) else " ".join(n) for n in names).lower()
    if "practitioner" in flat or "ccipra" in flat or "_pra" in flat:
        return "practitioner"
    if "hospital" in flat or "ccioph" in flat or "outpatient" in flat:
        return "hospital"
    return None


def _edits(name: str, content: bytes | Path) -> Iterator[PtpEdit]:
    columns: dict[str, int] | None = None
    for row in tabular.rows(name, content):
        if columns is None:
            first = tabular.normal(row.cell(0))
            if first.startswith("column 1") and tabular.normal(row.cell(1)).startswith("column 2"):
                columns = _columns(row)
            continue
        c1, c2 = row.cell(0).upper(), row.cell(1).upper()
        if not c1 and not c2:
            continue
        if not CODE.fullmatch(c1) or not CODE.fullmatch(c2):
            if not c1 or c1.startswith(("CPT", "COLUMN")):
                continue  # notes and repeated headers
            raise IngestError(
                MSG_BAD_CODE.format(file=row.file, line=row.line, code=c1 if not CODE.fullmatch(c1) else c2)
            )
        start = _date(row, columns["effective"], "effective date")
        if start is None:
            raise IngestError(
                MSG_BAD_DATE.format(
                    file=row.file, line=row.line, column="effective date", value=row.cell(columns["effective"])
                )
            )
        deleted = _date(row, columns["deletion"], "deletion date")
        indicator = row.cell(columns["modifier"])
        if indicator not in ("0", "1", "9"):
            raise IngestError(MSG_BAD_MODIFIER.format(file=row.file, line=row.line, value=indicator))
        rationale = row.cell(columns["rationale"]) if "rationale" in columns else ""
        yield PtpEdit(
            column1=c1,
            column2=c2,
            effective_from=start,
            effective_to=deleted - dt.timedelta(days=1) if deleted else None,
            modifier=int(indicator),
            rationale=rationale or None,
        )
    if columns is None:
        raise IngestError(MSG_NO_HEADER.format(file=name))


def _columns(row: tabular.Row) -> dict[str, int]:
    heads = [tabular.normal(c) for c in row.cells]
    found: dict[str, int] = {}
    for key, word in (
        ("effective", "effective"),
        ("deletion", "deletion"),
        ("modifier", "modifier"),
        ("rationale", "rationale"),
    ):
        index = next((i for i, h in enumerate(heads) if word in h), None)
        if index is not None:
            found[key] = index
    for key in ("effective", "deletion", "modifier"):
        if key not in found:
            raise IngestError(
                MSG_MISSING_COLUMN.format(file=row.file, line=row.line, column=key, found=" | ".join(row.cells))
            )
    return found


def _date(row: tabular.Row, index: int, column: str) -> dt.date | None:
    try:
        return tabular.ymd(row.cell(index))
    except ValueError:
        raise IngestError(
            MSG_BAD_DATE.format(file=row.file, line=row.line, column=column, value=row.cell(index))
        ) from None


# --- the embedded default: CMS I/OCE data that pyoce carries -----------------------------------------


def _provider() -> Any:
    try:
        from pyoce.dao.provider import LmdbDataProvider
    except ImportError:  # pragma: no cover - pyoce is a dependency
        raise IngestError(MSG_PYOCE_MISSING) from None
    return LmdbDataProvider.get_instance()


def ioce_versions() -> dict[int, tuple[dt.date, dt.date, str]]:
    """I/OCE version number -> (first day, last day, version id) of each quarter pyoce carries."""
    versions: dict[int, tuple[dt.date, dt.date, str]] = {}
    for _key, row in _provider().get_multi("version_range", ""):
        versions[int(row["version"])] = (
            _yyyymmdd(int(row["date_started"])),
            _yyyymmdd(int(row["date_ended"])),
            str(row["version_id"]),
        )
    return versions


def _yyyymmdd(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def _span(versions: dict[int, tuple[dt.date, dt.date, str]], lo: int, hi: int) -> tuple[dt.date, dt.date | None]:
    """Dates covered by I/OCE versions lo..hi; open-ended when hi is the newest version."""
    return versions[lo][0], None if hi >= max(versions) else versions[hi][1]


def parse_pyoce_hospital() -> Iterator[Record]:
    """Yield the hospital outpatient PTP edits of every I/OCE version pyoce carries (2019-07 onward).

    pyoce stores each pair with the I/OCE version range it was in effect and whether a modifier
    may bypass it. Ranges of one pair that touch and agree on the indicator are merged, so a row
    is one pair over one date range.
    """
    import marshal

    provider = _provider()
    versions = ioce_versions()
    first, last = min(versions), max(versions)
    yield Release(
        system="ncci-ptp-hospital",
        version=f"ioce-{versions[first][2]}-{versions[last][2]}",
        effective_from=versions[first][0],
        title=PYOCE_TITLE.format(first=versions[first][2], last=versions[last][2], version=package_version("pyoce")),
        content="rules",
    )
    spans: dict[tuple[int, int], tuple[dt.date, dt.date | None]] = {}
    env = provider.env
    db = env.open_db(b"map_ncci")
    with env.begin(db, write=False) as txn:
        for key, value in txn.cursor():
            column1 = bytes(key).decode("ascii")
            by_pair: dict[bytes, list[tuple[int, int, bool]]] = {}
            for column2, entry in marshal.loads(value):  # noqa: S302 - pyoce stores its own data so
                data = marshal.loads(entry)  # noqa: S302
                by_pair.setdefault(column2, []).append(
                    (int(data["lo_version"]), int(data["hi_version"]), bool(data["mod_indicator"]))
                )
            for column2, ranges in by_pair.items():
                code2 = column2.decode("ascii")
                for lo, hi, allowed in _merged(ranges):
                    span = spans.get((lo, hi))
                    if span is None:
                        span = spans[(lo, hi)] = _span(versions, lo, hi)
                    yield PtpEdit(column1, code2, span[0], span[1], 1 if allowed else 0)


def _merged(ranges: list[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    ranges.sort()
    merged = [ranges[0]]
    for lo, hi, allowed in ranges[1:]:
        plo, phi, pallowed = merged[-1]
        if pallowed == allowed and lo <= phi + 1:
            merged[-1] = (plo, max(hi, phi), allowed)
        else:
            merged.append((lo, hi, allowed))
    return merged


def parse_pyoce_addons() -> Iterator[Record]:
    """Yield add-on codes of types 1, 2 and 3 with their primaries, as I/OCE carries them, dated."""
    provider = _provider()
    versions = ioce_versions()
    first, last = min(versions), max(versions)
    yield Release(
        system="addon",
        version=f"ioce-{versions[first][2]}-{versions[last][2]}",
        effective_from=versions[first][0],
        title=PYOCE_ADDON_TITLE.format(
            first=versions[first][2], last=versions[last][2], version=package_version("pyoce")
        ),
        content="rules",
    )
    seen: set[tuple[str, str, dt.date]] = set()
    for addon_type, table in ((1, "map_addon_type1"), (2, "map_addon_type2"), (3, "map_addon_type3")):
        for key, row in provider.get_multi(table, ""):
            parts = key.decode("ascii").split("|")
            primary = str(row["addon_primary"]) if addon_type != 2 else None
            start, end = _span(versions, int(row["lo_version"]), int(row["hi_version"]))
            marker = (parts[0], primary or "", start)
            if marker in seen:
                continue
            seen.add(marker)
            yield AddOnCode(parts[0], primary, addon_type, start, end)
