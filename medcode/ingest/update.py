"""`medcode update`: bring the codebook to the current official releases, downloaded or from a folder of files.

The catalogue (catalogue.toml beside this module, extended by MEDCODE_UPDATE_CATALOGUE) says how each official
file is recognised, by its name and its content, and where CMS and CDC publish it. Files already in the active
codebook (same sha256) are skipped; the rest go into one build, validated and activated as `medcode build`
does, so a failed update leaves the active codebook as it was.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest import build, fetch
from medcode.ingest.sources import SOURCES

CATALOGUE = Path(__file__).with_name("catalogue.toml")
HEAD_BYTES = 4096
MAX_MEMBER_BYTES = 2 * 1024**3  # a zip member larger than this is not an official CMS or CDC table
MSG_NOT_A_FOLDER = "{path} is not a folder: give the folder where the CMS and CDC zips were saved"
MSG_BAD_CATALOGUE = "{file}: not a valid update catalogue ({problem})"
MSG_BAD_ZIP = "{file}: not a readable zip ({problem})"
MONTHS = ("jan", "apr", "jul", "oct")
MONTH_NAMES = ("January", "April", "July", "October")


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    title: str
    file: re.Pattern[str]
    content: re.Pattern[str]
    page: str = ""
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Found:
    """One official file recognised: the source it is, where it is, and its checksum."""

    source: str
    path: Path
    label: str
    sha256: str


@dataclass
class UpdateResult:
    found: list[Found] = field(default_factory=list)
    imported: list[Found] = field(default_factory=list)
    current: list[Found] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    build_id: str | None = None
    dry_run: bool = False

    def as_dict(self) -> dict[str, object]:
        def row(f: Found) -> dict[str, str]:
            return {"source": f.source, "file": f.label, "sha256": f.sha256}

        return {
            "imported": [row(f) for f in self.imported],
            "already_current": [row(f) for f in self.current],
            "unreachable": self.unreachable,
            "build": self.build_id,
            "dry_run": self.dry_run,
        }


def catalogue_load(extra: Path | None = None) -> list[CatalogueEntry]:
    """The packaged catalogue, with the operator's entries (same name: replaced; new name: added)."""
    entries: dict[str, CatalogueEntry] = {}
    for path in (CATALOGUE, extra):
        if path is None:
            continue
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            for item in data.get("source", []):
                entries[item["name"]] = CatalogueEntry(
                    name=item["name"],
                    title=item.get("title", item["name"]),
                    file=re.compile(item["file"], re.IGNORECASE),
                    content=re.compile(item["content"], re.MULTILINE),
                    page=item.get("page", ""),
                    urls=tuple(item.get("urls", ())),
                )
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, re.error) as exc:
            raise IngestError(MSG_BAD_CATALOGUE.format(file=path, problem=exc)) from None
    return [e for e in entries.values() if e.name in SOURCES]  # a source this version cannot read is left out


def recognise(name: str, head: bytes, catalogue: list[CatalogueEntry]) -> str | None:
    """The source a file is, by its name and the first bytes of its content; None when it is none of them."""
    text = head.decode("latin-1")
    base = re.split(r"[/:]", name)[-1]
    for entry in catalogue:
        if entry.file.search(base) and entry.content.search(text):
            return entry.name
    return None


def _files(folder: Path, workdir: Path) -> Iterator[tuple[str, Path]]:
    """Every file under ``folder``, zips opened (members extracted to ``workdir``), as (label, local path)."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if zipfile.is_zipfile(path):
            yield from _zip_members(path, workdir)
        else:
            yield path.name, path


def _zip_members(path: Path, workdir: Path) -> Iterator[tuple[str, Path]]:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or info.file_size > MAX_MEMBER_BYTES:
                    continue
                member = info.filename.rsplit("/", 1)[-1]
                folder = workdir / str(len(list(workdir.iterdir())))  # each member keeps its own name
                folder.mkdir()
                target = folder / member
                with archive.open(info) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out)
                yield f"{path.name}:{member}", target
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise IngestError(MSG_BAD_ZIP.format(file=path.name, problem=exc)) from None


def _quarters(today: dt.date) -> list[dict[str, str]]:
    """The template values of the current quarter and the three before it, newest first."""
    out = []
    year, quarter = today.year, (today.month - 1) // 3
    for _ in range(4):
        out.append(
            {
                "year": str(year),
                "yy": f"{year % 100:02d}",
                "month": MONTHS[quarter],
                "MONTH": MONTHS[quarter].upper(),
                "Month": MONTH_NAMES[quarter],
                "letter": "abcd"[quarter],
                "LETTER": "ABCD"[quarter],
            }
        )
        quarter -= 1
        if quarter < 0:
            year, quarter = year - 1, 3
    return out


def _download(entry: CatalogueEntry, workdir: Path, today: dt.date, show_progress: bool) -> tuple[Path | None, str]:
    """The newest file a catalogue entry's URLs give; (None, what was tried) when none answered."""
    tried = []
    for values in _quarters(today):
        for template in entry.urls:
            url = template.format(**values)
            try:
                return fetch.fetch(url, workdir=workdir, show_progress=show_progress).path, url
            except IngestError as exc:
                tried.append(exc.message)
    return None, "; ".join(tried[:2]) + (f" (and {len(tried) - 2} more)" if len(tried) > 2 else "")


def update_run(
    *,
    from_dir: Path | None = None,
    dry_run: bool = False,
    directory: Path | None = None,
    catalogue_file: Path | None = None,
    today: dt.date | None = None,
    show_progress: bool = True,
) -> UpdateResult:
    """Recognise official files (from a folder, or downloaded by the catalogue), then build what is new."""
    from medcode.codebook import selectors, store

    configured = os.environ.get("MEDCODE_UPDATE_CATALOGUE")
    extra = catalogue_file or (Path(configured) if configured else None)
    catalogue = catalogue_load(extra)
    if from_dir is not None and not Path(from_dir).is_dir():
        raise IngestError(MSG_NOT_A_FOLDER.format(path=from_dir))
    result = UpdateResult(dry_run=dry_run)
    active = store.active_path(directory)
    known = selectors.source_checksums(active) if active else set()
    work = Path(tempfile.mkdtemp(prefix=".update-", dir=directory or store.codebook_dir()))
    try:
        if from_dir is not None:
            candidates = list(_files(Path(from_dir), work))
        else:
            candidates = []
            for entry in catalogue:
                if not entry.urls:
                    continue
                got, where = _download(entry, work, today or dt.date.today(), show_progress)
                if got is None:
                    result.unreachable.append(f"{entry.title}: {where}")
                    continue
                target = work / "files"
                target.mkdir(exist_ok=True)
                if zipfile.is_zipfile(got):
                    candidates += list(_zip_members(got, target))
                elif got.suffix.lower() == ".zip":
                    result.unreachable.append(MSG_BAD_ZIP.format(file=f"{where} ({entry.title})", problem="damaged"))
                else:
                    candidates.append((got.name, got))
        for label, path in candidates:
            with path.open("rb") as handle:
                source = recognise(label, handle.read(HEAD_BYTES), catalogue)
            if source is None:
                continue
            found = Found(source, path, label, fetch.sha256_of(path))
            result.found.append(found)
            (result.current if found.sha256 in known else result.imported).append(found)
        if result.imported and not dry_run:
            specs = [build.SourceSpec(f.source, str(f.path)) for f in _build_order(result.imported)]
            built = build.release_build(sources=specs, directory=directory, show_progress=show_progress)
            result.build_id = built.build_id
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _build_order(found: list[Found]) -> list[Found]:
    """Code sets before the files that refer to them (the index names codes of the tabular), as the registry lists."""
    order = {name: i for i, name in enumerate(SOURCES)}
    return sorted(found, key=lambda f: (order.get(f.source, len(order)), f.label))
