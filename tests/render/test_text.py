"""Terminal text reports (fluide.render.text)."""

from __future__ import annotations

import pytest

from fluide.render import render_compare_text, render_text

from .factories import block, comparison, empty_block, report

FRENCH_HEADINGS = [
    "Rapport d'effort client",
    "Points d'attention",
    "Chiffres clés",
    "Répartition des réponses",
    "Semaine par semaine",
    "Détail par critère",
    "Derniers verbatims à effort élevé",
    "Données analysées",
]


def test_french_is_the_default_language() -> None:
    text = render_text(report())
    for heading in FRENCH_HEADINGS:
        assert heading in text, heading


def test_english_text_has_no_french_heading() -> None:
    text = render_text(report(), "en")
    for heading in FRENCH_HEADINGS:
        assert heading not in text, heading
    assert "Key figures" in text and "Week by week" in text


def test_rich_markup_and_emoji_codes_in_a_comment_are_printed_as_typed() -> None:
    doc = report()
    doc["verbatims"][0]["comment"] = "[bold red]trop long[/] :smile: <b>"
    assert "[bold red]trop long[/] :smile: <b>" in render_text(doc)


def test_markup_in_group_values_and_file_name_is_printed_as_typed() -> None:
    doc = report()
    doc["groups"]["touchpoint"][0]["value"] = "[red]payer[/red]"
    doc["input"]["file"] = "[b]export[/b].csv"
    text = render_text(doc, "en")
    assert "[red]payer[/red]" in text and "[b]export[/b].csv" in text


def test_missing_figures_show_a_dash() -> None:
    text = render_text(report(overall=empty_block()), "en")
    mean_line = next(line for line in text.splitlines() if line.startswith("Mean CES"))
    assert "—" in mean_line


def test_numbers_follow_the_language() -> None:
    doc = report(overall=block(mean=4.5, ci95=[4.25, 4.75]))
    assert "4,50" in render_text(doc) and "[4,25 ; 4,75]" in render_text(doc)
    assert "4.50" in render_text(doc, "en") and "[4.25, 4.75]" in render_text(doc, "en")


@pytest.mark.parametrize("width", [72, 100, 140])
def test_lines_fit_the_width(width: int) -> None:
    for text in (
        render_text(report(), width=width),
        render_compare_text(comparison(), "fr", width),
    ):
        assert max(len(line) for line in text.splitlines()) <= width


def test_figures_are_never_cut_across_lines() -> None:
    text = render_text(report(), width=72)
    assert "[4,57 ; 5,55]" in text


def test_pooled_and_empty_weeks_are_named() -> None:
    text = render_text(report())
    assert "regroupement avec S31" in text and "aucune réponse" in text


def test_small_sample_groups_carry_a_footnote() -> None:
    text = render_text(report(), "en")
    assert "(not specified) *" in text and "* small sample" in text


def test_comparison_states_the_verdict_and_both_sides() -> None:
    text = render_compare_text(comparison(), "fr", 100)
    assert "Amélioration significative" in text
    assert "Avant le changement" in text and "Après le changement" in text
    assert "+1,20" in text and "[0,80 ; 1,60]" in text and "< 0,001" in text


def test_comparison_without_enough_answers_says_so() -> None:
    comp = comparison(diff_mean=None, diff_ci95=None, p_value=None, cliffs_delta=None)
    assert "Not enough answers to conclude." in render_compare_text(comp, "en", 100)


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="fr, en"):
        render_text(report(), "es")
