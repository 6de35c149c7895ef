"""The code systems medcode knows: names, labels, canonical FHIR URIs and the kinds of notes a code carries.

The one place each lives (ADR 0052): ingest, the codebook, search, rules, the assistant and the APIs all
import them from here.
"""

from __future__ import annotations

from typing import Literal, get_args

System = Literal["icd10cm", "icd10pcs", "hcpcs", "cpt", "pos", "modifier"]
SYSTEMS: tuple[System, ...] = ("icd10cm", "icd10pcs", "hcpcs", "cpt", "pos", "modifier")

SYSTEM_LABELS: dict[str, str] = {
    "icd10cm": "ICD-10-CM",
    "icd10pcs": "ICD-10-PCS",
    "hcpcs": "HCPCS Level II",
    "cpt": "CPT",
    "pos": "Place of Service",
    "modifier": "HCPCS modifier",
}

# The canonical URIs of FHIR terminology (ICD-10-CM from HL7's registry; the rest as CMS and the AMA publish them).
FHIR_URIS: dict[str, str] = {
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "icd10pcs": "http://www.cms.gov/Medicare/Coding/ICD10",
    "hcpcs": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "modifier": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "cpt": "http://www.ama-assn.org/go/cpt",
    "pos": "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set",
}

# In the order a code page shows them.
NoteKind = Literal[
    "note",
    "includes",
    "inclusion_term",
    "excludes1",
    "excludes2",
    "code_first",
    "use_additional",
    "code_also",
    "seven_chr_note",
    "definition",
]
NOTE_KINDS: tuple[NoteKind, ...] = get_args(NoteKind)


# Billing-rule tables. A rule release names its table and setting in its system (content "rules").
RuleSystem = Literal[
    "ncci-ptp-practitioner",
    "ncci-ptp-hospital",
    "mue-practitioner",
    "mue-hospital",
    "mue-dme",
    "addon",
    "pfs",
    "gpci",
    "oppscap",
    "anes-cf",
    "anes-base",
]
RULE_SYSTEM_LABELS: dict[str, str] = {
    "ncci-ptp-practitioner": "NCCI PTP edits, practitioner",
    "ncci-ptp-hospital": "NCCI PTP edits, hospital outpatient",
    "mue-practitioner": "MUE, practitioner services",
    "mue-hospital": "MUE, facility outpatient hospital services",
    "mue-dme": "MUE, DME supplier services",
    "addon": "Add-on codes and their primaries",
    "pfs": "Physician Fee Schedule RVUs",
    "gpci": "Physician Fee Schedule GPCIs and localities",
    "oppscap": "Physician Fee Schedule OPPS imaging cap amounts",
    "anes-cf": "Anesthesia conversion factors by locality",
    "anes-base": "Anesthesia base units",
}
