"""Use case: analyse a survey export (the document of ``fluide analyze``).

The result's ``to_json()`` is the document of the CLI contract; the text and
HTML renderers format that same document, so every output shows the same
figures (one data function, several renderers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fluide.domain.metrics import Block
from fluide.domain.notices import Notice
from fluide.domain.periods import PERIOD_KEYS, Period, period_range, pool_thin_periods
from fluide.domain.scales import Question
from fluide.exports import ExportOptions, input_json, mixed_error, scan_all
from fluide.ingest.errors import InputProblem, line_ranges
from fluide.ingest.spec import Progress, Verbatim
from fluide.serialize import block_json, notice_json, scale_json

AnalyzeOptions = ExportOptions
"""The options of ``fluide analyze`` (the reading options, all of them)."""


@dataclass
class Analysis:
    """The result of ``fluide analyze``: figures, warnings, verbatims."""

    questions: list[Question]
    overall: Block
    groups: dict[str, list[tuple[str | None, Block]]]
    periods: dict[Period, list[tuple[str, int, str | None, Block]]]
    versions: dict[str, int]
    verbatims: list[Verbatim]
    warnings: list[Notice]
    input: dict[str, Any]
    skipped_problems: list[InputProblem] = field(default_factory=list)

    @property
    def metric(self) -> str:
        return "mean" if len(self.questions) == 1 else "effort_index"

    def to_json(self, lang: str = "fr") -> dict[str, Any]:
        q = self.questions[0] if len(self.questions) == 1 else None
        scale = scale_json(q, sorted(self.versions)) if q else None
        out: dict[str, Any] = {
            "scale": scale,
            "metric": self.metric,
            "overall": block_json(self.overall),
            "groups": {
                name: [{"value": v, **block_json(b)} for v, b in rows]
                for name, rows in self.groups.items()
            },
        }
        for period, rows in self.periods.items():
            key = PERIOD_KEYS[period]
            out[key] = [
                {
                    period.value: label,
                    "own_n": own,
                    "pooled": pw is not None,
                    "pooled_with": pw,
                    **block_json(b),
                }
                for label, own, pw, b in rows
            ]
        out["warnings"] = [notice_json(n, lang) for n in self.warnings]
        out["verbatims"] = [v.to_json() for v in self.verbatims]
        out["input"] = self.input
        if len(self.questions) > 1:
            out["questions"] = [scale_json(x, []) for x in self.questions]
        return out


def _sorted_groups(table: dict[str | None, NDArray[np.int64]]) -> list[str | None]:
    return sorted(table, key=lambda v: (-int(table[v].sum()), v is None, v or ""))


def analyze_file(path: Path, o: AnalyzeOptions, progress: Progress | None = None) -> Analysis:
    """Analyse an export: overall, per grouping, per period; see the CLI contract."""
    merged, skipped, cols, _source = scan_all(path, o, None, progress)
    if len(merged.questions) > 1 and not o.effort_index:
        raise mixed_error(merged.questions)
    ss = o.small_sample
    overall = merged.block(lambda s: s.overall, ss)
    groups: dict[str, list[tuple[str | None, Block]]] = {}
    for label in cols.by_labels:
        values: dict[str | None, NDArray[np.int64]] = {}
        for s in merged.scans:
            for v, c in s.groups.get(label, {}).items():
                values[v] = values.get(v, 0) + c
        groups[label] = [
            (v, merged.block(lambda s, _v=v, _l=label: s.groups.get(_l, {}).get(_v), ss))
            for v in _sorted_groups(values)
        ]
    warnings: list[Notice] = []
    periods: dict[Period, list[tuple[str, int, str | None, Block]]] = {}
    pooled_total = 0
    for p in (Period(x) for x in o.periods):
        labels: set[str] = set()
        for s in merged.scans:
            labels |= set(s.periods.get(p, {}))
        rows: list[tuple[str, int, str | None, Block]] = []
        if labels:
            full = period_range(min(labels), max(labels), p.value)
            # Pooling is decided on all answers of the period, whatever their question.
            totals = [
                (
                    lab,
                    np.array(
                        [
                            sum(
                                int(s.periods.get(p, {}).get(lab, np.zeros(1)).sum())
                                for s in merged.scans
                            )
                        ]
                    ),
                )
                for lab in full
            ]
            pooled = pool_thin_periods(totals, ss)
            for pc in pooled:
                labs = [pc.label] + ([pc.pooled_with] if pc.pooled_with else [])
                block = merged.block(
                    lambda s, _labs=labs, _p=p: sum(
                        (
                            s.periods.get(_p, {}).get(x, np.zeros(s.k, dtype=np.int64))
                            for x in _labs
                        ),
                        np.zeros(s.k, dtype=np.int64),
                    ),
                    ss,
                )
                rows.append((pc.label, pc.own_n, pc.pooled_with, block))
                pooled_total += pc.pooled
        periods[p] = rows
    if pooled_total:
        warnings.append(Notice("pooled_periods", {"count": pooled_total}))
    versions: dict[str, int] = {}
    for s in merged.scans:
        for v, n in s.versions.items():
            versions[v] = versions.get(v, 0) + n
    if len(versions) > 1:
        warnings.append(Notice("question_versions_mixed", {"versions": sorted(versions)}))
    if overall.small_sample and overall.n > 0:
        warnings.append(Notice("small_sample", {"n": overall.n, "threshold": ss}))
    if skipped.problems:
        warnings.append(
            Notice(
                "rows_skipped", {"count": len(skipped.lines), "lines": line_ranges(skipped.lines)}
            )
        )
    verbatims = sorted(
        (v for s in merged.scans for v in s.verbatims), key=lambda v: v.at, reverse=True
    )
    return Analysis(
        questions=merged.questions,
        overall=overall,
        groups=groups,
        periods=periods,
        versions=versions,
        verbatims=verbatims[: o.verbatims],
        warnings=warnings,
        input=input_json(path, merged, skipped, o.tz),
        skipped_problems=skipped.problems,
    )
