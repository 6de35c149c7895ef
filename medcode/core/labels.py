"""Human labels for the machine identifiers that reach people: rules, verdicts, severities, settings, fields.

Pages use them through the ``label`` template filter (``{{ finding.rule|label:"rule" }}``); the API, the CLI's
``--json`` and the claim JSON keep the identifiers. One table per kind of identifier; an identifier missing from
its table is shown as words ("some_field" -> "Some field"), never with underscores; text that is already a label
(no underscore) is shown as it is.
"""

from __future__ import annotations

from medcode.codebook.systems import RULE_SYSTEM_LABELS, SYSTEM_LABELS

RULES: dict[str, str] = {
    "ncci_ptp": "NCCI procedure-to-procedure edit",
    "mue": "Medically Unlikely Edit (MUE)",
    "addon": "Add-on code",
    "code_validity": "Code validity",
    "dx_billable": "Billable diagnosis",
    "excludes1": "Excludes1 note",
    "status": "Medicare payment status",
    "fee": "Fee schedule",
    # case-to-code validation of a suggested set
    "incomplete": "Incomplete code",
    "seventh_character": "7th character needed",
    "billable": "Billable code",
    "excludes2": "Excludes2 note",
    "code_first": "Code first note",
    "use_additional": "Use additional code note",
    "code_also": "Code also note",
}
SEVERITIES: dict[str, str] = {"error": "Error", "warning": "Warning", "info": "Note"}
VERDICTS: dict[str, str] = {
    "yes": "Yes",
    "no": "No",
    "allowed": "Allowed",
    "not_allowed": "Not allowed",
    "allowed_with_modifier": "Allowed with an NCCI modifier",
}
SETTINGS: dict[str, str] = {
    "practitioner": "Practitioner",
    "hospital": "Outpatient hospital",
    "dme": "DME supplier",
    "facility": "Facility",
    "non-facility": "Non-facility",
}
PROVIDERS: dict[str, str] = {"physician": "Physician", "npp": "NP, PA or CNS (85%)"}
# NCCI PTP modifier indicator and MUE adjudication indicator (MAI), as the CMS files define them
PTP_MODIFIER: dict[str, str] = {
    "0": "no modifier allowed",
    "1": "an NCCI modifier may bypass",
    "9": "not applicable (edit deleted)",
}
MAI: dict[str, str] = {
    "1": "line edit",
    "2": "date-of-service edit, policy",
    "3": "date-of-service edit, clinical",
}
CONCEPT_KINDS: dict[str, str] = {
    "chapter": "Chapter",
    "section": "Section",
    "category": "Category",
    "code": "Code",
    "table": "Table",
    "range": "Range",
    "modifier": "Modifier",
}
# Publisher fields of a concept (the HCPCS file, the I/OCE data, the CPT file, ICD-10-CM)
FIELDS: dict[str, str] = {
    "pricing_indicator": "Pricing indicator",
    "multiple_pricing_indicator": "Multiple pricing indicator",
    "coverage_code": "Medicare coverage",
    "betos": "BETOS (type of service category)",
    "type_of_service": "CMS type of service",
    "action_code": "Action in this release",
    "add_date": "Added",
    "action_effective_date": "Action effective",
    "termination_date": "Terminated",
    "cross_reference": "Cross-reference",
    "cim_reference": "Coverage Issues Manual section",
    "mcm_reference": "Medicare Carriers Manual section",
    "statute": "Statute",
    "lab_certification": "Lab certification",
    "asc_payment_group": "ASC payment group",
    "asc_payment_group_date": "ASC payment group effective",
    "mog_payment_group": "MOG payment group",
    "mog_payment_policy_indicator": "MOG payment policy",
    "mog_effective_date": "MOG effective",
    "processing_note": "Processing note number",
    "anesthesia_base_units": "Anesthesia base units",
    "descriptor": "Descriptor available",
    "descriptor_source": "Descriptor source",
    "status_indicator": "OPPS status indicator",
    "status_indicator_label": "Status indicator meaning",
    "apc": "APC (Ambulatory Payment Classification)",
    "addon_type": "Add-on code type",
    "cpt_category": "CPT category",
    "description": "Official description",
    "setting": "Pricing setting",
    "title_source": "Title source",
    "requires_7th": "Needs a 7th character",
    "seventh_character": "7th character",
}
# MS-DRG grouper output: a diagnosis's severity level and whether the grouper used it
CC_LEVELS: dict[str, str] = {"MCC": "MCC", "CC": "CC", "NONE": "non-CC"}
DRG_IMPACT: dict[str, str] = {
    "BOTH": "used for the initial and final MS-DRG",
    "INITIAL": "used for the initial MS-DRG",
    "FINAL": "used for the final MS-DRG",
    "NONE": "not used",
}
DRG_TYPES: dict[str, str] = {"MED": "Medical", "SURG": "Surgical"}
# Physician Fee Schedule (PPRRVU) values, in the words of the RVU file documentation (RVU26B.pdf, Attachment A)
PFS_STATUS: dict[str, str] = {
    "A": "Active Code",
    "B": "Bundled Code",
    "C": "Contractors price the code",
    "D": "Deleted Codes",
    "E": "Excluded from Physician Fee Schedule by regulation",
    "F": "Deleted/Discontinued Codes",
    "G": "Not valid for Medicare purposes (code subject to a 90 day grace period)",
    "H": "Deleted Modifier",
    "I": "Not valid for Medicare purposes (code NOT subject to a 90 day grace period)",
    "J": "Anesthesia Services",
    "M": "Measurement codes",
    "N": "Non-covered Services",
    "P": "Bundled/Excluded Codes",
    "R": "Restricted Coverage",
    "T": "Injections",
    "X": "Statutory Exclusion",
}
PFS_PCTC: dict[str, str] = {
    "0": "Physician Service Codes",
    "1": "Diagnostic Tests for Radiology Services",
    "2": "Professional Component Only Codes",
    "3": "Technical Component Only Codes",
    "4": "Global Test Only Codes",
    "5": "Incident To Codes",
    "6": "Laboratory Physician Interpretation Codes",
    "7": "Physical therapy service, for which payment may not be made",
    "8": "Physician interpretation codes",
    "9": "Not Applicable",
}
PFS_GLOBAL: dict[str, str] = {
    "000": "Endoscopic or minor procedure, related preoperative and postoperative RVUs on the day of the procedure",
    "010": "Minor procedure with a 10 day postoperative period",
    "090": "Major surgery with a 1-day preoperative period and 90-day postoperative period",
    "MMM": "Maternity codes; usual global period does not apply",
    "XXX": "The global concept does not apply to the code",
    "YYY": "The carrier is to determine whether the global concept applies",
    "ZZZ": "The code is related to another service and is always included in the global period of the other service",
}
INDEXES: dict[str, str] = {
    "main": "Alphabetic Index",
    "eindex": "External Cause Index",
    "drug": "Table of Drugs and Chemicals",
    "neoplasm": "Neoplasm Table",
    "pcs": "ICD-10-PCS Index",
}
# the columns of the Table of Drugs and Chemicals and the Neoplasm Table an index entry leads through
INDEX_ROLES: dict[str, str] = {
    "manifestation": "manifestation (code in brackets)",
    "poisoning_accidental": "poisoning accidental (unintentional)",
    "poisoning_intentional": "poisoning intentional self-harm",
    "poisoning_assault": "poisoning assault",
    "poisoning_undetermined": "poisoning undetermined",
    "adverse_effect": "adverse effect",
    "underdosing": "underdosing",
    "malignant_primary": "malignant primary",
    "malignant_secondary": "malignant secondary",
    "ca_in_situ": "carcinoma in situ",
    "benign": "benign",
    "uncertain_behavior": "uncertain behavior",
    "unspecified_behavior": "unspecified behavior",
}
NOTES: dict[str, str] = {
    "includes": "Includes",
    "inclusion_term": "Inclusion terms",
    "excludes1": "Excludes1",
    "excludes2": "Excludes2",
    "code_first": "Code first",
    "use_additional": "Use additional code",
    "code_also": "Code also",
    "note": "Note",
    "seven_chr_note": "7th character note",
    "definition": "Definition",
}
TABLES: dict[str, dict[str, str]] = {
    "rule": RULES,
    "severity": SEVERITIES,
    "verdict": VERDICTS,
    "setting": SETTINGS,
    "provider": PROVIDERS,
    "system": {**SYSTEM_LABELS, **RULE_SYSTEM_LABELS},
    "ptp_modifier": PTP_MODIFIER,
    "mai": MAI,
    "kind": CONCEPT_KINDS,
    "field": FIELDS,
    "note": NOTES,
    "index": INDEXES,
    "pfs_status": PFS_STATUS,
    "pfs_pctc": PFS_PCTC,
    "pfs_global": PFS_GLOBAL,
    "index_role": INDEX_ROLES,
    "cc_level": CC_LEVELS,
    "drg_impact": DRG_IMPACT,
    "drg_type": DRG_TYPES,
}


def words(identifier: str) -> str:
    """An identifier no table names, as words: 'some_field' -> 'Some field'; text without underscores as it is."""
    if "_" not in identifier:
        return identifier
    text = identifier.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def label(value: object, kind: str) -> str:
    """The human label of ``value`` in the table ``kind`` (rule, severity, verdict, setting, system, field...)."""
    text = "" if value is None else str(value)
    table = TABLES.get(kind)
    if table is None:
        raise KeyError(f"no label table '{kind}'; known: {', '.join(TABLES)}")
    return table.get(text) or (words(text) if text else "")


def count(number: int, singular: str, plural: str | None = None) -> str:
    """'1 error', '2 errors', '0 notes'."""
    return f"{number:,} {singular if number == 1 else (plural or singular + 's')}"


def article(noun: str) -> str:
    """'a' or 'an' before a label as it is read aloud: 'an ICD-10-CM code', 'a HCPCS code', 'an NCCI edit'."""
    first = noun[:1]
    if not first:
        return "a"
    # initialisms read letter by letter with a vowel sound first (I-C-D, M-U-E, N-C-C-I); HCPCS is read as a word
    if first in "AEIOU" or (noun[:2].isupper() and first in "FLMNRSX"):
        return "an"
    return "a"
