"""Use case: before/after a change date on a survey export (did the fix work?)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from fluide.domain.compare import Comparison, Side, compare
from fluide.domain.metrics import MixedQuestionsError
from fluide.domain.notices import Notice
from fluide.domain.scales import Question
from fluide.exports import ExportOptions, check_options, input_json, mixed_error, scan_all
from fluide.ingest.errors import InputError, InputProblem, line_ranges
from fluide.ingest.spec import Progress
from fluide.serialize import block_json, notice_json, scale_json


@dataclass(frozen=True)
class CompareOptions(ExportOptions):
    change_date: date | None = None
    resamples: int = 5000
    seed: int = 0


@dataclass
class ComparisonReport:
    comparison: Comparison
    question: Question
    change_date: date
    touchpoint: str | None
    input: dict[str, Any]
    skipped_problems: list[InputProblem] = field(default_factory=list)

    def to_json(self, lang: str = "fr") -> dict[str, Any]:
        c = self.comparison
        return {
            "scale": scale_json(self.question, []),
            "change_date": self.change_date.isoformat(),
            "touchpoint": self.touchpoint,
            "metric": c.metric,
            "before": block_json(c.before),
            "after": block_json(c.after),
            "diff_mean": c.diff_mean,
            "diff_ci95": list(c.diff_ci95) if c.diff_ci95 else None,
            "p_value": c.p_value,
            "cliffs_delta": c.cliffs_delta,
            "resamples": c.resamples,
            "seed": c.seed,
            "warnings": [notice_json(n, lang) for n in c.warnings],
            "input": self.input,
        }


def compare_file(
    path: Path, o: CompareOptions, progress: Progress | None = None
) -> ComparisonReport:
    """Before vs on/after ``o.change_date`` (local midnight in ``o.tz``)."""
    if o.change_date is None:
        raise InputError("--change-date is required (YYYY-MM-DD).")
    check_options(o)
    change_at = datetime(
        o.change_date.year, o.change_date.month, o.change_date.day, tzinfo=ZoneInfo(o.tz)
    )
    o2 = CompareOptions(**{**o.__dict__, "by": (), "periods": ()})
    merged, skipped, _cols, _src = scan_all(path, o2, change_at, progress)
    sides: dict[str, Side] = {}
    for name in ("before", "after"):
        present = [
            (q, s) for q, s in zip(merged.questions, merged.scans, strict=True) if name in s.sides
        ]
        if len(present) > 1:
            raise mixed_error([q for q, _ in present])
        q, s = present[0] if present else (merged.questions[0], merged.scans[0])
        counts = s.sides.get(name, np.zeros(q.k, dtype=np.int64))
        sides[name] = Side(q, counts, frozenset(s.side_versions.get(name, set())))
    try:
        comp = compare(
            sides["before"],
            sides["after"],
            resamples=o.resamples,
            seed=o.seed,
            small_sample=o.small_sample,
        )
    except (ValueError, MixedQuestionsError) as exc:
        raise InputError("%(reason)s", reason=str(exc)) from None
    comp.warnings.extend(merged.notices)
    if skipped.problems:
        comp.warnings.append(
            Notice(
                "rows_skipped", {"count": len(skipped.lines), "lines": line_ranges(skipped.lines)}
            )
        )
    return ComparisonReport(
        comp,
        sides["after"].question,
        o.change_date,
        o.touchpoint,
        input_json(path, merged, skipped, o.tz),
        skipped.problems,
    )
