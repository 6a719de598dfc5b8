"""Exports whose dates are written as people's tools write them, read to the right instants.

The answers of every file here are the same five, in Europe/Paris local time,
across the end of summer time (2026-10-25, 03:00 CEST → 02:00 CET):

=================  ======  =====  ========  ===========================
local time         offset  score  ISO week  UTC
=================  ======  =====  ========  ===========================
2026-10-24 23:30   +02:00  5 (a)  W43       2026-10-24 21:30
2026-10-25 01:30   +02:00  4 (b)  W43       2026-10-24 23:30
2026-10-25 23:30   +01:00  2      W43       2026-10-25 22:30
2026-10-26 00:30   +01:00  5 (c)  W44       2026-10-25 23:30 (W43 in UTC)
2026-10-26 08:00   +01:00  1      W44       2026-10-26 07:00
=================  ======  =====  ========  ===========================

So on the 1-5 effort scale: W43 n = 3, mean (5 + 4 + 2) / 3 = 11/3; W44 n = 2,
mean (5 + 1) / 2 = 3; the high-effort verbatims, newest first, are c, b, a at
their local times and offsets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fluide.analysis import AnalyzeOptions, analyze_file
from fluide.ingest import date_column
from fluide.ingest.errors import InputError
from tests.factories import write_csv, write_xlsx

PARIS = ZoneInfo("Europe/Paris")
HEADER = ("Horodateur", "Note", "Commentaire")
MAP = {"responded_at": "Horodateur", "score": "Note", "comment": "Commentaire"}
ANSWERS = [
    (datetime(2026, 10, 24, 23, 30), 5, "a"),
    (datetime(2026, 10, 25, 1, 30), 4, "b"),
    (datetime(2026, 10, 25, 23, 30), 2, ""),
    (datetime(2026, 10, 26, 0, 30), 5, "c"),
    (datetime(2026, 10, 26, 8, 0), 1, ""),
]
VERBATIMS = [
    ("2026-10-26T00:30:00+01:00", "c"),
    ("2026-10-25T01:30:00+02:00", "b"),
    ("2026-10-24T23:30:00+02:00", "a"),
]


def options(**kw: object) -> AnalyzeOptions:
    base: dict[str, object] = {
        "scale": "1-5",
        "polarity": "effort",
        "tz": "Europe/Paris",
        "mapping": MAP,
        "small_sample": 1,
        "frictions": False,
        "lang": "en",
    }
    return AnalyzeOptions(**{**base, **kw})  # type: ignore[arg-type]


def rows(write: Callable[[datetime], object]) -> list[tuple[object, ...]]:
    return [(write(when), score, comment) for when, score, comment in ANSWERS]


def epoch(when: datetime) -> float:
    return when.replace(tzinfo=PARIS).timestamp()


def serial(when: datetime) -> float:
    return (when - datetime(1899, 12, 30)) / timedelta(days=1)


def assert_the_five_answers(doc: dict[str, object]) -> None:
    weekly = [(w["week"], w["n"], w["mean"]) for w in doc["weekly"]]  # type: ignore[attr-defined]
    assert weekly == [("2026-W43", 3, pytest.approx(11 / 3)), ("2026-W44", 2, 3.0)]
    got = [(v["responded_at"], v["comment"]) for v in doc["verbatims"]]  # type: ignore[attr-defined]
    assert got == VERBATIMS
    assert doc["input"] == {  # type: ignore[comparison-overlap]
        **doc["input"],  # type: ignore[dict-item]
        "rows": 5,
        "first": "2026-10-24",
        "last": "2026-10-26",
    }


WRITERS: dict[str, tuple[Callable[[datetime], object], dict[str, object]]] = {
    "day-first": (lambda w: w.strftime("%d/%m/%Y %H:%M"), {}),
    "day-first with seconds": (lambda w: w.strftime("%d/%m/%Y %H:%M:%S"), {}),
    "dd.mm.yyyy": (lambda w: w.strftime("%d.%m.%Y %H:%M"), {}),
    "month-first AM/PM": (lambda w: f"{w:%m/%d/%Y} {w.hour % 12 or 12}:{w:%M %p}", {}),
    "month-first 24 h": (lambda w: w.strftime("%m/%d/%Y %H:%M"), {}),
    "yyyy/mm/dd": (lambda w: w.strftime("%Y/%m/%d %H:%M"), {}),
    "day-first with offsets": (
        lambda w: w.replace(tzinfo=PARIS).strftime("%d/%m/%Y %H:%M %z"),
        {"tz": "Europe/Paris"},
    ),
    "epoch seconds": (lambda w: int(epoch(w)), {}),
    "epoch milliseconds": (lambda w: int(epoch(w) * 1000), {}),
    "Excel serial": (serial, {}),
    "--date-format": (
        lambda w: w.strftime("%d/%m/%y à %Hh%M"),
        {"date_format": "%d/%m/%y à %Hh%M"},
    ),
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_every_way_of_writing_dates_gives_the_same_weeks_and_local_times(
    tmp_path: Path, name: str
) -> None:
    write, extra = WRITERS[name]
    path = write_csv(tmp_path / "e.csv", rows(write), HEADER)
    doc = analyze_file(path, options(**extra)).to_json("en")
    assert_the_five_answers(doc)
    assert not [w for w in doc["warnings"] if w["code"] == "dates_ambiguous"]


def test_offsets_keep_their_instant_whatever_the_analysis_zone(tmp_path: Path) -> None:
    write, _ = WRITERS["day-first with offsets"]
    path = write_csv(tmp_path / "e.csv", rows(write), HEADER)
    doc = analyze_file(path, options(tz="UTC")).to_json("en")
    # In UTC, 2026-10-26 00:30 +01:00 is 2026-10-25 23:30: back in W43.
    assert [(w["week"], w["n"]) for w in doc["weekly"]] == [("2026-W43", 4), ("2026-W44", 1)]
    assert doc["verbatims"][0]["responded_at"] == "2026-10-25T23:30:00+00:00"


def test_xlsx_date_cells_and_serial_numbers_read_as_local_times(tmp_path: Path) -> None:
    # Cells as a spreadsheet holds them: dates, and one serial typed as a number.
    cells = [(w, s, c) for w, s, c in ANSWERS]
    cells[3] = (serial(ANSWERS[3][0]), 5, "c")
    path = write_xlsx(tmp_path / "e.xlsx", cells, HEADER)
    assert_the_five_answers(analyze_file(path, options()).to_json("en"))


def test_xlsx_numbers_formatted_as_numbers_are_excel_serials(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", rows(serial), HEADER)
    assert_the_five_answers(analyze_file(path, options()).to_json("en"))


AMBIGUOUS = [("05/10/2026 10:00", 2, ""), ("06/10/2026 11:00", 4, "")]


@pytest.mark.parametrize(
    ("lang", "delimiter", "reading", "rule", "first"),
    [
        ("fr", ",", "day_first", "lang", "2026-10-05"),
        ("en", ";", "day_first", "delimiter", "2026-10-05"),
        ("en", ",", "month_first", "default", "2026-05-10"),
    ],
)
def test_dates_fitting_both_orders_follow_the_rule_with_a_warning(
    tmp_path: Path, lang: str, delimiter: str, reading: str, rule: str, first: str
) -> None:
    path = write_csv(tmp_path / "e.csv", AMBIGUOUS, HEADER, delimiter=delimiter)
    doc = analyze_file(path, options(lang=lang)).to_json(lang)
    assert doc["input"]["first"] == first
    (warning,) = [w for w in doc["warnings"] if w["code"] == "dates_ambiguous"]
    assert warning["params"]["reading"] == reading and warning["params"]["rule"] == rule
    assert "--date-format" in warning["message"]


def test_the_ambiguity_warning_is_bilingual(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", AMBIGUOUS, HEADER)
    doc = analyze_file(path, options(lang="fr")).to_json("fr")
    (w,) = [w for w in doc["warnings"] if w["code"] == "dates_ambiguous"]
    assert w["message"] == (
        "Toutes les dates de la colonne Horodateur se lisent aussi bien jour en premier que "
        "mois en premier : elles ont été lues jour en premier (jj/mm/aaaa hh:mm) car le rapport "
        "est en français (--lang fr). Pour les lire autrement : --date-format '%m/%d/%Y %H:%M'."
    )


def test_a_day_above_12_after_the_sample_settles_the_order_without_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(date_column, "SAMPLE", 2)
    path = write_csv(tmp_path / "e.csv", [*AMBIGUOUS, ("13/10/2026 09:00", 3, "")], HEADER)
    for lang in ("fr", "en"):  # read day-first, or month-first first then re-read
        doc = analyze_file(path, options(lang=lang)).to_json(lang)
        assert not [w for w in doc["warnings"] if w["code"] == "dates_ambiguous"], lang
        assert (doc["input"]["first"], doc["input"]["last"]) == ("2026-10-05", "2026-10-13")
        assert doc["overall"]["n"] == 3


def test_a_month_first_file_misread_from_its_first_values_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(date_column, "SAMPLE", 2)
    path = write_csv(tmp_path / "e.csv", [*AMBIGUOUS, ("10/13/2026 09:00", 3, "")], HEADER)
    doc = analyze_file(path, options(lang="fr")).to_json("fr")
    assert (doc["input"]["first"], doc["input"]["last"]) == ("2026-05-10", "2026-10-13")
    assert doc["overall"]["n"] == 3 and doc["input"]["skipped"] == 0


def test_bad_dates_are_named_by_line_with_the_reading_chosen(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "e.csv",
        [("24/10/2026 23:30", 5, ""), ("31/02/2026 10:00", 4, ""), ("", 3, "")],
        HEADER,
    )
    with pytest.raises(InputError) as caught:
        analyze_file(path, options())
    problems = [(p.line, p.kind, p.value) for p in caught.value.problems]
    assert problems == [(3, "bad_datetime", "31/02/2026 10:00"), (4, "empty", None)]


def test_skip_invalid_analyses_the_dates_that_fit(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "e.csv",
        [("24/10/2026 23:30", 5, ""), ("2026-10-24 10:00", 4, ""), ("26/10/2026 08:00", 1, "")],
        HEADER,
    )
    doc = analyze_file(path, options(skip_invalid=True)).to_json("en")
    assert doc["overall"]["n"] == 2 and doc["overall"]["mean"] == 3.0
    assert doc["input"]["skipped_lines"] == [3]


def test_a_date_format_that_is_not_one_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", AMBIGUOUS, HEADER)
    with pytest.raises(InputError, match="not a valid format"):
        analyze_file(path, options(date_format="%d/%Q"))
    with pytest.raises(InputError, match="strptime format"):
        analyze_file(path, options(date_format="dd/mm/yyyy"))
