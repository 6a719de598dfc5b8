"""Retention: old comments lose their words, inactive customers are erased; the time is
given, never read from the clock (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fluide.services import verbatims as verbatim_service
from fluide.services.retention import apply_retention
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage.models import Response, TagExample, VerbatimState
from fluide.storage.security_models import Erasure
from tests.customers import customer, keep, rows_of
from tests.verbatims import ensure_touchpoint, workspace_row

T0 = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
EXTRAS = [
    {"key": "why", "question": {"fr": "Pourquoi ?"}, "kind": "text"},
    {"key": "ease", "question": {"fr": "Facile ?"}, "kind": "scale", "scale": "1-5"},
]


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def test_comments_past_the_period_lose_their_words_and_keep_their_scores(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id
    ensure_touchpoint(f, ws, "payer", extra_questions=EXTRAS)
    old = customer(
        f, settings, ws, comment="Vieux commentaire", at=T0,
        extra_answers={"why": "parce que", "ease": 4},
    )  # fmt: skip
    recent = customer(f, settings, ws, comment="Récent", at=T0 + timedelta(days=20))
    verbatim_service.correct(f, workspace_row(f, ws), old.response_id, [])
    keep(f, settings, ws, comment_retention_days=30)

    run = apply_retention(f, ws, T0 + timedelta(days=31))

    assert run.to_json() == {
        "comments": 1,
        "free_text_answers": 1,
        "customers_erased": 0,
        "files_purged": True,
    }
    with f() as s:
        gone = s.get_one(Response, old.response_id)
        assert (gone.comment, gone.score, gone.extra_answers) == (None, 2, {"ease": 4})
        assert s.get(VerbatimState, old.response_id) is None
        assert (
            s.execute(select(TagExample).where(TagExample.response_id.is_not(None))).first() is None
        )
        kept = s.get_one(Response, recent.response_id)
        assert kept.comment == "Récent" and s.get(VerbatimState, recent.response_id) is not None
    assert rows_of(f, ws, old.user)["end_users"] == 1  # the customer stays
    assert apply_retention(f, ws, T0 + timedelta(days=31)).comments == 0
    assert apply_retention(f, ws, T0 + timedelta(days=51)).comments == 1


def test_customers_silent_for_the_period_are_erased_with_a_retention_audit(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id
    other = create_workspace(f, "Voisins")
    silent = customer(f, settings, ws, at=T0)
    back = customer(f, settings, ws, at=T0)
    customer(f, settings, ws, user=back.user, comment=None, at=T0 + timedelta(days=80))
    customer(f, settings, other.id, user="u-voisin", at=T0)
    keep(f, settings, ws, personal_data_retention_days=90)
    now = T0 + timedelta(days=91)

    run = apply_retention(f, ws, now)

    assert (run.customers_erased, run.comments, run.files_purged) == (1, 0, True)
    assert rows_of(f, ws, silent.user) == {}
    assert rows_of(f, ws, back.user)["responses"] == 2
    assert rows_of(f, other.id, "u-voisin")["responses"] == 1  # no period there
    with f() as s:
        [audit] = s.execute(select(Erasure)).scalars()
    assert (audit.user_external_id, audit.reason, audit.erased_by) == (
        silent.user,
        "retention",
        "retention",
    )
    assert audit.erased_at == now and audit.counts["responses"] == 1
    assert apply_retention(f, ws, now).customers_erased == 0
    assert apply_retention(f, ws, now + timedelta(days=80)).customers_erased == 1
    assert apply_retention(f, other.id, now + timedelta(days=800)).customers_erased == 0


def test_a_workspace_without_periods_keeps_everything(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    a = customer(f, settings, workspace.id, at=T0)
    keep(f, settings, workspace.id, comment_retention_days=10, personal_data_retention_days=10)
    keep(f, settings, workspace.id, comment_retention_days=None, personal_data_retention_days=None)
    run = apply_retention(f, workspace.id, T0 + timedelta(days=4000))
    assert (run.comments, run.customers_erased, run.tables) == (0, 0, [])
    assert rows_of(f, workspace.id, a.user)["responses"] == 1
