"""Period labels, ranges and the pooling of thin periods (fluide.domain.periods).

Calendar facts used below (ISO 8601 weeks start on Monday; week 1 holds the
first Thursday):
- 2026-01-01 is a Thursday, so 2026 has 53 ISO weeks; 2026-W53 runs from
  Monday 2026-12-28 to Sunday 2027-01-03 and 2027-W01 starts Monday 2027-01-04.
- Europe/Paris is UTC+1 (CET) in winter and UTC+2 (CEST) in summer; in 2026 it
  moves forward on Sunday 29 March at 01:00 UTC and back on Sunday 25 October
  at 01:00 UTC.
seed 000: "les petits volumes donnent des résultats instables. Regroupe sur
deux semaines si besoin."
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from fluide.domain.periods import (
    PERIOD_KEYS,
    Period,
    PeriodCounts,
    period_label,
    period_range,
    pool_thin_periods,
)

PARIS = "Europe/Paris"


def utc(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    """Factory: an aware UTC instant."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def week(label: str, *counts: int) -> tuple[str, np.ndarray]:
    """Factory: one period's counts per point."""
    return label, np.array(counts, dtype=np.int64)


# --- period_label: weeks ----------------------------------------------------------------


def test_sunday_2330_utc_is_monday_in_paris() -> None:
    moment = utc(2026, 8, 2, 23, 30)  # Sunday; 01:30 Monday 3 August in Paris (CEST)
    assert period_label(moment, PARIS, "week") == "2026-W32"
    assert period_label(moment, "UTC", "week") == "2026-W31"


def test_sunday_2330_utc_is_monday_in_paris_in_winter_too() -> None:
    moment = utc(2026, 1, 11, 23, 30)  # Sunday; 00:30 Monday 12 January in Paris (CET)
    assert period_label(moment, PARIS, "week") == "2026-W03"
    assert period_label(moment, "UTC", "week") == "2026-W02"


def test_sunday_2230_utc_stays_sunday_in_paris_in_winter() -> None:
    moment = utc(2026, 1, 11, 22, 30)  # 23:30 Sunday in Paris (UTC+1)
    assert period_label(moment, PARIS, "week") == "2026-W02"


def test_sunday_2230_utc_after_spring_dst_change_is_monday_in_paris() -> None:
    # Sunday 29 March 2026 is the change day: 22:30 UTC is 00:30 Monday CEST
    moment = utc(2026, 3, 29, 22, 30)
    assert period_label(moment, PARIS, "week") == "2026-W14"
    assert period_label(moment, PARIS, "day") == "2026-03-30"
    # one week earlier, still CET: 23:30 Sunday
    assert period_label(utc(2026, 3, 22, 22, 30), PARIS, "week") == "2026-W12"
    assert period_label(utc(2026, 3, 22, 22, 30), PARIS, "day") == "2026-03-22"


def test_sunday_2230_utc_after_autumn_dst_change_stays_sunday_in_paris() -> None:
    # Sunday 25 October 2026 is the change day: 22:30 UTC is 23:30 Sunday CET
    moment = utc(2026, 10, 25, 22, 30)
    assert period_label(moment, PARIS, "week") == "2026-W43"
    assert period_label(moment, PARIS, "day") == "2026-10-25"
    # the evening before, still CEST: Saturday 22:30 UTC is Sunday 00:30 in Paris
    assert period_label(utc(2026, 10, 24, 22, 30), PARIS, "day") == "2026-10-25"


@pytest.mark.parametrize(
    ("moment", "label"),
    [
        (utc(2026, 3, 29, 0, 59), "2026-03-29"),  # 01:59 CET, just before the jump
        (utc(2026, 3, 29, 1, 0), "2026-03-29"),  # 03:00 CEST, just after
        (utc(2026, 10, 25, 0, 30), "2026-10-25"),  # 02:30 CEST, first pass
        (utc(2026, 10, 25, 1, 30), "2026-10-25"),  # 02:30 CET, second pass
    ],
)
def test_dst_change_instants_stay_on_their_day_in_paris(moment: datetime, label: str) -> None:
    assert period_label(moment, PARIS, "day") == label


def test_iso_week_53_of_2026() -> None:
    assert period_label(utc(2026, 12, 28), PARIS, "week") == "2026-W53"  # Monday
    assert period_label(utc(2027, 1, 3), PARIS, "week") == "2026-W53"  # Sunday


def test_new_year_day_2027_belongs_to_2026_w53() -> None:
    moment = utc(2026, 12, 31, 23, 30)  # 00:30 Friday 1 January 2027 in Paris
    assert period_label(moment, PARIS, "week") == "2026-W53"
    assert period_label(moment, PARIS, "day") == "2027-01-01"
    assert period_label(moment, PARIS, "month") == "2027-01"
    assert period_label(moment, "UTC", "month") == "2026-12"


def test_2027_w01_starts_on_monday_2027_01_04() -> None:
    assert period_label(utc(2027, 1, 4, 0, 30), "UTC", "week") == "2027-W01"
    assert period_label(utc(2027, 1, 3, 23, 30), "UTC", "week") == "2026-W53"
    assert period_label(utc(2027, 1, 3, 23, 30), PARIS, "week") == "2027-W01"


def test_week_numbers_are_zero_padded() -> None:
    assert period_label(utc(2026, 1, 5), "UTC", "week") == "2026-W02"


# --- period_label: days and months ----------------------------------------------------


def test_day_boundary_in_paris_vs_utc() -> None:
    moment = utc(2026, 1, 15, 23, 30)
    assert period_label(moment, PARIS, "day") == "2026-01-16"
    assert period_label(moment, "UTC", "day") == "2026-01-15"


def test_month_boundary_in_paris_vs_utc() -> None:
    assert period_label(utc(2026, 1, 31, 23, 30), PARIS, "month") == "2026-02"
    assert period_label(utc(2026, 1, 31, 23, 30), "UTC", "month") == "2026-01"
    # summer: UTC+2, so 22:30 UTC on 30 June is already July in Paris
    assert period_label(utc(2026, 6, 30, 22, 30), PARIS, "month") == "2026-07"
    assert period_label(utc(2026, 6, 30, 21, 30), PARIS, "month") == "2026-06"


def test_a_time_zone_west_of_utc_moves_back_a_day() -> None:
    moment = utc(2026, 1, 1, 3, 0)  # 22:00 on 31 December in New York
    assert period_label(moment, "America/New_York", "day") == "2025-12-31"
    assert period_label(moment, "America/New_York", "month") == "2025-12"


def test_a_moment_given_in_another_zone_is_converted() -> None:
    moment = datetime(2026, 8, 3, 1, 30, tzinfo=ZoneInfo(PARIS))  # = Sunday 23:30 UTC
    assert period_label(moment, "UTC", "day") == "2026-08-02"
    assert period_label(moment, PARIS, "day") == "2026-08-03"


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        period_label(datetime(2026, 1, 1, 12), PARIS, "day")


def test_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="year"):
        period_label(utc(2026, 1, 1), PARIS, "year")


def test_period_keys_name_each_trend_list() -> None:
    assert PERIOD_KEYS == {Period.DAY: "daily", Period.WEEK: "weekly", Period.MONTH: "monthly"}


# --- period_range ------------------------------------------------------------------


def test_week_range_crosses_week_53_into_the_new_year() -> None:
    assert period_range("2026-W52", "2027-W02", "week") == [
        "2026-W52",
        "2026-W53",
        "2027-W01",
        "2027-W02",
    ]


def test_week_range_across_a_52_week_year() -> None:
    # 2025-01-01 is a Wednesday: 2025 has 52 ISO weeks
    assert period_range("2025-W51", "2026-W02", "week") == [
        "2025-W51",
        "2025-W52",
        "2026-W01",
        "2026-W02",
    ]


def test_week_range_includes_weeks_without_answers() -> None:
    seen = {"2026-W01", "2026-W04"}
    labels = period_range(min(seen), max(seen), "week")
    assert labels == ["2026-W01", "2026-W02", "2026-W03", "2026-W04"]
    assert set(labels) - seen == {"2026-W02", "2026-W03"}


def test_a_whole_2026_has_53_weeks() -> None:
    labels = period_range("2026-W01", "2026-W53", "week")
    assert len(labels) == 53
    assert labels[-1] == "2026-W53"


def test_day_range_crosses_the_year_and_the_leap_day() -> None:
    assert period_range("2027-12-30", "2028-01-02", "day") == [
        "2027-12-30",
        "2027-12-31",
        "2028-01-01",
        "2028-01-02",
    ]
    assert period_range("2028-02-28", "2028-03-01", "day") == [
        "2028-02-28",
        "2028-02-29",
        "2028-03-01",
    ]


def test_day_range_over_the_dst_change_has_no_duplicate_nor_gap() -> None:
    assert period_range("2026-03-28", "2026-03-30", "day") == [
        "2026-03-28",
        "2026-03-29",
        "2026-03-30",
    ]
    assert period_range("2026-10-24", "2026-10-26", "day") == [
        "2026-10-24",
        "2026-10-25",
        "2026-10-26",
    ]


def test_a_leap_year_has_366_days() -> None:
    labels = period_range("2028-01-01", "2028-12-31", "day")
    assert len(labels) == 366
    assert labels == [(date(2028, 1, 1) + timedelta(days=i)).isoformat() for i in range(366)]


def test_month_range_crosses_the_year() -> None:
    assert period_range("2026-11", "2027-02", "month") == [
        "2026-11",
        "2026-12",
        "2027-01",
        "2027-02",
    ]


def test_month_range_over_a_whole_year() -> None:
    assert period_range("2026-01", "2026-12", "month") == [f"2026-{m:02d}" for m in range(1, 13)]


@pytest.mark.parametrize(
    ("label", "period"), [("2026-W10", "week"), ("2026-03-01", "day"), ("2026-03", "month")]
)
def test_range_of_one_period(label: str, period: str) -> None:
    assert period_range(label, label, period) == [label]


def test_reversed_range_is_empty() -> None:
    assert period_range("2026-W10", "2026-W09", "week") == []


def test_range_labels_agree_with_period_label() -> None:
    labels = period_range("2026-12-20", "2027-01-10", "day")
    for label in labels:
        d = date.fromisoformat(label)
        moment = datetime(d.year, d.month, d.day, 10, tzinfo=ZoneInfo(PARIS))
        assert period_label(moment, PARIS, "day") == label
    weeks = sorted(
        {
            period_label(datetime.fromisoformat(lb).replace(tzinfo=UTC), "UTC", "week")
            for lb in labels
        }
    )
    assert weeks == period_range(weeks[0], weeks[-1], "week")


# --- pool_thin_periods ---------------------------------------------------------------


def test_week_under_threshold_is_pooled_with_previous_week() -> None:
    out = pool_thin_periods([week("W1", 30, 10), week("W2", 3, 2)], threshold=30)
    w2 = out[1]
    assert w2.label == "W2"
    assert w2.pooled_with == "W1"
    assert w2.pooled is True
    assert w2.own_n == 5
    assert w2.counts.tolist() == [33, 12]


def test_week_at_threshold_stands_alone() -> None:
    out = pool_thin_periods([week("W1", 40), week("W2", 30)], threshold=30)
    assert out[1].pooled_with is None
    assert out[1].counts.tolist() == [30]


def test_first_period_is_never_pooled() -> None:
    out = pool_thin_periods([week("W1", 2), week("W2", 50)], threshold=30)
    assert out[0].pooled_with is None
    assert out[0].pooled is False
    assert out[0].counts.tolist() == [2]
    assert out[0].own_n == 2


def test_pooling_uses_the_previous_periods_own_counts_never_a_chain() -> None:
    periods = [week("W1", 40, 0), week("W2", 5, 1), week("W3", 2, 1), week("W4", 50, 5)]
    out = pool_thin_periods(periods, threshold=30)
    assert [(p.label, p.pooled_with) for p in out] == [
        ("W1", None),
        ("W2", "W1"),
        ("W3", "W2"),
        ("W4", None),
    ]
    # W3 = W3 + W2's own counts (5 + 2, 1 + 1), not W3 + (W2 + W1)
    assert out[2].counts.tolist() == [7, 2]
    assert out[1].counts.tolist() == [45, 1]
    assert [p.own_n for p in out] == [40, 6, 3, 55]


def test_empty_period_is_pooled_too() -> None:
    out = pool_thin_periods([week("W1", 35), week("W2", 0)], threshold=30)
    assert (out[1].own_n, out[1].pooled_with, out[1].counts.tolist()) == (0, "W1", [35])


def test_pooling_keeps_order_and_labels() -> None:
    labels = ["2026-W52", "2026-W53", "2027-W01"]
    out = pool_thin_periods([week(lb, 10) for lb in labels], threshold=30)
    assert [p.label for p in out] == labels
    assert [p.pooled_with for p in out] == [None, "2026-W52", "2026-W53"]


def test_pooling_does_not_modify_its_input() -> None:
    periods = [week("W1", 40, 1), week("W2", 1, 1)]
    pool_thin_periods(periods, threshold=30)
    assert periods[0][1].tolist() == [40, 1]
    assert periods[1][1].tolist() == [1, 1]


def test_threshold_zero_never_pools() -> None:
    out = pool_thin_periods([week("W1", 1), week("W2", 0)], threshold=0)
    assert all(not p.pooled for p in out)


def test_pooling_nothing_gives_nothing() -> None:
    assert pool_thin_periods([], threshold=30) == []


def test_period_counts_pooled_flag_follows_pooled_with() -> None:
    assert PeriodCounts("W1", np.array([1]), 1, None).pooled is False
    assert PeriodCounts("W2", np.array([1]), 1, "W1").pooled is True
