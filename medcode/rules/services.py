"""Claim checks and fee calculations shared by the web pages, the API and the CLI: parse, select, judge, render."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

from medcode.codebook import selectors as codebook
from medcode.core.errors import ApplicationError
from medcode.rules import selectors
from medcode.rules.engine import fees
from medcode.rules.engine.claim import Claim, RuleData, claim_check
from medcode.rules.engine.types import Finding, Line


class ClaimInvalid(ApplicationError):
    """A claim that cannot be checked as given: the message lists what is wrong and where."""

    status = 422


MAX_LINES = 999
MAX_DIAGNOSES = 25
MAX_UNITS = 99_999
MAX_MODIFIERS = 4
SETTINGS = ("practitioner", "hospital", "dme")  # the three MUE tables; NCCI PTP edits exist for the first two

MSG_NOT_OBJECT = "A claim must be a JSON object with date_of_service and lines"
MSG_NO_LINES = "The claim has no lines; give lines: [{code, modifiers, units, dx_pointers}]"
MSG_TOO_MANY_LINES = (
    "The claim has {count:,} lines; a claim may have at most {limit} (split it into claims, e.g. one per patient "
    "and date, which is how NCCI and MUE apply)"
)
MSG_BAD_DATE = "{where}: date_of_service '{value}' is not a real date; expected YYYY-MM-DD (e.g. 2026-01-15)"
MSG_NO_DATE = "{where}: no date_of_service (give it on the claim or on the line)"
MSG_DATE_RANGE = "{where}: date_of_service {value} is outside 1990-2099"
MSG_UNITS = "{where}: units '{value}' must be a whole number from 1 to {limit}"
MSG_NO_CODE = "{where}: no code"
MSG_MODIFIER = "{where}: modifier '{value}' is not a two-character modifier (e.g. 25, 59, LT)"
MSG_TOO_MANY_MODIFIERS = "{where}: {count} modifiers; a line takes at most {limit}"
MSG_POINTER = "{where}: dx_pointers must be whole numbers from 1 (the first diagnosis); got '{value}'"
MSG_SETTING = "setting '{value}' must be one of: practitioner, hospital (outpatient hospital), dme (DME supplier)"
MSG_DME_NO_PTP = (
    "NCCI procedure-to-procedure edits apply to practitioner and outpatient hospital claims; a DME supplier "
    "claim is checked against the DME supplier MUE table"
)
MSG_POS = "{where}: place_of_service '{value}' must be a two-digit code (e.g. 11 office, 22 outpatient hospital)"
MSG_DIAGNOSES = "diagnoses must be a list of ICD-10-CM codes (at most {limit})"
MSG_PROBLEMS = "The claim cannot be checked: {problems}"
MSG_CSV_EMPTY = "The CSV has no header line; expected columns such as claim_id, date_of_service, code, units"
MSG_CSV_NO_CODE = "The CSV header has no 'code' column; found: {found}"
MSG_LOCALITY = "No locality '{value}' in {release}; give MAC-locality (e.g. 01112-05) or state-locality (e.g. CA-05)"
# Said once wherever amounts would be shown: which official file adds them, and how to import it.
MSG_AMOUNTS_NEED = (
    "Allowed amounts need the CMS Physician Fee Schedule relative value file (PPRRVU, in the RVU zip CMS publishes "
    "each quarter, e.g. RVU26B for CY2026), which is not imported: run 'medcode update', or "
    "'medcode build --source pfs RVU26B.zip' (the zip also brings the GPCIs of every locality)"
)
MSG_LOCALITIES_NEED = (
    "Only the national rate (every GPCI 1.000) is available: the CMS GPCI file (GPCI2026.csv, in the RVU zip) is "
    "not imported; 'medcode build --source gpci GPCI2026.csv' adds all Medicare localities"
)
MSG_NO_PFS = "No Physician Fee Schedule is loaded. " + MSG_AMOUNTS_NEED
MSG_NO_PFS_CODE = "{code} has no row in {release}"
MSG_PROVIDER = "provider_type '{value}' must be one of: physician, npp (nurse practitioner, physician assistant, CNS)"
MSG_MINUTES = "{where}: minutes '{value}' must be a whole number of anesthesia minutes from 1 to {limit}"
MSG_BASE_UNITS = "{where}: base_units '{value}' must be a number from 0 to 30"
MAX_MINUTES = 24 * 60

CODE_SHAPE = re.compile(r"[0-9A-Z]{5}")
MODIFIER_SHAPE = re.compile(r"[0-9A-Z]{2}")
POS_SHAPE = re.compile(r"\d{1,2}")


def _date(value: object, where: str, problems: list[str]) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(MSG_BAD_DATE.format(where=where, value=value))
        return None
    if not 1990 <= day.year <= 2099:
        problems.append(MSG_DATE_RANGE.format(where=where, value=day))
        return None
    return day


def _list(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[\s,;|]+", value) if v]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def claim_parse(data: object) -> Claim:
    """A validated claim from its JSON form; ClaimInvalid lists every problem found (up to 20)."""
    if not isinstance(data, dict):
        raise ClaimInvalid(MSG_NOT_OBJECT)
    problems: list[str] = []
    raw_lines = data.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise ClaimInvalid(MSG_NO_LINES)
    if len(raw_lines) > MAX_LINES:
        raise ClaimInvalid(MSG_TOO_MANY_LINES.format(count=len(raw_lines), limit=MAX_LINES))
    setting = str(data.get("setting") or "practitioner").strip().lower()
    if setting not in SETTINGS:
        problems.append(MSG_SETTING.format(value=data.get("setting")))
    provider_raw = str(data.get("provider_type") or "physician").strip().lower()
    provider = fees.PROVIDERS.get(provider_raw)
    if provider is None:
        problems.append(MSG_PROVIDER.format(value=data.get("provider_type")))
        provider = "physician"
    claim_dos = _date(data.get("date_of_service"), "claim", problems)
    claim_pos = str(data.get("place_of_service") or "").strip() or None
    if claim_pos and not POS_SHAPE.fullmatch(claim_pos):
        problems.append(MSG_POS.format(where="claim", value=claim_pos))
        claim_pos = None
    diagnoses = data.get("diagnoses") or []
    if isinstance(diagnoses, str):
        diagnoses = _list(diagnoses)
    if not isinstance(diagnoses, list) or len(diagnoses) > MAX_DIAGNOSES:
        problems.append(MSG_DIAGNOSES.format(limit=MAX_DIAGNOSES))
        diagnoses = []
    lines: list[Line] = []
    for number, raw in enumerate(raw_lines, start=1):
        where = f"line {number}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected an object with code, modifiers, units")
            continue
        code = re.sub(r"\s", "", str(raw.get("code") or "")).upper()
        if not code:
            problems.append(MSG_NO_CODE.format(where=where))
            continue
        modifiers = [m.upper() for m in _list(raw.get("modifiers"))]
        for modifier in modifiers:
            if not MODIFIER_SHAPE.fullmatch(modifier):
                problems.append(MSG_MODIFIER.format(where=where, value=modifier))
        if len(modifiers) > MAX_MODIFIERS:
            problems.append(MSG_TOO_MANY_MODIFIERS.format(where=where, count=len(modifiers), limit=MAX_MODIFIERS))
        units_raw = raw.get("units", 1)
        units = _units(units_raw)
        if units is None:
            problems.append(MSG_UNITS.format(where=where, value=units_raw, limit=MAX_UNITS))
            units = 1
        pointers: list[int] = []
        for value in _list(raw.get("dx_pointers")):
            if not value.isdigit() or int(value) < 1:
                problems.append(MSG_POINTER.format(where=where, value=value))
            else:
                pointers.append(int(value))
        minutes = _minutes(raw.get("minutes"), where, problems)
        base_units = _base_units(raw.get("base_units"), where, problems)
        dos = _date(raw.get("date_of_service"), where, problems) if raw.get("date_of_service") else claim_dos
        if dos is None:
            if not raw.get("date_of_service") and data.get("date_of_service") in (None, ""):
                problems.append(MSG_NO_DATE.format(where=where))
            continue
        pos = str(raw.get("place_of_service") or "").strip() or claim_pos
        if pos and not POS_SHAPE.fullmatch(pos):
            problems.append(MSG_POS.format(where=where, value=pos))
            pos = claim_pos
        lines.append(
            Line(
                number,
                code,
                tuple(modifiers),
                units,
                dos,
                pos.zfill(2) if pos else None,
                tuple(pointers),
                minutes,
                base_units,
            )
        )
    if problems:
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise ClaimInvalid(MSG_PROBLEMS.format(problems=shown), extra={"problems": problems[:200]})
    assert lines
    return Claim(
        dos=claim_dos or lines[0].dos,
        setting=setting,
        lines=tuple(lines),
        diagnoses=tuple(re.sub(r"\s", "", str(d)).upper() for d in diagnoses if str(d).strip()),
        pos=claim_pos,
        locality=str(data.get("locality") or "").strip() or None,
        provider=provider,
    )


def _minutes(value: object, where: str, problems: list[str]) -> int | None:
    if value in (None, ""):
        return None
    minutes = _units(value)
    if minutes is None or minutes > MAX_MINUTES:
        problems.append(MSG_MINUTES.format(where=where, value=value, limit=MAX_MINUTES))
        return None
    return minutes


def _base_units(value: object, where: str, problems: list[str]) -> float | None:
    if value in (None, ""):
        return None
    try:
        units = float(str(value).strip())
    except ValueError:
        units = -1.0
    if isinstance(value, bool) or not 0 <= units <= 30:
        problems.append(MSG_BASE_UNITS.format(where=where, value=value))
        return None
    return units


def pricing_for(*, codes: list[str], locality: fees.Locality, as_of: dt.date, provider: str) -> fees.Pricing:
    """The OPPS caps, anesthesia conversion factor and base units the claim's codes need at the locality."""
    caps: dict[tuple[str, str], fees.Cap] = {}
    elsewhere: frozenset[str] = frozenset()
    cap_release = selectors.rule_release(system="oppscap", as_of=as_of)
    if cap_release is not None:
        caps, elsewhere = selectors.oppscap_for(codes=codes, locality=locality, release=cap_release)
    cf: tuple[float, str] | None = None
    base_units: dict[str, float] = {}
    if any(fees.is_anesthesia(code, None) for code in codes):
        cf_release = selectors.rule_release(system="anes-cf", as_of=as_of)
        cf = selectors.anesthesia_cf(locality=locality, release=cf_release) if cf_release else None
        base_release = selectors.rule_release(system="anes-base", as_of=as_of)
        if base_release is not None:
            base_units = selectors.anesthesia_base_units(codes=codes, release=base_release)
    return fees.Pricing(
        caps=caps,
        capped_elsewhere=elsewhere,
        provider=provider,
        anesthesia_cf=cf[0] if cf else None,
        anesthesia_cf_label=cf[1] if cf else "",
        base_units=base_units,
    )


def _units(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and 1 <= value <= MAX_UNITS:
        return value
    return None


def rule_data(claim: Claim) -> RuleData:
    """Select every rule row the claim needs, for its dates of service."""
    codes = [line.code for line in claim.lines]
    notes: list[Finding] = []
    statuses = {}
    fallen_back: set[str | None] = set()
    for line in claim.lines:
        if line.code in statuses:
            continue
        if not CODE_SHAPE.fullmatch(line.code):
            continue
        status, fallback = selectors.code_status(code=line.code, as_of=line.dos)
        statuses[line.code] = status
        if fallback and status.system not in fallen_back:
            fallen_back.add(status.system)
            notes.append(
                Finding(
                    "code_validity",
                    "info",
                    (line.code,),
                    f"No {status.system} release loaded was in effect on {line.dos}; {status.system} codes were "
                    f"checked against {status.release}",
                    (line.number,),
                    status.release,
                )
            )
    diagnoses = []
    dx_release = None
    dx_fallback = False
    for code in claim.diagnoses:
        status_dx, dx_release, dx_fallback = selectors.diagnosis_status(code=code, as_of=claim.dos)
        diagnoses.append(status_dx)
    if dx_fallback:
        notes.append(
            Finding(
                "dx_billable",
                "warning",
                (),
                f"No ICD-10-CM release loaded was in effect on {claim.dos}; the diagnoses were checked against "
                f"{dx_release} instead: import the release for that date for an exact check",
                (),
                dx_release,
            )
        )
    ptp_release, fallback = selectors.ptp_release(setting=claim.setting, as_of=claim.dos)
    ptp = selectors.ptp_edits_among(codes=codes, release=ptp_release) if ptp_release else ()
    if fallback and ptp:
        notes.append(
            Finding(
                "ncci_ptp",
                "info",
                (),
                "No practitioner NCCI file is loaded; pairs were checked against the hospital outpatient edits "
                "(most pairs are the same; import the CMS practitioner PTP file for exact practitioner edits)",
                (),
                selectors.release_label(ptp_release),
            )
        )
    if claim.setting == "dme":
        notes.append(Finding("ncci_ptp", "info", (), MSG_DME_NO_PTP, (), None))
    mue_release = selectors.rule_release(system=f"mue-{claim.setting}", as_of=claim.dos)
    addon_release = selectors.rule_release(system="addon", as_of=claim.dos)
    pfs_release = selectors.rule_release(system="pfs", as_of=claim.dos)
    locality = None
    if claim.locality and claim.setting == "practitioner":
        gpci_release = selectors.rule_release(system="gpci", as_of=claim.dos)
        locality = selectors.locality_get(key=claim.locality, release=gpci_release) if gpci_release else None
        if locality is None:
            notes.append(
                Finding(
                    "fee",
                    "warning",
                    (),
                    MSG_LOCALITY.format(
                        value=claim.locality, release=selectors.release_label(gpci_release) or "(no GPCI file loaded)"
                    )
                    + "; national amounts shown",
                )
            )
    facility_of = {}
    for line in claim.lines:
        facility = selectors.pos_is_facility(line.pos)
        facility_of[line.number] = bool(facility)
    return RuleData(
        ptp=ptp,
        ptp_release=selectors.release_label(ptp_release),
        mue=selectors.mue_values(codes=codes, release=mue_release) if mue_release else {},
        mue_release=selectors.release_label(mue_release),
        addons=selectors.addons_for(codes=codes, release=addon_release, as_of=claim.dos) if addon_release else {},
        addon_release=selectors.release_label(addon_release),
        statuses=statuses,
        diagnoses=tuple(diagnoses),
        dx_release=dx_release,
        rvus=selectors.pfs_rows(codes=codes, release=pfs_release) if pfs_release else {},
        pfs_release=selectors.release_label(pfs_release),
        locality=locality,
        facility_of=facility_of,
        pricing=pricing_for(codes=codes, locality=locality or fees.NATIONAL, as_of=claim.dos, provider=claim.provider)
        if pfs_release and claim.setting == "practitioner"
        else fees.NO_PRICING,
        notes=tuple(notes),
    )


def claim_check_json(data: object) -> dict[str, Any]:
    """Check one claim given as JSON; the result lists findings (most severe first) and each line."""
    claim = claim_parse(data)
    rules = rule_data(claim)
    outcome = claim_check(claim=claim, data=rules)
    fee_of = {fee.line: fee.as_dict() for fee in outcome.fees}
    findings = [f.as_dict() for f in outcome.findings]
    counts = {s: sum(1 for f in outcome.findings if f.severity == s) for s in ("error", "warning", "info")}
    amounts = [fee.amount for fee in outcome.fees if fee.amount is not None]
    return {
        "date_of_service": claim.dos.isoformat(),
        "setting": claim.setting,
        "provider_type": claim.provider,
        "locality": rules.locality.key if rules.locality else ("national" if rules.rvus else None),
        "findings": findings,
        "lines": [
            {
                "line": line.number,
                "code": line.code,
                "modifiers": list(line.modifiers),
                "units": line.units,
                "date_of_service": line.dos.isoformat(),
                "place_of_service": line.pos,
                "dx_pointers": list(line.dx_pointers),
                **({"minutes": line.minutes} if line.minutes is not None else {}),
                **({"base_units": line.base_units} if line.base_units is not None else {}),
                "fee": fee_of.get(line.number),
            }
            for line in claim.lines
        ],
        "summary": {
            **{f"{k}s" if k != "info" else k: v for k, v in counts.items()},
            "allowed_total": round(sum(amounts), 2) if amounts else None,
        },
        "releases": {
            "ncci_ptp": rules.ptp_release,
            "mue": rules.mue_release,
            "addon": rules.addon_release,
            "pfs": rules.pfs_release,
            "icd10cm": rules.dx_release,
        },
    }


# --- CSV ---------------------------------------------------------------------------------------------

CSV_COLUMNS = {
    "claim_id": ("claim_id", "claim", "claim_number", "id"),
    "date_of_service": ("date_of_service", "dos", "service_date", "date"),
    "place_of_service": ("place_of_service", "pos"),
    "setting": ("setting",),
    "locality": ("locality",),
    "provider_type": ("provider_type", "provider"),
    "diagnoses": ("diagnoses", "dx", "diagnosis_codes", "icd10"),
    "code": ("code", "hcpcs", "cpt", "procedure", "procedure_code"),
    "modifiers": ("modifiers", "modifier", "mods"),
    "units": ("units", "unit", "qty", "quantity"),
    "dx_pointers": ("dx_pointers", "pointers", "dx_pointer"),
    "minutes": ("minutes", "anesthesia_minutes"),
    "base_units": ("base_units",),
}


def csv_claims(
    lines: Iterator[str] | Iterator[tuple[int, list[str]]], *, parsed: bool = False
) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """Claims from CSV rows (one row per claim line, grouped by consecutive claim_id), as JSON-shaped dicts.

    Yields (claim id, claim) or (claim id, error message) for a claim that cannot be checked. Claim-level columns
    (date, place of service, setting, locality, diagnoses) come from the claim's first row unless a
    line gives its own date or place of service. `lines` are text lines, or (line number, row) pairs when
    `parsed` (claim_files reads a file within its limits that way). A claim keeps at most MAX_LINES + 1 lines in
    memory however many rows it has.
    """
    rows: Iterator[tuple[int, list[str]]] = (
        lines if parsed else enumerate(csv.reader(lines), start=1)  # type: ignore[assignment,arg-type]
    )
    first = next(rows, None)
    header = first[1] if first else None
    if not header:
        raise ClaimInvalid(MSG_CSV_EMPTY)
    normal = [re.sub(r"[^a-z0-9]+", "_", h.strip().lower()).strip("_") for h in header]
    index: dict[str, int] = {}
    for key, names in CSV_COLUMNS.items():
        for name in names:
            if name in normal:
                index[key] = normal.index(name)
                break
    if "code" not in index:
        raise ClaimInvalid(MSG_CSV_NO_CODE.format(found=", ".join(h[:40] for h in header[:40])))

    def cell(row: list[str], key: str) -> str:
        i = index.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    current: str | None = None
    claim: dict[str, Any] | None = None
    count = 0
    for number, row in rows:
        if not any(c.strip() for c in row):
            continue
        claim_id = cell(row, "claim_id") or "1"
        if claim_id != current:
            if claim is not None and current is not None:
                yield current, _bounded(claim, count)
            current, count = claim_id, 0
            claim = {
                "date_of_service": cell(row, "date_of_service"),
                "place_of_service": cell(row, "place_of_service"),
                "setting": cell(row, "setting") or "practitioner",
                "locality": cell(row, "locality"),
                "provider_type": cell(row, "provider_type"),
                "diagnoses": _list(cell(row, "diagnoses")),
                "lines": [],
                "_row": number,
            }
        assert claim is not None
        count += 1
        if count > MAX_LINES + 1:
            continue  # the claim is refused for its length; its extra lines are only counted
        line: dict[str, Any] = {
            "code": cell(row, "code"),
            "modifiers": cell(row, "modifiers"),
            "units": cell(row, "units") or 1,
            "dx_pointers": cell(row, "dx_pointers"),
            "minutes": cell(row, "minutes"),
            "base_units": cell(row, "base_units"),
        }
        if cell(row, "date_of_service") and cell(row, "date_of_service") != claim["date_of_service"]:
            line["date_of_service"] = cell(row, "date_of_service")
        if cell(row, "place_of_service") and cell(row, "place_of_service") != claim["place_of_service"]:
            line["place_of_service"] = cell(row, "place_of_service")
        claim["lines"].append(line)
    if claim is not None and current is not None:
        yield current, _bounded(claim, count)


def _bounded(claim: dict[str, Any], count: int) -> dict[str, Any] | str:
    if count > MAX_LINES:
        return MSG_TOO_MANY_LINES.format(count=count, limit=MAX_LINES)
    return claim


def claims_check(claims: Iterable[tuple[str, dict[str, Any] | str]]) -> Iterator[dict[str, Any]]:
    """One result per claim (with its claim_id), one at a time; a claim that cannot be checked yields its error."""
    for claim_id, claim in claims:
        if isinstance(claim, str):
            yield {"claim_id": claim_id, "error": claim}
            continue
        try:
            yield {"claim_id": claim_id, **claim_check_json(claim)}
        except ApplicationError as exc:
            yield {"claim_id": claim_id, "error": exc.message, **exc.extra}


def csv_check(text_lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """One result per claim of a CSV given as text lines (see claim_files for a file read within limits)."""
    return claims_check(csv_claims(text_lines))


def csv_text_check(text: str) -> list[dict[str, Any]]:
    """The results of a small CSV held as text (tests and short pastes)."""
    return list(csv_check(iter(io.StringIO(text))))


# --- fee calculator ------------------------------------------------------------------------------------


def amounts_missing(*, as_of: dt.date | None = None) -> dict[str, str | None]:
    """What the fee and claim pages say once when an official file they need is not imported (None: it is)."""
    day = as_of or dt.date.today()
    pfs = selectors.rule_release(system="pfs", as_of=day)
    gpci = selectors.rule_release(system="gpci", as_of=day)
    return {
        "amounts": None if pfs is not None else MSG_AMOUNTS_NEED,
        "localities": None if gpci is not None or pfs is None else MSG_LOCALITIES_NEED,
    }


def fee_calculate(
    *,
    code: str,
    modifiers: list[str] | str | None = None,
    locality: str | None = None,
    place_of_service: str | None = None,
    facility: bool | None = None,
    units: int = 1,
    date: str | None = None,
    provider_type: str | None = None,
    minutes: int | str | None = None,
    base_units: float | str | None = None,
) -> dict[str, Any]:
    """The Medicare allowed amount for one code at a locality, with every step, and the RVU row it used."""
    day = codebook.parse_date(date) or dt.date.today()
    claim = claim_parse(
        {
            "date_of_service": day.isoformat(),
            "place_of_service": place_of_service,
            "locality": locality,
            "provider_type": provider_type,
            "lines": [
                {"code": code, "modifiers": modifiers, "units": units, "minutes": minutes, "base_units": base_units}
            ],
        }
    )
    line = claim.lines[0]
    release = selectors.rule_release(system="pfs", as_of=day)
    if release is None:
        raise ApplicationError(MSG_NO_PFS, extra={"status": 404})
    rvus = selectors.pfs_rows(codes=[line.code], release=release)
    if not rvus:
        raise ApplicationError(MSG_NO_PFS_CODE.format(code=line.code, release=release.title))
    place = None
    if facility is None:
        place = selectors.pos_is_facility(line.pos)
        facility = bool(place)
    loc = fees.NATIONAL
    warnings: list[str] = []
    if locality:
        gpci_release = selectors.rule_release(system="gpci", as_of=day)
        found = selectors.locality_get(key=locality, release=gpci_release) if gpci_release else None
        if found is None:
            raise ApplicationError(
                MSG_LOCALITY.format(
                    value=locality, release=selectors.release_label(gpci_release) or "(no GPCI file loaded)"
                )
            )
        loc = found
    pricing = pricing_for(codes=[line.code], locality=loc, as_of=day, provider=claim.provider)
    fee, problems = fees.line_fee(line=line, rvus=rvus, locality=loc, facility=facility, pricing=pricing)
    warnings += problems
    return {
        "code": line.code,
        "modifiers": list(line.modifiers),
        "units": line.units,
        "provider_type": claim.provider,
        **({"minutes": line.minutes} if line.minutes is not None else {}),
        **({"base_units": line.base_units} if line.base_units is not None else {}),
        "date": day.isoformat(),
        **fee.as_dict(),
        "locality": {"key": loc.key, "name": loc.name, "work": loc.work, "pe": loc.pe, "mp": loc.mp},
        "warnings": warnings,
        "rvu_rows": selectors.pfs_detail(code=line.code, release=release),
        "release": selectors.release_label(release),
    }


def fee_compare(
    *,
    code: str,
    modifiers: list[str] | str | None = None,
    units: int = 1,
    date: str | None = None,
    provider_type: str | None = None,
    minutes: int | str | None = None,
    base_units: float | str | None = None,
    all_localities: bool = False,
    locality: str | None = None,
) -> list[dict[str, Any]]:
    """Non-facility and facility amounts of one code at a locality, or at every locality of the GPCI file.

    Each row: locality key, state and name, the two amounts (None where CMS gives none). Input problems raise as
    fee_calculate's do.
    """
    day = codebook.parse_date(date) or dt.date.today()
    places: list[dict[str, Any]] = []
    if all_localities:
        gpci = selectors.rule_release(system="gpci", as_of=day)
        places = selectors.locality_list(release=gpci) if gpci is not None else []
    if not places:
        places = [{"key": locality or "", "state": "", "name": ""}]
    rows = []
    for place in places:
        amounts = {}
        for facility in (False, True):
            result = fee_calculate(
                code=code,
                modifiers=modifiers,
                locality=place["key"] or None,
                facility=facility,
                units=units,
                date=day.isoformat(),
                provider_type=provider_type,
                minutes=minutes,
                base_units=base_units,
            )
            used: dict[str, Any] = next(
                (r for r in result["rvu_rows"] if result["rvu_row"] == code_with(result["code"], r["modifier"])), {}
            )
            # CMS lists NA where the service is not paid in that setting; the amount computed anyway is not shown
            na = used.get("facility_na" if facility else "nonfacility_na")
            amounts["facility" if facility else "non-facility"] = None if na else result["amount"]
            name = place["name"] or result["locality"]["name"]
        rows.append({"key": place["key"] or "national", "state": place["state"], "name": name, **amounts})
    return rows


def code_with(code: str, modifier: str | None) -> str:
    """'27258' or '71046-26', as fee results name the RVU row they used."""
    return code + (f"-{modifier}" if modifier else "")
