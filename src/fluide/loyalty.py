"""Use case: what happened to customers after they answered (``fluide loyalty``).

The CES export is read as ``analyze`` reads it (date readings, wordings,
rejects by line; :func:`read_answers`), the outcomes file with the same
machinery (:mod:`fluide.ingest.outcomes`); the figures come from
:mod:`fluide.domain.loyalty`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fluide.domain import loyalty as dl
from fluide.domain.notices import Notice
from fluide.domain.scales import Question
from fluide.exports import (
    ExportOptions,
    answers_spec,
    check_options,
    check_problems,
    dates_notice,
)
from fluide.i18n import DEFAULT_LANG
from fluide.ingest.answer_rows import AnswerRows, answer_rows
from fluide.ingest.errors import InputError, InputProblem, SkipReport, line_ranges
from fluide.ingest.outcomes import read_outcomes
from fluide.ingest.source import open_source
from fluide.serialize import notice_json


@dataclass(frozen=True)
class ReadOptions:
    """How to read a CES export one answer at a time."""

    scale: str | None = None
    polarity: str | None = None
    tz: str = "UTC"
    skip_invalid: bool = False
    encoding: str = "utf-8"
    delimiter: str | None = None
    sheet: str | None = None
    lang: str = DEFAULT_LANG


@dataclass
class Answers:
    question: Question
    rows: AnswerRows
    notices: list[Notice]
    skipped: SkipReport
    columns: dict[str, str]  # asked name -> header, for --by / --features


def read_answers(
    path: Path, o: ReadOptions, *, customer: bool, extra: Sequence[str], flag: str
) -> Answers:
    """Every valid answer of a one-question CES export, with ``extra`` columns as text.

    ``flag`` names the option that asked for ``extra`` (``--by``, ``--features``)
    in the error for a column the file does not have.
    """
    eo = ExportOptions(
        scale=o.scale, polarity=o.polarity, tz=o.tz, skip_invalid=o.skip_invalid, lang=o.lang
    )
    check_options(eo)
    with open_source(path, encoding=o.encoding, delimiter=o.delimiter, sheet=o.sheet) as source:
        visible = [h for h in source.header if h != source.row_column]
        cu = source.column("customer_id")
        if customer and cu is None:
            raise InputError(
                "The CES file needs a customer_id column to be joined to the outcomes; "
                "its columns are: %(columns)s",
                columns=", ".join(visible),
            )
        columns: dict[str, str] = {}
        for name in extra:
            actual = source.column(name)
            if actual is None or actual == source.row_column:
                raise InputError(
                    "%(flag)s %(name)s: the file has no such column; its columns are: %(columns)s",
                    flag=flag,
                    name=name,
                    columns=", ".join(visible),
                )
            columns[name.strip()] = actual
        spec, problems, notes = answers_spec(source, eo, empty="No answers to analyse.")
        q = spec.question
        rows = answer_rows(
            source, spec, cu if customer else None, list(dict.fromkeys(columns.values()))
        )
    skipped = check_problems(sorted(set(problems + rows.problems)), eo)
    if skipped.problems:
        notes.append(
            Notice(
                "rows_skipped", {"count": len(skipped.lines), "lines": line_ranges(skipped.lines)}
            )
        )
    return Answers(q, rows, notes, skipped, columns)


@dataclass(frozen=True)
class LoyaltyOptions:
    read: ReadOptions = field(default_factory=ReadOptions)
    event: str = "churned"
    horizon_days: int = dl.DEFAULT_HORIZON_DAYS
    until: str | None = None
    by: tuple[str, ...] = ()


@dataclass
class Loyalty:
    doc: dict[str, Any]
    skipped_problems: list[InputProblem]


def parse_until(value: str, tz: str) -> datetime:
    """``--until``: an ISO 8601 date or time; without an offset, in ``--tz``."""
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            "--until %(value)s is not a date or time; write it as 2026-06-30 or 2026-06-30T18:00.",
            value=value,
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=ZoneInfo(tz))


def _us(t: datetime) -> int:
    delta = t.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _iso(us: int, tz: str) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).astimezone(ZoneInfo(tz)).isoformat()


def loyalty_file(path: Path, outcomes_path: Path, o: LoyaltyOptions) -> Loyalty:
    """Every figure of ``fluide loyalty``; see the issue's definitions."""
    r = o.read
    if o.horizon_days < 1:
        raise InputError("--horizon must be at least 1 day, got %(value)s.", value=o.horizon_days)
    check_options(ExportOptions(tz=r.tz))
    until = parse_until(o.until, r.tz) if o.until else None
    a = read_answers(path, r, customer=True, extra=o.by, flag="--by")
    with open_source(
        outcomes_path, encoding=r.encoding, delimiter=r.delimiter, sheet=r.sheet
    ) as source:
        out = read_outcomes(source, r.tz, r.lang)
    try:
        out_skipped = check_problems(
            out.problems, ExportOptions(tz=r.tz, skip_invalid=r.skip_invalid)
        )
    except InputError as exc:
        raise InputError(
            "--outcomes %(file)s: %(count)s invalid records; nothing was analysed.",
            exc.problems,
            file=outcomes_path.name,
            count=len({p.line for p in exc.problems}),
        ) from None
    notes = list(a.notices)
    if out.dates.ambiguous:
        notes.append(dates_notice(out.dates, "occurred_at"))
    if out_skipped.problems:
        notes.append(
            Notice(
                "outcomes_rows_skipped",
                {"count": len(out_skipped.lines), "lines": line_ranges(out_skipped.lines)},
            )
        )
    rows = a.rows
    found = dl.study(
        a.question,
        answer_customer=rows.customer,
        answer_at=rows.at,
        score=rows.score,
        outcome_customer=out.customer,
        outcome_at=out.at,
        outcome_type=out.outcome,
        event=o.event,
        horizon_days=o.horizon_days,
        until_us=_us(until) if until is not None else None,
        by={name: rows.extra[header] for name, header in a.columns.items()},
    )
    notes += found.notices
    q = a.question
    doc = {
        "event": o.event,
        "horizon_days": o.horizon_days,
        "until": None if found.end_us is None else _iso(found.end_us, r.tz),
        **found.doc,
        "warnings": [notice_json(n, r.lang) for n in notes],
        "input": {
            "file": path.name,
            "outcomes_file": outcomes_path.name,
            "scale": q.scale.key,
            "polarity": q.polarity.value,
            "rows": len(rows.at),
            "outcome_rows": len(out.at),
            "events": found.events,
            "skipped": len(a.skipped.lines),
            "skipped_lines": a.skipped.lines,
            "outcomes_skipped": len(out_skipped.lines),
            "outcomes_skipped_lines": out_skipped.lines,
            "tz": r.tz,
            "first": _iso(int(rows.at.min()), r.tz)[:10] if len(rows.at) else None,
            "last": _iso(int(rows.at.max()), r.tz)[:10] if len(rows.at) else None,
        },
    }
    return Loyalty(doc, a.skipped.problems + out_skipped.problems)
