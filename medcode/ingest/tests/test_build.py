"""Builds: sources in, validation, atomic activation, failed imports leave the active codebook alone."""

from __future__ import annotations

import functools
import hashlib
import http.server
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from medcode.codebook import store
from medcode.core.errors import IngestError, ReleaseNotFound
from medcode.ingest import build, validate
from medcode.ingest.sources import icd10cm_tabular

MINIMAL = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular><version>2027</version>
<chapter><name>1</name><desc>Certain infectious and parasitic diseases (A00-B99)</desc>
<section id="A00-A09"><desc>Intestinal infectious diseases (A00-A09)</desc>
<diag><name>A00</name><desc>Cholera</desc>
<excludes1><note>carrier or suspected carrier of cholera (Z22.1)</note></excludes1>
<diag><name>A00.0</name><desc>Cholera due to Vibrio cholerae 01, biovar cholerae</desc></diag>
<diag><name>A00.9</name><desc>Cholera, unspecified</desc></diag>
</diag></section></chapter></ICD10CM.tabular>
"""


# MINIMAL is an excerpt, far below a whole release: the builds here pass allow_shrink (see test_release_checks.py).


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "codebooks"


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "icd10cm_tabular_2027.xml"
    path.write_text(MINIMAL, encoding="utf-8")
    return path


def releases(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT system, version FROM release ORDER BY id").fetchall()


def test_build_validates_records_sources_and_activates(directory: Path, small_file: Path) -> None:
    result = build.release_build(
        sources=[build.SourceSpec("icd10cm", str(small_file))],
        directory=directory,
        show_progress=False,
        allow_shrink=True,
    )
    assert result.activated and store.active_path(directory) == result.path
    assert result.report.ok and result.report.counts["icd10cm 2027 (codes)"]["concept"] == 5
    with sqlite3.connect(result.path) as conn:
        name, sha, counts = conn.execute("SELECT name, sha256, row_counts FROM source").fetchone()
    assert name == "icd10cm" and sha == hashlib.sha256(small_file.read_bytes()).hexdigest()
    assert '"concept": 5' in counts
    assert not result.path.stat().st_mode & 0o222  # the finished file is read-only


def test_a_build_extends_the_active_codebook_and_replaces_the_same_release(
    directory: Path, small_file: Path, tmp_path: Path
) -> None:
    first = build.release_build(
        sources=[build.SourceSpec("icd10cm", str(small_file))],
        directory=directory,
        show_progress=False,
        allow_shrink=True,
    )
    newer = tmp_path / "icd10cm_tabular_2028.xml"
    newer.write_text(
        MINIMAL.replace("<version>2027</version>", "<version>2028</version>").replace(
            "<diag><name>A00.9</name><desc>Cholera, unspecified</desc></diag>", ""
        )
    )
    second = build.release_build(
        sources=[build.SourceSpec("icd10cm", str(newer))], directory=directory, show_progress=False, allow_shrink=True
    )
    assert releases(second.path) == [("icd10cm", "2027"), ("icd10cm", "2028")]
    again = build.release_build(
        sources=[build.SourceSpec("icd10cm", str(newer))], directory=directory, show_progress=False, allow_shrink=True
    )
    assert sorted(releases(again.path)) == [("icd10cm", "2027"), ("icd10cm", "2028")]
    assert first.path.exists()  # older builds stay for roll-back
    build.release_activate(build_id=first.build_id, directory=directory)
    assert store.active_path(directory) == first.path


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],
        lambda text: text.replace("<name>A00.9</name>", "<name>A00.0</name>"),
        lambda text: "",
    ],
    ids=["truncated", "duplicate-code", "empty"],
)
def test_a_failed_import_leaves_the_active_codebook_untouched_and_no_partial_file(
    directory: Path, small_file: Path, tmp_path: Path, damage: object
) -> None:
    good = build.release_build(
        sources=[build.SourceSpec("icd10cm", str(small_file))],
        directory=directory,
        show_progress=False,
        allow_shrink=True,
    )
    before = sorted(p.name for p in directory.iterdir())
    broken = tmp_path / "broken_2027.xml"
    broken.write_text(damage(MINIMAL), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(IngestError) as error:
        build.release_build(
            sources=[build.SourceSpec("icd10cm", str(broken))],
            directory=directory,
            show_progress=False,
            allow_shrink=True,
        )
    assert "broken_2027.xml" in error.value.message
    assert sorted(p.name for p in directory.iterdir()) == before
    assert store.active_path(directory) == good.path


def test_validation_refuses_dangling_references(directory: Path) -> None:
    from medcode.ingest.records import Concept, Release

    def orphan() -> Iterator[object]:
        import datetime as dt

        yield Release(system="hcpcs", version="t", effective_from=dt.date(2026, 1, 1), title="t")
        yield Concept(code="A0001", title="x", kind="code", parent="A0000-A0999")

    conn = build._open_target(directory.parent / "t.sqlite", None)
    from rich.progress import Progress

    build._import(conn, "hcpcs", orphan, origin="test", sha256="", progress=Progress(disable=True))  # type: ignore[arg-type]
    report = validate.codebook_validate(conn)
    assert not report.ok and "refer to codes it does not hold (e.g. A0000-A0999)" in report.errors[0]


def test_unknown_sources_and_builds_are_named(directory: Path) -> None:
    with pytest.raises(IngestError, match="Unknown source 'icd9'"):
        build.release_build(
            sources=[build.SourceSpec("icd9", "x")], directory=directory, show_progress=False, allow_shrink=True
        )
    with pytest.raises(IngestError, match="Source file not found"):
        build.release_build(
            sources=[build.SourceSpec("icd10cm", "/nonexistent.xml")],
            directory=directory,
            show_progress=False,
            allow_shrink=True,
        )
    with pytest.raises(ReleaseNotFound, match="No codebook build 'nope'"):
        build.release_activate(build_id="nope", directory=directory)
    with pytest.raises(IngestError, match="Nothing to build"):
        build.release_build(directory=directory, show_progress=False, allow_shrink=True)


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()


def test_a_source_can_be_a_url_downloaded_with_its_checksum_recorded(
    directory: Path, http_root: tuple[str, Path]
) -> None:
    base, root = http_root
    (root / "icd10cm_tabular_2027.xml").write_text(MINIMAL, encoding="utf-8")
    result = build.release_build(
        sources=[build.SourceSpec("icd10cm", f"{base}/icd10cm_tabular_2027.xml")],
        directory=directory,
        show_progress=False,
        allow_shrink=True,
    )
    with sqlite3.connect(result.path) as conn:
        origin, sha = conn.execute("SELECT origin, sha256 FROM source").fetchone()
    assert origin == f"{base}/icd10cm_tabular_2027.xml"
    assert sha == hashlib.sha256(MINIMAL.encode()).hexdigest()
    with pytest.raises(IngestError, match="HTTP 404"):
        build.release_build(
            sources=[build.SourceSpec("icd10cm", f"{base}/missing.xml")],
            directory=directory,
            show_progress=False,
            allow_shrink=True,
        )


def test_default_path_is_the_packaged_official_file() -> None:
    assert icd10cm_tabular.default_path().name == "icd10c-tabular-April-1-2026.xml"


def test_a_failed_build_leaves_no_partial_codebook_and_no_download(
    directory: Path, small_file: Path, http_root: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))  # where downloads went before issue 21
    base, root = http_root
    (root / "icd10cm_tabular_2027.xml").write_text(MINIMAL[: len(MINIMAL) // 2], encoding="utf-8")
    with pytest.raises(IngestError, match=r"icd10cm_tabular_2027\.xml"):
        build.release_build(
            sources=[build.SourceSpec("icd10cm", f"{base}/icd10cm_tabular_2027.xml")],
            directory=directory,
            show_progress=False,
            allow_shrink=True,
        )
    assert sorted(p.name for p in directory.iterdir() if p.name.startswith(".building-")) == []
    assert list(system_temp.iterdir()) == []
    (root / "icd10cm_tabular_2027.xml").write_text(MINIMAL, encoding="utf-8")
    built = build.release_build(
        sources=[build.SourceSpec("icd10cm", f"{base}/icd10cm_tabular_2027.xml")],
        directory=directory,
        show_progress=False,
        allow_shrink=True,
    )
    assert sorted(p.name for p in directory.iterdir() if not p.name.startswith(".build-lock")) == sorted(
        ["ACTIVE", built.path.name]
    )
    assert list(system_temp.iterdir()) == []
