"""The dates a request may name: years 2000 to 2100.

Dates far off (year 1, year 9999) overflow as soon as a week is added or a
time zone applied. Fluide measures customer effort now: a fixed, documented
range keeps every computation inside the calendar, and a date outside it is
refused with the range, never a 500.

>>> check_day(date(2026, 3, 2))
datetime.date(2026, 3, 2)
>>> check_day(date(1, 1, 1))
Traceback (most recent call last):
...
fluide.domain.date_range.OutOfRange: 0001-01-01 is out of range: dates go from 2000-01-01 to 2100-12-31.
"""  # noqa: E501

from __future__ import annotations

from datetime import date
from typing import Any, Final

from fluide.i18n import N_

FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
FIRST_DAY: Final = date(FIRST_YEAR, 1, 1)
LAST_DAY: Final = date(LAST_YEAR, 12, 31)
FIRST_WEEK: Final = f"{FIRST_YEAR}-W01"
LAST_WEEK: Final = "{:04d}-W{:02d}".format(*LAST_DAY.isocalendar()[:2])

DAY_OUT_OF_RANGE: Final = N_("%(value)s is out of range: dates go from %(first)s to %(last)s.")
WEEK_OUT_OF_RANGE: Final = N_(
    "Week %(value)s is out of range: weeks go from %(first)s to %(last)s."
)


class OutOfRange(ValueError):
    """A date or week outside the range: ``message`` is a msgid, ``params`` fill it."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params)
        self.message = message
        self.params = params


def check_day(day: date) -> date:
    """``day`` if within the range, else :class:`OutOfRange`."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise OutOfRange(
            DAY_OUT_OF_RANGE,
            value=day.isoformat(),
            first=FIRST_DAY.isoformat(),
            last=LAST_DAY.isoformat(),
        )
    return day


def check_week_year(year: int, label: str) -> None:
    """:class:`OutOfRange` unless the ISO week ``label`` of ``year`` is within the range."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise OutOfRange(WEEK_OUT_OF_RANGE, value=label, first=FIRST_WEEK, last=LAST_WEEK)
