"""Time periods (ISO week, day, month) and the pooling of thin periods.

Small volumes give unstable figures; the seeds' advice is to pool two weeks
when needed. A period whose own n is under the small-sample threshold is shown
pooled with the previous period, and flagged.

>>> period_label(datetime(2026, 8, 3, 23, 30, tzinfo=UTC), "Europe/Paris", "week")
'2026-W32'
>>> period_range("2026-W52", "2027-W02", "week")
['2026-W52', '2026-W53', '2027-W01', '2027-W02']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


PERIOD_KEYS = {Period.DAY: "daily", Period.WEEK: "weekly", Period.MONTH: "monthly"}
"""The JSON key of each period's trend list."""


def period_label(moment: datetime, tz: str, period: str) -> str:
    """The label of the period holding ``moment`` in the time zone ``tz``."""
    if moment.tzinfo is None:
        raise ValueError("period_label needs an aware datetime")
    local = moment.astimezone(ZoneInfo(tz))
    p = Period(period)
    if p is Period.DAY:
        return local.date().isoformat()
    if p is Period.MONTH:
        return f"{local.year:04d}-{local.month:02d}"
    year, week, _ = local.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _start(label: str, period: Period) -> date:
    if period is Period.DAY:
        return date.fromisoformat(label)
    if period is Period.MONTH:
        y, m = label.split("-")
        return date(int(y), int(m), 1)
    y, w = label.split("-W")
    return date.fromisocalendar(int(y), int(w), 1)


def _next(d: date, period: Period) -> date:
    if period is Period.DAY:
        return d + timedelta(days=1)
    if period is Period.WEEK:
        return d + timedelta(days=7)
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _label_of(d: date, period: Period) -> str:
    return period_label(datetime(d.year, d.month, d.day, 12, tzinfo=UTC), "UTC", period)


def period_range(first: str, last: str, period: str) -> list[str]:
    """Every period label from ``first`` to ``last`` inclusive, gaps included."""
    p = Period(period)
    d, end = _start(first, p), _start(last, p)
    out = []
    while d <= end:
        out.append(_label_of(d, p))
        d = _next(d, p)
    return out


@dataclass(frozen=True)
class PeriodCounts:
    """Counts shown for one period: its own, or pooled with the previous one."""

    label: str
    counts: NDArray[np.int64]
    own_n: int
    pooled_with: str | None

    @property
    def pooled(self) -> bool:
        return self.pooled_with is not None


def first_of_last_weeks(day: date, weeks: int) -> date:
    """The Monday that starts the last ``weeks`` ISO weeks up to ``day`` (its week included).

    >>> first_of_last_weeks(date(2026, 11, 25), 2).isoformat()
    '2026-11-16'
    """
    return day - timedelta(days=day.weekday(), weeks=weeks - 1)


def pool_thin_periods(
    periods: Sequence[tuple[str, NDArray[np.int64]]], threshold: int
) -> list[PeriodCounts]:
    """Pool each period under ``threshold`` answers with the previous period.

    Pooling is with the previous period's *own* counts, never a chain: a
    pooled figure always covers exactly two periods. The first period has
    nothing before it and stays alone.

    >>> out = pool_thin_periods([("W1", np.array([40])), ("W2", np.array([5]))], 30)
    >>> [(p.label, int(p.counts.sum()), p.pooled_with) for p in out]
    [('W1', 40, None), ('W2', 45, 'W1')]
    """
    out: list[PeriodCounts] = []
    for i, (label, counts) in enumerate(periods):
        own = int(np.asarray(counts).sum())
        if own < threshold and i > 0:
            prev_label, prev_counts = periods[i - 1]
            out.append(
                PeriodCounts(label, np.asarray(counts) + np.asarray(prev_counts), own, prev_label)
            )
        else:
            out.append(PeriodCounts(label, np.asarray(counts), own, None))
    return out


def local_day_bounds(
    start: date | None, end: date | None, tz: str
) -> tuple[datetime | None, datetime | None]:
    """Inclusive local dates as UTC instants: midnight of ``start`` to midnight after ``end``.

    A date at the very edge of the calendar (year 1 or 9999) is no bound at all.

    >>> local_day_bounds(date(2026, 8, 3), date(2026, 8, 3), "Europe/Paris")[1]
    datetime.datetime(2026, 8, 3, 22, 0, tzinfo=datetime.timezone.utc)
    """
    zone = ZoneInfo(tz)

    def midnight(day: date | None, after: int) -> datetime | None:
        if day is None:
            return None
        try:
            return datetime.combine(day + timedelta(days=after), time(), zone).astimezone(UTC)
        except OverflowError:
            return None

    return midnight(start, 0), midnight(end, 1)
