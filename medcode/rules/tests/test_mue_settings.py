"""The claim checker reads the MUE table of the claim's setting: practitioner, outpatient hospital or DME supplier.

Values from the CMS Q2 2026 tables (../shared/data/mue-2026q2): A4224 is 0 for practitioners and 13 (MAI 2) for
DME suppliers; 0474T is 2 (MAI 2) for practitioners and 0 for outpatient hospitals.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import SHARED_DATA
from medcode.codebook import store
from medcode.core.errors import ApplicationError
from medcode.rules import services

pytestmark = pytest.mark.django_db
MUE = SHARED_DATA / "mue-2026q2"
TABLES = ("Practitioner", "OutpatientHospital", "DMESupplier")


@pytest.fixture(scope="module")
def three_tables_dir(default_codebook: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not MUE.exists():
        pytest.skip(f"official files under {MUE} are not present (the MUE setting tests need them)")
    from medcode.ingest import build

    directory = tmp_path_factory.mktemp("mue-settings")
    shutil.copy(default_codebook, directory / default_codebook.name)
    build.release_activate(build_id=default_codebook.stem, directory=directory)
    specs = [build.SourceSpec("mue", str(MUE / f"MCR_MUE_{t}Services_Eff_04-01-2026.csv")) for t in TABLES]
    build.release_build(sources=specs, directory=directory, show_progress=False)
    return directory


@pytest.fixture
def three_tables(three_tables_dir: Path) -> Iterator[Path]:
    previous = settings.MEDCODE_CODEBOOK_DIR
    settings.MEDCODE_CODEBOOK_DIR = three_tables_dir
    store.forget()
    yield three_tables_dir
    settings.MEDCODE_CODEBOOK_DIR = previous
    store.forget()


def mue_findings(setting: str, code: str, units: int) -> list[dict[str, Any]]:
    claim = {"date_of_service": "2026-05-04", "setting": setting, "lines": [{"code": code, "units": units}]}
    return [f for f in services.claim_check_json(claim)["findings"] if f["rule"] == "mue"]


def test_each_setting_reads_its_own_table(three_tables: Path) -> None:
    (dme,) = mue_findings("dme", "A4224", 14)
    assert "more than the MUE of 13" in dme["message"] and "MAI 2" in dme["message"]
    assert "MUE, dme" in dme["release"] and "DMESupplier" in dme["release"]
    assert mue_findings("dme", "A4224", 13) == []
    (practitioner,) = mue_findings("practitioner", "A4224", 1)
    assert "MUE of 0" in practitioner["message"] and "Practitioner" in practitioner["release"]
    (over,) = mue_findings("practitioner", "0474T", 3)
    assert "more than the MUE of 2" in over["message"] and "MAI 2" in over["message"]
    (hospital,) = mue_findings("hospital", "0474T", 1)
    assert "MUE of 0" in hospital["message"] and "OutpatientHospital" in hospital["release"]


def test_a_dme_claim_says_ptp_edits_do_not_apply(three_tables: Path) -> None:
    claim = {"date_of_service": "2026-05-04", "setting": "dme", "lines": [{"code": "A4224"}, {"code": "E0601"}]}
    result = services.claim_check_json(claim)
    assert any(f["message"] == services.MSG_DME_NO_PTP for f in result["findings"])
    with pytest.raises(ApplicationError, match="must be one of: practitioner, hospital"):
        services.claim_check_json({**claim, "setting": "supplier"})
