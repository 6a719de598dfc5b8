"""The typed scan: counts per grouping, and every bad field named by its line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from fluide.domain.periods import Period, period_label
from fluide.domain.scales import SCALES, Polarity, Question
from fluide.domain.segments import tenure_of
from fluide.ingest.discover import discover_questions
from fluide.ingest.scan import scan
from fluide.ingest.source import open_source, resolve_columns
from fluide.ingest.spec import ScanSpec
from tests.factories import HEADER, answer, write_csv, write_xlsx

Q7 = Question(SCALES["1-7"], Polarity.EASE)


def run(path: Path, *, by: tuple[str, ...] = (), q: Question = Q7, tz: str = "UTC", **kw: object):
    with open_source(path) as src:
        cols = resolve_columns(src, {}, by, derived=("tenure",))
        return scan(src, ScanSpec(question=q, tz=tz, columns=cols, **kw))  # type: ignore[arg-type]


def test_counts_per_point_group_and_week(tmp_path: Path) -> None:
    rows = [
        answer(score=s, touchpoint=t)
        for s, t in [(1, "payer"), (7, "payer"), (7, "annuler"), (4, "annuler")]
    ]
    res = run(write_csv(tmp_path / "a.csv", rows), by=("touchpoint",))
    assert res.overall.tolist() == [1, 0, 0, 1, 0, 0, 2]
    assert res.groups["touchpoint"]["payer"].tolist() == [1, 0, 0, 0, 0, 0, 1]
    assert res.periods[Period.WEEK]["2026-W32"].sum() == 4
    assert res.problems == []


def test_every_bad_field_is_named_by_its_physical_line(tmp_path: Path) -> None:
    rows = [
        answer(comment="deux\nlignes"),  # lines 2-3
        answer(score=9),  # line 4
        answer(score="", when=""),  # line 5: two problems
        answer(score="abc"),  # line 6
        answer(score="4.5"),  # line 7
        answer(when="03/08/2026"),  # line 8
    ]
    res = run(write_csv(tmp_path / "a.csv", rows))
    got = {(p.line, p.field, p.kind, p.value) for p in res.problems}
    assert got == {
        (4, "score", "out_of_scale", "9"),
        (5, "score", "empty", ""),
        (5, "responded_at", "empty", ""),
        (6, "score", "not_a_number", "abc"),
        (7, "score", "not_whole", "4.5"),
        (8, "responded_at", "bad_datetime", "03/08/2026"),
    }
    assert res.overall.sum() == 1  # only the first record is valid
    assert all(p.allowed for p in res.problems)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [False, True])
def test_line_numbers_hold_with_crlf_bom_and_blank_lines(
    tmp_path: Path, newline: str, bom: bool
) -> None:
    path = write_csv(
        tmp_path / "a.csv", [answer(comment="a\nb"), answer(score=8)], newline=newline, bom=bom
    )
    data = path.read_bytes()
    path.write_bytes(
        data.replace(newline.encode() + b"2026", newline.encode() * 2 + b"2026", 1)
    )  # blank line 4
    res = run(path)
    assert [(p.line, p.kind) for p in res.problems] == [(5, "out_of_scale")]


def test_structural_errors_name_the_line_and_the_expected_field_count(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        ",".join(HEADER)
        + "\n2026-08-03,5,ok,payer,success,2025-01-01\n2026-08-03,5\n2026-08-03,5,a,b,c,d,e\n"
    )
    res = run(path)
    assert [(p.line, p.kind, p.allowed) for p in res.problems] == [
        (3, "missing_fields", "6"),
        (4, "too_many_fields", "6"),
    ]


def test_semicolon_delimiter_and_case_insensitive_header(tmp_path: Path) -> None:
    header = ("Responded_At", "SCORE", "Comment", "Touchpoint", "Outcome", "Customer_Since")
    path = write_csv(
        tmp_path / "a.csv", [answer(comment="un, deux ; trois")], header, delimiter=";"
    )
    res = run(path, by=("touchpoint",))
    assert res.overall.sum() == 1
    assert res.verbatims == [] or res.verbatims[0].comment == "un, deux ; trois"


def test_naive_times_take_the_time_zone_and_weeks_follow_it(tmp_path: Path) -> None:
    # Sunday 23:30 in Paris is still week 31; 23:30 UTC the same Sunday is Monday in Paris.
    rows = [answer(when="2026-08-02 23:30"), answer(when="2026-08-02T23:30:00Z")]
    res = run(write_csv(tmp_path / "a.csv", rows), tz="Europe/Paris")
    assert {k: int(v.sum()) for k, v in res.periods[Period.WEEK].items()} == {
        "2026-W31": 1,
        "2026-W32": 1,
    }


def test_weeks_days_and_months_match_the_domain_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    start = datetime(2026, 3, 20, tzinfo=UTC)
    moments = [start + timedelta(minutes=int(m)) for m in rng.integers(0, 60 * 24 * 300, 400)]
    rows = [answer(when=m.isoformat()) for m in moments]
    res = run(
        write_csv(tmp_path / "a.csv", rows),
        tz="America/New_York",
        periods=(Period.DAY, Period.WEEK, Period.MONTH),
    )
    for period in (Period.DAY, Period.WEEK, Period.MONTH):
        expected: dict[str, int] = {}
        for m in moments:
            label = period_label(m, "America/New_York", period.value)
            expected[label] = expected.get(label, 0) + 1
        assert {k: int(v.sum()) for k, v in res.periods[period].items()} == expected


def test_tenure_in_the_scan_matches_the_domain_rule(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rows, expected = [], {"new": 0, "established": 0, None: 0}
    for i in range(300):
        when = datetime(2026, 8, 3, 22, 30, tzinfo=UTC) + timedelta(
            hours=int(rng.integers(0, 2000))
        )
        since = (
            None if i % 10 == 0 else date(2026, 8, 3) - timedelta(days=int(rng.integers(0, 200)))
        )
        rows.append(
            answer(when=when.isoformat(), customer_since=since.isoformat() if since else "")
        )
        local = when.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris")).date()
        expected[tenure_of(local, since, 90)] += 1
    res = run(write_csv(tmp_path / "a.csv", rows), by=("tenure",), tz="Europe/Paris", new_days=90)
    assert {k: int(v.sum()) for k, v in res.groups["tenure"].items()} == {
        k: v for k, v in expected.items() if v
    }


def test_bad_customer_since_is_reported_only_when_tenure_is_asked(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [answer(customer_since="2025-13-01")])
    assert run(path).problems == []
    (p,) = run(path, by=("tenure",)).problems
    assert (p.line, p.field, p.kind) == (2, "customer_since", "bad_date")


def test_emoji_and_decimal_zero_spellings_are_accepted(tmp_path: Path) -> None:
    q = Question(SCALES["emoji-3"], Polarity.EASE)
    rows = [answer(score="🙂"), answer(score="😞"), answer(score="2"), answer(score="3.0")]
    res = run(write_csv(tmp_path / "a.csv", rows), q=q)
    assert res.overall.tolist() == [1, 1, 2]


def test_latest_high_effort_verbatims_come_newest_first(tmp_path: Path) -> None:
    rows = [
        answer(when="2026-08-03T10:00:00Z", score=1, comment="ancien"),
        answer(when="2026-08-05T10:00:00Z", score=2, comment="récent <script>alert(1)</script>"),
        answer(
            when="2026-08-06T10:00:00Z", score=7, comment="facile"
        ),  # low effort: not a friction
        answer(when="2026-08-07T10:00:00Z", score=1, comment=""),  # no text
    ]
    res = run(write_csv(tmp_path / "a.csv", rows), verbatims=5)
    assert [v.comment for v in res.verbatims] == ["récent <script>alert(1)</script>", "ancien"]


def test_touchpoint_filter_keeps_only_its_answers(tmp_path: Path) -> None:
    rows = [answer(touchpoint="payer", score=1), answer(touchpoint="annuler", score=7)]
    res = run(write_csv(tmp_path / "a.csv", rows), touchpoint="payer")
    assert res.overall.tolist() == [1, 0, 0, 0, 0, 0, 0]


def test_before_and_after_sides_split_at_the_change(tmp_path: Path) -> None:
    rows = [
        answer(when="2026-09-13T23:59:00+02:00", score=2),
        answer(when="2026-09-14T00:00:00+02:00", score=6),
    ]
    at = datetime(2026, 9, 14, tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    res = run(write_csv(tmp_path / "a.csv", rows), tz="Europe/Paris", change_at=at)
    assert res.sides["before"].tolist() == [0, 1, 0, 0, 0, 0, 0]
    assert res.sides["after"].tolist() == [0, 0, 0, 0, 0, 1, 0]


def test_spreadsheet_errors_name_the_sheet_row(tmp_path: Path) -> None:
    rows = [answer(), answer(score=12), answer(comment="multi\nligne", score="x")]
    res = run(write_xlsx(tmp_path / "a.xlsx", rows))
    assert [(p.line, p.kind) for p in res.problems] == [(3, "out_of_scale"), (4, "not_a_number")]
    assert res.overall.sum() == 1


def test_discovery_finds_each_stated_question_and_names_unknown_scales(tmp_path: Path) -> None:
    header = (*HEADER, "scale", "polarity")
    rows = [
        (*answer(), "1-7", "ease"),
        (*answer(score=2), "1-5", "effort"),
        (*answer(), "1-6", "ease"),
    ]
    path = write_csv(tmp_path / "a.csv", rows, header)
    with open_source(path) as src:
        combos, problems = discover_questions(src, resolve_columns(src, {}, ()), None)
    assert combos == {("1-7", "ease"): 1, ("1-5", "effort"): 1}
    assert [(p.line, p.kind, p.value) for p in problems] == [(4, "unknown_scale", "1-6")]


def test_repeated_errors_behind_unused_columns_name_the_right_field(tmp_path: Path) -> None:
    # Columns the query does not use come first: DuckDB misnames rejects there
    # unless every column is read, which the error pass does.
    header = ("plan", "agent", "responded_at", "score")
    rows = [("pro", "Léa", "2026-08-03", 8), ("pro", "Léa", "hier", 9), ("pro", "Léa", "demain", 3)]
    res = run(write_csv(tmp_path / "a.csv", rows, header))
    assert [(p.line, p.field, p.kind, p.value) for p in res.problems] == [
        (2, "score", "out_of_scale", "8"),
        (3, "responded_at", "bad_datetime", "hier"),
        (3, "score", "out_of_scale", "9"),
        (4, "responded_at", "bad_datetime", "demain"),
    ]
