"""Use cases on a survey export: analyse it, or compare before/after a date.

Each returns one result object whose ``to_json()`` is the document of the CLI
contract; the text and HTML renderers format that same document, so every
output shows the same figures (one data function, several renderers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from fluide.domain.compare import Comparison, Side, compare
from fluide.domain.metrics import (
    DEFAULT_SMALL_SAMPLE,
    Block,
    MixedQuestionsError,
    summarize,
    summarize_effort_index,
)
from fluide.domain.notices import Notice
from fluide.domain.periods import PERIOD_KEYS, Period, period_range, pool_thin_periods
from fluide.domain.scales import EffortGroups, Question, ScaleError, polarity_by_key, scale_by_key
from fluide.domain.segments import DEFAULT_NEW_DAYS, TENURE
from fluide.ingest.errors import InputError, InputProblem, SkipReport, line_ranges
from fluide.ingest.scan import Progress, ScanResult, ScanSpec, discover_questions, scan
from fluide.ingest.source import Columns, Source, open_source, resolve_columns
from fluide.serialize import block_json, notice_json, scale_json


@dataclass(frozen=True)
class AnalyzeOptions:
    scale: str | None = None
    polarity: str | None = None
    by: Sequence[str] = ()
    tz: str = "UTC"
    periods: Sequence[str] = ("week",)
    touchpoint: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    new_days: int = DEFAULT_NEW_DAYS
    small_sample: int = DEFAULT_SMALL_SAMPLE
    skip_invalid: bool = False
    effort_index: bool = False
    low_max: int | None = None
    high_min: int | None = None
    encoding: str = "utf-8"
    delimiter: str | None = None
    sheet: str | None = None
    verbatims: int = 10


@dataclass(frozen=True)
class CompareOptions(AnalyzeOptions):
    change_date: date | None = None
    resamples: int = 5000
    seed: int = 0


def _check_options(o: AnalyzeOptions) -> None:
    try:
        ZoneInfo(o.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            "Unknown time zone %(tz)s; use an IANA name such as Europe/Paris or UTC.", tz=o.tz
        ) from None
    if o.small_sample < 1:
        raise InputError("--small-sample must be at least 1, got %(value)s.", value=o.small_sample)
    if o.new_days < 1:
        raise InputError("--new-days must be at least 1, got %(value)s.", value=o.new_days)
    for p in o.periods:
        if p not in {x.value for x in Period}:
            raise InputError(
                "Unknown period %(value)s; allowed: day, week, month.", value=p
            )


def _question(scale: str, polarity: str, o: AnalyzeOptions) -> Question:
    try:
        s, p = scale_by_key(scale), polarity_by_key(polarity)
        if o.low_max is not None or o.high_min is not None:
            base = Question(s, p).groups
            groups = EffortGroups(
                o.low_max if o.low_max is not None else base.low_max,
                o.high_min if o.high_min is not None else base.high_min,
            )
            return Question(s, p, groups)
        return Question(s, p)
    except ScaleError as exc:
        raise InputError("%(reason)s", reason=str(exc)) from None


def _questions(source: Source, cols: Columns, o: AnalyzeOptions) -> tuple[list[Question], list[InputProblem]]:
    """The questions the answers are on: from the flags, or stated by the file."""
    if o.scale is not None:
        _question(o.scale, o.polarity or "effort", o)  # validate the flag early
    if cols.get("scale") is None and cols.get("polarity") is None:
        if o.scale is None or o.polarity is None:
            raise InputError(
                "Say which question the scores answer: --scale (1-5, 1-7, 1-10, emoji-3) and "
                "--polarity (effort: 1 = very low effort; ease: high = easy), or add scale and "
                "polarity columns to the file."
            )
        return [_question(o.scale, o.polarity, o)], []
    combos, problems = discover_questions(source, cols, o.touchpoint)
    questions: list[Question] = []
    for (scale, polarity), _n in sorted(combos.items(), key=lambda kv: -kv[1]):
        s = scale or o.scale
        p = polarity or o.polarity
        if s is None or p is None:
            raise InputError(
                "The file gives %(given)s but not %(missing)s; add the %(missing)s column or the --%(missing)s flag.",
                given="scale" if scale else "polarity",
                missing="polarity" if scale else "scale",
            )
        if (o.scale and s != o.scale) or (o.polarity and p != o.polarity):
            raise InputError(
                "The file says %(n)s answers are on %(file)s, but the flags say %(flags)s. "
                "Leave the flags out to use the file's own, or choose rows with --touchpoint.",
                n=_n,
                file=f"{s} ({p})",
                flags=f"{o.scale or s} ({o.polarity or p})",
            )
        q = _question(s, p, o)
        if q.key not in {x.key for x in questions}:  # empty cells join the flags' question
            questions.append(q)
    return questions, problems


def _mixed_error(questions: Sequence[Question]) -> InputError:
    return InputError(
        "The answers are on different scales or polarities (%(questions)s) and cannot be "
        "pooled. Analyse one at a time with --touchpoint, or add --effort-index to compare "
        "them on the 0-100 effort index.",
        questions=", ".join(q.describe() for q in questions),
    )


def _check_problems(problems: list[InputProblem], o: AnalyzeOptions) -> SkipReport:
    if problems and not o.skip_invalid:
        raise InputError("%(count)s invalid records; nothing was analysed.", problems, count=len({p.line for p in problems}))
    return SkipReport(problems)


@dataclass
class _Merged:
    """Counts of every scan (one per question), kept per question."""

    questions: list[Question]
    scans: list[ScanResult]

    def parts(self, pick: Any) -> list[tuple[Question, NDArray[np.int64]]]:
        out = []
        for q, s in zip(self.questions, self.scans, strict=True):
            c = pick(s)
            out.append((q, c if c is not None else np.zeros(q.k, dtype=np.int64)))
        return out

    def block(self, pick: Any, small_sample: int) -> Block:
        parts = self.parts(pick)
        if len(self.questions) == 1:
            return summarize(parts[0][1], parts[0][0], small_sample=small_sample)
        return summarize_effort_index(parts, small_sample=small_sample)


def _scan_all(
    path: Path, o: AnalyzeOptions, change_at: datetime | None, progress: Progress | None
) -> tuple[_Merged, SkipReport, Columns, Source]:
    _check_options(o)
    with open_source(path, encoding=o.encoding, delimiter=o.delimiter, sheet=o.sheet) as source:
        cols = resolve_columns(source, o.mapping, o.by, derived=(TENURE,))
        questions, problems = _questions(source, cols, o)
        if not questions:
            questions = [_question(o.scale or "1-7", o.polarity or "effort", o)] if o.scale else []
        if not questions:
            raise InputError("No answers to analyse.")
        scans = []
        for i, q in enumerate(questions):
            spec = ScanSpec(
                question=q,
                tz=o.tz,
                columns=cols,
                periods=tuple(Period(p) for p in o.periods),
                touchpoint=o.touchpoint,
                new_days=o.new_days,
                change_at=change_at,
                verbatims=o.verbatims,
                only_scale=q.scale.key if cols.get("scale") else None,
                only_polarity=q.polarity.value if cols.get("polarity") else None,
                takes_empty_scale=q.scale.key == o.scale,
                takes_empty_polarity=q.polarity.value == o.polarity,
            )
            def sub(x: float, _i: int = i) -> None:
                if progress is not None:
                    progress((_i + x) / len(questions))
            result = scan(source, spec, sub if progress else None)
            problems += result.problems
            scans.append(result)
        report = _check_problems(sorted(set(problems)), o)
        return _Merged(questions, scans), report, cols, source


def _input_json(path: Path, merged: _Merged, skipped: SkipReport, tz: str) -> dict[str, Any]:
    firsts = [s.first for s in merged.scans if s.first]
    lasts = [s.last for s in merged.scans if s.last]
    zone = ZoneInfo(tz)
    return {
        "file": path.name,
        "rows": sum(s.rows for s in merged.scans),
        "skipped": len(skipped.lines),
        "skipped_lines": skipped.lines,
        "tz": tz,
        "first": min(firsts).astimezone(zone).date().isoformat() if firsts else None,
        "last": max(lasts).astimezone(zone).date().isoformat() if lasts else None,
    }


@dataclass
class Analysis:
    """The result of ``fluide analyze``: figures, warnings, verbatims."""

    questions: list[Question]
    overall: Block
    groups: dict[str, list[tuple[str | None, Block]]]
    periods: dict[Period, list[tuple[str, int, str | None, Block]]]
    versions: dict[str, int]
    verbatims: list[dict[str, object]]
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
                name: [{"value": v, **block_json(b)} for v, b in rows] for name, rows in self.groups.items()
            },
        }
        for period, rows in self.periods.items():
            key = PERIOD_KEYS[period]
            out[key] = [
                {period.value: label, "own_n": own, "pooled": pw is not None, "pooled_with": pw, **block_json(b)}
                for label, own, pw, b in rows
            ]
        out["warnings"] = [notice_json(n, lang) for n in self.warnings]
        out["verbatims"] = [{k: v for k, v in x.items() if not k.startswith("_")} for x in self.verbatims]
        out["input"] = self.input
        if len(self.questions) > 1:
            out["questions"] = [scale_json(x, []) for x in self.questions]
        return out


def _sorted_groups(table: dict[str | None, NDArray[np.int64]]) -> list[str | None]:
    return sorted(table, key=lambda v: (-int(table[v].sum()), v is None, v or ""))


def analyze_file(path: Path, o: AnalyzeOptions, progress: Progress | None = None) -> Analysis:
    """Analyse an export: overall, per grouping, per period; see the CLI contract."""
    merged, skipped, cols, _source = _scan_all(path, o, None, progress)
    if len(merged.questions) > 1 and not o.effort_index:
        raise _mixed_error(merged.questions)
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
                (lab, np.array([sum(int(s.periods.get(p, {}).get(lab, np.zeros(1)).sum()) for s in merged.scans)]))
                for lab in full
            ]
            pooled = pool_thin_periods(totals, ss)
            for pc in pooled:
                labs = [pc.label] + ([pc.pooled_with] if pc.pooled_with else [])
                block = merged.block(
                    lambda s, _labs=labs, _p=p: sum(
                        (s.periods.get(_p, {}).get(x, np.zeros(s.k, dtype=np.int64)) for x in _labs),
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
        warnings.append(Notice("rows_skipped", {"count": len(skipped.lines), "lines": line_ranges(skipped.lines)}))
    verbatims = sorted((v for s in merged.scans for v in s.verbatims), key=lambda v: v["_at"], reverse=True)  # type: ignore[arg-type,return-value]
    return Analysis(
        questions=merged.questions,
        overall=overall,
        groups=groups,
        periods=periods,
        versions=versions,
        verbatims=verbatims[: o.verbatims],
        warnings=warnings,
        input=_input_json(path, merged, skipped, o.tz),
        skipped_problems=skipped.problems,
    )


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


def compare_file(path: Path, o: CompareOptions, progress: Progress | None = None) -> ComparisonReport:
    """Before vs on/after ``o.change_date`` (local midnight in ``o.tz``)."""
    if o.change_date is None:
        raise InputError("--change-date is required (YYYY-MM-DD).")
    _check_options(o)
    change_at = datetime(o.change_date.year, o.change_date.month, o.change_date.day, tzinfo=ZoneInfo(o.tz))
    o2 = CompareOptions(**{**o.__dict__, "by": (), "periods": ()})
    merged, skipped, _cols, _src = _scan_all(path, o2, change_at, progress)
    sides: dict[str, Side] = {}
    for name in ("before", "after"):
        present = [(q, s) for q, s in zip(merged.questions, merged.scans, strict=True) if name in s.sides]
        if len(present) > 1:
            raise _mixed_error([q for q, _ in present])
        q, s = present[0] if present else (merged.questions[0], merged.scans[0])
        counts = s.sides.get(name, np.zeros(q.k, dtype=np.int64))
        sides[name] = Side(q, counts, frozenset(s.side_versions.get(name, set())))
    try:
        comp = compare(sides["before"], sides["after"], resamples=o.resamples, seed=o.seed, small_sample=o.small_sample)
    except (ValueError, MixedQuestionsError) as exc:
        raise InputError("%(reason)s", reason=str(exc)) from None
    if skipped.problems:
        comp.warnings.append(Notice("rows_skipped", {"count": len(skipped.lines), "lines": line_ranges(skipped.lines)}))
    return ComparisonReport(
        comp, sides["after"].question, o.change_date, o.touchpoint,
        _input_json(path, merged, skipped, o.tz), skipped.problems,
    )
