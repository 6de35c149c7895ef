"""The `medcode` command as scripts use it: JSON output, batches, exit codes, errors on stderr."""

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


def test_lookup_json(run) -> None:  # type: ignore[no-untyped-def]
    result = run("lookup", "e11.42", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["code"] == "E11.42" and data["system"] == "icd10cm" and data["concept"]["billable"] is True
    assert data["explanation"]["generated"] is True


def test_lookup_by_date_and_unknown_code(run) -> None:  # type: ignore[no-untyped-def]
    result = run("lookup", "E11.42", "--date", "2025-01-15", "--json")
    assert json.loads(result.stdout)["release"]["version"] == "2025"
    result = run("lookup", "S72.001Z", "--system", "icd10cm")
    assert result.returncode != 0 and result.stdout == ""
    assert "S72.001Z is not an ICD-10-CM code" in result.stderr and "Traceback" not in result.stderr


def test_lookup_batch_keeps_order_and_reports_each_error(run) -> None:  # type: ignore[no-untyped-def]
    lines = [{"code": "E11.9"}, {"code": "ZZZ"}, "not json", {"code": "J2680", "system": "hcpcs"}]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    result = run("lookup", "--batch", stdin=stdin)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0 and len(out) == 4
    assert out[0]["code"] == "E11.9" and "error" in out[1] and "not valid JSON" in out[2]["error"]
    assert out[3]["code"] == "J2680"


def test_search_json_shape(run) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(run("search", "S72.0", "--json", "--limit", "5").stdout)
    assert data["query"] == "S72.0" and len(data["results"]) == 5
    assert {"system", "code", "title"} <= set(data["results"][0])


def test_releases_and_changes(run) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(run("releases", "--json").stdout)
    assert data["active_build"] and {r["system"] for r in data["releases"]} >= {"icd10cm", "icd10pcs", "hcpcs", "pos"}
    changes = json.loads(run("changes", "icd10cm", "--json").stdout)
    assert changes["old"] == "2025" and changes["added"]


def test_export_jsonl_and_fhir(run) -> None:  # type: ignore[no-untyped-def]
    result = run("export", "pos", "--format", "jsonl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert any(r["code"] == "11" and r["title"] == "Office" for r in rows)
    fhir = json.loads(run("export", "icd10cm", "--format", "fhir").stdout)
    assert fhir["resourceType"] == "CodeSystem" and fhir["url"] == "http://hl7.org/fhir/sid/icd-10-cm"
    assert fhir["count"] == len(fhir["concept"]) > 90_000
    e1142 = next(c for c in fhir["concept"] if c["code"] == "E11.42")
    assert {"code": "parent", "valueCode": "E11.4"} in e1142["property"]


def test_export_jsonl_icd10cm_has_notes(run) -> None:  # type: ignore[no-untyped-def]
    result = run("export", "icd10cm", "--format", "jsonl")
    e11 = next(json.loads(line) for line in result.stdout.splitlines() if '"code": "E11"' in line)
    assert e11["notes"]["excludes1"] and e11["parent"] == "E08-E13" and e11["billable"] is False


def test_errors_go_to_stderr_with_nonzero_exit(run) -> None:  # type: ignore[no-untyped-def]
    result = run("export", "icd9", "--json")
    assert result.returncode == 2 and json.loads(result.stderr)["error"].startswith("Unknown code system")
    result = run("build", "--source", "hcpcs", "/nonexistent/file.txt")
    assert result.returncode == 2 and "Source file not found" in result.stderr
