"""The numpy all-MiniLM-L6-v2 encoder against sentence-transformers' own output for the same phrases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medcode.core.errors import ApplicationError
from medcode.search import embedding

REFERENCE = Path(__file__).parent / "resources" / "minilm_reference.json"
needs_model = pytest.mark.skipif(not embedding.available(), reason="the semantic extra is not installed")


@needs_model
def test_numpy_encoder_matches_sentence_transformers() -> None:
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.array(ref["vectors"], dtype=np.float32)
    # batches of 2 mix a short and a long phrase, so padding and the attention mask are exercised
    got = embedding.encoder().encode(ref["phrases"], batch=2)
    assert got.shape == (len(ref["phrases"]), embedding.DIM)
    cosine = (got * expected).sum(axis=1) / np.linalg.norm(expected, axis=1)
    assert cosine.min() >= 0.999, cosine
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


@needs_model
def test_same_text_same_vector_whatever_its_batch() -> None:
    enc = embedding.encoder()
    alone = enc.encode(["chronic kidney disease stage 3"])[0]
    mixed = enc.encode(["a", "chronic kidney disease stage 3", "a much longer sentence about the patient's heart"])[1]
    assert float(alone @ mixed) > 0.99999


@needs_model
def test_related_phrases_are_closer_than_unrelated_ones() -> None:
    v = embedding.encoder().encode(["heart attack", "myocardial infarction", "ingrown toenail"])
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.2


def test_without_model_files_the_extra_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.MEDCODE_EMBEDDING_MODEL_DIR = str(tmp_path)
    monkeypatch.setattr(embedding, "_encoder", None)
    assert embedding.model_dir() is None
    assert not embedding.available()
    with pytest.raises(ApplicationError) as err:
        embedding.encoder()
    assert str(err.value) == embedding.MSG_UNAVAILABLE


@needs_model
def test_empty_input_gives_an_empty_matrix() -> None:
    assert embedding.encoder().encode([]).shape == (0, embedding.DIM)
