"""Embedding retrieval in case-to-code, on the real default codebook with vectors for a few chapters' codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from medcode.codebook import selectors
from medcode.search import casecode, embedding, index, semantic

pytestmark = pytest.mark.skipif(not embedding.available(), reason="the semantic extra is not installed")

# embedding all of ICD-10-CM takes minutes; these categories are enough to see retrieval work
SUBSET = ("E11", "I10", "N20", "N21", "N30", "N50", "R35", "R39", "S72", "Z01")
NOTE = (
    "58-year-old man with type 2 diabetes. He has to pass urine many times during the day and at night.\n"
    "He denies chest pain.\n"
)


@pytest.fixture
def ix() -> index.ReleaseIndex:
    return index.release_index(selectors.release_for(system="icd10cm"))


@pytest.fixture
def vectors(ix: index.ReleaseIndex) -> Iterator[semantic.CodebookVectors]:
    built = semantic.vectors_build(ix, select=lambda code: code.startswith(SUBSET))
    semantic.vectors_use(built)
    yield built
    semantic._cache.clear()


def test_codebook_texts_cut_encounter_words_and_keep_one_text_per_meaning(ix: index.ReleaseIndex) -> None:
    texts, concepts = semantic.codebook_texts(ix, select=lambda code: code.startswith("S72.00"))
    codes = dict(zip(texts, (ix.codes[c] for c in concepts), strict=True))
    assert "Fracture of unspecified part of neck of right femur" in codes
    assert codes["Fracture of unspecified part of neck of right femur"].endswith("A")  # the initial encounter
    assert not any("encounter" in t for t in texts)
    assert len(set(t.lower() for t in texts)) == len(texts)


def test_vectors_find_a_code_by_meaning(vectors: semantic.CodebookVectors) -> None:
    query = embedding.encoder().encode(["frequent urination"])
    (hits,) = vectors.nearest(query, 3)
    assert hits[0][1] > 0.5
    assert any(vectors.concept[t] == c for c, _, t in hits)
    found = [vectors.texts[t] for _, _, t in hits]
    assert any("micturition" in t.lower() or "urinat" in t.lower() for t in found), found


def test_case_to_code_adds_semantic_candidates_after_the_lexical_ones(vectors: semantic.CodebookVectors) -> None:
    plain = casecode.case_to_code(note=NOTE, use_semantic=False)
    with_semantic = casecode.case_to_code(note=NOTE)
    plain_codes = [c["code"] for c in plain["codes"]]  # suggested, then partial matches to review
    codes = [c["code"] for c in with_semantic["codes"]]
    assert "E11.9" in plain_codes and codes[0] == plain_codes[0]  # the named condition stays first
    added = [c for c in with_semantic["codes"] if c["code"] not in plain_codes]
    assert added, "embedding retrieval found nothing the words did not"
    assert all(any(e["reason"].startswith("semantic match") for e in c["evidence"]) for c in added)
    assert any(c["code"].startswith("R35") for c in added), [c["code"] for c in added]
    # only current clauses are embedded: the denied chest pain stays out
    assert not any(c["code"].startswith("R07") for c in with_semantic["codes"])
    # embedding neighbours are not stated in the note: ranked after the suggested set, outside its checks
    assert not any(c["suggested"] for c in added)
    assert [c["code"] for c in with_semantic["codes"] if c["suggested"]] == [
        c["code"] for c in plain["codes"] if c["suggested"]
    ]
    flags = [c["suggested"] for c in with_semantic["codes"]]
    assert flags == sorted(flags, reverse=True)
    assert with_semantic["validation"] == plain["validation"]


def test_saved_vectors_are_loaded_by_the_next_process(
    vectors: semantic.CodebookVectors, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "vectors.pickle"
    semantic._save(path, vectors)
    loaded = semantic._load(path, vectors.release)
    assert loaded is not None and loaded.texts == vectors.texts
    assert np.array_equal(loaded.vectors, vectors.vectors) and loaded.vectors.dtype == np.float16
    other = selectors.release_for(system="icd10pcs")
    assert semantic._load(path, other) is None  # only trusted for the release it was made for
    path.write_bytes(b"not a pickle")
    assert semantic._load(path, vectors.release) is None


def test_without_vectors_case_to_code_is_unchanged(ix: index.ReleaseIndex) -> None:
    semantic._cache.clear()
    assert semantic.release_vectors(ix.release) is None  # never computed at request time
    first = casecode.case_to_code(note=NOTE)
    assert first == casecode.case_to_code(note=NOTE, use_semantic=False)


def test_a_worker_picks_up_vectors_saved_after_it_started(
    vectors: semantic.CodebookVectors, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `medcode serve` starts the workers at once and `medcode prepare` saves the vectors minutes later
    path = tmp_path / "vectors.pickle"
    monkeypatch.setattr(semantic, "_cache_file", lambda codebook, release: path)
    semantic._cache.clear()
    assert semantic.release_vectors(vectors.release) is None and not semantic.saved(vectors.release)
    semantic._save(path, vectors)
    assert semantic.release_vectors(vectors.release) is None  # looked a moment ago: not again yet
    monkeypatch.setattr(semantic, "RELOOK_SECONDS", 0.0)
    found = semantic.release_vectors(vectors.release)
    assert found is not None and found.texts == vectors.texts and semantic.saved(vectors.release)


@pytest.mark.django_db
def test_the_page_lists_embedding_neighbours_apart_as_generated(vectors: semantic.CodebookVectors, client) -> None:  # type: ignore[no-untyped-def]
    page = client.post("/case2code/", {"text": NOTE}).content.decode()
    suggested, related = page.split('id="related"', 1)
    assert "E11.9" in suggested and "Generated" in related
    assert "R35" in related and "R35" not in suggested.split('id="suggested"', 1)[1]


def test_no_injury_neighbour_without_a_word_of_harm(vectors: semantic.CodebookVectors) -> None:
    calm = casecode.case_to_code(note="Imaging of the neck of the right femur was normal.")
    assert not any(c["code"].startswith("S72") for c in calm["codes"]), [c["code"] for c in calm["codes"]]
    hurt = casecode.case_to_code(note="He fell at home and broke the neck of the right femur.")
    assert any(c["code"].startswith("S72") for c in hurt["codes"]), [c["code"] for c in hurt["codes"]]
    # a neighbour, like a stated code, waits for the encounter the note does not say (ADR 0035)
    injuries = [c for c in hurt["codes"] if c["code"].startswith("S72")]
    assert all(len(c["code"].replace(".", "")) < 7 and c["incomplete"] for c in injuries), injuries


def test_no_examination_encounter_neighbour_for_an_examination_finding(vectors: semantic.CodebookVectors) -> None:
    finding = casecode.case_to_code(note="Physical examination of the eye was normal.")
    assert not any(c["code"].startswith("Z01") for c in finding["codes"]), [c["code"] for c in finding["codes"]]
    routine = casecode.case_to_code(note="She came for a routine eye examination.")
    assert any(c["code"].startswith("Z01.0") for c in routine["codes"]), [c["code"] for c in routine["codes"]]
