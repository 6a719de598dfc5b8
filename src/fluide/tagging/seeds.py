"""The default taxonomy's phrases, embedded once and shipped with the package.

Embedding ~600 phrases takes ~20 s on two cores; every tagger starts from
them, so they are computed by ``tools/embed_seeds.py`` and stored in
``seed_vectors.npz`` (keyed by the phrase's hash and the model's name). A
phrase missing from the file (a user's own tag, an edited phrase) is
embedded live.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from fluide.tagging.embed import MODEL_NAME, Embedder

STORE = Path(__file__).with_name("seed_vectors.npz")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def stored() -> dict[str, NDArray[np.float32]]:
    if not STORE.exists():
        return {}
    z = np.load(STORE)
    if str(z["model"]) != MODEL_NAME:
        return {}
    return dict(zip(z["keys"].tolist(), z["vecs"].astype(np.float32), strict=True))


def embed_with_store(embedder: Embedder, texts: list[str]) -> NDArray[np.float32]:
    """Embeddings of ``texts``, from the shipped store where possible."""
    known = stored() if embedder.name == MODEL_NAME else {}
    keys = [text_hash(t) for t in texts]
    missing = [i for i, k in enumerate(keys) if k not in known]
    fresh = embedder.embed([texts[i] for i in missing]) if missing else None
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for i, k in enumerate(keys):
        if k in known:
            out[i] = known[k]
    if fresh is not None:
        out[missing] = fresh
    return out


def save(texts: list[str], vectors: NDArray[np.float32]) -> None:
    np.savez_compressed(
        STORE,
        keys=np.array([text_hash(t) for t in texts]),
        vecs=vectors.astype(np.float32),
        model=np.array(MODEL_NAME),
    )
