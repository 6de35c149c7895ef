"""`medcode update` on real official files: from a folder of zips as CMS publishes them, and downloaded from a
loopback HTTP server that serves copies of them (up, down, and serving a corrupt zip)."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SHARED_DATA
from medcode.codebook import selectors, store
from medcode.core.errors import IngestError
from medcode.ingest import build, update

pytestmark = pytest.mark.django_db
HCPCS = SHARED_DATA / "hcpcs-2026-jan" / "HCPC2026_JAN_ANWEB_01122026.txt"
RVU26B = SHARED_DATA / "pfs-rvu-2026b"
MUE = SHARED_DATA / "mue-2026q2" / "MCR_MUE_DMESupplierServices_Eff_04-01-2026.csv"


@pytest.fixture
def codebooks(default_codebook: Path, tmp_path: Path) -> Path:
    """A codebook directory of its own holding the default codebook, active."""
    for needed in (HCPCS, RVU26B, MUE):
        if not needed.exists():
            pytest.skip(f"official file {needed} is not present (the update tests need it)")
    directory = tmp_path / "codebooks"
    directory.mkdir()
    shutil.copy(default_codebook, directory / default_codebook.name)
    build.release_activate(build_id=default_codebook.stem, directory=directory)
    return directory


def releases_of(directory: Path) -> set[str]:
    path = store.active_path(directory)
    assert path is not None
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {f"{s} {v}" for s, v in conn.execute("SELECT system, version FROM release")}


def cms_zips(folder: Path) -> None:
    """The files as CMS publishes them: the HCPCS zip, the RVU zip, the MUE zip, and a stray readme."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / "january-2026-alpha-numeric-hcpcs-file.zip", "w") as z:
        z.write(HCPCS, HCPCS.name)
        z.writestr("HCPC2026_recordlayout.txt", "record layout\n")
    with zipfile.ZipFile(folder / "rvu26b.zip", "w") as z:
        z.write(RVU26B / "PPRRVU2026_Apr_nonQPP.txt", "PPRRVU2026_Apr_nonQPP.txt")
        z.write(RVU26B / "GPCI2026.csv", "GPCI2026.csv")
    shutil.copy(MUE, folder / MUE.name)
    (folder / "README.txt").write_text("downloaded by the operator\n")


def test_update_from_a_folder_then_nothing_new(codebooks: Path, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    cms_zips(folder)
    dry = update.update_run(from_dir=folder, dry_run=True, directory=codebooks, show_progress=False)
    assert sorted(f.source for f in dry.imported) == ["gpci", "hcpcs", "mue", "pfs"]
    assert dry.build_id is None and "hcpcs 2026-01" not in releases_of(codebooks)
    done = update.update_run(from_dir=folder, directory=codebooks, show_progress=False)
    assert done.build_id == store.active_build_id(codebooks)
    now = releases_of(codebooks)
    assert {"hcpcs 2026-01", "pfs 2026-04-01 PPRRVU2026_Apr_nonQPP", "gpci 2026-01-01 GPCI2026"} <= now
    assert any(r.startswith("mue-dme ") for r in now)
    again = update.update_run(from_dir=folder, directory=codebooks, show_progress=False)
    assert again.imported == [] and len(again.current) == 4 and again.build_id is None
    assert selectors.source_checksums(store.active_path(codebooks)) >= {f.sha256 for f in done.imported}


def test_a_corrupt_zip_in_the_folder_is_named_and_nothing_changes(codebooks: Path, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    cms_zips(folder)
    good = (folder / "rvu26b.zip").read_bytes()
    (folder / "rvu26b.zip").write_bytes(good[: len(good) // 2] + b"\0" * 100 + good[-200:])
    before = store.active_build_id(codebooks)
    with pytest.raises(IngestError, match=r"rvu26b.zip: not a readable zip"):
        update.update_run(from_dir=folder, directory=codebooks, show_progress=False)
    assert store.active_build_id(codebooks) == before
    with pytest.raises(IngestError, match="is not a folder"):
        update.update_run(from_dir=folder / "missing", directory=codebooks, show_progress=False)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server over a folder: (base URL, folder)."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def loopback_catalogue(tmp_path: Path, base: str) -> Path:
    """The operator's catalogue: the packaged entries, their URLs pointed at the loopback server."""
    path = tmp_path / "catalogue.toml"
    path.write_text(
        "[[source]]\n"
        'name = "hcpcs"\n'
        "file = 'HCPC\\d{4}_[A-Z]{3}_ANWEB[^/]*\\.txt$'\n"
        "content = '^\\s*[A-Z]\\d{4}\\d{3}'\n"
        f'urls = ["{base}/{{month}}-{{year}}-alpha-numeric-hcpcs-file.zip"]\n'
        "[[source]]\n"
        'name = "pfs"\n'
        "file = '^PPRRVU[^/]*\\.(txt|csv)$'\n"
        'content = \'^(HDR CPT CODES|"?HCPCS"?,"?MOD)\'\n'
        f'urls = ["{base}/rvu{{yy}}{{letter}}.zip"]\n'
    )
    return path


def test_update_downloads_from_the_catalogue_urls(codebooks: Path, tmp_path: Path, server: tuple[str, Path]) -> None:
    base, root = server
    cms_zips(tmp_path / "zips")
    # the current quarter (April 2026 here) has no HCPCS file yet: the January one is taken
    shutil.copy(
        tmp_path / "zips" / "january-2026-alpha-numeric-hcpcs-file.zip", root / "jan-2026-alpha-numeric-hcpcs-file.zip"
    )
    shutil.copy(tmp_path / "zips" / "rvu26b.zip", root / "rvu26b.zip")
    catalogue = loopback_catalogue(tmp_path, base)
    result = update.update_run(
        directory=codebooks, catalogue_file=catalogue, today=dt.date(2026, 5, 4), show_progress=False
    )
    assert sorted(f.source for f in result.imported) == ["gpci", "hcpcs", "pfs"], result.unreachable
    assert {"hcpcs 2026-01", "pfs 2026-04-01 PPRRVU2026_Apr_nonQPP"} <= releases_of(codebooks)


def test_a_server_that_is_down_or_serves_a_corrupt_zip(
    codebooks: Path, tmp_path: Path, server: tuple[str, Path]
) -> None:
    base, root = server
    before = store.active_build_id(codebooks)
    down = update.update_run(
        directory=codebooks,
        catalogue_file=loopback_catalogue(tmp_path, "http://127.0.0.1:9"),
        today=dt.date(2026, 5, 4),
        show_progress=False,
    )
    assert down.found == [] and len(down.unreachable) == 2 and "Could not download" in down.unreachable[0]
    assert store.active_build_id(codebooks) == before
    (root / "rvu26b.zip").write_bytes(b"PK\x03\x04 this is not a whole zip")
    corrupt = update.update_run(
        directory=codebooks,
        catalogue_file=loopback_catalogue(tmp_path, base),
        today=dt.date(2026, 5, 4),
        show_progress=False,
    )
    assert corrupt.found == [] and store.active_build_id(codebooks) == before
    assert any("rvu26b.zip" in u and "not a readable zip" in u for u in corrupt.unreachable)
