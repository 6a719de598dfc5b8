"""Use case: analyse answers (the document of ``fluide analyze`` and ``GET /v1/metrics``).

Reading is apart from computing: :func:`analyze_file` reads an export into
per-question counts (:class:`~fluide.exports.Scanned`), the metrics service
reads the same counts from the database, and both hand them to
:func:`assemble`, so the CLI, the API and the reports show the same figures.
The result's ``to_json()`` is the document of the CLI contract; the text and
HTML renderers format that same document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fluide.domain.frictions import (
    TaggedAnswer,
    WeeklyFrictions,
    latest_week,
    previous_iso_week,
    two_weeks_bounds,
    weekly_frictions,
)
from fluide.domain.metrics import Block, ResponseRate
from fluide.domain.notices import Notice
from fluide.domain.periods import (
    PERIOD_KEYS,
    Period,
    period_range,
    pool_thin_periods,
)
from fluide.domain.scales import Question
from fluide.exports import (
    ExportOptions,
    Scanned,
    check_options,
    input_json,
    mixed_error,
    scan_all,
)
from fluide.ingest.errors import InputError, InputProblem, SkipReport, line_ranges
from fluide.ingest.spec import Progress, Verbatim
from fluide.serialize import block_json, notice_json, scale_json

if TYPE_CHECKING:
    from fluide.tagging import Tagger


@dataclass(frozen=True)
class AnalyzeOptions(ExportOptions):
    """The options of ``fluide analyze``: the reading options, and the week's frictions.

    ``frictions``: rank the friction tags of the week's comments (when the
    file has comments); ``week``: that ISO week (``2026-W47``), by default
    the latest week with answers.
    """

    frictions: bool = True
    week: str | None = None


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
    frictions: WeeklyFrictions | None = None

    @property
    def metric(self) -> str:
        return "effort_index" if len(self.questions) > 1 else "mean"

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
        if self.frictions is not None:
            out["frictions"] = self.frictions.to_json()
        out["input"] = self.input
        if len(self.questions) > 1:
            out["questions"] = [scale_json(x, []) for x in self.questions]
        return out


def analyze_file(
    path: Path,
    o: AnalyzeOptions,
    progress: Progress | None = None,
    tagger: Callable[[], Tagger] | None = None,
    on_tagging: Callable[[int], None] | None = None,
) -> Analysis:
    """Analyse an export: overall, per grouping, per period; see the CLI contract.

    With ``o.frictions`` and comments in the file, the same scan also reads
    the answers of the target week and the week before, and only their
    comments are tagged, by ``tagger()`` (default:
    :func:`fluide.tagging.default_tagger`).
    """
    check_options(o)
    window = week_window(o.week, o.tz) if o.week is not None else None
    merged, skipped, _cols, _source = scan_all(
        path,
        o,
        None,
        progress,
        answer_groups=o.frictions,
        answers_window=window if o.frictions else None,
    )
    if len(merged.questions) > 1 and not o.effort_index:
        raise mixed_error(merged.questions)
    analysis = assemble(merged, o, input_json(path, merged, skipped, o.tz), skipped)
    if o.frictions:
        analysis.frictions = frictions_of(merged, o.week, tagger, on_tagging)
    return analysis


def week_window(week: str, tz: str) -> tuple[datetime, datetime]:
    """From the local midnight starting the week before ``week`` to the one ending ``week``."""
    try:
        return two_weeks_bounds(week, tz)
    except ValueError:
        raise InputError(
            "--week must be an ISO week such as 2026-W47, got %(value)s.", value=week
        ) from None


def frictions_of(
    merged: Scanned,
    week: str | None,
    tagger: Callable[[], Tagger] | None = None,
    on_tagging: Callable[[int], None] | None = None,
) -> WeeklyFrictions | None:
    """The week's top frictions, from the scans' answer groups.

    ``None`` when the two weeks have no comment (or the file none at all):
    then nothing is tagged and the tagger is not even loaded. Identical
    comments are tagged once.
    """
    answers = [
        TaggedAnswer(
            touchpoint=g.touchpoint,
            week=g.week,
            effort_index=q.effort_index_of(g.score),
            tags=(),
            comment=g.comment,
            responded_at=g.responded_at,
            score=g.score,
            count=g.count,
        )
        for q, s in zip(merged.questions, merged.scans, strict=True)
        for g in s.answer_groups
    ]
    target = week or latest_week(answers)
    if target is None:
        return None
    weeks = (target, previous_iso_week(target))
    answers = [a for a in answers if a.week in weeks]
    texts = sorted({a.comment.strip() for a in answers if a.comment and a.has_comment})
    if not texts:
        return None
    if tagger is None:
        from fluide import tagging  # the model loads only when there is something to tag

        tagger = tagging.default_tagger
    if on_tagging is not None:
        on_tagging(len(texts))  # about 25 ms a comment on two cores: say so before a long wait
    t = tagger()
    tags = {text: p.tags for text, p in zip(texts, t.predict(texts), strict=True)}
    tagged = [
        replace(a, tags=tags[a.comment.strip()]) if a.comment and a.has_comment else a
        for a in answers
    ]
    return weekly_frictions(tagged, target, tagger="model" if t.embedder is not None else "rules")


def assemble(
    merged: Scanned,
    o: AnalyzeOptions,
    input_doc: dict[str, Any],
    skipped: SkipReport | None = None,
) -> Analysis:
    """Every figure of an analysis, from per-question counts, wherever they were read.

    The caller has already refused pooling different questions unless
    ``o.effort_index`` (it words the refusal for its own users). Uses
    ``o.small_sample``, ``o.periods`` and ``o.verbatims``; groupings are
    ``merged.by``. Response rates appear where ``merged.invited`` is known:
    overall and per group, not per period.
    """
    skipped = skipped or SkipReport()
    ss = o.small_sample
    invited = merged.invited
    overall = _rated(merged.block(lambda s: s.overall, ss), invited.overall if invited else None)
    groups = {label: _group_rows(merged, label, ss) for label in merged.by}
    periods, pooled_total = _periods(merged, o)
    warnings: list[Notice] = list(merged.notices)
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
        input=input_doc,
        skipped_problems=skipped.problems,
    )


def _rated(block: Block, counts: tuple[int, int] | None) -> Block:
    """The block with its response rate, from ``(invited, answered)`` when known.

    The rate follows the invitations of the window (answered or not), so it
    may count an answer the block does not (an invitation sent just before
    the window, answered inside it) and never exceeds 1.
    """
    if counts is None:
        return block
    invited, answered = counts
    return replace(block, response_rate=ResponseRate.of(answered, invited))


def _group_rows(merged: Scanned, label: str, ss: int) -> list[tuple[str | None, Block]]:
    """One block per value, by decreasing n; values only invited (n = 0) come last."""
    totals: dict[str | None, int] = {}
    for s in merged.scans:
        for v, c in s.groups.get(label, {}).items():
            totals[v] = totals.get(v, 0) + int(c.sum())
    invited = merged.invited.groups.get(label, {}) if merged.invited else None
    for v in invited or {}:
        totals.setdefault(v, 0)
    order = sorted(totals, key=lambda v: (-totals[v], v is None, v or ""))
    return [
        (
            v,
            _rated(
                merged.block(lambda s, _v=v: s.groups.get(label, {}).get(_v), ss),
                None if invited is None else invited.get(v, (0, 0)),
            ),
        )
        for v in order
    ]


def _periods(
    merged: Scanned, o: AnalyzeOptions
) -> tuple[dict[Period, list[tuple[str, int, str | None, Block]]], int]:
    """Each trend, every period from the first to the last, thin ones pooled."""
    ss = o.small_sample
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
            for pc in pool_thin_periods(totals, ss):
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
    return periods, pooled_total
