"""Inline SVG charts (fluide.render.svg)."""

from __future__ import annotations

import re

from fluide.render.svg import (
    EFFORT_STOPS,
    Bar,
    Segment,
    TrendLegend,
    TrendPoint,
    bar_chart,
    effort_colour,
    point_colours,
    stacked_bar,
    text_colour,
    trend_chart,
    wrap,
)

GREEN, RED = EFFORT_STOPS[0], EFFORT_STOPS[-1]
LEGEND = TrendLegend("Mean", "95% CI", "pooled", "small sample", "no answers")


def point(value: float | None, *, pooled: bool = False, small: bool = False) -> TrendPoint:
    ci = None if value is None else (value - 0.3, value + 0.3)
    return TrendPoint("W1", "tip", value, ci, pooled, small)


def trend(points: list[TrendPoint]) -> str:
    return trend_chart(
        points,
        y_range=(1.0, 7.0),
        y_ticks=[(1.0, "1"), (7.0, "7")],
        y_caption="Mean score",
        legend=LEGEND,
        title="Week by week",
        desc="The weekly mean",
    )


def test_ease_scale_colours_its_highest_point_green() -> None:
    colours = point_colours([1, 2, 3, 4, 5, 6, 7], "ease")
    assert colours[7] == GREEN and colours[1] == RED


def test_effort_scale_colours_point_one_green() -> None:
    colours = point_colours([1, 2, 3, 4, 5], "effort")
    assert colours[1] == GREEN and colours[5] == RED


def test_effort_colours_run_from_green_through_yellow_to_red() -> None:
    assert effort_colour(0.0) == GREEN
    assert effort_colour(0.5) == EFFORT_STOPS[3]
    assert effort_colour(1.0) == RED
    assert effort_colour(2.0) == RED and effort_colour(-1.0) == GREEN


def test_labels_read_on_dark_and_light_backgrounds() -> None:
    assert text_colour(RED) == "#ffffff"
    assert text_colour(EFFORT_STOPS[3]) != "#ffffff"


def test_text_put_in_a_chart_is_escaped() -> None:
    svg = bar_chart(
        [Bar("<b>1</b>", "<script>x</script>", 3, "3 & more", GREEN, '"tip"')],
        title="<i>t</i>",
        desc="d",
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg and "<i>" not in svg
    assert "3 &amp; more" in svg


def test_charts_are_accessible_images() -> None:
    for svg in (
        bar_chart([Bar("1", "", 1, "1", GREEN, "tip")], title="Distribution", desc="counts"),
        stacked_bar([Segment("Low", 50, "50%", GREEN)], title="Groups", desc="shares"),
        trend([point(4.0)]),
    ):
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        assert 'role="img"' in svg and 'aria-label="' in svg
        assert re.search(r"<title>[^<]+</title><desc>[^<]+</desc>", svg)


def test_charts_need_no_external_resource() -> None:
    svg = trend([point(4.0), point(None), point(5.0, pooled=True)])
    assert "http" not in svg and "href" not in svg and "<script" not in svg


def test_bar_heights_follow_the_values() -> None:
    svg = bar_chart(
        [Bar("1", "", 10, "10", GREEN, "a"), Bar("2", "", 5, "5", RED, "b")], title="t", desc="d"
    )
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert heights[0] == 2 * heights[1] > 0


def test_pooled_weeks_are_hollow_and_marked() -> None:
    svg = trend([point(4.0), point(4.5, pooled=True), point(5.0)])
    assert svg.count('class="pt pooled"') == 1
    assert svg.count('class="pt"') == 2
    pooled = re.search(r'class="pt pooled"><title>[^<]*</title><circle [^>]*fill="#ffffff"', svg)
    assert pooled


def test_small_sample_weeks_are_square_markers() -> None:
    svg = trend([point(4.0), point(3.0, small=True)])
    assert re.search(r'class="pt small"><title>[^<]*</title><rect ', svg)


def test_empty_weeks_break_the_line_into_a_gap() -> None:
    svg = trend([point(4.0), point(4.2), point(None), point(5.0), point(5.1)])
    assert svg.count('class="gap"') == 1
    assert svg.count("<polyline") == 2
    assert svg.count('class="band"') == 2


def test_a_lone_week_gets_a_whisker_instead_of_a_band() -> None:
    svg = trend([point(4.0), point(None), point(5.0)])
    assert svg.count('class="whisker"') == 2 and "<polyline" not in svg


def test_stacked_bar_hides_labels_that_do_not_fit() -> None:
    svg = stacked_bar(
        [Segment("Low", 98, "98 %", GREEN), Segment("High", 2, "2 %", RED)], title="t", desc="d"
    )
    assert ">98 %</text>" in svg and ">2 %</text>" not in svg
    assert "<title>High (2 %)</title>" in svg


def test_long_captions_wrap_and_are_cut_with_an_ellipsis() -> None:
    assert wrap("Ni d'accord ni pas d'accord", 12) == ["Ni d'accord", "ni pas", "d'accord"]
    assert wrap("one two three four five", 3, max_lines=2) == ["one", "two…"]
