"""Reading a survey export into counts per question, for the use cases.

An export may state each row's question (scale and polarity columns); each
question gets its own typed scan, and the use cases decide whether the
results may be pooled (they never are silently).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from fluide.domain.metrics import DEFAULT_SMALL_SAMPLE, Block, summarize, summarize_effort_index
from fluide.domain.notices import Notice
from fluide.domain.periods import Period
from fluide.domain.scales import (
    EffortGroups,
    Question,
    ScaleError,
    file_scale_by_key,
    polarity_by_key,
)
from fluide.domain.segments import DEFAULT_NEW_DAYS, TENURE
from fluide.domain.wordings import normalise
from fluide.i18n import DEFAULT_LANG
from fluide.ingest.answers import any_word, check_labels, parse_labels, spellings, word_points
from fluide.ingest.date_column import check_format, choose, choose_full
from fluide.ingest.dates import Choice, allowed_code
from fluide.ingest.discover import discover_questions
from fluide.ingest.errors import InputError, InputProblem, SkipReport
from fluide.ingest.scan import scan
from fluide.ingest.source import Columns, Source, open_source, resolve_columns
from fluide.ingest.spec import Progress, ScanResult, ScanSpec


@dataclass(frozen=True)
class ExportOptions:
    """How to read an export and what to group it by (the CLI flags)."""

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
    # How the time column is written: a strptime format, or None to infer it;
    # ``lang`` decides a column that reads both day-first and month-first.
    date_format: str | None = None
    lang: str = DEFAULT_LANG
    labels: str | None = None  # --labels "Très difficile=1,Difficile=2"
    header_rows: int | None = None  # 1 or 2; None: a second header line is detected


def check_options(o: ExportOptions) -> None:
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
            raise InputError("Unknown period %(value)s; allowed: day, week, month.", value=p)
    if o.date_format is not None:
        check_format(o.date_format)


def question_of(scale: str, polarity: str, o: ExportOptions) -> Question:
    try:
        s, p = file_scale_by_key(scale), polarity_by_key(polarity)
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


def questions_of(
    source: Source, cols: Columns, o: ExportOptions
) -> tuple[list[Question], list[InputProblem]]:
    """The questions the answers are on: from the flags, or stated by the file."""
    if o.scale is not None:
        question_of(o.scale, o.polarity or "effort", o)  # validate the flag early
    if cols.get("scale") is None and cols.get("polarity") is None:
        if o.scale is None or o.polarity is None:
            raise InputError(
                "Say which question the scores answer: --scale (1-5, 1-7, 1-10, emoji-3) and "
                "--polarity (effort: 1 = very low effort; ease: high = easy), or add scale and "
                "polarity columns to the file."
            )
        return [question_of(o.scale, o.polarity, o)], []
    combos, problems = discover_questions(source, cols, o.touchpoint)
    questions: list[Question] = []
    for (scale, polarity), _n in sorted(combos.items(), key=lambda kv: -kv[1]):
        s = scale or o.scale
        p = polarity or o.polarity
        if s is None or p is None:
            raise InputError(
                "The file gives %(given)s but not %(missing)s; "
                "add the %(missing)s column or the --%(missing)s flag.",
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
        q = question_of(s, p, o)
        if q.key not in {x.key for x in questions}:  # empty cells join the flags' question
            questions.append(q)
    return questions, problems


def mixed_error(questions: Sequence[Question]) -> InputError:
    return InputError(
        "The answers are on different scales or polarities (%(questions)s) and cannot be "
        "pooled. Analyse one at a time with --touchpoint, or add --effort-index to compare "
        "them on the 0-100 effort index.",
        questions=", ".join(q.describe() for q in questions),
    )


def answer_test(o: ExportOptions, labels: Mapping[str, int]) -> Callable[[str], bool]:
    """Whether a cell is an answer: of the flags' question, or of any scale without them."""
    if o.scale is not None:
        q = question_of(o.scale, o.polarity or "effort", o)
        accepted = {t for t, _ in spellings(q, labels)}
        words = word_points(q, labels)
    else:
        accepted = {str(p) for p in range(1, 11)}
        accepted |= {f"{p}{sep}0" for p in range(1, 11) for sep in ".,"}
        words = dict.fromkeys(any_word() | {normalise(x) for x in labels}, 0)
    return lambda v: v in accepted or normalise(v) in words


def open_export(path: Path, o: ExportOptions) -> AbstractContextManager[Source]:
    """``path`` opened with the reading options (encoding, delimiter, sheet, header lines)."""
    return open_source(
        path, encoding=o.encoding, delimiter=o.delimiter, sheet=o.sheet, header_rows=o.header_rows
    )


def check_problems(problems: list[InputProblem], o: ExportOptions) -> SkipReport:
    if problems and not o.skip_invalid:
        raise InputError(
            "%(count)s invalid records; nothing was analysed.",
            problems,
            count=len({p.line for p in problems}),
        )
    return SkipReport(problems)


@dataclass
class Invited:
    """Invitations and how many of them were answered: the response rate's counts.

    Per group value, as ``(invited, answered)``. A plain export knows no
    invitations (``Scanned.invited`` is ``None``); the collection service does.
    """

    overall: tuple[int, int]
    groups: dict[str, dict[str | None, tuple[int, int]]] = field(default_factory=dict)


@dataclass
class Scanned:
    """Counts of every scan (one per question), kept per question.

    The one input of the analysis (`fluide.analysis.assemble`), whatever the
    answers were read from: a file here, the database in the metrics service.
    ``by`` names the groupings asked for, in output order.
    """

    questions: list[Question]
    scans: list[ScanResult]
    by: Sequence[str] = ()
    invited: Invited | None = None
    notices: list[Notice] = field(default_factory=list)  # about the reading (ambiguous dates)

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


def scan_all(
    path: Path,
    o: ExportOptions,
    change_at: datetime | None,
    progress: Progress | None,
    *,
    answer_groups: bool = False,
    answers_window: tuple[datetime, datetime] | None = None,
) -> tuple[Scanned, SkipReport, Columns, Source]:
    """Scan every question of the export; see :class:`~fluide.ingest.spec.ScanSpec`.

    ``answer_groups`` also reads the answers of two weeks one group at a time
    (the last two, or ``answers_window``), when the file has comments.
    """
    check_options(o)
    labels = parse_labels(o.labels)
    with open_export(path, o) as source:
        fits = answer_test(o, labels)
        cols = resolve_columns(source, o.mapping, o.by, derived=(TENURE,), fits=fits)
        dates = choose(source, cols.fields["responded_at"], date_format=o.date_format, lang=o.lang)
        questions, problems = questions_of(source, cols, o)
        if not questions:
            questions = (
                [question_of(o.scale or "1-7", o.polarity or "effort", o)] if o.scale else []
            )
        if not questions:
            raise InputError("No answers to analyse.")
        for q in questions:
            check_labels(labels, q)
        scan_one = partial(
            _scan_questions,
            source,
            cols,
            questions,
            o,
            change_at,
            progress,
            answer_groups=answer_groups,
            answers_window=answers_window,
            labels=labels,
        )
        scans, scan_problems = scan_one(dates)
        column = cols.fields["responded_at"]
        if dates.sampled and any(
            p.field == column and p.kind == "bad_datetime" for p in scan_problems
        ):
            # The first values misled: choose from the whole column, and say so.
            full = choose_full(source, column, lang=o.lang)
            if full.reading != dates.reading:
                scans, scan_problems = scan_one(full)
            else:
                code = allowed_code(full, column)
                scan_problems = [
                    replace(p, allowed=code) if p.field == column and p.kind in DATE_KINDS else p
                    for p in scan_problems
                ]
            dates = full
        elif dates.ambiguous and max(s.max_day or 0 for s in scans) > 12:
            dates = replace(dates, ambiguous=False, rule="only_fit")
        report = check_problems(sorted(set(problems + scan_problems)), o)
        notices = [dates_notice(dates, column)] if dates.ambiguous else []
        return Scanned(questions, scans, cols.by_labels, notices=notices), report, cols, source


DATE_KINDS = ("bad_datetime", "empty")


def answers_spec(
    source: Source, o: ExportOptions, *, empty: str
) -> tuple[ScanSpec, list[InputProblem], list[Notice]]:
    """How to read a one-question export answer by answer (``--answers``, ``loyalty``,
    ``drivers``): its columns, its one question (several are refused, as in ``analyze``),
    and the reading of its whole time column (with the notice of an ambiguous one);
    ``empty`` is the error when it has no answers.
    """
    cols = resolve_columns(source, o.mapping, ())
    # The whole column: such a file is read once, with no second scan to settle it.
    dates = choose_full(source, cols.fields["responded_at"], lang=o.lang)
    questions, problems = questions_of(source, cols, o)
    if len(questions) > 1:
        raise mixed_error(questions)
    if not questions:
        raise InputError(empty)
    q = questions[0]
    spec = ScanSpec(
        question=q,
        tz=o.tz,
        columns=cols,
        only_scale=q.scale.key if cols.get("scale") else None,
        only_polarity=q.polarity.value if cols.get("polarity") else None,
        takes_empty_scale=True,
        takes_empty_polarity=True,
        dates=dates,
    )
    notices = [dates_notice(dates, cols.fields["responded_at"])] if dates.ambiguous else []
    return spec, problems, notices


def _scan_questions(
    source: Source,
    cols: Columns,
    questions: list[Question],
    o: ExportOptions,
    change_at: datetime | None,
    progress: Progress | None,
    dates: Choice,
    *,
    answer_groups: bool,
    answers_window: tuple[datetime, datetime] | None,
    labels: Mapping[str, int],
) -> tuple[list[ScanResult], list[InputProblem]]:
    """One scan per question, with the time column read as ``dates``."""
    scans, problems = [], []
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
            answer_groups=answer_groups and cols.get("comment") is not None,
            answers_window=answers_window,
            dates=dates,
            labels=labels,
        )

        def sub(x: float, _i: int = i) -> None:
            if progress is not None:
                progress((_i + x) / len(questions))

        result = scan(source, spec, sub if progress else None)
        problems += result.problems
        scans.append(result)
    return scans, problems


def dates_notice(choice: Choice, column: str) -> Notice:
    """The warning for a column read one way when the other order fitted too."""
    return Notice(
        "dates_ambiguous",
        {
            "column": column,
            "reading": choice.reading.kind,
            "format": choice.reading.format or "",
            "rule": choice.rule,
        },
    )


def input_json(path: Path, merged: Scanned, skipped: SkipReport, tz: str) -> dict[str, Any]:
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
