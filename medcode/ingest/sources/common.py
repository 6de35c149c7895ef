"""Helpers several source modules share: decoding publisher text files, the pyoce (CMS I/OCE) data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from medcode.core.errors import IngestError

MSG_PYOCE_MISSING = "The pyoce package (CMS I/OCE data) is not installed; it carries this part of the default data"
MSG_PYOCE_VERSION = "pyoce carries no I/OCE version {version}; it carries {versions}"


def read_text(path: Path, *, bad_encoding: str) -> str:
    """A publisher text file as UTF-8 (with or without BOM) or Windows-1252; ``bad_encoding`` names the file."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise IngestError(bad_encoding.format(file=path.name)) from None


def yyyymmdd(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def pyoce_version(ioce_version: int | None) -> tuple[Any, int, dict[str, Any]]:
    """pyoce's data provider, the I/OCE version chosen (newest by default) and its metadata row."""
    try:
        from pyoce.dao.provider import LmdbDataProvider
    except ImportError:  # pragma: no cover - pyoce is a dependency
        raise IngestError(MSG_PYOCE_MISSING) from None
    provider = LmdbDataProvider.get_instance()
    versions: dict[int, dict[str, Any]] = {}
    for _key, row in provider.get_multi("version_range", ""):
        versions[int(row["version"])] = row
    chosen = max(versions) if ioce_version is None else ioce_version
    if chosen not in versions:
        raise IngestError(
            MSG_PYOCE_VERSION.format(version=chosen, versions=", ".join(str(v) for v in sorted(versions)))
        )
    return provider, chosen, versions[chosen]
