"""Billing-rule tools (NCCI PTP, MUE, fees, DRG, HCC, GEMs): wired to medcode.rules once that package exists."""

from __future__ import annotations

from medcode.assistant.answer import ToolResult

MSG_RULES_MISSING = (
    "This medcode instance has no {what} yet, so I cannot answer that from official data. The billing-rules"
    " module (NCCI, MUE, fee schedule, DRG, HCC, GEMs) provides it; meanwhile see {where}."
)
WHERE = {
    "NCCI PTP edits": "the CMS NCCI edit files (cms.gov, National Correct Coding Initiative)",
    "MUE tables": "the CMS MUE tables (cms.gov, Medically Unlikely Edits)",
    "Physician Fee Schedule data": "the CMS PFS Look-Up Tool or the RVU files (cms.gov, Physician Fee Schedule)",
    "MS-DRG tables": "the CMS MS-DRG definitions manual",
    "CMS-HCC mappings": "the CMS risk adjustment model software and mappings",
    "GEMs crosswalks": "the CMS General Equivalence Mappings files",
}


def missing(*, tool: str, what: str) -> ToolResult:
    return ToolResult(tool=tool, direct=MSG_RULES_MISSING.format(what=what, where=WHERE[what]), found=False)
