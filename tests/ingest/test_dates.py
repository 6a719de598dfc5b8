"""The choice of a date reading from a column's shapes (pure: no file, no DuckDB)."""

from __future__ import annotations

import pytest

from fluide.ingest.dates import (
    DAY_FIRST,
    EPOCH_MILLISECONDS,
    EPOCH_SECONDS,
    EXCEL_SERIAL,
    ISO,
    MONTH_FIRST,
    YEAR_FIRST,
    Reading,
    choose_reading,
    sample_shapes,
)


def choose(values: list[str], *, day_first: bool = False, rule: str = "default"):
    return choose_reading(sample_shapes(values), day_first=day_first, rule=rule)


def test_a_day_above_12_settles_day_first_and_is_the_evidence() -> None:
    c = choose(["07/12/2026 14:30", "13/12/2026 09:05", "01/11/2026 10:00"])
    assert c.reading == Reading(DAY_FIRST, "%d/%m/%Y %H:%M")
    assert not c.ambiguous and c.fits_all and c.rule == "only_fit"
    assert c.evidence == "13/12/2026 09:05"


def test_a_second_number_above_12_settles_month_first_with_am_pm() -> None:
    c = choose(["12/07/2026 2:30 PM", "12/13/2026 11:05 AM"], day_first=True, rule="lang")
    assert c.reading == Reading(MONTH_FIRST, "%m/%d/%Y %I:%M %p")
    assert not c.ambiguous and c.evidence == "12/13/2026 11:05 AM"


@pytest.mark.parametrize(
    ("day_first", "rule", "kind", "fmt"),
    [
        (True, "lang", DAY_FIRST, "%d/%m/%Y %H:%M:%S"),
        (True, "delimiter", DAY_FIRST, "%d/%m/%Y %H:%M:%S"),
        (False, "default", MONTH_FIRST, "%m/%d/%Y %H:%M:%S"),
    ],
)
def test_a_column_fitting_both_orders_follows_the_rule_and_says_so(
    day_first: bool, rule: str, kind: str, fmt: str
) -> None:
    c = choose(["07/12/2026 14:30:00", "01/11/2026 10:00:05"], day_first=day_first, rule=rule)
    assert c.reading == Reading(kind, fmt)
    assert c.ambiguous and c.rule == rule and c.fits_all


@pytest.mark.parametrize(
    ("values", "reading"),
    [
        (["24.10.2026", "3.1.2026"], Reading(DAY_FIRST, "%d.%m.%Y")),
        (["24.10.2026 23:30", "25.10.2026 01:30"], Reading(DAY_FIRST, "%d.%m.%Y %H:%M")),
        (["2026/10/24 23:30", "2026/10/26 08:00"], Reading(YEAR_FIRST, "%Y/%m/%d %H:%M")),
        (["2026/1/5"], Reading(YEAR_FIRST, "%Y/%m/%d")),
        (["24/10/26 23:30"], Reading(DAY_FIRST, "%d/%m/%y %H:%M")),
        (["24/10/2026 23:30 +02:00"], Reading(DAY_FIRST, "%d/%m/%Y %H:%M %z")),
        (["2026-10-24T23:30:00+02:00", "2026-10-26 08:00"], Reading(ISO)),
        (["1793050200", "1793170800"], Reading(EPOCH_SECONDS)),
        (["1793050200000", "1793170800123"], Reading(EPOCH_MILLISECONDS)),
        (["46319.979166667", "46321"], Reading(EXCEL_SERIAL)),
    ],
)
def test_each_way_people_write_dates_has_its_reading(values: list[str], reading: Reading) -> None:
    c = choose(values, day_first=True, rule="lang")
    assert c.reading == reading and c.fits_all


def test_mixed_formats_pick_the_reading_fitting_most_and_list_the_others() -> None:
    c = choose(["24/10/2026 23:30", "25/10/2026 01:30", "2026-10-26 08:00", "hier"])
    assert c.reading == Reading(DAY_FIRST, "%d/%m/%Y %H:%M")
    assert not c.fits_all and c.total == 4
    assert dict(c.tried) == {Reading(DAY_FIRST, "%d/%m/%Y %H:%M"): 2, Reading(ISO): 1}


def test_numbers_out_of_every_range_fit_no_reading() -> None:
    c = choose(["5000000", "42"])  # 5e6: neither a serial nor an epoch
    assert not c.fits_all and c.tried == ((Reading(EXCEL_SERIAL), 1),)


def test_patterns_are_written_for_the_reader() -> None:
    r = Reading(DAY_FIRST, "%d/%m/%Y %H:%M")
    assert r.pattern("fr") == "jj/mm/aaaa hh:mm"
    assert r.pattern("en") == "dd/mm/yyyy hh:mm"
    assert Reading(MONTH_FIRST, "%m/%d/%y %I:%M %p").pattern("en") == "mm/dd/yy hh:mm AM/PM"
