"""The weekly report (HTML, PDF, e-mail text) shows intervals a person can read; its JSON
document keeps the exact Student-t intervals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from fastapi import FastAPI

from fluide.render.weekly import render_report_html, render_report_pdf, render_report_text
from fluide.services.tags import ensure_seeded
from fluide.services.weekly_report import weekly_report
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from tests.verbatims import answer
from tests.weekly_data import NOW


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """Rendering does not depend on the database: SQLite only."""
    yield f"sqlite:///{tmp_path / 'fluide.db'}"


@pytest.fixture
def doc(app: FastAPI, settings: Settings, workspace: NewWorkspace) -> dict[str, Any]:
    """Week 2026-W47: answers 3 and 6 on 1–7 (interval [-14.56, 23.56]); the week before:
    five 1s and a 7 (mean 2, interval [-0.57, 4.57], below the scale's 1)."""
    f = app.state.sessions
    ensure_seeded(f, workspace.id)
    before = [(s, None) for s in (1, 1, 1, 1, 1, 7)]
    answer(f, settings, workspace.id, before, at=datetime(2026, 11, 11, 9, tzinfo=UTC))
    thin = [(3, None), (6, None)]
    answer(f, settings, workspace.id, thin, at=datetime(2026, 11, 18, 9, tzinfo=UTC))
    return weekly_report(f, settings, workspace.id, now=NOW)


def pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_the_document_keeps_the_exact_intervals(doc: dict[str, Any]) -> None:
    week, previous = doc["ces"]["week"], doc["ces"]["previous"]
    assert week["n"] == 2 and week["ci95"] == pytest.approx([-14.5593, 23.5593], abs=1e-4)
    assert previous["n"] == 6 and previous["ci95"] == pytest.approx([-0.5706, 4.5706], abs=1e-4)
    assert doc["touchpoints"][0]["week"]["ci95"] == pytest.approx([-14.5593, 23.5593], abs=1e-4)


@pytest.mark.parametrize(
    ("lang", "clipped", "too_few"),
    [("fr", "[1,00 ; 4,57]", "trop peu de réponses"), ("en", "[1.00, 4.57]", "too few answers")],
)
def test_html_and_email_text_cut_to_the_scale_and_hide_thin_intervals(
    doc: dict[str, Any], lang: str, clipped: str, too_few: str
) -> None:
    for rendered in (render_report_html(doc, lang), render_report_text(doc, lang)):
        assert clipped in rendered  # the week before, cut at the scale's 1
        assert too_few in rendered  # the report week and its touchpoint: 2 answers
        for raw in ("14,56", "14.56", "23,56", "23.56", "0,57", "0.57"):
            assert raw not in rendered


def test_the_pdf_reads_the_same(doc: dict[str, Any]) -> None:
    text = " ".join(pdf_text(render_report_pdf(doc, "fr")).split())
    assert "[1,00 ; 4,57]" in text
    assert "trop peu de réponses" in text
    assert "14,56" not in text and "0,57" not in text
