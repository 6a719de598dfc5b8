"""Small builders of the JSON documents the renderers take (as json.loads gives them).

Blocks are computed by the real domain from per-score counts, so the figures
hang together the way ``fluide analyze`` would print them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fluide.domain.metrics import summarize
from fluide.domain.scales import SCALES, Polarity, Question


def question(key: str = "1-7", polarity: str = "ease") -> Question:
    return Question(SCALES[key], Polarity(polarity))


def scale_doc(key: str = "1-7", polarity: str = "ease") -> dict[str, Any]:
    q = question(key, polarity)
    return {
        "key": key,
        "points": list(q.points),
        "polarity": polarity,
        "labels": {str(p): label for p, label in q.labels().items()},
        "effort_groups": q.group_points(),
        "question_versions": ["v1"],
    }


def block(
    counts: list[int] | None = None, key: str = "1-7", polarity: str = "ease", **overrides: Any
) -> dict[str, Any]:
    q = question(key, polarity)
    b = summarize(counts if counts is not None else [3, 5, 8, 10, 20, 30, 24], q)
    doc = dataclasses.asdict(b)
    doc["distribution"] = {str(p): c for p, c in b.distribution.items()} if b.distribution else None
    for k in ("ci95", "effort_index_ci95"):
        doc[k] = list(doc[k]) if doc[k] else None
    doc.update(overrides)
    return doc


def empty_block(key: str = "1-7", polarity: str = "ease") -> dict[str, Any]:
    return block([0] * SCALES[key].k, key, polarity)


def week(
    label: str, counts: list[int], *, pooled_with: str | None = None, own_n: int | None = None
) -> dict[str, Any]:
    doc = block(counts)
    doc.update(
        {
            "week": label,
            "own_n": doc["n"] if own_n is None else own_n,
            "pooled": pooled_with is not None,
            "pooled_with": pooled_with,
        }
    )
    return doc


def report(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "scale": scale_doc(),
        "overall": block(),
        "groups": {
            "touchpoint": [
                {"value": "payer", **block([2, 3, 5, 5, 10, 15, 10])},
                {"value": None, **block([0, 1, 0, 2, 3, 1, 2])},
            ],
            "outcome": [{"value": "resolved", **block([1, 2, 3, 5, 10, 15, 14])}],
        },
        "weekly": [
            week("2026-W30", [2, 3, 5, 6, 10, 12, 12]),
            week("2026-W31", [1, 1, 2, 2, 4, 10, 10]),
            week("2026-W32", [2, 3, 5, 6, 11, 13, 12], pooled_with="2026-W31", own_n=22),
            week("2026-W33", [0] * 7),
            week("2026-W34", [2, 1, 2, 2, 3, 2, 3]),
        ],
        "warnings": [
            {
                "code": "pooled_periods",
                "params": {"count": 1},
                "message": "1 period has too few answers: "
                "it is shown pooled with the previous one.",
            },
        ],
        "verbatims": [
            {
                "responded_at": "2026-08-03T09:15:00+02:00",
                "score": 2,
                "comment": "Impossible de payer en ligne, j'ai dû appeler.",
                "touchpoint": "payer",
            },
        ],
        "input": {
            "file": "export.csv",
            "rows": 3120,
            "skipped": 0,
            "skipped_lines": [],
            "tz": "Europe/Paris",
            "first": "2026-07-20",
            "last": "2026-08-23",
        },
        "metric": "mean",
    }
    doc.update(overrides)
    return doc


def comparison(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "scale": scale_doc(),
        "change_date": "2026-06-15",
        "touchpoint": "payer",
        "metric": "mean",
        "before": block([10, 12, 15, 20, 20, 15, 8]),
        "after": block([2, 4, 6, 10, 20, 30, 28]),
        "diff_mean": 1.2,
        "diff_ci95": [0.8, 1.6],
        "p_value": 0.0004,
        "cliffs_delta": 0.38,
        "resamples": 5000,
        "seed": 0,
        "warnings": [],
        "input": {
            "file": "export.csv",
            "rows": 200,
            "skipped": 0,
            "skipped_lines": [],
            "tz": "Europe/Paris",
            "first": "2026-05-04",
            "last": "2026-07-26",
        },
    }
    doc.update(overrides)
    return doc
