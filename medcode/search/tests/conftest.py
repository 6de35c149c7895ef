"""Search tests run against the default codebook built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcode.codebook import store


@pytest.fixture(autouse=True)
def _active_default(default_codebook: Path) -> None:
    store.forget()
