"""The frictions backlog page and its JSON API (both databases)."""

from __future__ import annotations

import csv
import html as markup
import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.routes import backlog as backlog_api
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import repo
from fluide.storage.dashboard_models import Action, FrictionSetting
from fluide.storage.db import write_session
from fluide.storage.types import new_id
from tests.verbatims import answer
from tests.web.conftest import Login, logged_in
from tests.web.test_verbatims_page import SCRIPT, human_tag

NBSP = "\xa0"


def frictions(f: sessionmaker[Session], settings: Settings, ws: str, *, at: datetime) -> None:
    """At « payer », 20 answers of a 1–7 ease scale; baseline effort index 30.

    payment: 3 answers at 66.7 → gap +36.7, share 0.15 (impact × volume 0.055);
    delay: 8 answers at 50 → gap +20, share 0.4 (impact × volume 0.08).
    Two frictions: too few to estimate how gaps spread, so neither is shrunk.
    """
    pay = answer(f, settings, ws, [(3, "Carte refusée"), (3, SCRIPT), (3, "Débit refusé")], at=at)
    late = answer(f, settings, ws, [(4, f"Lent {i}") for i in range(8)], at=at)
    answer(f, settings, ws, [(7, None)] * 9, at=at)
    for rid in pay:
        human_tag(f, ws, rid, ["payment"])
    for rid in late:
        human_tag(f, ws, rid, ["delay"])


def recent() -> datetime:
    return datetime.now(UTC) - timedelta(days=1)


def order(login: Login, query: str = "") -> list[tuple[str, str, int]]:
    r = login.client.get("/app/frictions?format=json" + query)
    assert r.status_code == 200, r.text
    return [(x["touchpoint"], x["tag"], x["rank"]) for x in r.json()["frictions"]]


@pytest.fixture
def analyst(app: FastAPI, workspace: NewWorkspace) -> Login:
    return logged_in(app, workspace.id, "analyst", lang="fr")


def test_backlog_ranks_and_explains_each_score_in_french(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    frictions(app.state.sessions, settings, workspace.id, at=recent())
    r = analyst.client.get("/app/frictions")
    assert r.status_code == 200, r.text
    page = markup.unescape(r.text)
    assert "Backlog des frictions" in page
    assert page.index('id="friction-payer-delay"') < page.index('id="friction-payer-payment"')
    assert (
        "impact 0,20 (écart d'effort attendu +20,0 points, +20,0 mesuré) × volume 0,40 "
        f"(40{NBSP}% des réponses) × faisabilité 3/5 = 0,048" in page
    )
    assert (
        "impact 0,37 (écart d'effort attendu +36,7 points, +36,7 mesuré) × volume 0,15 "
        f"(15{NBSP}% des réponses) × faisabilité 3/5 = 0,033" in page
    )
    assert "serait inférieur d'environ 8,0 points" in page  # 0.4 × 20
    assert "petit échantillon" in page  # payment: 3 answers
    assert "20 réponses" in page and "11 commentaires" in page
    out = analyst.client.get("/app/frictions?format=json").json()
    delay = out["frictions"][0]
    assert delay["n"] == 8 and delay["answers"] == 20 and delay["share"] == pytest.approx(0.4)
    assert delay["effort_gap"] == pytest.approx(20) and delay["feasibility"] == 3
    assert delay["score"] == pytest.approx(0.2 * 0.4 * 0.6)
    assert delay["gap_ci"] is not None and delay["gap_ci"][0] < 20 < delay["gap_ci"][1]
    assert len(delay["verbatims"]) == 2 and delay["actions"]["total"] == 0


def test_the_backlog_in_english(app: FastAPI, settings: Settings, workspace: NewWorkspace) -> None:
    frictions(app.state.sessions, settings, workspace.id, at=recent())
    login = logged_in(app, workspace.id, "admin", lang="en")
    page = markup.unescape(login.client.get("/app/frictions").text)
    assert "Frictions backlog" in page
    assert (
        "impact 0.20 (expected effort gap +20.0 points, +20.0 measured) × volume 0.40 "
        "(40% of answers) × feasibility 3/5 = 0.048" in page
    )


def test_setting_a_feasibility_changes_the_ranking(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    frictions(app.state.sessions, settings, workspace.id, at=recent())
    assert order(analyst) == [("payer", "delay", 1), ("payer", "payment", 2)]
    r = analyst.client.post(
        "/app/frictions/feasibility",
        data={
            "csrf": analyst.csrf,
            "touchpoint": "payer",
            "tag": "payment",
            "feasibility": "5",
            "weeks": "2",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith("/app/frictions?weeks=2&")
    assert order(analyst) == [("payer", "payment", 1), ("payer", "delay", 2)]
    page = markup.unescape(analyst.client.get(r.headers["location"]).text)
    assert "Faisabilité de « Paiement » à payer fixée à 5/5 : la friction est maintenant n° 1." in (
        page
    )
    assert "× faisabilité 5/5 = 0,055" in page
    # Setting it again updates the same row.
    analyst.client.post(
        "/app/frictions/feasibility",
        data={"csrf": analyst.csrf, "touchpoint": "payer", "tag": "payment", "feasibility": "1"},
    )
    with app.state.sessions() as s:
        rows = s.scalars(select(FrictionSetting)).all()
    assert [(row.tag_key, row.feasibility) for row in rows] == [("payment", 1)]
    assert order(analyst) == [("payer", "delay", 1), ("payer", "payment", 2)]


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"feasibility": "0"}, 422, "La faisabilité doit être un nombre entier de 1"),
        ({"feasibility": "6"}, 422, "reçu : 6"),
        ({"feasibility": "beaucoup"}, 422, "reçu : beaucoup"),
        ({"feasibility": ""}, 422, "La faisabilité doit"),
        ({"touchpoint": "nowhere"}, 404, "nowhere"),
        ({"touchpoint": ""}, 422, "Indiquez le point de contact"),
        ({"tag": "nope"}, 404, "nope"),
        ({"weeks": "99"}, 422, "de 1 à 52"),
    ],
)
def test_a_bad_feasibility_is_refused_clearly_and_nothing_is_stored(
    app: FastAPI,
    settings: Settings,
    workspace: NewWorkspace,
    analyst: Login,
    fields: dict[str, str],
    status: int,
    message: str,
) -> None:
    frictions(app.state.sessions, settings, workspace.id, at=recent())
    data = {"csrf": analyst.csrf, "touchpoint": "payer", "tag": "payment", "feasibility": "4"}
    r = analyst.client.post("/app/frictions/feasibility", data={**data, **fields})
    if fields.get("weeks"):
        # The value was fine: it is saved; the bad period shows on the page it lands on.
        assert r.status_code == 422 and message in markup.unescape(r.text)
        return
    assert r.status_code == status, r.text
    page = markup.unescape(r.text)
    assert 'class="error" role="alert"' in page and message in page
    assert 'id="friction-payer-delay"' in page  # the backlog is still there
    with app.state.sessions() as s:
        assert s.scalars(select(FrictionSetting)).all() == []


def test_feasibility_needs_the_csrf_token_and_an_analyst(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    frictions(app.state.sessions, settings, workspace.id, at=recent())
    data = {"touchpoint": "payer", "tag": "payment", "feasibility": "5"}
    assert analyst.client.post("/app/frictions/feasibility", data=data).status_code == 403
    forged = {**data, "csrf": "forged"}
    assert analyst.client.post("/app/frictions/feasibility", data=forged).status_code == 403
    agent = logged_in(app, workspace.id, "agent", agent_id="a-1")
    assert agent.client.get("/app/frictions").status_code == 403
    r = agent.client.post("/app/frictions/feasibility", data={**data, "csrf": agent.csrf})
    assert r.status_code == 403
    with app.state.sessions() as s:
        assert s.scalars(select(FrictionSetting)).all() == []
    admin = logged_in(app, workspace.id, "admin")
    assert admin.client.get("/app/frictions").status_code == 200
    stranger = TestClient(app, base_url="http://127.0.0.1")
    r = stranger.get("/app/frictions?weeks=2", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/app/login")


def test_another_workspace_is_neither_shown_nor_touched(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    other = create_workspace(f, "Autre")
    frictions(f, settings, other.id, at=recent())
    theirs, _ = answer(
        f, settings, other.id, [(1, "Leur support"), (7, None)], touchpoint="support"
    )
    human_tag(f, other.id, theirs, ["delay"])
    assert order(analyst) == []
    r = analyst.client.post(
        "/app/frictions/feasibility",
        data={"csrf": analyst.csrf, "touchpoint": "support", "tag": "delay", "feasibility": "5"},
    )
    assert r.status_code == 404
    with f() as s:
        assert s.scalars(select(FrictionSetting)).all() == []
    mine = logged_in(app, other.id, "analyst")
    assert ("support", "delay") in [(tp, tag) for tp, tag, _ in order(mine)]


def test_a_script_in_a_verbatim_stays_inert_on_the_backlog(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    frictions(app.state.sessions, settings, workspace.id, at=recent())
    html = analyst.client.get("/app/frictions").text
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_the_period_is_chosen_in_weeks(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    frictions(app.state.sessions, settings, workspace.id, at=datetime.now(UTC) - timedelta(days=10))
    assert order(analyst, "&weeks=1") == []
    assert [t for _, t, _ in order(analyst, "&weeks=2")] == ["delay", "payment"]
    assert [t for _, t, _ in order(analyst)] == ["delay", "payment"]  # 4 weeks by default
    page = markup.unescape(analyst.client.get("/app/frictions?weeks=1").text)
    assert "Aucune réponse sur cette période." in page
    for bad in ("0", "53", "deux"):
        r = analyst.client.get(f"/app/frictions?weeks={bad}")
        assert r.status_code == 422 and "de 1 à 52" in markup.unescape(r.text)
        j = analyst.client.get(f"/app/frictions?weeks={bad}&format=json")
        assert j.status_code == 422 and j.json()["error"]["code"] == "invalid"


def add_action(f: sessionmaker[Session], ws: str, tag: str, status: str) -> None:
    with write_session(f) as s:
        tp = repo.touchpoint_by_key(s, ws, "payer")
        assert tp is not None
        s.add(
            Action(
                id=new_id("act"),
                workspace_id=ws,
                touchpoint_id=tp.id,
                tag_key=tag,
                title="Réessayer la carte",
                kind="fix",
                status=status,
            )
        )


def test_actions_logged_against_a_friction_are_counted(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    frictions(f, settings, workspace.id, at=recent())
    other = create_workspace(f, "Autre")
    frictions(f, settings, other.id, at=recent())
    add_action(f, workspace.id, "payment", "to_deliver")
    add_action(f, workspace.id, "payment", "delivered")
    add_action(f, other.id, "delay", "to_deliver")
    out = {
        x["tag"]: x["actions"]
        for x in analyst.client.get("/app/frictions?format=json").json()["frictions"]
    }
    assert out["payment"] == {"to_deliver": 1, "delivered": 1, "total": 2}
    assert out["delay"] == {"to_deliver": 0, "delivered": 0, "total": 0}
    page = markup.unescape(analyst.client.get("/app/frictions").text)
    assert '2 actions</a> <span class="muted">(1 livrée)</span>' in page


def test_comments_waiting_for_the_tagger_are_announced(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    answer(app.state.sessions, settings, workspace.id, [(1, "Pas encore lu"), (7, None)])
    page = markup.unescape(analyst.client.get("/app/frictions").text)
    assert "1 commentaire de la période attend encore l'étiquetage" in page
    assert "Aucune friction sur cette période" in page


def test_csv_of_the_backlog(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    frictions(app.state.sessions, settings, workspace.id, at=recent())
    r = analyst.client.get("/app/frictions?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(row["rank"], row["tag"], row["n"], row["feasibility"]) for row in rows] == [
        ("1", "delay", "8", "3"),
        ("2", "payment", "3", "3"),
    ]
    assert float(rows[0]["score"]) == pytest.approx(0.048)


# --- JSON API ------------------------------------------------------------------------------


@pytest.fixture
def api(app: FastAPI) -> FastAPI:
    # The lead registers the router in create_app; until then the test mounts it.
    if not any(getattr(r, "path", "") == "/v1/backlog" for r in app.routes):
        app.include_router(backlog_api.router)
    return app


def test_the_json_api_reads_the_backlog_and_sets_feasibility(
    api: FastAPI, settings: Settings, workspace: NewWorkspace, auth: dict[str, str]
) -> None:
    frictions(api.state.sessions, settings, workspace.id, at=recent())
    client = TestClient(api)
    r = client.get("/v1/backlog", headers=auth)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["period"]["weeks"] == 4 and out["period"]["tz"] == "Europe/Paris"
    assert [x["tag"] for x in out["frictions"]] == ["delay", "payment"]
    r = client.put(
        "/v1/backlog/feasibility",
        json={"touchpoint": "payer", "tag": "payment", "feasibility": 5},
        headers=auth,
    )
    assert r.json() == {"touchpoint": "payer", "tag": "payment", "feasibility": 5}
    out = client.get("/v1/backlog?weeks=2", headers=auth).json()
    assert [x["tag"] for x in out["frictions"]] == ["payment", "delay"]
    assert out["frictions"][0]["feasibility_set"] is True


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"touchpoint": "payer", "tag": "payment", "feasibility": 0}, 422),
        ({"touchpoint": "payer", "tag": "payment", "feasibility": 6}, 422),
        ({"touchpoint": "payer", "tag": "payment"}, 422),
        ({"touchpoint": "nowhere", "tag": "payment", "feasibility": 3}, 404),
        ({"touchpoint": "payer", "tag": "nope", "feasibility": 3}, 404),
    ],
)
def test_the_json_api_refuses_bad_feasibility(
    api: FastAPI,
    settings: Settings,
    workspace: NewWorkspace,
    auth: dict[str, str],
    body: dict[str, object],
    status: int,
) -> None:
    answer(api.state.sessions, settings, workspace.id, [(2, None)])
    client = TestClient(api)
    r = client.put("/v1/backlog/feasibility", json=body, headers=auth)
    assert r.status_code == status, r.text
    assert "error" in r.json()
    assert client.get("/v1/backlog?weeks=0", headers=auth).status_code == 422
    assert client.get("/v1/backlog").status_code == 401


def test_the_page_shows_the_expected_gap_its_doubt_and_the_three_comment_rule(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    late = answer(f, settings, workspace.id, [(s, f"Lent {s}") for s in (2, 3, 4, 5, 3, 4, 2, 5)])
    pay = answer(f, settings, workspace.id, [(s, f"Carte {s}") for s in (1, 2, 3, 2)])
    answer(f, settings, workspace.id, [(7, None)] * 6 + [(6, None)] * 4)
    for rids, tag in ((late, "delay"), (pay, "payment")):
        for rid in rids:
            human_tag(f, workspace.id, rid, [tag])
    # One comment at « annuler », tagged twice: one row, after the others.
    [once] = answer(
        f, settings, workspace.id, [(4, "Impossible d'annuler")], at=recent(), touchpoint="annuler"
    )
    answer(f, settings, workspace.id, [(5, None), (6, None), (7, None)], touchpoint="annuler")
    human_tag(f, workspace.id, once, ["recontact", "outage"])
    out = analyst.client.get("/app/frictions?format=json").json()
    assert out["shrinkage"]["status"] == "shrunk" and out["shrinkage"]["min_top_comments"] == 3
    last = out["frictions"][-1]
    assert (last["touchpoint"], last["tag"], last["also_tags"]) == (
        "annuler",
        "outage",
        ["recontact"],
    )
    assert last["rank"] == 3 and last["eligible_for_top"] is False and last["n_comments"] == 1
    assert 0 < last["shrunk_gap"] < last["effort_gap"] and last["uncertain"] is True
    page = markup.unescape(analyst.client.get("/app/frictions").text)
    row = page[page.index('id="friction-annuler-outage"') :]
    assert "trop peu de commentaires pour le top 3" in row
    assert "incertain" in row and "attendu +" in row
    assert "mêmes commentaires aussi étiquetés : " + last["also_names"][0]["fr"] in row
    assert (
        "Une friction vue dans moins de 3 commentaires est listée après toutes les autres" in page
    )
    english = logged_in(app, workspace.id, "admin", lang="en")
    page = markup.unescape(english.client.get("/app/frictions").text)
    assert "too few comments for the top 3" in page and "uncertain" in page
    rows = list(csv.DictReader(io.StringIO(analyst.client.get("/app/frictions?format=csv").text)))
    assert (rows[-1]["tag"], rows[-1]["also_tags"], rows[-1]["eligible_for_top"]) == (
        "outage",
        "recontact",
        "False",
    )
    assert (
        float(rows[-1]["shrunk_low"])
        < float(rows[-1]["shrunk_gap"])
        < float(rows[-1]["shrunk_high"])
    )
