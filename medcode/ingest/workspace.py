"""A build's temporary files: named by build and process, locked while it runs, removed when it ends or dies.

Each build writes ``.building-<build id>-<pid>.sqlite`` (the codebook being built) and, for URL sources,
``.building-<build id>-<pid>.downloads/`` in the codebook directory. The build holds an exclusive
``flock`` on its ``.sqlite`` file until it ends; the kernel drops the lock when the process dies, however
it dies. Every build first removes the temporary files of builds whose lock nobody holds any more.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = ".building-"
CODEBOOK_SUFFIX = ".sqlite"
DOWNLOADS_SUFFIX = ".downloads"
SWEEP_LOCK = ".build-lock"


@dataclass
class Workspace:
    """The temporary codebook and download folder of one running build."""

    codebook: Path
    downloads: Path  # created by the first download
    _lock: int | None = field(default=None, repr=False)

    def close(self) -> None:
        """Remove what is left (the codebook unless it was moved into place) and release the lock."""
        shutil.rmtree(self.downloads, ignore_errors=True)
        self.codebook.unlink(missing_ok=True)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


class _DirectoryLock:
    """Held while sweeping or creating, so that a sweep never sees a new file before its lock is taken."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / SWEEP_LOCK
        self.handle = -1

    def __enter__(self) -> None:
        self.handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        os.close(self.handle)


def workspace_open(*, directory: Path, build_id: str) -> Workspace:
    """Sweep what dead builds left, then create and lock this build's temporary codebook."""
    with _DirectoryLock(directory):
        _sweep(directory)
        stem = f"{PREFIX}{build_id}-{os.getpid()}"
        codebook = directory / f"{stem}{CODEBOOK_SUFFIX}"
        handle = os.open(codebook, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return Workspace(codebook=codebook, downloads=directory / f"{stem}{DOWNLOADS_SUFFIX}", _lock=handle)


def _stem(name: str) -> str:
    """The build a temporary entry belongs to (SQLite's -journal files included)."""
    for suffix in (DOWNLOADS_SUFFIX, CODEBOOK_SUFFIX):
        if suffix in name:
            return name[: name.index(suffix)]
    return name


def _owner_alive(codebook: Path) -> bool:
    """Whether a running build holds the lock on this temporary codebook."""
    try:
        handle = os.open(codebook, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(handle)  # closing releases a lock taken here
    return False


def workspace_sweep(*, directory: Path) -> list[Path]:
    """Remove the temporary files of builds that are no longer running; return what was removed."""
    if not directory.is_dir():
        return []
    with _DirectoryLock(directory):
        return _sweep(directory)


def _sweep(directory: Path) -> list[Path]:
    removed: list[Path] = []
    stems: dict[str, list[Path]] = {}
    for entry in directory.iterdir():
        if entry.name.startswith(PREFIX):
            stems.setdefault(_stem(entry.name), []).append(entry)
    for stem, entries in stems.items():
        if _owner_alive(directory / f"{stem}{CODEBOOK_SUFFIX}"):
            continue
        for entry in entries:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed
