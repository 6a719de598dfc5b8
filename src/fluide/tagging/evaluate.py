"""Per-tag precision, recall and F1 of predicted tag sets against gold ones.

Multi-label, counted per tag. ``also_right`` (optional, per text) holds tags
that are not required but count as right when predicted: Banking77's
``alt_tag``. A text whose required tag is missed is not a miss when one of its
``also_right`` tags was given instead (the reader got a right label).

>>> r = score([{"payment"}, set()], [{"payment"}, {"delay"}], ["payment", "delay"])
>>> r.per_tag["payment"].f1, r.per_tag["delay"].recall
(1.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass


@dataclass(frozen=True)
class TagScore:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass(frozen=True)
class Report:
    per_tag: dict[str, TagScore]

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the tags that occur in the gold set (support > 0)."""
        scored = [s.f1 for s in self.per_tag.values() if s.support > 0]
        return sum(scored) / len(scored) if scored else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "per_tag": {
                k: {
                    "precision": s.precision,
                    "recall": s.recall,
                    "f1": s.f1,
                    "support": s.support,
                    "tp": s.tp,
                    "fp": s.fp,
                    "fn": s.fn,
                }
                for k, s in self.per_tag.items()
            },
            "macro_f1": self.macro_f1,
        }


def score(
    predicted: Sequence[Set[str]],
    gold: Sequence[Set[str]],
    tags: Sequence[str],
    also_right: Sequence[Set[str]] | None = None,
    ignored: Sequence[Set[str]] | None = None,
) -> Report:
    """Count true/false positives and misses per tag, over ``tags`` only.

    ``ignored`` (optional, per text): tags not counted for that text either way
    (where two annotators disagree, neither reading is the truth).

    >>> score([{"delay"}], [set()], ["delay"], ignored=[{"delay"}]).per_tag["delay"]
    TagScore(tp=0, fp=0, fn=0)
    """
    if len(predicted) != len(gold):
        raise ValueError(f"{len(predicted)} predictions for {len(gold)} gold rows")
    counts = {t: [0, 0, 0] for t in tags}
    for i, (p, g) in enumerate(zip(predicted, gold, strict=True)):
        alt = also_right[i] if also_right is not None else set()
        right = set(g) | set(alt)
        satisfied = bool(set(p) & right)
        skip = ignored[i] if ignored is not None else set()
        for t in tags:
            if t in skip:
                continue
            if t in p:
                counts[t][0 if t in right else 1] += 1
            elif t in g and not (alt and satisfied):
                counts[t][2] += 1
    return Report({t: TagScore(*c) for t, c in counts.items()})
