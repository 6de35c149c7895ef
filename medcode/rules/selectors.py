"""Reads of the rule tables by date of service, and the codebook facts a claim check needs, cached per codebook."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from medcode.codebook import notes as codebook_notes
from medcode.codebook import selectors as codebook
from medcode.codebook import store
from medcode.core.errors import ReleaseNotFound
from medcode.rules.engine import fees
from medcode.rules.engine.types import AddOnRow, CodeStatus, DiagnosisStatus, MueValue, PtpEdit

CPT_CODE = re.compile(r"\d{4}[0-9FTUMA]")
HCPCS_CODE = re.compile(r"[A-V]\d{4}")
PTP_LIMIT = 400


def _db() -> sqlite3.Connection:
    return store.connection()


def _ymd(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _date(value: int | None) -> dt.date | None:
    return None if value is None else dt.date(value // 10000, value // 100 % 100, value % 100)


def _marks(values: Iterable[object]) -> str:
    return ",".join("?" * len(list(values)))


def rule_release(*, system: str, as_of: dt.date | None = None) -> codebook.ReleaseInfo | None:
    """The rule release of ``system`` for a date: the newest that starts on or before it, else the earliest.

    Rule rows carry their own dates, so an older date of service is still judged by the rows of the
    earliest release (whose history may reach back further than the release's own start).
    """
    releases = codebook.release_list(system=system, content="rules")
    if not releases:
        return None
    if as_of is None:
        return releases[-1]
    started = [r for r in releases if r.effective_from <= as_of]
    return started[-1] if started else releases[0]


def release_label(release: codebook.ReleaseInfo | None) -> str | None:
    return None if release is None else f"{release.title}, version {release.version}"


# --- NCCI ----------------------------------------------------------------------------------------


def ptp_release(*, setting: str, as_of: dt.date | None) -> tuple[codebook.ReleaseInfo | None, bool]:
    """The PTP release for a setting; practitioner falls back to hospital edits (flagged True) when none is loaded."""
    release = rule_release(system=f"ncci-ptp-{setting}", as_of=as_of)
    if release is None and setting == "practitioner":
        return rule_release(system="ncci-ptp-hospital", as_of=as_of), True
    return release, False


def _ptp(row: tuple[str, str, int, int | None, int, str | None]) -> PtpEdit:
    start = _date(row[2])
    assert start is not None
    return PtpEdit(row[0], row[1], start, _date(row[3]), row[4], row[5])


def ptp_edits_among(*, codes: Iterable[str], release: codebook.ReleaseInfo) -> tuple[PtpEdit, ...]:
    """Every edit of the release whose two codes are both among ``codes`` (all dates)."""
    unique = sorted(set(codes))
    if len(unique) < 2:
        return ()
    marks = _marks(unique)
    rows = (
        _db()
        .execute(
            "SELECT column1, column2, effective_from, effective_to, modifier, rationale FROM ptp_edit"
            f" WHERE column1 IN ({marks}) AND column2 IN ({marks}) AND release_id = ?",
            (*unique, *unique, release.id),
        )
        .fetchall()
    )
    return tuple(_ptp(tuple(r)) for r in rows)


def ptp_edits_for(
    *, code: str, release: codebook.ReleaseInfo, as_of: dt.date, limit: int = PTP_LIMIT
) -> tuple[list[PtpEdit], list[PtpEdit], int, int]:
    """Edits in effect on a date where the code is column 1, and where it is column 2, with total counts."""
    day = _ymd(as_of)
    where = "release_id = ? AND effective_from <= ? AND (effective_to IS NULL OR effective_to >= ?)"
    db = _db()
    columns = "column1, column2, effective_from, effective_to, modifier, rationale"
    as_first = db.execute(
        f"SELECT {columns} FROM ptp_edit WHERE column1 = ? AND {where} ORDER BY column2 LIMIT ?",
        (code, release.id, day, day, limit),
    ).fetchall()
    as_second = db.execute(
        f"SELECT {columns} FROM ptp_edit WHERE column2 = ? AND {where} ORDER BY column1 LIMIT ?",
        (code, release.id, day, day, limit),
    ).fetchall()
    count_first = db.execute(
        f"SELECT count(*) FROM ptp_edit WHERE column1 = ? AND {where}", (code, release.id, day, day)
    ).fetchone()[0]
    count_second = db.execute(
        f"SELECT count(*) FROM ptp_edit WHERE column2 = ? AND {where}", (code, release.id, day, day)
    ).fetchone()[0]
    return [_ptp(tuple(r)) for r in as_first], [_ptp(tuple(r)) for r in as_second], count_first, count_second


def ptp_edits_page(
    *,
    code: str,
    release: codebook.ReleaseInfo,
    as_of: dt.date,
    column: int,
    text: str = "",
    offset: int = 0,
    limit: int | None = 100,
) -> tuple[list[PtpEdit], int]:
    """One page of the edits in effect on a date where the code is column 1 (or 2), the other code containing
    ``text`` (any case; blank for all), ordered by the other code; with the number of edits that match."""
    if column not in (1, 2):
        raise ValueError(f"column must be 1 or 2, not {column}")
    mine, other = ("column1", "column2") if column == 1 else ("column2", "column1")
    day = _ymd(as_of)
    where = (
        f"{mine} = ? AND release_id = ? AND effective_from <= ? AND (effective_to IS NULL OR effective_to >= ?)"
        f" AND instr({other}, ?) > 0"
    )
    params = (code, release.id, day, day, text.strip().upper())
    db = _db()
    total = db.execute(f"SELECT count(*) FROM ptp_edit WHERE {where}", params).fetchone()[0]
    rows = db.execute(
        f"SELECT column1, column2, effective_from, effective_to, modifier, rationale FROM ptp_edit WHERE {where}"
        f" ORDER BY {other} LIMIT ? OFFSET ?",
        (*params, -1 if limit is None else limit, max(offset, 0)),
    ).fetchall()
    return [_ptp(tuple(r)) for r in rows], total


# --- MUE, add-on codes -----------------------------------------------------------------------------


def mue_values(*, codes: Iterable[str], release: codebook.ReleaseInfo) -> dict[str, MueValue]:
    unique = sorted(set(codes))
    if not unique:
        return {}
    rows = (
        _db()
        .execute(
            f"SELECT code, value, mai, rationale FROM mue_value WHERE code IN ({_marks(unique)}) AND release_id = ?",
            (*unique, release.id),
        )
        .fetchall()
    )
    return {r[0]: MueValue(r[0], r[1], r[2], r[3]) for r in rows}


def addons_for(
    *, codes: Iterable[str], release: codebook.ReleaseInfo, as_of: dt.date
) -> dict[str, tuple[AddOnRow, ...]]:
    """Add-on rows in effect on the date for those of ``codes`` that are add-on codes."""
    unique = sorted(set(codes))
    if not unique:
        return {}
    day = _ymd(as_of)
    rows = (
        _db()
        .execute(
            f"SELECT addon, primary_code, addon_type FROM addon_code WHERE addon IN ({_marks(unique)})"
            " AND release_id = ? AND effective_from <= ? AND (effective_to IS NULL OR effective_to >= ?)",
            (*unique, release.id, day, day),
        )
        .fetchall()
    )
    found: dict[str, list[AddOnRow]] = {}
    for addon, primary, kind in rows:
        found.setdefault(addon, []).append(AddOnRow(addon, primary or None, kind))
    return {k: tuple(v) for k, v in found.items()}


def addon_primaries_of(*, code: str, release: codebook.ReleaseInfo, as_of: dt.date) -> list[str]:
    """Add-on codes that list ``code`` as a primary on the date."""
    day = _ymd(as_of)
    rows = (
        _db()
        .execute(
            "SELECT DISTINCT addon FROM addon_code WHERE primary_code = ? AND release_id = ? AND effective_from <= ?"
            " AND (effective_to IS NULL OR effective_to >= ?) ORDER BY addon",
            (code, release.id, day, day),
        )
        .fetchall()
    )
    return [r[0] for r in rows]


# --- Physician Fee Schedule --------------------------------------------------------------------------

RVU_COLUMNS = (
    "code, modifier, status, work, pe_nonfacility, pe_facility, mp, nonfacility_na, facility_na, pctc, global_days,"
    " multiple, bilateral, assistant, cosurgeon, team, conversion_factor, pre, intra, post, endo_base"
)


def _rvu(r: tuple[Any, ...]) -> fees.Rvu:
    return fees.Rvu(
        str(r[0]),
        str(r[1]),
        str(r[2]),
        float(r[3]),
        float(r[4]),
        float(r[5]),
        float(r[6]),
        bool(r[7]),
        bool(r[8]),
        str(r[9]),
        str(r[10]),
        str(r[11]),
        str(r[12]),
        str(r[13]),
        str(r[14]),
        str(r[15]),
        float(r[16]),
        float(r[17]),
        float(r[18]),
        float(r[19]),
        str(r[20]),
    )


def pfs_rows(*, codes: Iterable[str], release: codebook.ReleaseInfo) -> dict[tuple[str, str], fees.Rvu]:
    unique = sorted(set(codes))
    if not unique:
        return {}
    rows = (
        _db()
        .execute(
            f"SELECT {RVU_COLUMNS} FROM pfs_rvu WHERE code IN ({_marks(unique)}) AND release_id = ?",
            (*unique, release.id),
        )
        .fetchall()
    )
    found = {(r[0], r[1]): _rvu(tuple(r)) for r in rows}
    bases = sorted({rvu.endo_base for rvu in found.values() if rvu.endo_base} - set(unique))
    if bases:
        rows = (
            _db()
            .execute(
                f"SELECT {RVU_COLUMNS} FROM pfs_rvu WHERE code IN ({_marks(bases)}) AND modifier = '' AND release_id = ?",
                (*bases, release.id),
            )
            .fetchall()
        )
        found |= {(r[0], r[1]): _rvu(tuple(r)) for r in rows}
    return found


@lru_cache(maxsize=8)
def _capped_codes(path: str, release_id: int) -> frozenset[str]:
    """The few codes (about 80) the OPPS cap file lists, so claims without them skip the query."""
    rows = _db().execute("SELECT DISTINCT code FROM oppscap WHERE release_id = ?", (release_id,)).fetchall()
    return frozenset(r[0] for r in rows)


def oppscap_for(
    *, codes: Iterable[str], locality: fees.Locality, release: codebook.ReleaseInfo
) -> tuple[dict[tuple[str, str], fees.Cap], frozenset[str]]:
    """The OPPS caps of the codes at a locality; for national pricing, the codes CMS caps at some locality."""
    unique = sorted(set(codes) & _capped_codes(str(store.connected_path()), release.id))
    if not unique:
        return {}, frozenset()
    db = _db()
    if locality.key == fees.NATIONAL.key:
        rows = db.execute(
            f"SELECT DISTINCT code FROM oppscap WHERE code IN ({_marks(unique)}) AND release_id = ?",
            (*unique, release.id),
        ).fetchall()
        return {}, frozenset(r[0] for r in rows)
    mac, _, number = locality.key.partition("-")
    rows = db.execute(
        f"SELECT code, modifier, status, facility, nonfacility FROM oppscap WHERE code IN ({_marks(unique)})"
        " AND mac = ? AND locality = ? AND release_id = ?",
        (*unique, mac, number, release.id),
    ).fetchall()
    return {(r[0], r[1]): fees.Cap(r[2], r[3], r[4]) for r in rows}, frozenset()


NATIONAL_ANES = ("00000", "00")


def anesthesia_cf(*, locality: fees.Locality, release: codebook.ReleaseInfo) -> tuple[float, str] | None:
    """The anesthesia conversion factor of a locality (the national one for national pricing), with its label."""
    mac, number = NATIONAL_ANES if locality.key == fees.NATIONAL.key else tuple(locality.key.partition("-")[::2])
    row = (
        _db()
        .execute(
            "SELECT name, cf FROM anes_cf WHERE mac = ? AND locality = ? AND release_id = ?",
            (mac, number, release.id),
        )
        .fetchone()
    )
    if row is None:
        return None
    return float(row[1]), f"{row[0].title() if row[0] != 'NATIONAL' else 'national'}, {release.title}"


def anesthesia_base_units(*, codes: Iterable[str], release: codebook.ReleaseInfo) -> dict[str, float]:
    unique = sorted(set(codes))
    if not unique:
        return {}
    rows = (
        _db()
        .execute(
            f"SELECT code, base_units FROM anes_base WHERE code IN ({_marks(unique)}) AND release_id = ?",
            (*unique, release.id),
        )
        .fetchall()
    )
    return {r[0]: float(r[1]) for r in rows}


def pfs_detail(*, code: str, release: codebook.ReleaseInfo) -> list[dict[str, object]]:
    """Every PPRRVU row of a code (global, 26, TC...) with all its fields, for code pages and the API."""
    cursor = _db().execute(
        "SELECT * FROM pfs_rvu WHERE code = ? AND release_id = ? ORDER BY modifier", (code, release.id)
    )
    names = [d[0] for d in cursor.description]
    return [{k: v for k, v in zip(names, row, strict=True) if k != "release_id"} for row in cursor.fetchall()]


def locality_list(*, release: codebook.ReleaseInfo) -> list[dict[str, object]]:
    rows = (
        _db()
        .execute(
            "SELECT mac, locality, state, name, work, pe, mp, counties FROM gpci WHERE release_id = ? ORDER BY state, name",
            (release.id,),
        )
        .fetchall()
    )
    return [
        {
            "key": f"{r[0]}-{r[1]}",
            "mac": r[0],
            "locality": r[1],
            "state": r[2],
            "name": r[3],
            "work": r[4],
            "pe": r[5],
            "mp": r[6],
            "counties": r[7],
        }
        for r in rows
    ]


LOCALITY_KEY = re.compile(r"\s*(\d{4,5})\s*[-/ ]?\s*(\d{1,2})\s*")


def locality_get(*, key: str, release: codebook.ReleaseInfo) -> fees.Locality | None:
    """A locality by 'MAC-locality' (01112-05, 0111205) or by state and locality number (CA-05)."""
    match = LOCALITY_KEY.fullmatch(key)
    db = _db()
    if match:
        row = db.execute(
            "SELECT mac, locality, state, name, work, pe, mp FROM gpci WHERE mac = ? AND locality = ? AND release_id = ?",
            (match.group(1).zfill(5), match.group(2).zfill(2), release.id),
        ).fetchone()
    else:
        state_match = re.fullmatch(r"\s*([A-Za-z]{2})\s*[-/ ]?\s*(\d{1,2})\s*", key)
        row = (
            db.execute(
                "SELECT mac, locality, state, name, work, pe, mp FROM gpci WHERE state = ? AND locality = ?"
                " AND release_id = ?",
                (state_match.group(1).upper(), state_match.group(2).zfill(2), release.id),
            ).fetchone()
            if state_match
            else None
        )
    if row is None:
        return None
    return fees.Locality(f"{row[0]}-{row[1]}", f"{row[3]} ({row[2]})", row[4], row[5], row[6])


# --- codebook facts for claim lines ------------------------------------------------------------------


def code_system(code: str) -> str | None:
    if CPT_CODE.fullmatch(code):
        return "cpt"
    if HCPCS_CODE.fullmatch(code):
        return "hcpcs"
    return None


@lru_cache(maxsize=64)
def _release_on(path: str, system: str, day: dt.date) -> tuple[codebook.ReleaseInfo | None, bool]:
    """The code release in effect on a day, or the earliest loaded (flagged True) when none was."""
    try:
        return codebook.release_for(system=system, as_of=day), False
    except ReleaseNotFound:
        releases = codebook.release_list(system=system)
        return (releases[0] if releases else None), bool(releases)


def code_release(*, system: str, as_of: dt.date) -> tuple[codebook.ReleaseInfo | None, bool]:
    return _release_on(str(store.connected_path()), system, as_of)


@lru_cache(maxsize=50000)
def _code_status(path: str, code: str, release_id: int, system: str) -> CodeStatus:
    release = codebook.release_get(release_id=release_id)
    concept = codebook.concept_find(system=system, code=code, release=release)
    title = release.title
    if concept is not None:
        terminated = concept.attrs.get("termination_date")
        return CodeStatus(
            code=code,
            system=system,
            exists=True,
            release=title,
            terminated=dt.date.fromisoformat(terminated) if terminated else None,
            coverage=concept.attrs.get("coverage_code") or None,
        )
    others = tuple(
        (r.title, r.effective_from)
        for r in codebook.release_list(system=system)
        if r.id != release_id and codebook.concept_find(system=system, code=code, release=r) is not None
    )
    return CodeStatus(code=code, system=system if others else None, exists=False, release=title, other_releases=others)


def code_status(*, code: str, as_of: dt.date) -> tuple[CodeStatus, bool]:
    """What the codebook says of a line code on a date; True when no release was in effect then."""
    system = code_system(code)
    if system is None:
        return CodeStatus(code=code, system=None, exists=False), False
    release, fallback = code_release(system=system, as_of=as_of)
    if release is None:
        return CodeStatus(code=code, system=None, exists=False), False
    return _code_status(str(store.connected_path()), code, release.id, system), fallback


@lru_cache(maxsize=50000)
def _diagnosis_status(path: str, code: str, release_id: int) -> DiagnosisStatus:
    release = codebook.release_get(release_id=release_id)
    concept = codebook.concept_find(system="icd10cm", code=code, release=release)
    if concept is None:
        suggestions = codebook.concept_suggest(system="icd10cm", code=code, as_of=release.effective_from, limit=5)
        return DiagnosisStatus(
            code=code,
            exists=False,
            billable=False,
            release=release.title,
            completions=tuple(c.code for c in suggestions),
        )
    ancestors = codebook.concept_ancestors(concept=concept)
    notes = codebook.concept_notes(concept=concept, ancestors=ancestors)
    excludes = tuple(
        dict.fromkeys(r for n in notes if n.kind == "excludes1" for r in codebook_notes.note_references(n.text))
    )
    completions: tuple[str, ...] = ()
    needs_seventh = False
    if not concept.billable:
        children = codebook.concept_children(concept=concept)
        completions = tuple(c.code for c in children[:6])
        needs_seventh = concept.attrs.get("requires_7th") == "true" or (
            not children and bool(codebook.seventh_characters(concept=concept, ancestors=ancestors)[0])
        )
        if not completions:
            completions = tuple(
                c.code
                for c in codebook.concept_suggest(system="icd10cm", code=code, as_of=release.effective_from, limit=5)
                if c.code != concept.code
            )
    return DiagnosisStatus(
        code=concept.code,
        exists=True,
        billable=concept.billable,
        needs_seventh=needs_seventh,
        release=release.title,
        completions=completions,
        excludes1=excludes,
    )


def diagnosis_status(*, code: str, as_of: dt.date) -> tuple[DiagnosisStatus, str | None, bool]:
    """The diagnosis in the ICD-10-CM release in effect (or, flagged True, the earliest loaded when none was)."""
    release, fallback = code_release(system="icd10cm", as_of=as_of)
    if release is None:
        return DiagnosisStatus(code=code, exists=False, billable=False), None, False
    return _diagnosis_status(str(store.connected_path()), code, release.id), release.title, fallback


@lru_cache(maxsize=256)
def _pos_facility(path: str, pos: str) -> bool | None:
    try:
        concept = codebook.concept_get(system="pos", code=pos)
    except Exception:
        return None
    setting = concept.attrs.get("setting")
    return None if setting is None else setting == "facility"


def pos_is_facility(pos: str | None) -> bool | None:
    """True for a facility place of service (PFS facility rate), False for non-facility, None if unknown."""
    if not pos:
        return None
    return _pos_facility(str(store.connected_path()), pos.zfill(2))
