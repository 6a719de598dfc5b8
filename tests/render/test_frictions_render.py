"""The week's top frictions in the text and HTML reports, in French and English."""

from __future__ import annotations

from typing import Any

import pytest

from fluide.i18n import fmt_percent
from fluide.render import render_html, render_text

from .factories import report

SCRIPT = "<script>alert(1)</script>"


def friction(tag: str, rank: int, **overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "tag": tag,
        "volume": 12,
        "share": 0.25,
        "mean_effort_index": 71.5,
        "effort_gap": 18.25,
        "score": 219.0,
        "rank": rank,
        "previous": {"volume": 9, "effort_gap": 10.0, "score": 90.0},
        "change": {"volume": 3, "score": 129.0},
        "small_sample": False,
        "verbatims": [
            {
                "comment": "Carte refusée deux fois",
                "score": 1,
                "responded_at": "2026-11-20T10:00:00+01:00",
                "touchpoint": "payer",
            }
        ],
    }
    doc.update(overrides)
    return doc


def frictions(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "week": "2026-W47",
        "previous_week": "2026-W46",
        "overall": [
            friction("payment", 1),
            friction("delay", 2, previous=None, change=None, volume=3, small_sample=True),
        ],
        "by_touchpoint": {"payer": [friction("payment", 1)], "annuler": []},
        "tagger": "model",
    }
    doc.update(overrides)
    return doc


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fr",
            [
                "Principales frictions de la semaine",
                "Semaine S47 · 16 nov., comparée à S46 · 9 nov.",
                "Paiement",
                "Délai / attente",
                "Part des",
                "+18,2",
                fmt_percent("fr", 25.0, 1),
                "nouvelle",
                "« Carte refusée deux fois »",
                "Frictions par point de contact",
                "petit échantillon",
            ],
        ),
        (
            "en",
            [
                "Top frictions of the week",
                "Week W47 · Nov 16, compared with W46 · Nov 9",
                "Payment",
                "Delay / waiting",
                "+18.2",
                "25.0%",
                "new",
                "“Carte refusée deux fois”",
                "Frictions by touchpoint",
                "small sample",
            ],
        ),
    ],
)
def test_text_report_shows_the_frictions(lang: str, expected: list[str]) -> None:
    text = render_text(report(frictions=frictions()), lang, width=120)
    for piece in expected:
        assert piece in text, piece
    assert text.index("payer") < text.index("Carte refusée")


@pytest.mark.parametrize(
    ("lang", "title", "name"),
    [
        ("fr", "Principales frictions de la semaine", "Recontacts / répétition"),
        ("en", "Top frictions of the week", "Repeat contacts"),
    ],
)
def test_html_report_shows_the_frictions(lang: str, title: str, name: str) -> None:
    html = render_html(report(frictions=frictions(overall=[friction("recontact", 1)])), lang)
    assert title in html and name in html
    assert "Carte refusée deux fois" in html


def test_no_frictions_no_section() -> None:
    assert "frictions" not in render_text(report(), "en", width=120).lower()
    assert "Top frictions" not in render_html(report(), "en")


@pytest.mark.parametrize("render", [render_html, lambda d, lang: render_text(d, lang, width=120)])
def test_rules_only_and_empty_week_are_said(render: Any) -> None:
    doc = report(frictions=frictions(overall=[], by_touchpoint={}, tagger="rules"))
    out = render(doc, "en")
    assert "keyword rules only" in out
    assert "No friction this week" in out
    fr = render(doc, "fr")
    assert "règles par mots-clés" in fr and "Aucune friction cette semaine" in fr


def test_customer_text_in_a_friction_verbatim_is_inert() -> None:
    verbatim = {
        "comment": SCRIPT,
        "score": 1,
        "responded_at": "2026-11-20T10:00:00+01:00",
        "touchpoint": "<b>payer</b>",
    }
    doc = report(
        verbatims=[],
        frictions=frictions(overall=[friction("<i>odd</i>", 1, verbatims=[verbatim])]),
    )
    html = render_html(doc, "fr")
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>payer</b>" not in html and "<i>odd</i>" not in html
    text = render_text(doc, "en", width=120)
    assert SCRIPT in text  # printed as typed, never interpreted


def test_a_single_touchpoint_does_not_repeat_the_list() -> None:
    doc = report(frictions=frictions(by_touchpoint={"payer": [friction("payment", 1)]}))
    assert "Frictions by touchpoint" not in render_text(doc, "en", width=120)
    assert "Frictions by touchpoint" not in render_html(doc, "en")
