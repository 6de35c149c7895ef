"""Search through its interfaces: pages, REST, the NLM-compatible endpoint, the index browser, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_search_page_filters_and_highlights(client: Client) -> None:
    page = client.get("/search/", {"q": "dm2 w polyneuropathy", "billable": "1"}).content.decode()
    assert "E11.42" in page and "<mark>" in page and "data-autocomplete" in page


def test_hostile_query_pages_never_error(client: Client) -> None:
    for q in ["' OR 1=1 --", "\x00\xff", "x" * 10_000, '"NEAR(', "<script>alert(1)</script>"]:
        response = client.get("/search/", {"q": q})
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()
        assert client.get("/search/autocomplete/", {"q": q}).status_code == 200


def test_autocomplete_endpoints(client: Client) -> None:
    data = client.get("/search/autocomplete/", {"q": "hypert"}).json()
    assert 0 < len(data["results"]) <= 10
    api = client.get("/api/v1/autocomplete", {"q": "diab neur"}).json()
    assert api["results"][0]["url"].startswith("/codes/")


def test_nlm_ctss_compatible_endpoint(client: Client) -> None:
    data = client.get("/api/icd10cm/v3/search", {"terms": "tuberc", "maxList": "3", "sf": "code,name"}).json()
    assert isinstance(data[0], int) and len(data[1]) == len(data[3]) <= 3 and data[2] is None
    hcpcs = client.get("/api/hcpcs/v3/search", {"terms": "j3420", "df": "code,display"}).json()
    assert hcpcs[1][0] == "J3420"
    assert client.get("/api/icd10cm/v3/search", {"terms": "x", "maxList": "abc"}).status_code == 400


def test_rest_search_and_case2code(client: Client) -> None:
    data = client.get("/api/v1/search", {"q": "chf", "billable": "true", "limit": "5"}).json()
    assert data["results"][0]["code"].startswith("I50") and "highlight" in data["results"][0]
    response = client.post(
        "/api/v1/case2code",
        data=json.dumps({"text": "Type 2 diabetes. Denies chest pain."}),
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 200 and body["codes"][0]["code"] == "E11.9" and body["codes"][0]["evidence"]
    bad = client.post("/api/v1/case2code", data=json.dumps({"text": " "}), content_type="application/json")
    assert bad.status_code == 400 and "empty" in bad.json()["error"]


def test_case2code_page(client: Client) -> None:
    assert client.get("/case2code/").status_code == 200
    page = client.post("/case2code/", {"text": "Type 2 diabetes and hypertension."}).content.decode()
    assert "E11.9" in page and "I10" in page


def test_index_page_says_how_to_load_the_index(client: Client) -> None:
    page = client.get("/index/").content.decode()
    assert "medcode build --source icd10cm-index" in page or "Index to Diseases" in page


@pytest.fixture(scope="module")
def run(default_codebook: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "MEDCODE_CODEBOOK_DIR": str(default_codebook.parent),
        "MEDCODE_DATA_DIR": str(tmp_path_factory.mktemp("cli-search")),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }

    def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "medcode.cli.main", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
        )

    return _run


def test_cli_case2code_stdin_and_batch(run) -> None:  # type: ignore[no-untyped-def]
    one = run("case2code", "--json", stdin="Type 2 diabetes mellitus. No fever.")
    assert one.returncode == 0, one.stderr
    data = json.loads(one.stdout)
    assert data["codes"][0]["code"] == "E11.9" and set(data["codes"][0]) >= {
        "system",
        "code",
        "title",
        "score",
        "evidence",
    }
    batch = run("case2code", "--batch", stdin='{"text": "hypertension"}\n{"text": ""}\nnot json\n')
    lines = [json.loads(x) for x in batch.stdout.splitlines()]
    assert lines[0]["codes"][0]["code"] == "I10" and "error" in lines[1] and "error" in lines[2]


def test_cli_search_batch(run) -> None:  # type: ignore[no-untyped-def]
    batch = run("search", "--batch", stdin='{"query": "e114"}\n{"query": "chf", "system": "icd10cm", "limit": 3}\n')
    lines = [json.loads(x) for x in batch.stdout.splitlines()]
    assert lines[0]["results"][0]["code"] == "E11.4" and len(lines[1]["results"]) == 3


def test_autocomplete_answers_repeat_from_the_cache_of_the_active_build(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from medcode.codebook import store
    from medcode.search import autocomplete

    autocomplete._autocomplete.cache_clear()
    first = autocomplete.autocomplete(query="chronic kidney dis")
    again = autocomplete.autocomplete(query="chronic kidney dis")
    info = autocomplete._autocomplete.cache_info()
    assert again == first and (info.hits, info.misses) == (1, 1)
    assert any(r["code"].startswith("N18") for r in first["results"])
    # another active build is a new key: its answers are computed, never taken from the old build's entries
    active = store.connected_path()
    monkeypatch.setattr(store, "connected_path", lambda: Path(active.parent, "another-build.sqlite"))
    autocomplete.autocomplete(query="chronic kidney dis")
    assert autocomplete._autocomplete.cache_info().misses == 2


def test_autocomplete_code_urls_are_what_reverse_gives() -> None:
    from django.urls import reverse

    from medcode.search import autocomplete

    url = autocomplete._code_urls()
    for system, code in [("icd10cm", "E11.9"), ("icd10pcs", "0DB%20"), ("hcpcs", "A 1/2"), ("hcpcs", "x?y#z&é")]:
        assert url(system, code) == reverse("codebook:code", args=[system, code])


def test_autocomplete_answers_carry_each_code_page_url(client: Client) -> None:
    from django.urls import reverse

    results = client.get("/search/autocomplete/", {"q": "diab"}).json()["results"]
    assert results
    for r in results:
        assert r["url"] == reverse("codebook:code", args=[r["system"], r["code"]])
