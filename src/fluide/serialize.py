"""Domain results as JSON-ready dicts (the documents of the CLI and API contract).

Numbers stay unrounded: rounding is the renderers' job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fluide.domain.metrics import Block
from fluide.domain.notices import Notice
from fluide.domain.scales import Question


def block_json(b: Block) -> dict[str, Any]:
    rr = b.response_rate
    return {
        "n": b.n,
        "mean": b.mean,
        "ci95": list(b.ci95) if b.ci95 else None,
        "distribution": {str(p): c for p, c in b.distribution.items()}
        if b.distribution is not None
        else None,
        "effort_groups": dict(b.effort_groups),
        "net_effort": b.net_effort,
        "net_easy": b.net_easy,
        "effort_index": b.effort_index,
        "effort_index_ci95": list(b.effort_index_ci95) if b.effort_index_ci95 else None,
        "small_sample": b.small_sample,
        "response_rate": None
        if rr is None
        else {
            "invited": rr.invited,
            "answered": rr.answered,
            "rate": rr.rate,
            "ci95": list(rr.ci95) if rr.ci95 else None,
        },
    }


def scale_json(q: Question, versions: Sequence[str]) -> dict[str, Any]:
    return {
        "key": q.scale.key,
        "points": list(q.points),
        "polarity": q.polarity.value,
        "labels": {str(p): label for p, label in q.labels().items()},
        "effort_groups": q.group_points(),
        "thresholds": {"low_max": q.groups.low_max, "high_min": q.groups.high_min},
        "question_versions": list(versions),
    }


def notice_json(n: Notice, lang: str) -> dict[str, Any]:
    from fluide.messages import notice_text

    return {"code": n.code, "params": dict(n.params), "message": notice_text(lang, n)}
