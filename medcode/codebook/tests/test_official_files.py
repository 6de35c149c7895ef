"""A codebook built from the full official files in ../shared/data: index paths, tables, HCPCS, modifiers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from conftest import SHARED_DATA
from medcode.codebook import lookup, store
from medcode.ingest import build

pytestmark = [pytest.mark.shared_data, pytest.mark.django_db]

FILES = {
    "hcpcs": "hcpcs-2026-jan/HCPC2026_JAN_ANWEB_01122026.txt",
    "icd10cm-index": "icd10cm-index-2025/ICD10CM_2025_Index.csv",
    "icd10cm-drugs": "icd10cm-index-2025/icd-10-cm-drug-2025.xml",
    "icd10cm-neoplasms": "icd10cm-index-2025/icd-10-cm-neoplasm-2025.xml",
    "icd10cm-eindex": "icd10cm-index-2025/icd-10-cm-eindex-2025.xml",
    "pos": "pos/place_of_service_codes.csv",
}


@pytest.fixture(scope="module")
def full_codebook(tmp_path_factory: pytest.TempPathFactory, default_codebook: Path) -> Iterator[build.BuildResult]:
    missing = [name for name in FILES.values() if not (SHARED_DATA / name).exists()]
    if missing:
        pytest.skip(f"official files not present under {SHARED_DATA}: {', '.join(missing)}")
    directory = tmp_path_factory.mktemp("full-codebook")
    previous = settings.MEDCODE_CODEBOOK_DIR
    # start from the default build, as an operator's `medcode build --source ...` would
    (directory / default_codebook.name).write_bytes(default_codebook.read_bytes())
    build.release_activate(build_id=default_codebook.stem, directory=directory)
    result = build.release_build(
        sources=[build.SourceSpec(name, str(SHARED_DATA / path)) for name, path in FILES.items()],
        directory=directory,
        show_progress=False,
    )
    settings.MEDCODE_CODEBOOK_DIR = directory
    store.forget()
    yield result
    settings.MEDCODE_CODEBOOK_DIR = previous
    store.forget()


@pytest.fixture
def client(full_codebook: build.BuildResult) -> Client:
    store.forget()
    return Client()


def test_every_source_is_recorded_and_the_default_releases_are_kept(full_codebook: build.BuildResult) -> None:
    assert full_codebook.report.ok
    counts = full_codebook.report.counts
    index_terms = {key: n["index_term"] for key, n in counts.items() if key.startswith("icd10cm 2025 (index")}
    assert len(index_terms) == 4  # Alphabetic Index, External Cause Index, Drugs, Neoplasms side by side
    assert sum(index_terms.values()) == 81_024 + 8_064 + 7_428 + 1_939
    assert "icd10cm 2026-04 (codes)" in counts and "icd10pcs 2025 (codes)" in counts
    assert counts["modifier 2026-01 (codes)"]["concept"] > 300


def test_code_page_shows_the_alphabetic_index_path(client: Client) -> None:
    html = client.get("/codes/icd10cm/E11.42/").content.decode()
    assert "Diabetes, diabetic" in html and "polyneuropathy" in html and "Index entries that lead here" in html
    assert "Alphabetic Index 2025" in html and "main index" not in html


def test_drug_table_row_leads_to_its_poisoning_code(client: Client) -> None:
    result = lookup.code_lookup(code="T39.1X1", system="icd10cm")
    roles = {(tuple(p["path"]), p["role"]) for p in result["index"]}
    assert (("Acetaminophen",), "poisoning_accidental") in roles


def test_cms_hcpcs_file_takes_precedence_over_the_short_descriptor_default(client: Client) -> None:
    result = lookup.code_lookup(code="J2680", system="hcpcs")
    assert result["release"]["version"] == "2026-01"
    assert result["title"].lower().startswith("injection, fluphenazine decanoate")
    assert result["concept"]["attrs"].get("betos")
    html = client.get("/codes/hcpcs/J2680/").content.decode()
    assert "BETOS (type of service category)" in html and "Short descriptor" in html


def test_modifier_pages_exist_once_the_cms_file_is_imported(client: Client) -> None:
    html = client.get("/codes/modifier/LT/").content.decode()
    assert "Left side" in html
    assert client.get("/codes/modifier/").status_code == 200


def test_official_pos_file_replaces_nothing_it_does_not_hold(client: Client) -> None:
    html = client.get("/codes/pos/11/").content.decode()
    assert "Office" in html


def test_terminated_hcpcs_code_says_so_and_links_its_replacement(client: Client) -> None:
    html = client.get("/codes/hcpcs/A4466/").content.decode()
    assert "Terminated code" in html and "2016-12-31" in html
    assert 'href="/codes/hcpcs/A4467/">A4467</a>' in html
    assert "Not billable" in html


def test_coded_hcpcs_fields_carry_their_cms_meaning(client: Client) -> None:
    html = client.get("/codes/hcpcs/J2680/").content.decode()
    assert "Pricing indicator" in html and "51: Drugs" in html


def test_hcpcs_page_shows_the_long_descriptor_and_every_cms_field_with_its_meaning(client: Client) -> None:
    html = client.get("/codes/hcpcs/J2680/?date=2026-02-01").content.decode()
    assert "Injection, fluphenazine decanoate, up to 25 mg" in html  # the long descriptor, not the short one
    assert "Short descriptor: Fluphenazine decanoate 25 mg" in html
    assert "hcpcs-file-hint" not in html  # the file is imported: no hint to import it
    fields = html[html.index('id="fields-h"') :]
    for label, value, meaning in (
        ("Pricing indicator", "51", "51: Drugs"),
        ("Multiple pricing indicator", "A", "A: Not applicable as HCPCS priced under one methodology"),
        ("Medicare coverage", "D", "D: Special coverage instructions apply"),
        ("BETOS (type of service category)", "O1E", "O1E: Other drugs"),
        ("CMS type of service", "1,P", "1: Medical care"),
        ("Action in this release", "N", "N: No maintenance for this code"),
    ):
        assert f">{label}<" in fields and f'<span class="mono">{value}</span>' in fields and meaning in fields
    # what each field is, from the record layout
    assert "Code used to identify the appropriate methodology for developing unique pricing amounts" in fields
    assert "A code denoting Medicare coverage status." in fields
    assert "The carrier assigned CMS type of service" in fields
    assert "Medicare coverage (HCPCS coverage code D): Special coverage instructions apply" in html


def test_the_default_hcpcs_page_says_which_file_adds_the_long_descriptor(default_codebook: Path) -> None:
    previous = settings.MEDCODE_CODEBOOK_DIR
    settings.MEDCODE_CODEBOOK_DIR = default_codebook.parent
    store.forget()
    try:
        html = Client().get("/codes/hcpcs/J2680/").content.decode()
    finally:
        settings.MEDCODE_CODEBOOK_DIR = previous
        store.forget()
    assert "hcpcs-file-hint" in html and "CMS Alpha-Numeric HCPCS file" in html and "medcode update" in html
