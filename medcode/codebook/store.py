"""Where codebook files live and read-only connections to the active one."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from django.conf import settings

from medcode.core.errors import CodebookMissing

ACTIVE_MARKER = "ACTIVE"
MSG_NO_CODEBOOK = "No codebook is active yet: run `medcode build --default` (or `medcode serve`, which builds it)"

_local = threading.local()


def codebook_dir() -> Path:
    return Path(settings.MEDCODE_CODEBOOK_DIR)


def active_build_id(directory: Path | None = None) -> str | None:
    marker = (directory or codebook_dir()) / ACTIVE_MARKER
    try:
        return marker.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def active_path(directory: Path | None = None) -> Path | None:
    directory = directory or codebook_dir()
    build_id = active_build_id(directory)
    if build_id is None:
        return None
    path = directory / f"{build_id}.sqlite"
    return path if path.exists() else None


def build_list(directory: Path | None = None) -> list[str]:
    directory = directory or codebook_dir()
    if not directory.exists():
        return []
    return sorted(p.stem for p in directory.glob("*.sqlite") if not p.name.startswith("."))


MARKER_CHECK_SECONDS = 1.0


def connection() -> sqlite3.Connection:
    """A read-only connection to the active codebook, reopened when the ACTIVE marker changes.

    The marker is read at most once a second per thread, so a look-up costs no file-system call.
    """
    cached: tuple[Path, sqlite3.Connection] | None = getattr(_local, "conn", None)
    now = time.monotonic()
    setting = settings.MEDCODE_CODEBOOK_DIR  # compared as given: building a Path per call costs more than the look-up
    if (
        cached is not None
        and now - getattr(_local, "checked", 0.0) < MARKER_CHECK_SECONDS
        and getattr(_local, "directory", None) == setting
    ):
        return cached[1]
    path = active_path(Path(setting))
    _local.checked, _local.directory = now, setting
    if path is None:
        raise CodebookMissing(MSG_NO_CODEBOOK)
    if cached is not None and cached[0] == path:
        return cached[1]
    if cached is not None:
        cached[1].close()
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA mmap_size = 268435456")
    _local.conn = (path, conn)
    return conn


def connected_path() -> Path:
    """The file of this thread's current codebook connection (opening it if needed)."""
    connection()
    cached: tuple[Path, sqlite3.Connection] = _local.conn
    return cached[0]


def forget() -> None:
    """Drop this thread's cached connection (after switching builds in the same process)."""
    cached = getattr(_local, "conn", None)
    if cached is not None:
        cached[1].close()
    _local.conn = None
    _local.checked = 0.0
