"""Use case: recontacts of a contact export (the document of ``fluide recontacts``).

Reading (:mod:`fluide.ingest.contacts`) turns the file into arrays; the figures
come from :mod:`fluide.domain.recontacts`, the same code the collection
service will run on stored events. ``--answers`` joins a CES export on
``customer_id``: the answers of customers who had just recontacted against
the others, as two ``analyze`` blocks and the difference of their means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from fluide.domain.metrics import DEFAULT_SMALL_SAMPLE, Block, summarize
from fluide.domain.notices import Notice
from fluide.domain.periods import period_range
from fluide.domain.recontacts import (
    DEFAULT_WINDOW_DAYS,
    RBlock,
    block_of,
    blocks_by,
    overall,
    recontacted_answers,
    sequence,
)
from fluide.domain.scales import Question
from fluide.domain.stats import bootstrap_mean_diff
from fluide.exports import (
    ExportOptions,
    answers_spec,
    check_options,
    check_problems,
)
from fluide.i18n import DEFAULT_LANG
from fluide.ingest.answer_rows import answer_rows
from fluide.ingest.contacts import ContactLog, read_contacts
from fluide.ingest.errors import InputError, InputProblem, SkipReport, line_ranges
from fluide.ingest.source import open_source
from fluide.serialize import block_json, notice_json

RESAMPLES = 5000
"""Bootstrap resamples of ``diff_ci95`` (seeded: the same file gives the same interval)."""


@dataclass(frozen=True)
class RecontactOptions:
    """The flags of ``fluide recontacts``."""

    window_days: int = DEFAULT_WINDOW_DAYS
    by: tuple[str, ...] = ()
    tz: str = "UTC"
    skip_invalid: bool = False
    encoding: str = "utf-8"
    delimiter: str | None = None
    sheet: str | None = None
    answers: Path | None = None
    scale: str | None = None
    polarity: str | None = None
    small_sample: int = DEFAULT_SMALL_SAMPLE
    lang: str = DEFAULT_LANG  # settles a CES file's dates that read day- and month-first
    resamples: int = RESAMPLES
    seed: int = 0


@dataclass
class AskedVsShown:
    """CES answers split by whether the customer had just recontacted."""

    question: Question
    recontacted: Block
    not_recontacted: Block
    diff_mean: float | None  # mean(recontacted) − mean(not_recontacted), in scale points
    diff_ci95: tuple[float, float] | None
    resamples: int
    seed: int

    def to_json(self) -> dict[str, Any]:
        return {
            "recontacted": block_json(self.recontacted),
            "not_recontacted": block_json(self.not_recontacted),
            "diff_mean": self.diff_mean,
            "diff_ci95": list(self.diff_ci95) if self.diff_ci95 else None,
        }


@dataclass
class Recontacts:
    window_days: int
    overall: RBlock
    groups: dict[str, list[tuple[str | None, RBlock]]]
    weekly: list[tuple[str, RBlock]]
    answers: AskedVsShown | None
    warnings: list[Notice]
    input: dict[str, Any]
    skipped_problems: list[InputProblem] = field(default_factory=list)

    def to_json(self, lang: str = "fr") -> dict[str, Any]:
        return {
            "window_days": self.window_days,
            "overall": self.overall.to_json(),
            "groups": {
                name: [{"value": v, **b.to_json()} for v, b in rows]
                for name, rows in self.groups.items()
            },
            "weekly": [{"week": w, **b.to_json()} for w, b in self.weekly],
            "answers": None if self.answers is None else self.answers.to_json(),
            "warnings": [notice_json(n, lang) for n in self.warnings],
            "input": self.input,
        }


def check(o: RecontactOptions) -> None:
    check_options(ExportOptions(tz=o.tz))
    if o.window_days < 1:
        raise InputError("--window must be at least 1 day, got %(value)s.", value=o.window_days)
    if o.answers is None and (o.scale or o.polarity):
        raise InputError("--scale and --polarity describe the --answers file; add --answers.")


def recontacts_file(path: Path, o: RecontactOptions) -> Recontacts:
    """Every figure of ``fluide recontacts``; see the issue's definitions."""
    check(o)
    with open_source(path, encoding=o.encoding, delimiter=o.delimiter, sheet=o.sheet) as source:
        log = read_contacts(source, o.by, o.tz, skip_invalid=o.skip_invalid)
    skipped = SkipReport(log.problems)
    warnings: list[Notice] = []
    if skipped.problems:
        warnings.append(
            Notice(
                "rows_skipped", {"count": len(skipped.lines), "lines": line_ranges(skipped.lines)}
            )
        )
    doc = assemble(log, o.window_days)
    if o.answers is not None:
        doc.answers, notes = asked_vs_shown(log, doc, o)
        warnings += notes
    doc.warnings = warnings
    doc.skipped_problems = skipped.problems
    doc.input = _input(path, log, skipped, o.tz)
    return doc


def assemble(
    log: ContactLog,
    window_days: int,
    latest: int | None = None,
    counted: NDArray[np.bool_] | None = None,
) -> Recontacts:
    """Overall, per ``--by`` value (by decreasing contacts, empty last) and per ISO week.

    ``counted`` (the collection service's period) keeps the other contacts for
    judging only: they are someone's next contact but no block counts them.
    """
    s = sequence(log.contacts, window_days, latest)
    n = len(log.contacts)
    keep = np.ones(n, dtype=bool) if counted is None else counted
    groups: dict[str, list[tuple[str | None, RBlock]]] = {}
    for label, (codes, values) in log.groups.items():
        k = len(values)
        # Contacts outside the period go to an extra code whose block is dropped.
        blocks = blocks_by(s, np.where(keep, codes, k), k + 1)[:k]
        rows = [(v, b) for v, b in zip(values, blocks, strict=True) if b.contacts]
        rows.sort(key=lambda r: (-r[1].contacts, r[0] is None, r[0] or ""))
        groups[label] = rows
    weekly: list[tuple[str, RBlock]] = []
    if keep.any():
        weeks = np.unique(log.week[keep])
        codes = np.where(keep, np.searchsorted(weeks, log.week), len(weeks))
        blocks = blocks_by(s, codes, len(weeks) + 1)[: len(weeks)]
        by_week = dict(zip((_week(int(w)) for w in weeks), blocks, strict=True))
        empty = blocks_by(s, np.zeros(0, dtype=np.int64), 1)[0]
        labels = period_range(_week(int(weeks[0])), _week(int(weeks[-1])), "week")
        weekly = [(w, by_week.get(w, empty)) for w in labels]
    return Recontacts(
        window_days=window_days,
        overall=overall(s) if counted is None else block_of(s, keep),
        groups=groups,
        weekly=weekly,
        answers=None,
        warnings=[],
        input={},
    )


def _week(code: int) -> str:
    return f"{code // 100:04d}-W{code % 100:02d}"


def _input(path: Path, log: ContactLog, skipped: SkipReport, tz: str) -> dict[str, Any]:
    at = log.contacts.at

    def day(us: int) -> str:
        return datetime.fromtimestamp(us / 1e6, UTC).astimezone(ZoneInfo(tz)).date().isoformat()

    return {
        "file": path.name,
        "rows": len(at),
        "customers": len(log.customers),
        "skipped": len(skipped.lines),
        "skipped_lines": skipped.lines,
        "tz": tz,
        "first": day(int(at.min())) if len(at) else None,
        "last": day(int(at.max())) if len(at) else None,
    }


def asked_vs_shown(
    log: ContactLog, doc: Recontacts, o: RecontactOptions
) -> tuple[AskedVsShown, list[Notice]]:
    """Read the CES export and split its answers by recent recontact."""
    assert o.answers is not None
    eo = ExportOptions(
        scale=o.scale, polarity=o.polarity, tz=o.tz, skip_invalid=o.skip_invalid, lang=o.lang
    )
    with open_source(o.answers) as source:
        customer = source.column("customer_id")
        if customer is None:
            raise InputError(
                "--answers: the CES file needs a customer_id column to be joined to the "
                "contacts; its columns are: %(columns)s",
                columns=", ".join(h for h in source.header if h != source.row_column),
            )
        spec, problems, date_notes = answers_spec(
            source, eo, empty="--answers: the CES file has no answers."
        )
        q = spec.question
        rows = answer_rows(source, spec, customer)
    try:
        skipped = check_problems(sorted(set(problems + rows.problems)), eo)
    except InputError as exc:
        raise InputError(
            "--answers %(file)s: %(count)s invalid records; nothing was analysed.",
            exc.problems,
            file=o.answers.name,
            count=len({p.line for p in exc.problems}),
        ) from None
    result, unknown = split_answers(
        log,
        doc.window_days,
        rows.customer,
        rows.at,
        rows.score,
        q,
        small_sample=o.small_sample,
        resamples=o.resamples,
        seed=o.seed,
    )
    notes: list[Notice] = list(date_notes)
    if skipped.problems:
        notes.append(
            Notice(
                "answers_rows_skipped",
                {"count": len(skipped.lines), "lines": line_ranges(skipped.lines)},
            )
        )
    if unknown:
        notes.append(Notice("answers_without_customer", {"count": unknown}))
    return result, notes


def recontact_flags(
    log: ContactLog, window_days: int, customers: Sequence[str | None], at: NDArray[np.int64]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Per answer: whether it has a customer, and whether that customer had a recontact
    in the W days before it (the split of :func:`split_answers`, the drivers' feature)."""
    code_of = {c: i for i, c in enumerate(log.customers)}
    known = np.array([c is not None for c in customers], dtype=bool)
    codes = np.array([code_of.get(c, -1) if c is not None else -1 for c in customers])
    s = sequence(log.contacts, window_days)
    flag = recontacted_answers(log.contacts, s, codes.astype(np.int64), at)
    return known, np.asarray(flag, dtype=bool)


def split_answers(
    log: ContactLog,
    window_days: int,
    customers: Sequence[str | None],
    at: NDArray[np.int64],
    scores: NDArray[np.int64],
    q: Question,
    *,
    small_sample: int = DEFAULT_SMALL_SAMPLE,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[AskedVsShown, int]:
    """Answers (customer, epoch µs, point) split by a recontact of their customer in the
    W days before; with how many answers had no customer (left out).

    The file command (``--answers``) and ``GET /v1/recontacts?touchpoint=`` both call it.
    """
    known, flag = recontact_flags(log, window_days, customers, at)
    k = q.k
    first = q.points[0]
    rec = np.bincount(scores[known & flag] - first, minlength=k)
    other = np.bincount(scores[known & ~flag] - first, minlength=k)
    boot = bootstrap_mean_diff(
        [float(p) for p in q.points], other, rec, resamples=resamples, seed=seed
    )
    result = AskedVsShown(
        question=q,
        recontacted=summarize(rec, q, small_sample=small_sample),
        not_recontacted=summarize(other, q, small_sample=small_sample),
        diff_mean=None if boot is None else boot.diff,
        diff_ci95=None if boot is None else boot.ci95,
        resamples=resamples,
        seed=seed,
    )
    return result, int((~known).sum())
