"""The benchmark's use cases on both databases: export, import, opt-in, what a workspace sees."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fluide.api.schemas import TouchpointPatch
from fluide.domain.benchmark_file import read_file
from fluide.services import benchmark
from fluide.services import touchpoints as touchpoint_service
from fluide.services.workspace_settings import WorkspacePatch
from fluide.services.workspace_settings import update as update_settings
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage.models import EndUser, Response, Touchpoint
from tests.benchmark_data import categorised, company, pool_of, scores
from tests.verbatims import workspace_row

# 1-7 ease: 7 is no effort (index 0), 1 the most (index 100).
THIRTY = [7] * 12 + [6] * 8 + [4] * 6 + [2] * 3 + [1]


def _index(raw: list[int]) -> list[float]:
    return [100 * (7 - s) / 6 for s in raw]


def test_export_holds_aggregates_only_and_no_identifying_value(
    app: FastAPI, settings: Settings
) -> None:
    f = app.state.sessions
    ws = create_workspace(f, "Boutique Durand")
    categorised(f, ws.id, "payer", task="payer chez Durand")
    scores(f, settings, ws.id, THIRTY, comment="Le paiement Durand a échoué deux fois")
    categorised(f, ws.id, "connexion", "login", task="se connecter")
    scores(f, settings, ws.id, [5] * 29, key="connexion")  # 29 answers: left out
    doc = benchmark.export(f, ws.id)
    assert list(doc["categories"]) == ["payment"]
    payment = doc["categories"]["payment"]
    assert payment["answers"] == 30
    assert payment["mean"] == pytest.approx(np.mean(_index(THIRTY)), abs=1e-4)
    assert payment["sd"] == pytest.approx(np.std(_index(THIRTY), ddof=1), abs=1e-4)
    # 1-7 ease, default groups on e = 8 - score: low e ≤ 2 (7, 6), high e ≥ 5 (3, 2, 1).
    assert payment["groups"] == {"low": 20, "moderate": 6, "high": 4}
    assert read_file(doc).contributor == doc["contributor"]
    text = json.dumps(doc, ensure_ascii=False)
    with f() as s:
        secrets = [ws.id, "Boutique Durand", "Durand"]
        for tp in s.scalars(select(Touchpoint).where(Touchpoint.workspace_id == ws.id)):
            secrets += [tp.id, tp.key, tp.task, *tp.task_names.values(), tp.current_version_id]
        for u in s.scalars(select(EndUser).where(EndUser.workspace_id == ws.id)):
            secrets += [u.id, u.external_id, *([u.email] if u.email else [])]
        for r in s.scalars(select(Response).where(Response.workspace_id == ws.id)):
            secrets += [r.id, r.invitation_id, *([r.comment] if r.comment else [])]
            secrets += [r.agent_id] if r.agent_id else []
    assert len(secrets) > 60
    leaked = [v for v in secrets if v and v in text]
    assert leaked == []


def test_the_contributor_id_is_random_and_stable_per_workspace(app: FastAPI) -> None:
    f = app.state.sessions
    a, b = create_workspace(f, "A"), create_workspace(f, "B")
    first = benchmark.export(f, a.id)["contributor"]
    assert benchmark.export(f, a.id)["contributor"] == first
    assert benchmark.export(f, b.id)["contributor"] != first
    assert a.id not in first


def test_only_the_current_question_of_a_touchpoint_counts(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = app.state.sessions
    scores(f, settings, workspace.id, [1] * 30)
    touchpoint_service.update(f, workspace.id, "payer", TouchpointPatch(scale="1-5"))
    assert benchmark.export(f, workspace.id)["categories"] == {}


def test_a_newer_file_replaces_the_older_and_an_older_one_is_refused(app: FastAPI) -> None:
    f = app.state.sessions
    old = company("company-x1", {"payment": 30.0, "login": 40.0}, exported_at="2026-11-01T00:00Z")
    new = company("company-x1", {"payment": 35.0}, exported_at="2026-12-01T00:00:00+00:00")
    benchmark.import_files(f, [read_file(old)])
    [done] = benchmark.import_files(f, [read_file(new)])
    assert done.replaced
    rows = benchmark.listed(f)
    assert [(r["category"], r["answers"]) for r in rows] == [("payment", 40)]
    [done] = benchmark.import_files(f, [read_file(old)])
    assert done.kept_newer
    assert [r["category"] for r in benchmark.listed(f)] == ["payment"]


def test_figures_appear_from_five_other_companies(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = app.state.sessions
    scores(f, settings, workspace.id, THIRTY)
    ws = workspace_row(f, workspace.id)
    pool_of(f, [20.0, 21.0, 22.0, 23.0])
    [cat] = benchmark.benchmark(f, ws)["categories"]
    assert cat["category"] == "payment" and cat["touchpoints"] == ["payer"]
    assert cat["own"]["answers"] == 30
    assert cat["own"]["effort_index"] == pytest.approx(np.mean(_index(THIRTY)))
    assert cat["pool"]["contributors"] == 4 and cat["pool"]["median"] is None
    assert cat["pool"]["reason"] == "not_enough_contributors"
    pool_of(f, [20.0, 21.0, 22.0, 23.0, 24.0])
    [cat] = benchmark.benchmark(f, ws)["categories"]
    assert cat["pool"]["contributors"] == 5
    assert cat["pool"]["median"] == 20.0 and cat["pool"]["reason"] is None


def test_opted_in_workspaces_contribute_live_once_and_never_to_their_own_view(
    app: FastAPI, settings: Settings
) -> None:
    f = app.state.sessions
    a, b = create_workspace(f, "A"), create_workspace(f, "B")
    scores(f, settings, a.id, THIRTY)
    scores(f, settings, b.id, [4] * 30)
    pool_of(f, [20.0, 25.0, 30.0, 35.0])
    update_settings(f, settings, a.id, WorkspacePatch(benchmark_opt_in=True))

    def seen_by(ws_id: str) -> dict[str, object]:
        [cat] = benchmark.benchmark(f, workspace_row(f, ws_id))["categories"]
        return dict(cat["pool"])

    assert seen_by(b.id)["contributors"] == 5  # four files and A, live
    assert seen_by(a.id)["contributors"] == 4  # A never compares with itself
    # A's own file imported besides its live figures: A still counts once.
    benchmark.import_files(f, [read_file(benchmark.export(f, a.id))])
    assert seen_by(b.id)["contributors"] == 5
    assert seen_by(a.id)["contributors"] == 4
    # B's own figure is B's alone: A's answers never enter it.
    [cat] = benchmark.benchmark(f, workspace_row(f, b.id))["categories"]
    assert cat["own"]["answers"] == 30 and cat["own"]["effort_index"] == pytest.approx(50.0)
    update_settings(f, settings, a.id, WorkspacePatch(benchmark_opt_in=False))
    assert seen_by(b.id)["contributors"] == 5  # A's imported file stays in the pool


def test_the_opt_in_and_categories_travel_with_the_workspace_but_not_the_pool(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, tmp_path: Path
) -> None:
    from fluide.services import transfer
    from fluide.storage.db import make_engine, migrate, session_factory

    f = app.state.sessions
    categorised(f, workspace.id, "payer", "payment")
    update_settings(f, settings, workspace.id, WorkspacePatch(benchmark_opt_in=True))
    pool_of(f, [20.0])
    contributor = workspace_row(f, workspace.id).benchmark_contributor
    out = tmp_path / "export"
    transfer.export_workspace(f, workspace.id, out, hooks=transfer.export_hooks(settings))
    engine = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    migrate(engine)
    target = session_factory(engine)
    try:
        transfer.import_workspace(
            target, transfer.open_export(out), hooks=transfer.import_hooks(settings)
        )
        moved = workspace_row(target, workspace.id)
        assert moved.benchmark_opt_in and moved.benchmark_contributor == contributor
        with target() as s:
            tp = s.scalars(select(Touchpoint)).one()
        assert tp.task_category == "payment"
        assert benchmark.listed(target) == []  # the pool is the instance's: it stays
    finally:
        engine.dispose()
