"""Verbatim tagging: the friction tags of each comment.

>>> from fluide.tagging import default_tagger   # doctest: +SKIP
>>> default_tagger().predict(["Carte refusée deux fois"])[0].tags   # doctest: +SKIP
('payment',)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from fluide.domain.taxonomy import DEFAULT_TAXONOMY, Example, Taxonomy
from fluide.tagging.embed import load_embedder
from fluide.tagging.model import Prediction, Tagger, TaggerConfig

__all__ = ["Prediction", "Tagger", "TaggerConfig", "default_tagger", "train_tagger"]

_default: Tagger | None = None
_lock = threading.Lock()


def train_tagger(
    taxonomy: Taxonomy = DEFAULT_TAXONOMY,
    examples: Sequence[Example] = (),
    use_model: bool = True,
) -> Tagger:
    """A tagger for ``taxonomy`` and ``examples``, on the model when it loads."""
    return Tagger.train(taxonomy, examples, load_embedder() if use_model else None)


def default_tagger() -> Tagger:
    """The default taxonomy's tagger, trained once per process."""
    global _default
    with _lock:
        if _default is None:
            _default = train_tagger()
        return _default
