"""Tenure segments (fluide.domain.segments).

seed 000: "Segmente entre nouveaux clients et comptes installés."
Calendar: 2026-01-01 + 90 days = 2026-04-01 (31 + 28 + 31 = 90).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fluide.domain.segments import DEFAULT_NEW_DAYS, TENURE, tenure_of

SINCE = date(2026, 1, 1)


def answered_after(days: int) -> date:
    """Factory: the answer date ``days`` days after the customer start."""
    return SINCE + timedelta(days=days)


def test_default_new_period_is_90_days() -> None:
    assert DEFAULT_NEW_DAYS == 90
    assert TENURE == "tenure"


def test_exactly_new_days_old_is_established() -> None:
    assert answered_after(90) == date(2026, 4, 1)
    assert tenure_of(answered_after(90), SINCE) == "established"


def test_one_day_short_of_new_days_is_new() -> None:
    assert tenure_of(answered_after(89), SINCE) == "new"


def test_answer_on_the_start_day_is_new() -> None:
    assert tenure_of(SINCE, SINCE) == "new"


def test_long_standing_customer_is_established() -> None:
    assert tenure_of(date(2030, 6, 1), date(2020, 1, 1)) == "established"


def test_unknown_start_date_gives_no_segment() -> None:
    assert tenure_of(date(2026, 5, 1), None) is None


def test_start_after_the_answer_counts_as_new() -> None:
    # a data entry slip: the start date is after the answer
    assert tenure_of(date(2026, 1, 1), date(2026, 6, 1)) == "new"


@pytest.mark.parametrize(
    ("days", "segment"), [(29, "new"), (30, "established"), (31, "established")]
)
def test_new_days_is_configurable(days: int, segment: str) -> None:
    assert tenure_of(answered_after(days), SINCE, new_days=30) == segment


def test_docstring_examples() -> None:
    assert tenure_of(date(2026, 3, 10), date(2026, 1, 1), new_days=90) == "new"
    assert tenure_of(date(2026, 6, 1), date(2026, 1, 1), new_days=90) == "established"
