"""Assistant tests run on the default codebook; modifier tests also on one with the CMS HCPCS file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from conftest import shared_file
from medcode.codebook import store
from medcode.ingest import build


@pytest.fixture(autouse=True)
def _active_default(default_codebook: Path) -> None:
    store.forget()


@pytest.fixture(scope="session")
def hcpcs_codebook(tmp_path_factory: pytest.TempPathFactory, default_codebook: Path) -> Iterator[Path]:
    """The default codebook plus the CMS January 2026 HCPCS file (Level II codes and modifiers)."""
    path = shared_file("hcpcs-2026-jan", "HCPC2026_JAN_ANWEB_01122026.txt")
    directory = tmp_path_factory.mktemp("hcpcs-codebook")
    (directory / default_codebook.name).write_bytes(default_codebook.read_bytes())
    build.release_activate(build_id=default_codebook.stem, directory=directory)
    result = build.release_build(
        sources=[build.SourceSpec("hcpcs", str(path))], directory=directory, show_progress=False
    )
    yield result.path


@pytest.fixture
def with_hcpcs(hcpcs_codebook: Path) -> Iterator[None]:
    """Make the HCPCS codebook active for one test, then switch back to the default."""
    previous = settings.MEDCODE_CODEBOOK_DIR
    settings.MEDCODE_CODEBOOK_DIR = hcpcs_codebook.parent
    store.forget()
    yield
    settings.MEDCODE_CODEBOOK_DIR = previous
    store.forget()


@pytest.fixture(scope="session")
def rules_codebook(tmp_path_factory: pytest.TempPathFactory, default_codebook: Path) -> Iterator[Path]:
    """The default codebook plus the CY2025 PFS RVU and GPCI files and the practitioner MUE table."""
    pfs = shared_file("pfs-rvu-2025a")
    mue = shared_file("mue-practitioner-2026q2", "mue_practitioner_2026q2_dos_only.json")
    directory = tmp_path_factory.mktemp("rules-codebook")
    (directory / default_codebook.name).write_bytes(default_codebook.read_bytes())
    build.release_activate(build_id=default_codebook.stem, directory=directory)
    result = build.release_build(
        sources=[build.SourceSpec("pfs", str(pfs)), build.SourceSpec("mue", str(mue))],
        directory=directory,
        show_progress=False,
    )
    yield result.path


@pytest.fixture
def with_rules(rules_codebook: Path) -> Iterator[None]:
    """Make the codebook with PFS and MUE data active for one test."""
    previous = settings.MEDCODE_CODEBOOK_DIR
    settings.MEDCODE_CODEBOOK_DIR = rules_codebook.parent
    store.forget()
    yield
    settings.MEDCODE_CODEBOOK_DIR = previous
    store.forget()
