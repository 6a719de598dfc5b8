"""Trend markers: placed at their date on the window, escaped, accessible."""

from __future__ import annotations

import doctest
import re
from datetime import date

from fluide.render import markers
from fluide.render.markers import ChartMarker, chart_markers, draw_markers
from fluide.render.spark import SparkPoint, sparkline

START, END = date(2026, 11, 2), date(2026, 11, 15)  # two ISO weeks, Monday to Sunday


def test_a_marker_sits_at_its_day_of_the_window_and_outside_ones_are_left_out() -> None:
    items = [
        {"kind": "action", "date": "2026-11-02", "title": "FAQ", "url": "/app/actions/a"},
        {"kind": "question_version", "date": "2026-11-15", "version": 2, "url": None},
        {"kind": "action", "date": "2026-11-16", "title": "Later", "url": "/app/actions/b"},
        {"kind": "action", "date": "2026-11-01", "title": "Before", "url": "/app/actions/c"},
    ]
    marks = chart_markers("en", items, START, END)
    assert [(m.kind, round(m.at, 4)) for m in marks] == [
        ("action", round(0.5 / 14, 4)),
        ("question_version", round(13.5 / 14, 4)),
    ]
    assert marks[0].title == "Action delivered on Nov 2, 2026: FAQ"
    assert marks[1].label == "question v2"
    fr = chart_markers("fr", items[:2], START, END)
    assert fr[0].title.startswith("Action livrée le 2 nov. 2026") and fr[1].label == "question v2"


def test_a_marker_title_is_escaped_everywhere_it_is_written() -> None:
    m = ChartMarker(
        0.5, '<script>alert("x")</script>', "Action: <script>", "/app/actions/a", "action"
    )
    svg = "".join(draw_markers([m], 0.0, 100.0, 0.0, 50.0))
    assert "<script>" not in svg
    assert 'aria-label="Action: &lt;script&gt;"' in svg
    assert "<title>Action: &lt;script&gt;</title>" in svg
    assert svg.startswith('<a class="marker action" href="/app/actions/a"')


def test_long_titles_are_shortened_on_the_chart_but_whole_in_the_tooltip() -> None:
    title = "Dire au client pourquoi sa carte est refusée et quoi faire ensuite"
    items = [{"kind": "action", "date": "2026-11-05", "title": title, "url": None}]
    [m] = chart_markers("fr", items, START, END)
    assert len(m.label) <= 28 and m.label.endswith("…") and title in m.title
    svg = "".join(draw_markers([m], 0.0, 100.0, 0.0, 50.0))
    assert svg.startswith('<g class="marker action" role="img"')


def test_the_small_chart_has_its_axis_and_its_markers_without_labels() -> None:
    points = [SparkPoint("W1: 5", 5.0, (4.0, 6.0), False), SparkPoint("W2: 6", 6.0, None, True)]
    m = ChartMarker(0.25, "FAQ", "Action: FAQ", "/app/actions/a", "action")
    svg = sparkline(
        points,
        1.0,
        7.0,
        title="CES",
        desc="",
        y_labels=("1", "7"),
        x_labels=("2 nov.", "15 nov."),
        markers=[m],
    )
    assert 'width="100%"' in svg and "viewBox=" in svg
    assert re.findall(r'class="y-label"[^>]*>([^<]+)<', svg) == ["1", "7"]
    assert re.findall(r'class="x-label"[^>]*>([^<]+)<', svg) == ["2 nov.", "15 nov."]
    assert svg.count('class="marker action"') == 1 and ">FAQ</text>" not in svg


def test_doctests_of_the_markers() -> None:
    assert doctest.testmod(markers).failed == 0
