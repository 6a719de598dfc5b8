"""The weekly report rendered: escaped customer text, one A4 page with ink, both languages."""

from __future__ import annotations

import copy
import doctest
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.render.weekly import (
    render_report_html,
    render_report_pdf,
    render_report_text,
    report_body,
)
from fluide.services.weekly_report import weekly_report
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.weekly_data import NOW, SCRIPT, build

ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts"
A4 = (595.28, 841.89)  # points


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """Rendering does not depend on the database: SQLite only."""
    yield f"sqlite:///{tmp_path / 'fluide.db'}"


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


@pytest.fixture
def doc(f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace) -> dict[str, Any]:
    build(f, settings, workspace.id)
    return weekly_report(f, settings, workspace.id, now=NOW)


def pages(pdf: bytes) -> list[Any]:
    document = pypdfium2.PdfDocument(pdf)
    return [document[i] for i in range(len(document))]


def test_a_script_in_a_verbatim_stays_text_in_every_html_form(doc: dict[str, Any]) -> None:
    assert SCRIPT in str(doc["frictions"])
    for html in (render_report_html(doc, "fr"), str(report_body(doc, "en"))):
        assert "<script" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    # Plain text is not markup: the comment reads as the customer wrote it.
    assert "<script>alert('x')</script>" in render_report_text(doc, "fr")


def test_the_html_needs_nothing_from_outside(doc: dict[str, Any]) -> None:
    html = render_report_html(doc, "fr")
    assert html.startswith("<!doctype html>") and "@page { size: A4" in html
    assert not re.search(r"<(script|img|link|iframe)\b", html)
    assert "url(" not in html and "@import" not in html
    assert html.count("<svg") == 2  # the 12-week trend and the week's effort groups


def test_the_pdf_is_one_a4_page_with_charts_drawn(doc: dict[str, Any]) -> None:
    pdf = render_report_pdf(doc, "fr")
    assert pdf.startswith(b"%PDF")
    found = pages(pdf)
    assert len(found) == 1
    assert found[0].get_size() == pytest.approx(A4, abs=1)
    image = found[0].render(scale=2).to_pil().convert("RGB")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "weekly-report-page1.png")
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None
    total = image.width * image.height
    ink = sum(n for n, rgb in colours if min(rgb) < 200)
    assert ink / total > 0.03, "the page is (almost) blank"
    # The effort groups' green and red, and the trend's line blue, are on the page.
    for target in ((0x1A, 0x98, 0x50), (0xD7, 0x30, 0x27), (0x2B, 0x4C, 0x7E)):
        near = sum(
            n
            for n, rgb in colours
            if all(abs(a - b) < 12 for a, b in zip(rgb, target, strict=True))
        )
        assert near > 50, f"no {target} drawn"


def test_a_busy_week_still_prints_on_one_page_and_says_what_it_leaves_out(
    doc: dict[str, Any],
) -> None:
    busy = copy.deepcopy(doc)
    long = "Le paiement a échoué trois fois et personne ne répond au chat, c'est interminable " * 4
    for friction in busy["frictions"]["top"]:
        friction["verbatims"] = [{**friction["verbatims"][0], "comment": long}] * 2
    busy["frictions"]["top"] = (busy["frictions"]["top"] * 3)[:3]
    actions = busy["actions"]
    actions["delivered"] = [{**actions["delivered"][0], "title": long}] * 6
    actions["to_deliver"] = [{**actions["to_deliver"][0], "title": long}] * 12
    overdue = busy["follow_ups"]["oldest_overdue"]
    busy["follow_ups"]["oldest_overdue"] = [{**overdue[0], "comment": long}] * 5
    busy["touchpoints"] = busy["touchpoints"] * 6
    busy["notices"] = [
        {"code": "effort_index", "params": {}},
        {"code": "small_sample", "params": {"n": 4, "threshold": 30}},
        {"code": "tags_pending", "params": {"count": 12}},
    ]
    busy["workspace"]["name"] = "Boutique en ligne de démonstration au nom très long"
    for lang in ("fr", "en"):
        assert len(pages(render_report_pdf(busy, lang))) == 1, lang
    html = render_report_html(busy, "en")
    assert "and 8 more" in html  # to deliver: 12, of which 4 shown
    assert "…" in html  # long titles and comments are cut


def test_french_by_default_and_english_on_request(doc: dict[str, Any]) -> None:
    fr, en = render_report_html(doc, "fr"), render_report_html(doc, "en")
    assert '<html lang="fr">' in fr and "Rapport hebdomadaire" in fr
    assert "Frictions principales" in fr and "Rappels en retard" in fr
    assert '<html lang="en">' in en and "Weekly report" in en and "Overdue follow-ups" in en
    # Numbers in each language's way: a decimal comma in French.
    mean = doc["ces"]["week"]["mean"]
    assert f"{mean:.2f}".replace(".", ",") in fr and f"{mean:.2f}" in en


def test_the_text_alternative_has_the_figures_and_no_markup(doc: dict[str, Any]) -> None:
    text = render_report_text(doc, "fr")
    assert "Semaine 47" in text
    top = doc["frictions"]["top"][0]
    assert top["names"]["fr"] == "Paiement" and "1. Paiement — 3 réponses" in text
    assert all(v["comment"] in text for v in top["verbatims"])
    assert "Message clair quand la carte est refusée" in text
    assert "<td" not in text and "<svg" not in text
    assert "\n\n\n" not in text


def test_an_empty_workspace_gives_a_one_page_report_that_says_so(
    f: sessionmaker[Session], settings: Settings
) -> None:
    ws = create_workspace(f, "Vide")
    empty = weekly_report(f, settings, ws.id, now=NOW)
    html = render_report_html(empty, "en")
    assert "No answers in the last 12 weeks." in html
    assert "No friction this week" in html
    assert len(pages(render_report_pdf(empty, "en"))) == 1


def test_the_examples_in_the_docstrings_hold() -> None:
    from fluide.render import weekly_view

    assert doctest.testmod(weekly_view).failed == 0
