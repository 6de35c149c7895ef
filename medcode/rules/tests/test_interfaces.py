"""The rules through every interface: `medcode check`/`fee`/`drg`/`dx`, the REST API and the pages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from conftest import SHARED_DATA

pytestmark = pytest.mark.django_db

CLAIM = {
    "date_of_service": "2026-01-15",
    "place_of_service": "22",
    "setting": "hospital",
    "lines": [{"code": "27447"}, {"code": "20610"}],
}


def _run(directory: Path, tmp: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MEDCODE_CODEBOOK_DIR": str(directory),
        "MEDCODE_DATA_DIR": str(tmp),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    return subprocess.run(
        [sys.executable, "-m", "medcode.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_check_json_csv_batch_and_errors(rules_codebook_dir: Path, tmp_path: Path) -> None:
    result = _run(rules_codebook_dir, tmp_path, "check", "--json", stdin=json.dumps(CLAIM))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["findings"][0]["rule"] == "ncci_ptp" and data["findings"][0]["severity"] == "error"
    human = _run(rules_codebook_dir, tmp_path, "check", stdin=json.dumps(CLAIM))
    assert (
        "NCCI procedure-to-procedure edit (ncci_ptp)" in human.stdout and "20610 is bundled into 27447" in human.stdout
    )
    first = human.stdout.splitlines()[0]
    assert "(Outpatient hospital): 1 error, 0 warnings" in first, first
    batch = _run(
        rules_codebook_dir, tmp_path, "check", "--batch", stdin=json.dumps(CLAIM) + "\nnot json\n" + '{"lines": []}\n'
    )
    rows = [json.loads(line) for line in batch.stdout.splitlines()]
    assert "findings" in rows[0] and "not valid JSON" in rows[1]["error"] and "no lines" in rows[2]["error"]
    csv_text = (
        "claim_id,date_of_service,code,units\n1,2026-01-15,27447,1\n1,2026-01-15,20610,1\n2,2026-01-15,99213,-4\n"
    )
    csv_result = _run(rules_codebook_dir, tmp_path, "check", stdin=csv_text)
    claims = [json.loads(line) for line in csv_result.stdout.splitlines()]
    assert [c["claim_id"] for c in claims] == ["1", "2"] and "units '-4'" in claims[1]["error"]
    bad = _run(rules_codebook_dir, tmp_path, "check", "--json", stdin='{"lines": [{"code": "99213", "units": 0}]')
    assert bad.returncode == 2 and "not a JSON claim" in json.loads(bad.stderr)["error"]
    empty = _run(rules_codebook_dir, tmp_path, "check", stdin="")
    assert empty.returncode == 2 and "stdin was empty" in empty.stderr


def test_cli_drg_and_dx(rules_codebook_dir: Path, tmp_path: Path) -> None:
    drg = json.loads(_run(rules_codebook_dir, tmp_path, "drg", "I50.20", "--sdx", "N17.9", "--json").stdout)
    assert drg["drg"] == 292 and drg["severity"] == "CC"
    dx = json.loads(_run(rules_codebook_dir, tmp_path, "dx", "E11.22", "--json").stdout)
    assert dx["hcc"]["models"]["V24"][0]["hcc"] == "18" and dx["hcc"]["models"]["V28"][0]["hcc"] == "37"
    assert dx["gems"]["targets"][0]["code"] == "25040" and dx["ccsr"]["ccsr_category"] == "END003"


def test_cli_fee(shared_rules: Path, tmp_path: Path) -> None:
    result = _run(
        shared_rules, tmp_path, "fee", "99213", "--locality", "CA-05", "--pos", "11", "--date", "2025-03-01", "--json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["amount"] == 109.15
    anesthesia = _run(
        shared_rules,
        tmp_path,
        "fee",
        "00840",
        "--modifier",
        "QK",
        "--minutes",
        "62",
        "--locality",
        "10112-00",
        "--date",
        "2025-06-02",
    )
    assert anesthesia.returncode == 0, anesthesia.stderr
    assert "10.1 units" in anesthesia.stdout and "expected allowed: $97.52" in anesthesia.stdout
    bad = _run(shared_rules, tmp_path, "fee", "99213", "--provider", "robot", "--json")
    assert bad.returncode != 0 and "provider_type 'robot' must be one of" in json.loads(bad.stderr)["error"]
    assert "Traceback" not in bad.stderr


def test_api_check_fee_drg_and_schema(rules_codebook: Path, client: Client) -> None:
    response = client.post("/api/v1/rules/check", json.dumps(CLAIM), content_type="application/json")
    assert response.status_code == 200 and response.json()["findings"][0]["rule"] == "ncci_ptp"
    bad = client.post(
        "/api/v1/rules/check",
        json.dumps({**CLAIM, "date_of_service": "2026-13-01"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "not a real date" in bad.json()["error"]
    drg = client.post(
        "/api/v1/rules/drg", json.dumps({"pdx": "I50.20", "sdx": ["N17.9"]}), content_type="application/json"
    )
    assert drg.json()["drg"] == 292
    bad_status = json.dumps({"pdx": "I50.20", "discharge_status": 20710465898})
    bad_status_answer = client.post("/api/v1/rules/drg", bad_status, content_type="application/json")
    assert bad_status_answer.status_code == 400 and "discharge status" in bad_status_answer.json()["error"]
    assert client.get("/api/v1/rules/dx/E11.22").json()["hcc"]["models"]["V28"][0]["hcc"] == "37"
    assert client.get("/api/v1/rules/gems/25040?direction=9to10").json()["targets"]
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/rules/check", "/api/v1/rules/fee", "/api/v1/rules/drg"} <= set(paths)


def test_api_fee(shared_rules: Path, client: Client) -> None:
    response = client.get(
        "/api/v1/rules/fee?code=27447&locality=01112-05&place_of_service=22&modifiers=62&date=2025-06-01"
    )
    assert response.json()["amount"] == 905.84
    npp = client.get("/api/v1/rules/fee?code=99213&place_of_service=11&provider_type=npp&date=2025-06-02").json()
    assert npp["amount"] == round(round(2.75 * 32.3465 + 1e-9, 2) * 0.85 + 1e-9, 2)
    anesthesia = client.get("/api/v1/rules/fee?code=00840&modifiers=AA&minutes=45&locality=10112-00&date=2025-06-02")
    assert anesthesia.json()["amount"] == round(9 * 19.31, 2)
    bad = client.get("/api/v1/rules/fee?code=00840&minutes=-4&date=2025-06-02")
    assert bad.status_code == 422 and "minutes '-4'" in bad.json()["error"]
    checked = client.post(
        "/api/v1/rules/check",
        {
            "date_of_service": "2025-06-02",
            "place_of_service": "11",
            "lines": [{"code": "71250"}, {"code": "70553"}],
        },
        content_type="application/json",
    ).json()
    assert "TC reduced 50%" in checked["lines"][0]["fee"]["steps"][-1]["step"]
    page = client.get("/rules/fees/?code=00840&modifiers=QK&minutes=62&locality=10112-00&date=2025-06-02")
    assert page.status_code == 200 and "$97.52" in page.content.decode()
    form = client.post(
        "/rules/check/",
        {"date_of_service": "2025-06-02", "locality": "10112-00", "code1": "00840", "mod1": "QK", "min1": "62"},
    )
    assert form.status_code == 200 and "$97.52" in form.content.decode()


def test_code_page_billing_facts_link_pairs_to_the_checker(rules_codebook: Path, client: Client) -> None:
    page = client.get("/codes/cpt/27447/?date=2026-04-15").content.decode()
    assert "Billing facts" in page and "NCCI procedure-to-procedure edits" in page
    assert "/rules/check/?codes=27447,20610&amp;date=2026-04-15" in page
    dx_page = client.get("/codes/icd10cm/E11.22/").content.decode()
    assert "CMS-HCC" in dx_page and "HCC 37" in dx_page and "25040" in dx_page


def test_checker_page_prefilled_and_hostile_input(rules_codebook: Path, client: Client) -> None:
    page = client.get("/rules/check/?codes=27447,20610&date=2026-01-15").content.decode()
    assert 'value="27447"' in page and 'value="20610"' in page
    result = client.post(
        "/rules/check/", {"date_of_service": "2026-01-15", "setting": "hospital", "code1": "27447", "code2": "20610"}
    )
    assert result.status_code == 200 and "bundled into 27447" in result.content.decode()
    hostile = client.post(
        "/rules/check/", {"json": '{"lines": [{"code": "<script>alert(1)</script>"}], "date_of_service": "2026-01-15"}'}
    )
    body = hostile.content.decode()
    assert "<script>alert(1)" not in body and "&lt;SCRIPT&gt;" in body
    broken = client.post("/rules/check/", {"json": "{not json"})
    assert broken.status_code == 422 and "The JSON is not valid" in broken.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "claims.csv", b"claim_id,date_of_service,code\nA,2026-01-15,27447\nA,2026-01-15,20610\n"
    )
    uploaded = client.post("/rules/check/", {"file": upload, "setting": "hospital"})
    assert uploaded.status_code == 200 and "Claim A" in uploaded.content.decode()
    huge = SimpleUploadedFile("big.csv", b"x" * (10 * 1024 * 1024 + 10))
    too_big = client.post("/rules/check/", {"file": huge})
    assert too_big.status_code == 422 and "limit here is" in too_big.content.decode()
    assert client.get("/rules/modifiers/").status_code == 200
    assert "NCCI bypass" in client.get("/rules/modifiers/").content.decode()


def test_modifiers_link_goes_to_the_reference_with_the_official_list_when_imported(
    default_codebook: Path, client: Client, tmp_path: Path
) -> None:
    from django.conf import settings

    from medcode.codebook import store
    from medcode.ingest import build

    home = client.get("/").content.decode()
    assert 'href="/rules/modifiers/">Modifiers<' in home
    page = client.get("/rules/modifiers/")
    assert page.status_code == 200 and "medcode build --source hcpcs" in page.content.decode()
    hcpcs = SHARED_DATA / "hcpcs-2026-jan" / "HCPC2026_JAN_ANWEB_01122026.txt"
    if not hcpcs.exists():
        pytest.skip(f"official file {hcpcs} is not present (the official modifier list needs it)")
    directory = tmp_path / "codebooks"
    directory.mkdir()
    shutil.copy(default_codebook, directory / default_codebook.name)
    build.release_activate(build_id=default_codebook.stem, directory=directory)
    build.release_build(sources=[build.SourceSpec("hcpcs", str(hcpcs))], directory=directory, show_progress=False)
    previous = settings.MEDCODE_CODEBOOK_DIR
    settings.MEDCODE_CODEBOOK_DIR = directory
    store.forget()
    try:
        body = client.get("/rules/modifiers/").content.decode()
    finally:
        settings.MEDCODE_CODEBOOK_DIR = previous
        store.forget()
    assert 'href="/codes/modifier/RT/"' in body and "Right side" in body
    assert "medcode build --source hcpcs" not in body
