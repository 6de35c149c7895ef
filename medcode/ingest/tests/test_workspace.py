"""Killed builds leave nothing behind for long: the next build removes what a dead build left (issue 21)."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from medcode.codebook import store
from medcode.ingest import build, workspace
from medcode.ingest.sources import icd10cm_tabular
from medcode.ingest.tests.test_build import MINIMAL


def _building(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".building-"))


def test_the_next_build_removes_what_killed_builds_left_and_keeps_a_running_build(tmp_path: Path) -> None:
    directory = tmp_path / "codebooks"
    directory.mkdir()
    # what `kill -9` leaves: the partial codebook, its journal and the download folder of process 4194301 ...
    dead = ".building-20261207T101500000000Z-4194301"
    (directory / f"{dead}.sqlite").write_bytes(b"SQLite format 3\x00" + bytes(1 << 20))
    (directory / f"{dead}.sqlite-journal").write_bytes(bytes(4096))
    (directory / f"{dead}.downloads").mkdir()
    (directory / f"{dead}.downloads" / "icd10cm_tabular_2027.xml").write_text(MINIMAL[:100])
    # ... and a partial codebook named as builds named them before issue 21 (mkstemp's random suffix)
    (directory / ".building-20261101T090000000000Z-k2j3h4ab.sqlite").write_bytes(bytes(1 << 20))
    # a build that is still running holds the lock on its file
    running = directory / f".building-20261207T101600000000Z-{os.getpid()}.sqlite"
    handle = os.open(running, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        source = tmp_path / "icd10cm_tabular_2027.xml"
        source.write_text(MINIMAL, encoding="utf-8")
        result = build.release_build(
            sources=[build.SourceSpec("icd10cm", str(source))],
            directory=directory,
            show_progress=False,
            allow_shrink=True,
        )
        assert _building(directory) == [running.name]
        assert store.build_list(directory) == [result.build_id]
    finally:
        os.close(handle)
    assert [p.name for p in workspace.workspace_sweep(directory=directory)] == [running.name]
    assert _building(directory) == []


def _start_build(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """`medcode build` of the whole tabular XML in a child process, once its partial codebook has data."""
    directory = tmp_path / "codebooks"
    tabular = icd10cm_tabular.default_path()
    env = {**os.environ, "MEDCODE_CODEBOOK_DIR": str(directory), "MEDCODE_DATA_DIR": str(tmp_path)}
    child = subprocess.Popen(
        [sys.executable, "-m", "medcode.cli.main", "build", "--fresh", "--source", "icd10cm", str(tabular)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        partial = list(directory.glob(".building-*.sqlite")) if directory.exists() else []
        if partial and partial[0].stat().st_size > 1 << 20:
            return child, directory
        assert child.poll() is None, "the build ended before it could be interrupted"
        time.sleep(0.05)
    child.kill()
    pytest.fail("the build wrote no partial codebook within two minutes")


def test_a_killed_build_leaves_its_partial_codebook_only_until_the_next_build(tmp_path: Path) -> None:
    child, directory = _start_build(tmp_path)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    left = _building(directory)
    assert left and left[0].endswith(f"-{child.pid}.sqlite")
    removed = workspace.workspace_sweep(directory=directory)  # what every build does first
    assert sorted(p.name for p in removed) == left
    assert _building(directory) == []


def test_a_terminated_build_removes_its_partial_codebook_itself(tmp_path: Path) -> None:
    child, directory = _start_build(tmp_path)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 128 + signal.SIGTERM
    assert _building(directory) == []
    assert store.build_list(directory) == []
