"""The tagger's second reader: character n-grams of the words, one logistic regression per tag.

The sentence model reads meaning but stumbles on what customers actually
type: "pluuus de co", "sa marche pa", "prelevement" without its accents. Word
pieces of 2 to 5 characters (TF-IDF, on the normalised text with elongations
squeezed) see through spelling, abbreviations and glued words, and cost a
millisecond per hundred texts. Its scores are blended with the sentence
model's (see :class:`fluide.tagging.model.Tagger`).

>>> m = LexicalModel.fit(["carte refusee", "plus de co", "paiement refuse", "box en panne"],
...                      np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=bool))
>>> bool(m.scores(["cb refusee"])[0, 0] > 0.5)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fluide.tagging.polarity import squeeze


@dataclass
class LexicalModel:
    vectorizer: Any
    weights: NDArray[np.float64]
    bias: NDArray[np.float64]

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        y: NDArray[np.bool_],
        sample_weight: NDArray[np.float64] | None = None,
        c: float = 4.0,
    ) -> LexicalModel:
        """One balanced logistic regression per column of ``y`` (a column never or always
        true scores ~0)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vec = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            sublinear_tf=True,
            min_df=1 if len(texts) < 50 else 2,
            preprocessor=squeeze,
            dtype=np.float32,
        )
        x = vec.fit_transform(list(texts))
        w = np.zeros((y.shape[1], x.shape[1]))
        b = np.full(y.shape[1], -10.0)
        for j in range(y.shape[1]):
            pos = y[:, j]
            if pos.all() or not pos.any():
                continue
            lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
            lr.fit(x, pos, sample_weight=sample_weight)
            w[j] = lr.coef_[0]
            b[j] = lr.intercept_[0]
        return cls(vec, w, b)

    def scores(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Probability of each column for each text."""
        if not texts:
            return np.zeros((0, len(self.bias)))
        x = self.vectorizer.transform(list(texts))
        z = np.asarray(x @ self.weights.T) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)
