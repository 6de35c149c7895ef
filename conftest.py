"""Suite-wide fixtures: where ../shared is, and one default codebook built per test session."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"

# Every test session gets its own data directory unless the caller chose one.
os.environ.setdefault("MEDCODE_DATA_DIR", tempfile.mkdtemp(prefix="medcode-test-"))


def shared_file(*parts: str) -> Path:
    """A file under ../shared/data, or a skip naming what is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"official file {path} is not present (../shared/data holds it on developer and CI machines)")
    return path


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A redis-server of the test's own on a free loopback port, its URL; skips when Debian's package is absent."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)]
    proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def default_codebook(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None) -> Path:
    """The embedded default codebook, built once per session into its own directory and made active."""
    from django.conf import settings

    from medcode.ingest import build

    directory = tmp_path_factory.mktemp("codebooks")
    settings.MEDCODE_CODEBOOK_DIR = directory
    result = build.release_build(default=True, directory=directory, show_progress=False)
    return result.path


# --- real-browser tests: Debian's Chromium driven by Playwright -------------------------------------
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ["MEDCODE_DATA_DIR"]) / "screenshots"
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop in this thread


@pytest.fixture(scope="session")
def guidance_codebook(tmp_path_factory: pytest.TempPathFactory, default_codebook: Path) -> Path:
    """The default codebook plus the FY2026 ICD-10-CM Official Guidelines PDF and the 2026 NCCI Policy Manual."""
    from medcode.ingest import build

    pdf = shared_file("icd10cm-guidelines-fy2026", "fy-2026-icd-10-cm-coding-guidelines.pdf")
    manual = shared_file("ncci-policy-manual-2026", "ncci_policy_manual.txt")
    directory = tmp_path_factory.mktemp("guidance-codebook")
    (directory / default_codebook.name).write_bytes(default_codebook.read_bytes())
    build.release_activate(build_id=default_codebook.stem, directory=directory)
    result = build.release_build(
        sources=[build.SourceSpec("icd10cm-guidelines", str(pdf)), build.SourceSpec("ncci-manual", str(manual))],
        directory=directory,
        show_progress=False,
    )
    return result.path


@pytest.fixture
def with_guidance(guidance_codebook: Path) -> Iterator[None]:
    """Make the codebook with the guidance documents active for one test, then switch back to the default."""
    from django.conf import settings

    from medcode.codebook import store

    previous = settings.MEDCODE_CODEBOOK_DIR
    settings.MEDCODE_CODEBOOK_DIR = guidance_codebook.parent
    store.forget()
    yield
    settings.MEDCODE_CODEBOOK_DIR = previous
    store.forget()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield launched
        launched.close()


# --- the second pass on PostgreSQL (scripts/test.sh) --------------------------------------------------
# Tests that never open the operational database behave the same whatever DATABASE_URL says, so the
# PostgreSQL pass runs only the tests that use it (directly, through a live server, or via the marker).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


def uses_database(item: pytest.Item) -> bool:
    """Whether a collected test opens the operational database."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(DATABASE_FIXTURES & fixtures) or item.get_closest_marker("django_db") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("MEDCODE_TEST_DATABASE_ONLY") != "1":
        return
    kept = [item for item in items if uses_database(item)]
    skipped = [item for item in items if not uses_database(item)]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = kept
