"""The embedded HCPCS default: Level II codes and short descriptors from the I/OCE data pyoce carries."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import version as package_version

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Record, Release
from medcode.ingest.sources.common import pyoce_version, yyyymmdd
from medcode.ingest.sources.hcpcs.layout import CDT_LETTER, LEVEL2_CODE
from medcode.ingest.sources.hcpcs.messages import MSG_PYOCE_EMPTY
from medcode.ingest.sources.hcpcs.ranges import range_concepts, range_of

PYOCE_TITLE = "HCPCS Level II short descriptors (CMS I/OCE {ioce} data, pyoce {version})"


def parse_pyoce_default(*, ioce_version: int | None = None) -> Iterator[Record]:
    """Yield HCPCS Level II codes with their short descriptors from the I/OCE data pyoce carries.

    The newest I/OCE version by default. Only Level II codes (a letter and four digits, not CDT
    dental codes); CPT codes and their descriptors are never read. pyoce carries no modifier
    descriptors, so no modifiers are yielded.
    """
    provider, chosen, meta = pyoce_version(ioce_version)
    ioce = str(meta["version_id"])
    effective_from = yyyymmdd(int(meta["date_started"]))

    short: dict[str, str] = {}
    for key, row in provider.get_multi("data_hcpcs", ""):
        code, lo, hi = key.decode("ascii").split("|")
        if not LEVEL2_CODE.fullmatch(code) or code[0] == CDT_LETTER:
            continue
        if not int(lo) <= chosen <= int(hi):
            continue
        descriptor = str(row.get("description") or "").strip()
        if descriptor:
            short[code] = descriptor
    if not short:
        raise IngestError(MSG_PYOCE_EMPTY.format(version=chosen))

    yield Release(
        system="hcpcs",
        version=f"pyoce-{ioce}",
        effective_from=effective_from,
        title=PYOCE_TITLE.format(ioce=ioce, version=package_version("pyoce")),
    )
    codes = sorted(short)
    yield from range_concepts(codes)
    for code in codes:
        yield Concept(
            code=code,
            title=short[code],
            kind="code",
            parent=range_of(code),
            billable=True,
            short_title=short[code],
            attrs={"descriptor": "short"},
        )
