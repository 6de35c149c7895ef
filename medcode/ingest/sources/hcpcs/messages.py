"""Error messages of the HCPCS Level II importer (module constants that tests import)."""

from medcode.ingest.sources.common import MSG_PYOCE_MISSING as MSG_PYOCE_MISSING
from medcode.ingest.sources.common import MSG_PYOCE_VERSION as MSG_PYOCE_VERSION

MSG_NOT_FOUND = "{file}: no such file; expected the CMS Alpha-Numeric HCPCS file (ANWEB .txt or .xlsx)"
MSG_EMPTY = "{file}: the file is empty; expected the CMS Alpha-Numeric HCPCS file (ANWEB .txt or .xlsx)"
MSG_SUFFIX = (
    "{file}: cannot read a '{suffix}' file; expected the CMS Alpha-Numeric HCPCS file as the "
    "fixed-width ANWEB .txt or the .xlsx"
)
MSG_NO_VERSION = (
    "{file}: cannot tell the release from the file name; expected a CMS name such as "
    "HCPC2026_JAN_ANWEB_01122026.txt (JAN, APR, JUL or OCT), or pass version='2026-01' "
    "and/or effective_from"
)
MSG_BAD_ENCODING = "{file}: not a UTF-8 or Windows-1252 text file; expected the ANWEB fixed-width .txt"
MSG_TXT_LENGTH = (
    "{file}, line {line}: expected a {width}-character ANWEB record, found {length} characters "
    "(a truncated line, or not the CMS Alpha-Numeric HCPCS file)"
)
MSG_TXT_RECORD_ID = (
    "{file}, line {line}: record identification code '{value}' in column 11 is unknown; expected "
    "3 or 4 (procedure code, first or next line) or 7 or 8 (modifier, first or next line)"
)
MSG_TXT_SEQUENCE = "{file}, line {line}: sequence number '{value}' in columns 6-10 is not a number"
MSG_TXT_ORPHAN = (
    "{file}, line {line}: continuation record (id {record_id}) for '{code}' does not follow a line of "
    "that {what}; expected its first line (record id {first_id}) before it"
)
MSG_TXT_ORDER = (
    "{file}, line {line}: sequence number {value} of '{code}' does not follow {previous}; "
    "expected the descriptor lines of a code in ascending order"
)
MSG_BAD_CODE = (
    "{file}, {where}: '{code}' is not a HCPCS Level II code; expected a letter and four digits in columns 1-5"
)
MSG_BAD_MODIFIER = (
    "{file}, {where}: '{code}' is not a HCPCS Level II modifier; expected two letters or digits "
    "(in columns 4-5, columns 1-3 blank)"
)
MSG_CPT = (
    "{file}, {where}: '{code}' is a CPT (Level I) {what}, whose descriptor needs an AMA licence; "
    "expected the Level II ANWEB file, which carries none"
)
MSG_DUPLICATE = "{file}, {where}: '{code}' was already given ({first}); expected one record per code"
MSG_NO_DESCRIPTOR = "{file}, {where}: '{code}' has no long descriptor"
MSG_BAD_DATE = "{file}, {where}: {field} '{value}' of '{code}' is not a date; expected YYYYMMDD or blank"
MSG_BAD_NUMBER = "{file}, {where}: {field} '{value}' of '{code}' is not a number"
MSG_NO_CODES = "{file}: no HCPCS codes or modifiers found; expected the CMS Alpha-Numeric HCPCS file"
MSG_XLSX_UNREADABLE = "{file}: cannot open it as a workbook ({error}); expected the CMS HCPCS .xlsx"
MSG_XLSX_HEADER = (
    "{file}, sheet '{sheet}', row 1: missing column(s) {missing}; expected the CMS ANWEB header "
    "(HCPC, SEQNUM, RECID, LONG DESCRIPTION, SHORT DESCRIPTION, PRICE1 ... ACTION CD)"
)
MSG_XLSX_RECORD_ID = "{file}, row {row}: RECID '{value}' is unknown; expected 3 (procedure code) or 7 (modifier)"
MSG_XLSX_SEQUENCE = "{file}, row {row}: SEQNUM '{value}' is not a number"

MSG_PYOCE_EMPTY = "pyoce carries no HCPCS Level II codes for I/OCE version {version}"
