"""Physician Fee Schedule: the CMS PPRRVU relative value file (CSV or fixed-width text), the GPCI, locality-county
and OPPS cap files."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.records import Gpci, OppsCap, PfsRvu, Record, Release
from medcode.ingest.sources.rules import tabular

MSG_NO_RVU_FILE = "{file}: holds no PPRRVU file (e.g. PPRRVU25_JAN.csv); expected the CMS RVU zip, folder or CSV"
MSG_NO_GPCI_FILE = "{file}: holds no GPCI file (e.g. GPCI2025.csv)"
MSG_BAD_HEADER = (
    "{file}, line {line}: expected the PPRRVU header (HCPCS, MOD, DESCRIPTION, CODE, ... FACTOR in column 25); "
    "found: {found}"
)
MSG_NO_HEADER = "{file}: found no header row starting 'HCPCS, MOD'; is this the CMS PPRRVU CSV?"
MSG_FIXED_SHORT = (
    "{file}, line {line}: a PPRRVU record is {length} characters; the CMS fixed-width layout has at least "
    "{need} (HCPCS in 1-5, status in 58, conversion factor in 133-140)"
)
MSG_BAD_NUMBER = "{file}, line {line}: {column} '{value}' for {code} is not a number"
MSG_BAD_CODE = "{file}, line {line}: '{code}' is not a HCPCS/CPT code; expected five letters or digits"
MSG_NO_DATE = "{file}: cannot tell which year and quarter this file is; name it like PPRRVU25_JAN.csv or RVU25A"
MSG_GPCI_HEADER = (
    "{file}: found no header row with Locality Number and PW/PE/MP GPCI columns; expected the CMS GPCI file layout"
)
MSG_NO_ROWS = "{file}: no rows after the header"
MSG_SHORT_ROW = (
    "{file}, line {line}: the row of {code} has {found} fields, expected at least {expected} "
    "(through CONV FACTOR); a truncated file?"
)
MSG_NO_OPPSCAP_FILE = "{file}: holds no OPPS cap file (e.g. OPPSCAP_JAN.csv)"
MSG_OPPSCAP_HEADER = (
    "{file}: found no header row HCPCS, MOD, PROCSTAT, CARRIER, LOCALITY, FACILITY PRICE, NON-FACILITY PRICE; "
    "expected the CMS OPPSCAP layout"
)
MSG_OPPSCAP_DATE = (
    "{file}: cannot tell which year this OPPS cap file is for; import it inside the RVU zip or folder "
    "(e.g. RVU25A) or name it with the year (OPPSCAP25_JAN.csv)"
)

CODE = re.compile(r"[0-9A-Z]{5}")
RVU_TITLE = "Physician Fee Schedule relative values (CMS {file})"
GPCI_TITLE = "Physician Fee Schedule GPCIs and localities (CMS {file})"
OPPSCAP_TITLE = "Physician Fee Schedule OPPS imaging cap (CMS {file})"
_RVU_LETTER = re.compile(r"RVU(\d{2})([A-D])", re.IGNORECASE)
_QUARTER_MONTH = {"A": 1, "B": 4, "C": 7, "D": 10}

# PPRRVU fields of the fixed-width text file (RVU26B.pdf, "DATA RECORD"): 1-based first and last positions.
# The description (8-57) is never read: it is blank for CPT rows (AMA copyright).
FIXED = {
    "code": (1, 5),
    "modifier": (6, 7),
    "status": (58, 58),
    "work": (60, 65),
    "pe_nonfacility": (67, 72),
    "nonfacility_na": (73, 74),
    "pe_facility": (76, 81),
    "facility_na": (82, 83),
    "mp": (85, 89),
    "pctc": (103, 103),
    "global_days": (104, 106),
    "pre": (107, 109),
    "intra": (110, 112),
    "post": (113, 115),
    "multiple": (116, 116),
    "bilateral": (117, 117),
    "assistant": (118, 118),
    "cosurgeon": (119, 119),
    "team": (120, 120),
    "endo_base": (128, 132),
    "conversion_factor": (133, 140),
}
FIXED_MIN_LENGTH = 140
FIXED_HEADER = "HDR"  # the copyright lines that open the fixed-width file

# PPRRVU columns (0-based) in the CMS layout, stable since 2011; checked against the header row.
COLUMNS = {
    "code": 0,
    "modifier": 1,
    "status": 3,
    "work": 5,
    "pe_nonfacility": 6,
    "nonfacility_na": 7,
    "pe_facility": 8,
    "facility_na": 9,
    "mp": 10,
    "pctc": 13,
    "global_days": 14,
    "pre": 15,
    "intra": 16,
    "post": 17,
    "multiple": 18,
    "bilateral": 19,
    "assistant": 20,
    "cosurgeon": 21,
    "team": 22,
    "endo_base": 23,
    "conversion_factor": 24,
}


def _effective(path: Path, names: list[str]) -> dt.date:
    for name in (path.name, *names):
        if match := _RVU_LETTER.search(name):
            return dt.date(2000 + int(match.group(1)), _QUARTER_MONTH[match.group(2).upper()], 1)
        if found := tabular.effective_date_in_name(name):
            return found
    raise IngestError(MSG_NO_DATE.format(file=path.name))


def parse(path: Path) -> Iterator[Record]:
    """Yield the RVU release and rows; when the zip or folder also holds GPCI and locality files, those too."""
    path = Path(path)
    members = tabular.members(path)
    names = [n for n, _ in members]
    rvu = [(n, c) for n, c in members if n.upper().startswith("PPRRVU") or len(members) == 1]
    if not rvu:
        raise IngestError(MSG_NO_RVU_FILE.format(file=path.name))
    effective = _effective(path, names)
    name, content = rvu[0]
    fixed = _is_fixed_width(name, content)
    yield Release(
        system="pfs",
        version=f"{effective.isoformat()} {Path(name).stem}",
        effective_from=effective,
        title=RVU_TITLE.format(file=name),
        content="rules",
    )
    yield from (_fixed_rows(name, content) if fixed else _rvu_rows(name, content))
    if any(n.upper().startswith("GPCI") for n in names):
        yield from parse_gpci(path)
    if any(n.upper().startswith("OPPSCAP") for n in names):
        yield from parse_oppscap(path)
    if any(n.upper().startswith("ANES") for n in names):
        from medcode.ingest.sources.rules import anesthesia

        yield from anesthesia.parse_cf(path)


def _number(row: tabular.Row, column: str, code: str) -> float:
    return _float(row.cell(COLUMNS[column]), file=row.file, line=row.line, column=column, code=code)


def _float(value: str, *, file: str, line: int, column: str, code: str) -> float:
    value = value.strip().replace("$", "")
    if value in ("", "NA"):
        return 0.0
    try:
        return float(value)
    except ValueError:
        raise IngestError(MSG_BAD_NUMBER.format(file=file, line=line, column=column, value=value, code=code)) from None


def _is_fixed_width(name: str, content: bytes | Path) -> bool:
    """The PPRRVU text file in CMS's fixed-width layout (it opens with HDR copyright lines), not the CSV."""
    if not name.lower().endswith(".txt"):
        return False
    head = tabular.read_bytes(content)[:4096].decode("latin-1")
    return head.startswith(FIXED_HEADER) and head.count(",") < 10


def _fixed_rows(name: str, content: bytes | Path) -> Iterator[PfsRvu]:
    """The rows of the fixed-width PPRRVU text file, by the positions of its record layout."""
    text = tabular.decode(name, tabular.read_bytes(content)).replace("\x1a", "")
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(FIXED_HEADER) or not line.strip():
            continue
        if len(line) < FIXED_MIN_LENGTH:
            raise IngestError(MSG_FIXED_SHORT.format(file=name, line=number, length=len(line), need=FIXED_MIN_LENGTH))
        field = {key: line[first - 1 : last].strip() for key, (first, last) in FIXED.items()}
        code = field["code"].upper()
        if not CODE.fullmatch(code):
            raise IngestError(MSG_BAD_CODE.format(file=name, line=number, code=code))

        def number_of(key: str, code: str = code, number: int = number, field: dict[str, str] = field) -> float:
            return _float(field[key], file=name, line=number, column=key, code=code)

        count += 1
        yield PfsRvu(
            code=code,
            modifier=field["modifier"].upper(),
            status=field["status"].upper(),
            work=number_of("work"),
            pe_nonfacility=number_of("pe_nonfacility"),
            pe_facility=number_of("pe_facility"),
            mp=number_of("mp"),
            nonfacility_na=field["nonfacility_na"].upper() == "NA",
            facility_na=field["facility_na"].upper() == "NA",
            pctc=field["pctc"],
            global_days=field["global_days"],
            pre=number_of("pre"),
            intra=number_of("intra"),
            post=number_of("post"),
            multiple=field["multiple"],
            bilateral=field["bilateral"],
            assistant=field["assistant"],
            cosurgeon=field["cosurgeon"],
            team=field["team"],
            endo_base=field["endo_base"].upper(),
            conversion_factor=number_of("conversion_factor"),
        )
    if count == 0:
        raise IngestError(MSG_NO_ROWS.format(file=name))


def _rvu_rows(name: str, content: bytes | Path) -> Iterator[PfsRvu]:
    started = False
    count = 0
    for row in tabular.rows(name, content):
        if not started:
            if row.cell(0).upper() == "HCPCS" and row.cell(1).upper() == "MOD":
                if row.cell(3).upper() != "CODE" or row.cell(24).upper() != "FACTOR":
                    raise IngestError(
                        MSG_BAD_HEADER.format(file=row.file, line=row.line, found=" | ".join(row.cells[:26]))
                    )
                started = True
            continue
        code = row.cell(0).upper()
        if not code:
            continue
        if not CODE.fullmatch(code):
            raise IngestError(MSG_BAD_CODE.format(file=row.file, line=row.line, code=code))
        if len(row.cells) <= COLUMNS["conversion_factor"]:  # a row cut short reads as blanks and zeros
            raise IngestError(
                MSG_SHORT_ROW.format(
                    file=row.file,
                    line=row.line,
                    code=code,
                    found=len(row.cells),
                    expected=COLUMNS["conversion_factor"] + 1,
                )
            )
        count += 1
        # The DESCRIPTION column is never read: it is blank for CPT rows (AMA copyright) in the CMS file.
        yield PfsRvu(
            code=code,
            modifier=row.cell(COLUMNS["modifier"]).upper(),
            status=row.cell(COLUMNS["status"]).upper(),
            work=_number(row, "work", code),
            pe_nonfacility=_number(row, "pe_nonfacility", code),
            pe_facility=_number(row, "pe_facility", code),
            mp=_number(row, "mp", code),
            nonfacility_na=row.cell(COLUMNS["nonfacility_na"]).upper() == "NA",
            facility_na=row.cell(COLUMNS["facility_na"]).upper() == "NA",
            pctc=row.cell(COLUMNS["pctc"]),
            global_days=row.cell(COLUMNS["global_days"]),
            pre=_number(row, "pre", code),
            intra=_number(row, "intra", code),
            post=_number(row, "post", code),
            multiple=row.cell(COLUMNS["multiple"]),
            bilateral=row.cell(COLUMNS["bilateral"]),
            assistant=row.cell(COLUMNS["assistant"]),
            cosurgeon=row.cell(COLUMNS["cosurgeon"]),
            team=row.cell(COLUMNS["team"]),
            endo_base=row.cell(COLUMNS["endo_base"]).upper(),
            conversion_factor=_number(row, "conversion_factor", code),
        )
    if not started:
        raise IngestError(MSG_NO_HEADER.format(file=name))
    if count == 0:
        raise IngestError(MSG_NO_ROWS.format(file=name))


def parse_gpci(path: Path) -> Iterator[Record]:
    """Yield the GPCI release: one row per Medicare locality, with the counties of the locality file."""
    path = Path(path)
    members = tabular.members(path)
    names = [n for n, _ in members]
    gpci = [(n, c) for n, c in members if n.upper().startswith("GPCI") or len(members) == 1]
    if not gpci:
        raise IngestError(MSG_NO_GPCI_FILE.format(file=path.name))
    counties: dict[tuple[str, str], str] = {}
    for name, content in members:
        if "LOCCO" in name.upper():
            counties = _counties(name, content)
    name, content = gpci[0]
    rows, year = _gpci_rows(name, content, counties)
    effective = dt.date(year, 1, 1) if year else _effective(path, names)
    yield Release(
        system="gpci",
        version=f"{effective.isoformat()} {Path(name).stem}",
        effective_from=effective,
        title=GPCI_TITLE.format(file=name),
        content="rules",
    )
    yield from rows


def _gpci_rows(name: str, content: bytes | Path, counties: dict[tuple[str, str], str]) -> tuple[list[Gpci], int | None]:
    columns: dict[str, int] | None = None
    year: int | None = None
    rows: list[Gpci] = []
    for row in tabular.rows(name, content):
        if columns is None:
            heads = [tabular.normal(c) for c in row.cells]
            if any("locality number" in h for h in heads) and any("pw gpci" in h or "work gpci" in h for h in heads):
                columns = {
                    "mac": 0,
                    "state": next(i for i, h in enumerate(heads) if h == "state"),
                    "locality": next(i for i, h in enumerate(heads) if "locality number" in h),
                    "name": next(i for i, h in enumerate(heads) if "locality name" in h),
                    "work": next(i for i, h in enumerate(heads) if "pw gpci" in h or "work gpci" in h),
                    "pe": next(i for i, h in enumerate(heads) if "pe gpci" in h),
                    "mp": next(i for i, h in enumerate(heads) if "mp gpci" in h),
                }
                if match := re.search(r"(20\d{2})", row.cell(columns["work"])):
                    year = int(match.group(1))
            continue
        mac, locality = row.cell(columns["mac"]), row.cell(columns["locality"])
        if not mac.isdigit() or not locality.isdigit():
            continue  # notes under the table
        key = (mac.zfill(5), locality.zfill(2))
        values = []
        for column in ("work", "pe", "mp"):
            raw = row.cell(columns[column])
            try:
                values.append(float(raw))
            except ValueError:
                raise IngestError(
                    MSG_BAD_NUMBER.format(file=row.file, line=row.line, column=column + " GPCI", value=raw, code=key)
                ) from None
        rows.append(
            Gpci(
                mac=key[0],
                locality=key[1],
                state=row.cell(columns["state"]).upper(),
                name=row.cell(columns["name"]).rstrip("*").strip(),
                work=values[0],
                pe=values[1],
                mp=values[2],
                counties=counties.get(key, ""),
            )
        )
    if columns is None:
        raise IngestError(MSG_GPCI_HEADER.format(file=name))
    if not rows:
        raise IngestError(MSG_NO_ROWS.format(file=name))
    return rows, year


def _counties(name: str, content: bytes | Path) -> dict[tuple[str, str], str]:
    """MAC and locality -> 'Fee schedule area: counties' from the CMS locality-county file."""
    found: dict[tuple[str, str], str] = {}
    for row in tabular.rows(name, content):
        mac, locality = row.cell(0), row.cell(1)
        if not mac.isdigit() or not locality.isdigit():
            continue
        key = (mac.zfill(5), locality.zfill(2))
        area, counties = row.cell(3).strip(), row.cell(4).strip()
        text = f"{area}: {counties}" if counties else area
        found[key] = f"{found[key]}; {text}" if key in found else text
    return found


def parse_oppscap(path: Path) -> Iterator[Record]:
    """Yield the OPPS cap release: per code, modifier and locality, the capped facility and non-facility amounts."""
    path = Path(path)
    members = tabular.members(path)
    names = [n for n, _ in members]
    found = [(n, c) for n, c in members if n.upper().startswith("OPPSCAP") or len(members) == 1]
    if not found:
        raise IngestError(MSG_NO_OPPSCAP_FILE.format(file=path.name))
    name, content = found[0]
    try:
        effective = _effective(path, names)
    except IngestError:
        raise IngestError(MSG_OPPSCAP_DATE.format(file=name)) from None
    rows = list(_oppscap_rows(name, content))
    yield Release(
        system="oppscap",
        version=f"{effective.isoformat()} {Path(name).stem}",
        effective_from=effective,
        title=OPPSCAP_TITLE.format(file=name),
        content="rules",
    )
    yield from rows


def _oppscap_rows(name: str, content: bytes | Path) -> Iterator[OppsCap]:
    started = False
    count = 0
    for row in tabular.rows(name, content):
        if not started:
            heads = [tabular.normal(c) for c in row.cells]
            if heads[:5] == ["hcpcs", "mod", "procstat", "carrier", "locality"] and len(heads) >= 7:
                started = True
            continue
        code = row.cell(0).upper()
        if not code:
            continue
        if not CODE.fullmatch(code):
            raise IngestError(MSG_BAD_CODE.format(file=row.file, line=row.line, code=code))
        mac, locality = row.cell(3), row.cell(4)
        amounts = []
        for index, column in ((5, "FACILITY PRICE"), (6, "NON-FACILITY PRICE")):
            raw = row.cell(index).replace("$", "").replace(",", "")
            try:
                amounts.append(float(raw))
            except ValueError:
                raise IngestError(
                    MSG_BAD_NUMBER.format(file=row.file, line=row.line, column=column, value=raw, code=code)
                ) from None
        if not mac.isdigit() or not locality.isdigit():
            raise IngestError(
                MSG_BAD_NUMBER.format(
                    file=row.file, line=row.line, column="CARRIER/LOCALITY", value=f"{mac}/{locality}", code=code
                )
            )
        count += 1
        yield OppsCap(
            code=code,
            modifier=row.cell(1).upper(),
            status=row.cell(2).upper(),
            mac=mac.zfill(5),
            locality=locality.zfill(2),
            facility=amounts[0],
            nonfacility=amounts[1],
        )
    if not started:
        raise IngestError(MSG_OPPSCAP_HEADER.format(file=name))
    if count == 0:
        raise IngestError(MSG_NO_ROWS.format(file=name))
