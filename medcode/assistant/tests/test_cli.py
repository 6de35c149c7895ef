"""`medcode ask` as scripts use it: one JSON document, or one answer per JSON line with --batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def run(default_codebook: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "MEDCODE_CODEBOOK_DIR": str(default_codebook.parent),
        "MEDCODE_DATA_DIR": str(tmp_path_factory.mktemp("cli-data")),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "MEDCODE_LLM_BASE_URL": "",
    }

    def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "medcode.cli.main", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    return _run


def test_ask_json(run) -> None:  # type: ignore[no-untyped-def]
    result = run("ask", "Is ICD-10-CM code R51 billable?", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] == "no" and data["codes"][0] == {"system": "icd10cm", "code": "R51"}
    assert data["answer"].startswith("No: R51") and data["citations"][0]["release"] == "2026-04"


def test_ask_human(run) -> None:  # type: ignore[no-untyped-def]
    result = run("ask", "what", "does", "c600", "mean")
    assert result.returncode == 0 and result.stdout.startswith("C60.0 (ICD-10-CM) means: Malignant neoplasm of prepuce")
    assert "[1] ICD-10-CM 2026-04" in result.stdout


def test_ask_batch_keeps_order_and_reports_bad_lines(run) -> None:  # type: ignore[no-untyped-def]
    lines = [
        json.dumps({"question": "Is E11.9 billable?"}),
        "not json",
        json.dumps({"question": ""}),
        json.dumps({"nothing": 1}),
        json.dumps({"question": "Can E11.9 and E10.9 be coded together?"}),
    ]
    result = run("ask", "--batch", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5
    assert out[0]["verdict"] == "yes" and out[4]["verdict"] == "no"
    assert "not valid JSON" in out[1]["error"] and "empty" in out[2]["error"] and "question" in out[3]["error"]


def test_ask_without_a_question_is_an_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("ask", "--json")
    assert result.returncode == 2 and "QUESTION" in json.loads(result.stderr)["error"]
