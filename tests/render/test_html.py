"""HTML reports (fluide.render.html): safe, self-contained, bilingual."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from markupsafe import escape

from fluide.render import render_compare_html, render_html
from fluide.render.svg import EFFORT_STOPS

from .factories import block, comparison, empty_block, report, scale_doc

SCRIPT = "<script>alert(1)</script>"
FRENCH_HEADINGS = [
    "Rapport d'effort client",
    "Points d'attention",
    "Chiffres clés",
    "Groupes d'effort",
    "Répartition des réponses",
    "Semaine par semaine",
    "Détail par critère",
    "Derniers verbatims à effort élevé",
    "Données analysées",
    "Comment lire ce rapport",
]
ENGLISH_HEADINGS = ["Customer effort report", "Key figures", "Distribution of answers"]


def assert_inert(html: str, text: str = SCRIPT) -> None:
    assert str(escape(text)) in html
    assert text not in html
    assert "<script" not in html


def test_script_in_verbatim_is_escaped_in_html() -> None:
    doc = report()
    doc["verbatims"][0]["comment"] = SCRIPT
    assert_inert(render_html(doc))


def test_script_in_group_value_is_escaped_in_html() -> None:
    doc = report()
    doc["groups"]["touchpoint"][0]["value"] = SCRIPT
    assert_inert(render_html(doc, "en"))


def test_script_in_touchpoint_name_is_escaped_in_html() -> None:
    doc = report()
    doc["verbatims"][0]["touchpoint"] = SCRIPT
    assert_inert(render_html(doc))
    assert_inert(render_compare_html(comparison(touchpoint=SCRIPT), "fr"))


def test_script_in_file_name_is_escaped_in_html() -> None:
    doc = report()
    doc["input"]["file"] = SCRIPT + ".csv"
    assert_inert(render_html(doc), SCRIPT + ".csv")
    comp = comparison()
    comp["input"]["file"] = SCRIPT + ".csv"
    assert_inert(render_compare_html(comp, "en"), SCRIPT + ".csv")


def test_markup_in_warning_message_is_escaped() -> None:
    doc = report(warnings=[{"code": "from_the_future", "params": {}, "message": SCRIPT}])
    assert_inert(render_html(doc))


def external_references(html: str) -> list[str]:
    found = re.findall(r"https?://|@import|url\(", html)
    found += re.findall(r"\bsrc\s*=", html)
    found += [h for h in re.findall(r'\bhref\s*=\s*"([^"]*)"', html) if not h.startswith("#")]
    found += re.findall(r"""["'(]\s*//""", html)
    return found


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_report_is_self_contained(lang: str) -> None:
    html = render_html(report(), lang)
    assert external_references(html) == []
    assert "<script" not in html.lower()
    assert "<style>" in html and "<svg" in html


def test_comparison_is_self_contained() -> None:
    html = render_compare_html(comparison(), "fr")
    assert external_references(html) == []
    assert "<script" not in html.lower()


def test_french_is_the_default_language() -> None:
    html = render_html(report())
    assert '<html lang="fr">' in html
    for heading in FRENCH_HEADINGS:
        assert str(escape(heading)) in html, heading


def test_english_report_has_no_french_heading() -> None:
    html = render_html(report(), "en")
    assert '<html lang="en">' in html
    for heading in FRENCH_HEADINGS:
        assert str(escape(heading)) not in html, heading
    for heading in ENGLISH_HEADINGS:
        assert heading in html


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="fr, en"):
        render_html(report(), "de")


def test_numbers_follow_the_language() -> None:
    doc = report(overall=block(mean=4.5, ci95=[4.25, 4.75], n=3120))
    fr, en = render_html(doc), render_html(doc, "en")
    assert ">4,50<" in fr and "[4,25 ; 4,75]" in fr and "3\u202f120" in fr
    assert ">4.50<" in en and "[4.25, 4.75]" in en and "3,120" in en


def test_missing_figures_show_a_dash() -> None:
    html = render_html(report(overall=empty_block()))
    cards = re.findall(r'<div class="value">([^<]*)</div>', html)
    assert cards[0] == "—" and cards.count("—") == 4


def test_key_figures_include_interval_groups_and_small_sample_flag() -> None:
    html = render_html(report(overall=block([1, 1, 1, 2, 3, 2, 2])), "en")
    assert "95% CI [" in html
    for text in ("Effort index", "Net effort", "Net Easy Score", "Low effort", "High effort"):
        assert text in html
    assert '<span class="flag">Small sample</span>' in html


def bar_fills(html: str) -> list[str]:
    return re.findall(r'<g class="bar"><title>[^<]*</title><rect [^>]*fill="(#[0-9a-f]{6})"', html)


def test_distribution_of_an_ease_scale_is_green_at_the_top() -> None:
    fills = bar_fills(render_html(report()))
    assert len(fills) == 7
    assert fills[-1] == EFFORT_STOPS[0] and fills[0] == EFFORT_STOPS[-1]


def test_distribution_of_an_effort_scale_is_green_at_point_one() -> None:
    doc = report(scale=scale_doc("1-5", "effort"), overall=block([5, 4, 3, 2, 1], "1-5", "effort"))
    fills = bar_fills(render_html(doc))
    assert len(fills) == 5
    assert fills[0] == EFFORT_STOPS[0] and fills[-1] == EFFORT_STOPS[-1]


def test_distribution_uses_the_scale_wording() -> None:
    html = render_html(report())
    assert "Pas du tout d&#39;accord" in html and "Tout à fait d&#39;accord" in html
    assert "Strongly agree" in render_html(report(), "en")


def test_pooled_weeks_are_marked_in_the_trend_chart() -> None:
    html = render_html(report())
    assert html.count('class="pt pooled"') == 1
    assert "regroupée avec la semaine précédente" in html
    assert "regroupement avec S31" in html
    assert "pooled with the previous week" in render_html(report(), "en")


def test_empty_week_is_a_gap_and_a_dashed_row() -> None:
    html = render_html(report())
    assert html.count('class="gap"') == 1
    assert '<tr class="empty">' in html and "aucune réponse" in html


def test_one_table_per_grouping() -> None:
    html = render_html(report())
    assert "<h3>Par point de contact</h3>" in html and "<h3>Par résultat</h3>" in html
    assert "(non renseigné)" in html
    assert "payer" in html and "resolved" in html


def test_pooled_effort_index_report_drops_mean_and_distribution() -> None:
    overall = block(mean=None, ci95=None, distribution=None)
    doc = report(scale=None, metric="effort_index", overall=overall)
    html = render_html(doc, "en")
    assert "Mean CES" not in html
    assert "there is no distribution of raw answers" in html
    assert "Effort index (lower = easier)" in html


def test_warnings_are_phrased_in_the_report_language() -> None:
    html = render_html(report())  # the document's own message is English
    assert "1 période a trop peu de réponses" in html


def test_verbatims_show_when_score_and_touchpoint() -> None:
    html = render_html(report())
    assert "3 août 2026, 09:15 · réponse 2 · payer" in html
    assert "Impossible de payer en ligne" in html


def test_input_summary_lists_rows_and_skips() -> None:
    doc = report()
    doc["input"].update(skipped=2, skipped_lines=[4, 9])
    html = render_html(doc, "en")
    assert "Answers analysed" in html and "3,120" in html and "4, 9" in html
    assert "Europe/Paris" in html and "Jul 20, 2026 to Aug 23, 2026" in html


def verdict_of(comp: dict[str, Any], lang: str = "fr") -> str:
    found = re.search(r'<p class="verdict (\w+)">', render_compare_html(comp, lang))
    assert found
    return found.group(1)


@pytest.mark.parametrize(
    ("polarity", "metric", "diff", "p", "expected"),
    [
        ("ease", "mean", 0.8, 0.01, "better"),  # ease: a higher mean is easier
        ("ease", "mean", -0.8, 0.01, "worse"),
        ("effort", "mean", -0.8, 0.01, "better"),  # effort: a lower mean is easier
        ("effort", "mean", 0.8, 0.01, "worse"),
        ("ease", "effort_index", -12.0, 0.01, "better"),  # the index grows with effort
        ("ease", "effort_index", 12.0, 0.01, "worse"),
        ("ease", "mean", 0.8, 0.2, "same"),
        ("ease", "mean", None, None, "unknown"),
    ],
)
def test_verdict_follows_the_direction_of_effort(
    polarity: str, metric: str, diff: float | None, p: float | None, expected: str
) -> None:
    comp = comparison(scale=scale_doc("1-7", polarity), metric=metric, diff_mean=diff, p_value=p)
    assert verdict_of(comp) == expected


def test_verdict_is_plain_language() -> None:
    html = render_compare_html(comparison())
    assert "Amélioration significative" in html and "effet moyen" in html
    english = render_compare_html(comparison(), "en")
    assert "Significant improvement" in english and "Amélioration" not in english


def test_comparison_shows_both_sides_and_the_difference() -> None:
    html = render_compare_html(comparison(), "en")
    assert "Before the change" in html and "After the change" in html
    assert "+1.20" in html and "[0.80, 1.60]" in html
    assert "&lt; 0.001" in html and "+0.38" in html
    assert html.count('<g class="bar">') == 14
    assert "Jun 15, 2026" in html


def test_comparison_warnings_are_listed() -> None:
    comp = comparison(
        warnings=[{"code": "empty_side", "params": {"side": "before"}, "message": ""}]
    )
    assert "Aucune réponse avant la date du changement" in render_compare_html(comp)


def french_only_texts() -> list[str]:
    """Catalogue translations that differ from their English msgid."""
    po = Path(__file__).resolve().parents[2] / "src/fluide/locale/fr/LC_MESSAGES/fluide.po"
    with po.open("rb") as fp:
        catalog = read_po(fp, locale="fr")
    return [
        str(m.string)
        for m in catalog
        if m.id
        and isinstance(m.id, str)
        and "%(" not in m.id
        and m.string
        and m.string != m.id
        and len(m.string) >= 5
    ]


def test_english_pages_contain_no_french_text_at_all() -> None:
    doc = report()
    doc["verbatims"][0]["comment"] = "Could not pay online, had to call."
    pages = [render_html(doc, "en"), render_compare_html(comparison(), "en")]
    for text in french_only_texts():
        for page in pages:
            assert str(escape(text)) not in page, text
