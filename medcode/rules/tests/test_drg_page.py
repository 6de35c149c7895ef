"""The MS-DRG page (/drg/), the API and the CLI on one case, and bad input named clearly on each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from conftest import BROWSER_ARGS, CHROMIUM, SCREENSHOTS, needs_chromium
from medcode.codebook import store
from medcode.rules import classifiers, drg_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def default_only(default_codebook: Path) -> None:
    store.forget()


def test_drg_page_groups_a_case_with_weight_lengths_of_stay_and_the_cc_that_drove_it(
    default_only: None, client: Client
) -> None:
    page = client.get("/drg/?pdx=i5021&sdx=N17.9%2C+E11.9&age=70&status=1")
    body = page.content.decode()
    assert page.status_code == 200
    # FY2026 Table 5, MS-DRG 292: weight 0.8490, GMLOS 2.9, AMLOS 3.7
    assert 'MS-DRG <span class="code">292</span> Heart Failure and Shock with CC' in body
    assert "05 Diseases and Disorders of the Circulatory System" in body
    assert "0.8490" in body and "2.9 days" in body and "3.7 days" in body
    assert 'CC, from <a href="/codes/icd10cm/N17.9/">N17.9</a> (CC)' in body  # the CC that drove it, dotted
    assert 'href="/codes/icd10cm/I50.21/">I50.21</a>' in body  # typed without a dot, shown with it
    assert body.count("MS-DRG v43.1 (FY2026)") >= 2 and "v431" not in body and "grouper v4" not in body
    assert "used for the initial and final MS-DRG" in body and "BOTH" not in body
    surgical = client.get("/drg/?pdx=M16.11&proc=0SR9019").content.decode()
    assert "470</span>" in surgical and "Surgical" in surgical and "1.9289" in surgical
    assert 'href="/codes/icd10pcs/0SR9019/"' in surgical
    assert "DRG" in client.get("/").content.decode() and 'href="/drg/"' in client.get("/").content.decode()


def test_drg_page_names_each_bad_code(default_only: None, client: Client) -> None:
    page = client.get("/drg/?pdx=0SR9019&sdx=E11,ZZZ99,%3Cscript%3Ealert(1)%3C/script%3E&proc=I50.21")
    body = page.content.decode()
    assert page.status_code == 422 and 'id="drg-error"' in body
    assert "Principal diagnosis: 0SR9019 is an ICD-10-PCS code, not an ICD-10-CM code (give it as a procedure)" in body
    assert "Secondary diagnosis 1: E11 is a header, not a billable ICD-10-CM code" in body
    assert "Secondary diagnosis 2: ZZZ99 is not an ICD-10-CM code in ICD-10-CM FY2026" in body
    assert "Secondary diagnosis 3: &#x27;&lt;script&gt;alert(1)&lt;/script…&#x27; is not a code" in body
    assert "<script>alert(1)" not in body
    assert "Procedure 1: I50.21 is an ICD-10-CM code, not an ICD-10-PCS code (give it as a diagnosis)" in body
    many = client.get("/drg/?pdx=I21.4&sdx=" + ",".join(["E11.9"] * 30))
    assert (
        many.status_code == 422
        and "30 secondary diagnoses were given; a case takes at most 24" in many.content.decode()
    )
    age = client.get("/drg/?pdx=I21.4&age=old")
    assert age.status_code == 422 and "Age &#x27;old&#x27; must be a whole number from 0 to 124" in age.content.decode()
    assert client.get("/drg/").status_code == 200  # the empty form


def test_drg_api_and_cli_refuse_the_same_codes(default_only: None, client: Client) -> None:
    answer = client.post(
        "/api/v1/rules/drg", json.dumps({"pdx": "I50.21", "sdx": ["0SR9019"]}), content_type="application/json"
    )
    assert answer.status_code == 422
    assert "Secondary diagnosis 1: 0SR9019 is an ICD-10-PCS code" in answer.json()["error"]
    good = client.post(
        "/api/v1/rules/drg", json.dumps({"pdx": "I50.21", "sdx": ["N17.9"]}), content_type="application/json"
    ).json()
    assert good["drg"] == 292 and good["gmlos"] == 2.9 and good["amlos"] == 3.7 and good["weight"] == 0.849
    assert good["drivers"] == [{"code": "N17.9", "severity": "CC", "drg_impact": "BOTH"}]
    with pytest.raises(drg_case.DrgCaseInvalid) as refused:
        classifiers.drg_group(pdx="I50.21", procedures=["X" * 9])
    assert refused.value.extra["problems"] == [
        "Procedure 1: 'XXXXXXXXX' is not a code (expected an ICD-10-PCS code such as 0SR9019)"
    ]


@pytest.fixture
def page(default_only: None, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
        yield context.new_page()
        context.close()
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@needs_chromium
def test_drg_form_in_a_real_browser(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.click("nav[aria-label=Main] >> text=DRG")
    page.wait_for_url("**/drg/")
    page.fill("#pdx", "I50.21")
    page.fill("#sdx", "N17.9\nE11.9")
    page.click("#drg-submit")
    page.wait_for_selector("#drg-result")
    result = page.inner_text("#drg-result")
    assert "MS-DRG 292 Heart Failure and Shock with CC" in result
    assert "0.8490" in result and "N17.9 (CC)" in result and "MS-DRG v43.1 (FY2026)" in result
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "drg.png"), full_page=True)
    page.fill("#pdx", "0SR9019")
    page.click("#drg-submit")
    assert "0SR9019 is an ICD-10-PCS code" in page.inner_text("#drg-error")
