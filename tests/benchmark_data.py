"""Test helpers for the benchmark: categorised touchpoints, answers, other companies' files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import TouchpointIn
from fluide.domain.benchmark import FORMAT
from fluide.domain.benchmark_file import read_file
from fluide.services import benchmark
from fluide.services import touchpoints as touchpoint_service
from fluide.settings import Settings
from fluide.storage import repo
from tests.service.conftest import touchpoint_body
from tests.verbatims import answer


def categorised(
    f: sessionmaker[Session], ws: str, key: str = "payer", category: str = "payment", **kw: Any
) -> None:
    """Touchpoint ``key`` in ``category`` (triggered by ``<key>_done``, or payments for payer)."""
    with f() as s:
        if repo.touchpoint_by_key(s, ws, key) is not None:
            return
    if key != "payer":
        kw.setdefault("triggers", [{"event": f"{key}_done"}])
    body = touchpoint_body(**{"key": key, "task": key, "task_category": category, **kw})
    touchpoint_service.create(f, ws, TouchpointIn(**body))


def scores(
    f: sessionmaker[Session],
    settings: Settings,
    ws: str,
    values: Sequence[int],
    key: str = "payer",
    comment: str | None = None,
) -> None:
    """One answer per score on touchpoint ``key`` (made with the payment category if new)."""
    categorised(f, ws, key)
    answer(f, settings, ws, [(v, comment) for v in values], touchpoint=key)


def company(
    contributor: str,
    means: dict[str, float],
    *,
    exported_at: str = "2026-12-01T10:00:00+00:00",
    answers: int = 40,
) -> dict[str, Any]:
    """Another company's benchmark file."""
    period = {"from": "2026-09-01", "to": "2026-11-29"}
    return {
        "format": FORMAT,
        "contributor": contributor,
        "exported_at": exported_at,
        "period": period,
        "categories": {
            c: {
                "answers": answers,
                "mean": m,
                "sd": 20.0,
                "groups": {"low": answers - 10, "moderate": 5, "high": 5},
                "period": period,
            }
            for c, m in means.items()
        },
    }


def pool_of(f: sessionmaker[Session], means: Sequence[float], category: str = "payment") -> None:
    """Import one file per mean, each from its own company."""
    docs = [company(f"company-{i:03d}", {category: m}) for i, m in enumerate(means)]
    benchmark.import_files(f, [read_file(d) for d in docs])
