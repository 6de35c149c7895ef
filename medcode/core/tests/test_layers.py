"""The layers hold (docs/adr/0052): the import contracts of pyproject.toml, and codebook SQL only in the codebook."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
# who may run SQL on the codebook: the codebook itself, ingest (which writes it) and the rules' selectors of
# the rule tables (ADR 0006)
SQL_ALLOWED = ("medcode/codebook/", "medcode/ingest/", "medcode/rules/selectors.py")


def _lint_imports() -> str | None:
    beside = Path(sys.executable).parent / "lint-imports"
    return str(beside) if beside.exists() else shutil.which("lint-imports")


def test_import_contracts_hold() -> None:
    command = _lint_imports()
    if command is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    done = subprocess.run(
        [command, "--no-logo", "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_codebook_sql_runs_only_in_the_codebook() -> None:
    offenders = []
    for path in sorted((REPO / "medcode").rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        if "/tests/" in name or "/migrations/" in name or name.startswith(SQL_ALLOWED):
            continue
        text = path.read_text(encoding="utf-8")
        if "store.connection()" in text or ".execute(" in text:
            offenders.append(name)
    assert offenders == [], f"codebook SQL outside codebook.selectors: {offenders}"
