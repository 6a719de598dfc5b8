from __future__ import annotations

import numpy as np

from fluide.tagging.lexical import LexicalModel


def _model() -> LexicalModel:
    texts = [
        "carte refusee au paiement",
        "paiement refuse sur le site",
        "prelevement en double",
        "plus de connexion depuis hier",
        "box en panne, plus de wifi",
        "internet coupe tout le soir",
    ]
    y = np.array([[True, False]] * 3 + [[False, True]] * 3)
    return LexicalModel.fit(texts, y)


def test_spelling_accents_and_elongations_do_not_hide_the_words() -> None:
    m = _model()
    pay, cut = m.scores(["PAIEMENT REFUSÉÉÉ", "pluuus de connexiooon"])
    assert pay[0] > 0.5 > pay[1]
    assert cut[1] > 0.5 > cut[0]


def test_a_tag_without_examples_scores_nothing() -> None:
    m = LexicalModel.fit(["a b", "c d"], np.array([[True, False], [True, False]]))
    assert m.scores(["a b"])[0, 1] < 1e-4
    assert m.scores([]).shape == (0, 2)
