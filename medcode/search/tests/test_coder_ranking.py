"""Search ranked as a coder reads it (issue 19), on the real default codebook: shorthand per code system, spelling
fallback, look-alikes behind, the documented specificity within a category, the "with" convention, 7th characters
grouped, Level II drugs with their units."""

from __future__ import annotations

from django.test import Client

from medcode.search import lexicon, qualifiers, rerank, services, synonyms, text


def codes_of(query: str, **kw: object) -> list[str]:
    return [r["code"] for r in services.search(query=query, **kw)["results"]]  # type: ignore[arg-type]


def test_shorthand_is_read_as_the_code_system_searched_reads_it() -> None:
    assert synonyms.system_table("hcpcs")[("als",)].groups[0] == ("advanced",)
    assert synonyms.system_table("icd10cm")[("als",)].groups[0] == ("amyotrophic",)
    assert codes_of("als", system="icd10cm", limit=1) == ["G12.21"]
    found = services.search(query="als emergency", system="hcpcs", limit=3)["results"]
    assert found and found[0]["code"] == "A0427", [r["code"] for r in found]


def test_every_row_added_since_issue_19_says_why() -> None:
    rows = [r for r in synonyms.all_rows() if r.reason]
    assert len(rows) >= 20
    for row in synonyms.all_rows():
        if row.term in {("pn",), ("exac",), ("gest",), ("ots",), ("both",)}:
            assert row.reason, row.term


def test_coder_shorthand_finds_the_code() -> None:
    assert codes_of("abd pn", system="icd10cm", limit=3)[0].startswith("R10")
    assert codes_of("hx mi", system="icd10cm", limit=1) == ["I25.2"]
    assert codes_of("copd exac", system="icd10cm", limit=1) == ["J44.1"]
    assert "D51.9" in codes_of("b12 def anemia", system="icd10cm", limit=3)


def test_a_vowel_written_for_a_vowel_is_the_likelier_correction() -> None:
    lex = services.codebook_lexicon()
    assert lexicon.vowel_slip("osteoperosis", "osteoporosis") and not lexicon.vowel_slip(
        "osteoperosis", "osteopetrosis"
    )
    assert [w for w, _ in lex.correct("osteoperosis")] == ["osteoporosis"]
    assert codes_of("osteoperosis", system="icd10cm", limit=1) == ["M81.0"]


def test_look_alikes_the_query_does_not_name_go_behind() -> None:
    # congenital (Q43.8 "Congenital diverticulitis, colon") only when the query says congenital
    assert codes_of("diverticulitis", system="icd10cm", limit=1) == ["K57.92"]
    assert codes_of("congenital diverticulitis", system="icd10cm", limit=3)[0] == "Q43.8"
    # diabetes of unstated type is E11 (Guidelines I.C.4.a.2), not E13 "other specified" nor E10
    assert codes_of("diabetes with neuropathy", system="icd10cm", limit=1) == ["E11.40"]
    names = {q.name for q in qualifiers.qualifiers()}
    assert {"congenital", "newborn", "obstetric", "route", "accessory"} <= names
    assert all(q.reason for q in qualifiers.qualifiers())


def test_the_code_of_the_documented_specificity_leads_its_category() -> None:
    assert codes_of("impacted cerumen left ear", system="icd10cm", limit=1) == ["H61.22"]
    assert codes_of("impacted cerumen both ears", system="icd10cm", limit=1) == ["H61.23"]
    # an ordinal said twice ("first pregnancy, first trimester")
    assert codes_of("supervision normal first pregnancy 2nd trimester", system="icd10cm", limit=1) == ["Z34.02"]
    # nothing more said: the unspecified code, not a sibling with words the query did not say
    assert codes_of("knee pain", system="icd10cm", limit=1) == ["M25.569"]


def test_with_names_the_combination_code() -> None:
    found = codes_of("hypertension w ckd stage 4", system="icd10cm", limit=3)
    assert found[0] == "I12.9", found
    # the rule reads "with" only where the query says it
    assert rerank.with_order([{"title": "a"}], "hypertension ckd", "icd10cm") == [{"title": "a"}]


def test_seventh_character_variants_are_grouped_under_the_initial_encounter() -> None:
    found = services.search(query="fx femur neck right", system="icd10cm", limit=10)["results"]
    first = found[0]
    assert first["code"] == "S72.001A"
    variants = [v["code"] for v in first["variants"]]
    assert "S72.001D" in variants and "S72.001S" in variants and "S72.001A" not in variants
    codes = [r["code"] for r in found]
    assert not [c for c in codes[1:] if c.startswith("S72.001")], codes  # neither the other variants nor the header
    later = services.search(query="fx femur neck right subsequent", system="icd10cm", limit=3)["results"]
    assert later[0]["code"] == "S72.001D" and "S72.001A" in [v["code"] for v in later[0]["variants"]]


def test_search_page_and_api_show_the_variants_a_click_away(client: Client) -> None:
    page = client.get("/search/", {"q": "fx femur neck right", "system": "icd10cm"}).content.decode()
    assert '<details class="variants' in page and "/codes/icd10cm/S72.001D/" in page
    api = client.get("/api/v1/search", {"q": "fx femur neck right", "system": "icd10cm", "limit": "3"}).json()
    assert api["results"][0]["code"] == "S72.001A"
    assert "S72.001S" in [v["code"] for v in api["results"][0]["variants"]]


def test_a_drug_dose_gives_the_units_to_bill() -> None:
    assert rerank.billing_units("fluphenazine 25 mg", "Injection, fluphenazine decanoate, up to 25 mg") == 1
    assert rerank.billing_units("toradol 30mg", "Injection, ketorolac tromethamine, per 15 mg") == 2
    assert rerank.billing_units("x 1 g", "Injection, x, 500 mg") == 2
    assert rerank.billing_units("x 10 ml", "Injection, x, 1 mg") is None
    found = services.search(query="fluphenazine 25 mg", system="hcpcs", limit=3)["results"]
    assert found[0]["code"] == "J2680" and found[0]["units"] == 1


def test_a_decimal_dose_is_one_word() -> None:
    assert text.words("fluphenazine hcl, 1.25 mg") == ["fluphenazine", "hcl", "1.25", "mg"]


def test_a_route_or_a_part_the_query_does_not_name_goes_behind() -> None:
    # a drug named with no route is the injection: the oral code (J8540) after the injections
    found = codes_of("dexamethasone", system="hcpcs", limit=5)
    assert found[0] != "J8540" and found.index("J1100") < found.index("J8540"), found
    # an item before its parts: no brake or attachment ahead of the walkers
    walkers = codes_of("walker wheels", system="hcpcs", limit=3)
    assert not {"E0159", "E0155"} & set(walkers), walkers
