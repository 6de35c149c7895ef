"""Turn a local path or a URL into a local file, with a progress bar and a sha256."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from medcode.core.errors import IngestError

MSG_NOT_FOUND = "Source file not found: {path}"
MSG_DOWNLOAD_FAILED = "Could not download {url}: {reason}"
MSG_TOO_LARGE = "Download of {url} is larger than the {limit} MB limit"

MAX_DOWNLOAD_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class FetchedFile:
    """A local copy of a source file and where it came from."""

    path: Path
    origin: str
    sha256: str
    size: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def fetch(location: str, *, workdir: Path | None = None, show_progress: bool = True) -> FetchedFile:
    """Return a local file for ``location``; URLs are downloaded into ``workdir``."""
    if not is_url(location):
        path = Path(location).expanduser()
        if not path.exists():
            raise IngestError(MSG_NOT_FOUND.format(path=path))
        if path.is_dir():
            return FetchedFile(path=path, origin=str(path.resolve()), sha256="", size=0)
        return FetchedFile(path=path, origin=str(path.resolve()), sha256=sha256_of(path), size=path.stat().st_size)
    target_dir = workdir or Path(tempfile.mkdtemp(prefix="medcode-download-"))
    target_dir.mkdir(parents=True, exist_ok=True)
    name = location.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "download"
    target = target_dir / name
    digest = hashlib.sha256()
    size = 0
    try:
        with httpx.stream("GET", location, follow_redirects=True, timeout=60) as response:
            if response.status_code != 200:
                raise IngestError(MSG_DOWNLOAD_FAILED.format(url=location, reason=f"HTTP {response.status_code}"))
            total = int(response.headers.get("content-length") or 0) or None
            with (
                target.open("wb") as out,
                Progress(
                    TextColumn("[bold]{task.description}"),
                    BarColumn(),
                    DownloadColumn(),
                    TransferSpeedColumn(),
                    disable=not show_progress,
                    transient=True,
                ) as progress,
            ):
                task = progress.add_task(f"download {name}", total=total)
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise IngestError(MSG_TOO_LARGE.format(url=location, limit=MAX_DOWNLOAD_BYTES // 2**20))
                    digest.update(chunk)
                    out.write(chunk)
                    progress.update(task, advance=len(chunk))
    except httpx.HTTPError as exc:
        target.unlink(missing_ok=True)
        raise IngestError(MSG_DOWNLOAD_FAILED.format(url=location, reason=str(exc) or type(exc).__name__)) from exc
    except IngestError:
        target.unlink(missing_ok=True)
        raise
    return FetchedFile(path=target, origin=location, sha256=digest.hexdigest(), size=size)
