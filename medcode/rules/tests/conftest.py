"""Rules tests run on the default codebook plus, when ../shared/data is present, the CMS MUE and PFS files.

The PFS folder brings the PPRRVU, GPCI, locality, OPPS cap and anesthesia CF files; the anesthesia base units
of three codes come from a small excerpt under resources/ (CMS publishes them outside the RVU zip).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from conftest import SHARED_DATA
from medcode.codebook import store

MUE_FILE = SHARED_DATA / "mue-practitioner-2026q2" / "mue_practitioner_2026q2_dos_only.json"
PFS_DIR = SHARED_DATA / "pfs-rvu-2025a"
RESOURCES = Path(__file__).parent / "resources"
RVU26B = SHARED_DATA / "pfs-rvu-2026b"


@pytest.fixture(scope="session")
def rules_codebook_dir(default_codebook: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A codebook directory of its own: the default codebook plus the shared MUE and PFS files (if present)."""
    from medcode.ingest import build

    directory = tmp_path_factory.mktemp("rules-codebooks")
    copy = directory / default_codebook.name
    shutil.copy(default_codebook, copy)
    build.release_activate(build_id=copy.stem, directory=directory)
    specs = [
        build.SourceSpec("ncci-ptp", str(RESOURCES / "ccipra-v321r0-f1.txt")),
        build.SourceSpec("anes-base", str(RESOURCES / "anesthesia-base-units-2025.csv")),
    ]
    if MUE_FILE.exists() and PFS_DIR.exists():
        specs += [build.SourceSpec("mue", str(MUE_FILE)), build.SourceSpec("pfs", str(PFS_DIR))]
    build.release_build(sources=specs, directory=directory, show_progress=False)
    return directory


@pytest.fixture
def rules_codebook(rules_codebook_dir: Path) -> Iterator[Path]:
    """Make the rules codebook active for one test, then give the default one back."""
    previous = settings.MEDCODE_CODEBOOK_DIR
    settings.MEDCODE_CODEBOOK_DIR = rules_codebook_dir
    store.forget()
    yield rules_codebook_dir
    settings.MEDCODE_CODEBOOK_DIR = previous
    store.forget()


@pytest.fixture
def shared_rules(rules_codebook: Path) -> Path:
    """The rules codebook, or a skip when the shared MUE and PFS files are absent."""
    if not (MUE_FILE.exists() and PFS_DIR.exists()):
        pytest.skip(f"official files under {SHARED_DATA} are not present (MUE and PFS tests need them)")
    return rules_codebook


@pytest.fixture(scope="session")
def cy2026_dir(default_codebook: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default codebook plus the CY2026 PPRRVU (fixed-width, RVU26B) and GPCI files, or a skip without them."""
    if not RVU26B.exists():
        pytest.skip(f"official files under {RVU26B} are not present (the CY2026 fee tests need them)")
    from medcode.ingest import build

    directory = tmp_path_factory.mktemp("cy2026-codebooks")
    shutil.copy(default_codebook, directory / default_codebook.name)
    build.release_activate(build_id=default_codebook.stem, directory=directory)
    specs = [
        build.SourceSpec("pfs", str(RVU26B / "PPRRVU2026_Apr_nonQPP.txt")),
        build.SourceSpec("gpci", str(RVU26B / "GPCI2026.csv")),
    ]
    build.release_build(sources=specs, directory=directory, show_progress=False)
    return directory


@pytest.fixture
def cy2026(cy2026_dir: Path) -> Iterator[Path]:
    """Make the CY2026 fee schedule codebook active for one test."""
    previous = settings.MEDCODE_CODEBOOK_DIR
    settings.MEDCODE_CODEBOOK_DIR = cy2026_dir
    store.forget()
    yield cy2026_dir
    settings.MEDCODE_CODEBOOK_DIR = previous
    store.forget()
