"""Use case: what makes effort high (``fluide drivers``).

The CES export is read one answer at a time (:func:`fluide.loyalty.read_answers`,
the same reading as ``analyze``); the figures come from :mod:`fluide.domain.drivers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fluide.domain import drivers as dd
from fluide.ingest.errors import InputError, InputProblem
from fluide.loyalty import ReadOptions, read_answers
from fluide.serialize import notice_json


@dataclass(frozen=True)
class DriverOptions:
    read: ReadOptions = field(default_factory=ReadOptions)
    features: tuple[str, ...] = ()
    seed: int = 0


@dataclass
class DriversResult:
    doc: dict[str, Any]
    skipped_problems: list[InputProblem]


def parse_features(values: list[str]) -> tuple[str, ...]:
    """``--features a,b --features c`` as one list, each name once."""
    names = [x.strip() for v in values for x in v.split(",") if x.strip()]
    return tuple(dict.fromkeys(names))


def drivers_file(path: Path, o: DriverOptions) -> DriversResult:
    """Every figure of ``fluide drivers``; see the issue's definitions."""
    if not o.features:
        raise InputError("--features names no column; give one or more, separated by commas.")
    if len(o.features) > dd.MAX_FEATURES:
        raise InputError(
            "--features names %(count)s columns; at most %(max)s can be ranked exactly.",
            count=len(o.features),
            max=dd.MAX_FEATURES,
        )
    a = read_answers(path, o.read, customer=False, extra=o.features, flag="--features")
    q = a.question
    effort = np.array([q.effort_of(p) for p in q.points], dtype=np.float64)
    e = effort[a.rows.score - q.points[0]]
    features = {name: a.rows.extra[header] for name, header in a.columns.items()}
    result = dd.drivers(e, features, seed=o.seed)
    doc = {
        "n": result.n,
        "r2": result.r2,
        "drivers": [d.to_json() for d in result.drivers],
        "resamples": result.resamples,
        "seed": result.seed,
        "warnings": [notice_json(n, o.read.lang) for n in a.notices],
        "input": {
            "file": path.name,
            "scale": q.scale.key,
            "polarity": q.polarity.value,
            "rows": result.n,
            "skipped": len(a.skipped.lines),
            "skipped_lines": a.skipped.lines,
            "tz": o.read.tz,
        },
    }
    return DriversResult(doc, a.skipped.problems)
