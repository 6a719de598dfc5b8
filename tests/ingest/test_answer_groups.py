"""The scan's answer groups (for the week's frictions): two weeks, grouped, in the time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fluide.domain.scales import SCALES, Polarity, Question
from fluide.ingest.scan import scan
from fluide.ingest.source import open_source, resolve_columns
from fluide.ingest.spec import AnswerGroup, ScanSpec
from tests.factories import answer, write_csv

Q7 = Question(SCALES["1-7"], Polarity.EASE)
TZ = "Europe/Paris"


def run(path: Path, **kw: object) -> list[AnswerGroup]:
    with open_source(path) as src:
        cols = resolve_columns(src, {}, ())
        spec = ScanSpec(question=Q7, tz=TZ, columns=cols, answer_groups=True, **kw)  # type: ignore[arg-type]
        return scan(src, spec).answer_groups


def key(g: AnswerGroup) -> tuple[object, ...]:
    return (g.week, g.touchpoint, g.comment, g.score, g.count)


def test_last_two_weeks_in_the_time_zone_grouped(tmp_path: Path) -> None:
    rows = [
        # Sunday 23:30 in Paris is 2026-W45 there (the Monday after, in UTC terms, is not).
        answer(when="2026-11-08T23:30:00+01:00", score=1, comment="trop vieux"),
        # Monday 00:30 in Paris: 2026-W46, although it is Sunday 23:30 UTC.
        answer(when="2026-11-08T23:30:00Z", score=3, comment="Paiement refusé"),
        answer(when="2026-11-20T10:00:00+01:00", score=1, comment="Carte refusée"),
        answer(when="2026-11-21T10:00:00+01:00", score=1, comment="Carte refusée"),
        answer(when="2026-11-21T11:00:00+01:00", score=7, comment="   "),
        answer(when="2026-11-22T12:00:00+01:00", score=7, comment="", touchpoint="annuler"),
    ]
    groups = run(write_csv(tmp_path / "a.csv", rows))
    assert sorted(map(key, groups), key=str) == sorted(
        [
            ("2026-W46", "payer", "Paiement refusé", 3, 1),
            ("2026-W47", "payer", "Carte refusée", 1, 2),
            ("2026-W47", "payer", None, 7, 1),  # a blank comment is no comment
            ("2026-W47", "annuler", None, 7, 1),
        ],
        key=str,
    )
    carte = next(g for g in groups if g.comment == "Carte refusée")
    assert carte.responded_at == "2026-11-21T10:00:00+01:00"  # the latest, in the zone


def test_an_explicit_window_reads_only_its_answers(tmp_path: Path) -> None:
    rows = [
        answer(when="2026-11-08T23:30:00+01:00", score=1, comment="W45"),
        answer(when="2026-11-10T10:00:00+01:00", score=2, comment="W46"),
        answer(when="2026-11-20T10:00:00+01:00", score=3, comment="W47"),
    ]
    window = (datetime(2026, 11, 1, 23, tzinfo=UTC), datetime(2026, 11, 15, 23, tzinfo=UTC))
    groups = run(write_csv(tmp_path / "a.csv", rows), answers_window=window)
    assert sorted(g.comment or "" for g in groups) == ["W45", "W46"]


def test_no_comment_column_reads_no_groups(tmp_path: Path) -> None:
    rows = [("2026-11-20T10:00:00+01:00", 5, "payer")]
    path = write_csv(tmp_path / "a.csv", rows, ("responded_at", "score", "touchpoint"))
    assert run(path) == []


def test_groups_are_read_only_when_asked(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [answer(comment="x")])
    with open_source(path) as src:
        cols = resolve_columns(src, {}, ())
        assert scan(src, ScanSpec(question=Q7, tz=TZ, columns=cols)).answer_groups == []


def test_bad_rows_are_not_in_the_groups_and_verbatims_still_work(tmp_path: Path) -> None:
    rows = [
        answer(when="2026-11-20T10:00:00+01:00", score=1, comment="ok"),
        answer(when="2026-11-20T11:00:00+01:00", score=9, comment="hors échelle"),
    ]
    with open_source(write_csv(tmp_path / "a.csv", rows)) as src:
        cols = resolve_columns(src, {}, ())
        res = scan(src, ScanSpec(question=Q7, tz=TZ, columns=cols, answer_groups=True))
    assert [g.comment for g in res.answer_groups] == ["ok"]
    assert [v.comment for v in res.verbatims] == ["ok"]
    assert [p.value for p in res.problems] == ["9"]
