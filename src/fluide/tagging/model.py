"""The multi-label tagger: sentence embeddings, one classifier per tag, per-tag thresholds.

Trained from the taxonomy's example phrases, the examples a user gives, and
every human correction of the workspace. A correction wins outright on its
own text (source ``human``) and, as a training example, moves the model for
texts like it. Keyword rules add tags the model misses; without the model
(it could not load) they are the whole tagger.

Two things make it hold up with few examples (measured in bench/README.md):

- **Centred embeddings.** e5's vectors all lean the same way (unrelated texts
  have cosines of 0.7 to 0.9); the tagger subtracts the mean of the taxonomy's
  phrases and normalises again, so that similarities discriminate.
- **The batch's neighbours.** Verbatims that say the same thing should get the
  same tags: each text's scores are blended with those of its close neighbours
  among the other texts tagged with it (and an optional ``context`` of the
  workspace's other verbatims). Only neighbours that are really alike count,
  so a text with none keeps its own scores, and a single text tagged alone is
  scored as before. The same text can therefore score a little differently in
  another batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from fluide.domain.taxonomy import DEFAULT_TAXONOMY, MAX_TAGS, Example, Taxonomy, normalize
from fluide.tagging.classifier import cv_thresholds, fit_lr, neighbour_blend, vote_scores
from fluide.tagging.config import TaggerConfig as TaggerConfig
from fluide.tagging.embed import Embedder
from fluide.tagging.polarity import has_complaint, has_praise, without_negated
from fluide.tagging.rules import RULE_CONFIDENCE, rule_scores
from fluide.tagging.seeds import embed_with_store

Matrix = NDArray[np.float32]

FRICTIONS = frozenset(DEFAULT_TAXONOMY.keys())
"""The default friction tags: praise and negation only speak for them (a workspace's
own tag may well be about praise)."""


@dataclass(frozen=True)
class Prediction:
    """The tags of one text, by decreasing score, with every tag's score and source."""

    tags: tuple[str, ...]
    scores: dict[str, float]
    sources: dict[str, str]
    """For each tag in ``tags``: ``model``, ``rule`` or ``human``."""

    def to_json(self, row: int) -> dict[str, object]:
        return {
            "row": row,
            "tags": list(self.tags),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
        }


@dataclass
class Tagger:
    """A trained tagger. Build it with :meth:`train`; use :meth:`predict`."""

    taxonomy: Taxonomy
    embedder: Embedder | None
    config: TaggerConfig = field(default_factory=TaggerConfig)
    _weights: Matrix | None = None
    _bias: NDArray[np.float64] | None = None
    _thresholds: dict[str, float] = field(default_factory=dict)
    _x: Matrix | None = None
    _y: NDArray[np.bool_] | None = None
    _human: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _n_examples: dict[str, int] = field(default_factory=dict)
    _center: NDArray[np.float32] | None = None

    @classmethod
    def train(
        cls,
        taxonomy: Taxonomy,
        examples: Sequence[Example] = (),
        embedder: Embedder | None = None,
        config: TaggerConfig | None = None,
        embeddings: Matrix | None = None,
    ) -> Tagger:
        """Train on the taxonomy's phrases plus ``examples`` (corrections included).

        ``embeddings`` (optional) are the rows of ``examples`` already embedded.
        """
        taxonomy, _ = taxonomy.with_examples(list(examples))
        t = cls(taxonomy, embedder, config or TaggerConfig())
        keys = taxonomy.keys()
        t._n_examples = {k: sum(1 for e in examples if k in e.tags) for k in keys}
        for ex in examples:
            if ex.human:
                t._human[_text_key(ex.text)] = tuple(k for k in keys if k in ex.tags)
        if embedder is None:
            return t
        seeds = taxonomy.seed_examples()
        all_ex = [*seeds, *examples]
        xs = embed_with_store(embedder, [e.text for e in seeds])
        xe = embeddings if embeddings is not None else embedder.embed([e.text for e in examples])
        if t.config.center and len(xs):
            t._center = xs.mean(axis=0).astype(np.float32)
        x = t._prep(np.vstack([xs, xe]))
        y = np.array([[k in e.tags for k in keys] for e in all_ex], dtype=bool).reshape(
            len(all_ex), len(keys)
        )
        sw = np.array([t.config.seed_weight] * len(seeds) + [1.0] * len(examples))
        t._fit(x, y, sw, len(seeds))
        return t

    def _fit(self, x: Matrix, y: NDArray[np.bool_], sw: NDArray[np.float64], n_seed: int) -> None:
        keys = self.taxonomy.keys()
        self._weights, self._bias = fit_lr(x, y, sw, self.config.c)
        self._x, self._y = x, y
        self._thresholds = cv_thresholds(x, y, sw, n_seed, keys, self.config)

    def _prep(self, x: Matrix) -> Matrix:
        """Embeddings as the classifier sees them (centred and normalised again)."""
        raw: Matrix = np.asarray(x, dtype=np.float32)
        if self._center is None:
            return raw
        y: Matrix = raw - self._center
        norms = np.linalg.norm(y, axis=1, keepdims=True)
        out: Matrix = (y / np.maximum(norms, 1e-12)).astype(np.float32)
        return out

    def embed(self, texts: Sequence[str]) -> Matrix | None:
        """The texts' embeddings, or ``None`` without a model."""
        return None if self.embedder is None else self.embedder.embed(list(texts))

    def model_scores(self, x: Matrix, context: Matrix | None = None) -> NDArray[np.float64]:
        """Probability of each tag (columns in taxonomy order) for embedded rows.

        Each row's scores are blended with those of its close neighbours among
        the other rows and ``context`` (embeddings of other texts, not scored).
        """
        assert self._weights is not None and self._bias is not None
        assert self._x is not None and self._y is not None
        cfg = self.config
        neighbours = cfg.context_k > 0 and cfg.context_weight > 0
        q = self._prep(x)
        pool = q
        if neighbours and context is not None and len(context):
            pool = np.vstack([q, self._prep(context)])
        pool_p = vote_scores(pool, self._weights, self._bias, self._x, self._y, cfg)
        p = pool_p[: len(q)]
        if not neighbours:
            return p
        h = cfg.context_half_life
        keys = self.taxonomy.keys()
        n = np.array([self._n_examples.get(k, 0) for k in keys], dtype=float)
        weight = cfg.context_weight * h / (h + n)
        return neighbour_blend(q, p, pool, pool_p, cfg.context_k, weight, cfg.context_min_sim)

    def _threshold(self, key: str) -> float:
        base = self._thresholds.get(key, self.config.default_threshold)
        return base + (self.config.unseen_margin if not self._n_examples.get(key) else 0.0)

    def _rule_boost(self, key: str) -> float:
        n = self._n_examples.get(key, 0)
        h = self.config.rule_half_life
        return self.config.rule_boost * h / (h + n) + (self.config.unseen_margin if not n else 0.0)

    def _rules(self, text: str, complaint: bool) -> dict[str, float]:
        """Keyword matches. The default friction tags read the text with its negated
        problems blanked and, while they have no example, only when it has a complaint
        cue; a workspace's own tags read it as written."""
        if not self.config.use_rules:
            return {}
        out = rule_scores(self.taxonomy, text)
        guarded = [k for k in out if k in FRICTIONS]
        if guarded:
            blanked = rule_scores(self.taxonomy, without_negated(text))
            for k in guarded:
                # A tag with examples is defined by them (a team may count plain
                # requests as its friction); one known only from its phrases needs a
                # complaint before a keyword counts.
                unheard = not complaint and not self._n_examples.get(k)
                out[k] = 0.0 if unheard and self.config.rules_need_complaint else blanked[k]
        return out

    def predict(
        self,
        texts: Sequence[str],
        x: Matrix | None = None,
        context: Matrix | None = None,
        easy: Sequence[bool] | None = None,
    ) -> list[Prediction]:
        """Tags of each text; ``x`` are the texts' embeddings if already computed.

        ``context``: embeddings of other texts of the workspace (not tagged here)
        whose close neighbours also inform the scores, as the batch's own do.
        ``easy`` (per text, optional): the answer's score said it took little
        effort; such a comment with no complaint cue gets no tag.
        """
        keys = self.taxonomy.keys()
        if self.embedder is not None and self._weights is not None:
            if x is None:
                x = self.embedder.embed(list(texts))
            probs: NDArray[np.float64] | None = self.model_scores(x, context)
        else:
            probs = None
        out = []
        for i, text in enumerate(texts):
            human = self._human.get(_text_key(text))
            complaint = has_complaint(text)
            rules = self._rules(text, complaint)
            if probs is None:
                scores = {k: rules.get(k, 0.0) for k in keys}
                sources = {k: "rule" for k, v in scores.items() if v > 0}
            else:
                scores = {k: float(probs[i, j]) for j, k in enumerate(keys)}
                sources = {}
                for k in keys:
                    thr = self._threshold(k)
                    if scores[k] >= thr:
                        sources[k] = "model"
                    elif rules.get(k, 0.0) > 0 and scores[k] >= thr - self._rule_boost(k):
                        sources[k] = "rule"
                        scores[k] = max(scores[k], RULE_CONFIDENCE)
            model_tags = [k for k, v in sources.items() if v == "model"]
            if len(model_tags) > 1:
                top = max(scores[k] for k in model_tags)
                for k in model_tags:
                    if scores[k] < top - self.config.second_margin:
                        del sources[k]
            if self.config.praise and (
                not complaint and (has_praise(text) or (easy is not None and easy[i]))
            ):
                sources = {k: v for k, v in sources.items() if k not in FRICTIONS}
            if human is not None:
                scores = {k: (1.0 if k in human else 0.0) for k in keys}
                sources = dict.fromkeys(human, "human")
            chosen = sorted(sources, key=lambda k: -scores[k])[:MAX_TAGS]
            out.append(
                Prediction(
                    tags=tuple(chosen),
                    scores=scores,
                    sources={k: sources[k] for k in chosen},
                )
            )
        return out


def _text_key(text: str) -> str:
    return hashlib.sha256(normalize(text).encode()).hexdigest()
