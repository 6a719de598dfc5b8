"""The benchmark on the dashboard (both databases): the card of a touchpoint page in French
and English, the editor's category, the admin's opt-in."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from tests.benchmark_data import categorised, pool_of, scores
from tests.verbatims import workspace_row
from tests.web.conftest import Login, logged_in
from tests.web.test_touchpoint_editor import create, stored

SCRIPT = "<script>alert('x')</script>"


@pytest.mark.parametrize(
    ("lang", "title", "category", "median"),
    [
        ("fr", "Comparé aux autres", "Paiement", "Médiane des entreprises"),
        ("en", "Compared with others", "Payment", "Median of the companies"),
    ],
)
def test_the_card_shows_the_pool_from_five_companies_in_the_viewers_language(
    app: FastAPI,
    f: sessionmaker[Session],
    settings: Settings,
    workspace: NewWorkspace,
    lang: str,
    title: str,
    category: str,
    median: str,
) -> None:
    scores(f, settings, workspace.id, [6] * 30)
    pool_of(f, [20.0, 21.0, 22.0, 23.0, 24.0, 26.0])
    page = logged_in(app, workspace.id, "analyst", lang=lang).client.get("/app/touchpoints/payer")
    assert page.status_code == 200
    text = page.text
    assert title in text and category in text and median in text
    assert 'id="benchmark-median"' in text and 'id="benchmark-not-enough"' not in text
    assert ">17<" in text  # the workspace's own index: 100 × (8 − 6 − 1) / 6 = 16.7


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("fr", "Pas encore assez d&#39;entreprises (5 minimum)."),
        ("en", "Not enough companies yet (5 minimum)."),
    ],
)
def test_below_five_companies_the_card_says_so_and_shows_no_figure_of_theirs(
    app: FastAPI, f: sessionmaker[Session], workspace: NewWorkspace, lang: str, message: str
) -> None:
    categorised(f, workspace.id)
    pool_of(f, [20.0, 21.0, 22.0, 23.0])
    text = logged_in(app, workspace.id, lang=lang).client.get("/app/touchpoints/payer").text
    assert message in text
    assert 'id="benchmark-median"' not in text


def test_an_unstable_figure_is_explained(
    app: FastAPI, f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    categorised(f, workspace.id)
    pool_of(f, [0.0, 20.0, 40.0, 60.0, 80.0])
    text = logged_in(app, workspace.id, lang="en").client.get("/app/touchpoints/payer").text
    assert "not yet stable: one company could move it" in text
    assert 'id="benchmark-unstable"' in text


def test_a_touchpoint_without_category_has_no_card(
    app: FastAPI, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    categorised(f, workspace.id, category="payment")
    admin = logged_in(app, workspace.id, "admin", lang="en")
    from fluide.api.schemas import TouchpointPatch
    from fluide.services import touchpoints

    touchpoints.update(f, workspace.id, "payer", TouchpointPatch(task_category=None))
    assert 'id="benchmark"' not in admin.client.get("/app/touchpoints/payer").text


def test_markup_in_the_task_name_stays_inert_on_the_card(admin: Login) -> None:
    assert create(admin, task=SCRIPT, task_category="payment").status_code == 303
    text = admin.client.get("/app/touchpoints/payer_facture").text
    assert 'id="benchmark"' in text
    assert SCRIPT not in text


def test_the_editor_sets_the_category_from_a_list_and_names_a_bad_one(
    admin: Login, f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    page = admin.client.get("/app/admin/touchpoints/new").text
    assert 'name="task_category"' in page and 'value="support_contact"' in page
    assert create(admin, task_category="delivery").status_code == 303
    assert stored(f, workspace.id, "payer_facture")["task_category"] == "delivery"
    r = create(admin, key="autre", task_category="shopping")
    assert r.status_code == 422
    assert "payment, login, onboarding" in r.text


def test_the_admin_opts_in_and_out_of_the_benchmark(
    admin: Login, f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    page = admin.client.get("/app/admin").text
    assert 'name="benchmark_opt_in"' in page
    row = workspace_row(f, workspace.id)
    values = {
        "csrf": admin.csrf,
        "name": row.name,
        "timezone": row.timezone,
        "fatigue_days": str(row.fatigue_days),
        "sender_name": "",
        "benchmark_shown": "1",
        "benchmark_opt_in": "1",
    }
    r = admin.client.post("/app/admin/settings", data=values, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert workspace_row(f, workspace.id).benchmark_opt_in
    del values["benchmark_opt_in"]
    admin.client.post("/app/admin/settings", data=values, follow_redirects=False)
    assert not workspace_row(f, workspace.id).benchmark_opt_in
    del values["benchmark_shown"]  # a page without the box changes nothing
    values["benchmark_opt_in"] = "1"
    admin.client.post("/app/admin/settings", data=values, follow_redirects=False)
    assert not workspace_row(f, workspace.id).benchmark_opt_in
