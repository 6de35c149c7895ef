"""Suite-wide fixtures: where ../shared is, and one default codebook built per test session."""

from __future__ import annotations

import os
import shutil
import tempfile
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield launched
        launched.close()
