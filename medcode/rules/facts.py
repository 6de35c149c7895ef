"""The billing facts a code page shows: fee schedule rows, MUE, add-on, NCCI pairs, DRG CC/MCC, HCC, crosswalks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from medcode.codebook.selectors import ConceptRow
from medcode.rules import classifiers, selectors

PAGE_PAIRS = 120


def billing_facts(*, concept: ConceptRow, as_of: dt.date | None = None) -> dict[str, Any] | None:
    """Everything the rule tables hold about one code on a date (today by default); None for other systems."""
    day = as_of or dt.date.today()
    if concept.system == "icd10cm":
        if not concept.billable:
            return None
        return {"code": concept.code, "date": day.isoformat(), "dx": classifiers.diagnosis_facts(concept.code)}
    if concept.system not in ("cpt", "hcpcs") or concept.kind != "code":
        return None
    code = concept.code
    facts: dict[str, Any] = {"code": code, "date": day.isoformat(), "coverage": concept.attrs.get("coverage_code")}
    pfs = selectors.rule_release(system="pfs", as_of=day)
    if pfs is not None:
        facts["pfs"] = selectors.pfs_detail(code=code, release=pfs)
        facts["pfs_release"] = selectors.release_label(pfs)
    mue = []
    for setting in ("practitioner", "hospital", "dme"):
        release = selectors.rule_release(system=f"mue-{setting}", as_of=day)
        if release is not None:
            row = selectors.mue_values(codes=[code], release=release).get(code)
            if row is not None:
                mue.append(
                    {
                        "setting": setting,
                        "value": row.value,
                        "mai": row.mai,
                        "rationale": row.rationale,
                        "release": selectors.release_label(release),
                    }
                )
    facts["mue"] = mue
    addon_release = selectors.rule_release(system="addon", as_of=day)
    if addon_release is not None:
        rows = selectors.addons_for(codes=[code], release=addon_release, as_of=day).get(code)
        if rows:
            facts["addon"] = {
                "type": rows[0].addon_type,
                "primaries": sorted({r.primary for r in rows if r.primary})[:40],
            }
        facts["addons_of"] = selectors.addon_primaries_of(code=code, release=addon_release, as_of=day)[:40]
    for setting in ("practitioner", "hospital"):
        release, _ = selectors.ptp_release(setting=setting, as_of=day)
        if release is None or (setting == "practitioner" and release.system != "ncci-ptp-practitioner"):
            continue
        first, second, count_first, count_second = selectors.ptp_edits_for(
            code=code, release=release, as_of=day, limit=PAGE_PAIRS
        )
        facts["ptp"] = {
            "setting": setting,
            "release": selectors.release_label(release),
            "first": first,
            "second": second,
            "count_first": count_first,
            "count_second": count_second,
        }
        break
    return facts
