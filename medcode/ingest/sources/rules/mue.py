"""Medically Unlikely Edits: the CMS MUE tables (practitioner, hospital, DME) and JSON extracts of them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from medcode.core.errors import IngestError
from medcode.ingest.records import MueValue, Record, Release
from medcode.ingest.sources.rules import tabular

MSG_NO_HEADER = (
    "{file}: found no header row naming the code and MUE value columns; expected the CMS MUE layout "
    "(HCPCS/CPT Code, Practitioner Services MUE Values, MUE Adjudication Indicator, MUE Rationale)"
)
MSG_BAD_CODE = "{file}, line {line}: '{code}' is not a HCPCS/CPT code; expected five letters or digits"
MSG_BAD_VALUE = "{file}, line {line}: MUE value '{value}' for {code} is not a whole number of units"
MSG_BAD_MAI = "{file}, line {line}: adjudication indicator '{value}' for {code} does not start with 1, 2 or 3"
MSG_NO_SETTING = (
    "{file}: cannot tell whether this is the practitioner, hospital or DME table; the header or file name "
    "should say Practitioner, Outpatient Hospital or DME"
)
MSG_NO_DATE = "{file}: cannot tell which quarter this file is; name it with the date (e.g. Eff_04-01-2026 or 2026q2)"
MSG_NO_VALUES = "{file}: no MUE values after the header"
MSG_BAD_JSON = "{file}: not a JSON object of code -> {{maxUnits, adjudicationType}} ({problem})"
MSG_DUPLICATE = "{file}, line {line}: code {code} was already given"

Setting = Literal["practitioner", "hospital", "dme"]
CODE = re.compile(r"[0-9A-Z]{5}")
TITLE = "MUE, {setting} (CMS file {file})"
# JSON extracts name the indicator in words
ADJUDICATION_WORDS = {
    "line": 1,
    "claim_line": 1,
    "date_of_service_policy": 2,
    "policy": 2,
    "date_of_service": 3,
    "date_of_service_clinical": 3,
    "clinical": 3,
}


def _setting(text: str) -> Setting | None:
    text = text.lower()
    if "practitioner" in text:
        return "practitioner"
    if "dme" in text or "durable" in text:
        return "dme"
    if "hospital" in text or "facility" in text:
        return "hospital"
    return None


def parse(path: Path, *, setting: Setting | None = None) -> Iterator[Record]:
    """Yield a release, then one value per code of a CMS MUE table (or a JSON extract of one)."""
    path = Path(path)
    members = tabular.members(path)
    effective = tabular.effective_date_in_name(path.name) or next(
        (d for name, _ in members if (d := tabular.effective_date_in_name(name))), None
    )
    if effective is None:
        raise IngestError(MSG_NO_DATE.format(file=path.name))
    values: list[MueValue] = []
    for name, content in members:
        if name.lower().endswith(".json"):
            values += _json_values(name, content)
            setting = setting or _setting(name) or _setting(path.name)
        else:
            found, header_setting = _table_values(name, content)
            values += found
            setting = setting or header_setting or _setting(name) or _setting(path.name)
    if setting is None:
        raise IngestError(MSG_NO_SETTING.format(file=path.name))
    if not values:
        raise IngestError(MSG_NO_VALUES.format(file=path.name))
    yield Release(
        system=f"mue-{setting}",  # type: ignore[arg-type]
        version=f"{effective.isoformat()} {path.stem}",
        effective_from=effective,
        title=TITLE.format(setting=setting, file=path.name),
        content="rules",
    )
    yield from values


def _json_values(name: str, content: bytes | Path) -> list[MueValue]:
    try:
        data = json.loads(tabular.decode(name, tabular.read_bytes(content)))
    except json.JSONDecodeError as exc:
        raise IngestError(MSG_BAD_JSON.format(file=name, problem=exc.msg)) from None
    if not isinstance(data, dict):
        raise IngestError(MSG_BAD_JSON.format(file=name, problem="top level is not an object"))
    values = []
    for number, (code, entry) in enumerate(data.items(), start=1):
        code = str(code).strip().upper()
        if not CODE.fullmatch(code):
            raise IngestError(MSG_BAD_CODE.format(file=name, line=f"entry {number}", code=code))
        if not isinstance(entry, dict):
            raise IngestError(MSG_BAD_JSON.format(file=name, problem=f"entry {code} is not an object"))
        units = entry.get("maxUnits", entry.get("value"))
        if not isinstance(units, int) or isinstance(units, bool) or units < 0:
            raise IngestError(MSG_BAD_VALUE.format(file=name, line=f"entry {number}", value=units, code=code))
        kind = str(entry.get("adjudicationType", entry.get("mai", ""))).strip().lower()
        mai = int(kind) if kind in ("1", "2", "3") else ADJUDICATION_WORDS.get(kind)
        if mai is None:
            raise IngestError(MSG_BAD_MAI.format(file=name, line=f"entry {number}", value=kind, code=code))
        values.append(MueValue(code=code, value=units, mai=mai, rationale=entry.get("rationale") or None))
    return values


def _table_values(name: str, content: bytes | Path) -> tuple[list[MueValue], Setting | None]:
    header: dict[str, int] | None = None
    setting: Setting | None = None
    values: list[MueValue] = []
    seen: set[str] = set()
    for row in tabular.rows(name, content):
        if header is None:
            heads = [tabular.normal(c) for c in row.cells]
            value_col = next((i for i, h in enumerate(heads) if "mue value" in h), None)
            if heads and ("code" in heads[0]) and value_col is not None:
                header = {"value": value_col}
                header["mai"] = next((i for i, h in enumerate(heads) if "adjudication" in h), -1)
                header["rationale"] = next((i for i, h in enumerate(heads) if "rationale" in h), -1)
                setting = _setting(row.cells[value_col])
            continue
        code = row.cell(0).upper()
        if not code:
            continue
        if not CODE.fullmatch(code):
            if not any(ch.isdigit() for ch in code[:5]):
                continue  # notes below the table
            raise IngestError(MSG_BAD_CODE.format(file=row.file, line=row.line, code=code))
        raw = row.cell(header["value"])
        if not raw.isdigit():
            raise IngestError(MSG_BAD_VALUE.format(file=row.file, line=row.line, value=raw, code=code))
        mai_text = row.cell(header["mai"]) if header["mai"] >= 0 else "3"
        if mai_text[:1] not in ("1", "2", "3"):
            raise IngestError(MSG_BAD_MAI.format(file=row.file, line=row.line, value=mai_text, code=code))
        if code in seen:
            raise IngestError(MSG_DUPLICATE.format(file=row.file, line=row.line, code=code))
        seen.add(code)
        rationale = row.cell(header["rationale"]) if header["rationale"] >= 0 else ""
        values.append(MueValue(code=code, value=int(raw), mai=int(mai_text[0]), rationale=rationale or None))
    if header is None:
        raise IngestError(MSG_NO_HEADER.format(file=name))
    return values, setting
