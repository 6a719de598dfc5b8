"""The verbatims page: search, filters, pages, CSV, bulk re-tag (both databases)."""

from __future__ import annotations

import csv
import html as markup
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from fluide.render.svg import effort_colour
from fluide.services.tags import ensure_seeded
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import tags as tag_store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.db import write_session
from tests.verbatims import answer
from tests.web.conftest import Login, logged_in

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
Tags = Sequence[tuple[str, str, float]]


def machine_tag(f: sessionmaker[Session], ws: str, tags: dict[str, Tags]) -> None:
    """Store what the tagging worker would have found for these verbatims."""
    version = ensure_seeded(f, ws)
    with f() as s:
        items = {p.response_id: p for p in queue_store.pending(s, 1000, ws)}
    with write_session(f) as s:
        queue_store.store_tags(
            s,
            ws,
            version,
            [
                queue_store.Tagged(rid, items[rid].revision, None, None, t)
                for rid, t in tags.items()
            ],
        )


def human_tag(f: sessionmaker[Session], ws: str, rid: str, keys: list[str]) -> None:
    version = ensure_seeded(f, ws)
    with write_session(f) as s:
        queue_store.set_human_tags(s, ws, rid, keys, version)


def tags_now(f: sessionmaker[Session], ws: str, rid: str) -> list[tuple[str, str]]:
    with f() as s:
        found = verbatim_store.tags_of(s, ws, [rid]).get(rid, [])
    return sorted((k, src) for k, src, _ in found)


def shown(html: str, rid: str) -> bool:
    return f'id="v-{rid}"' in html


@pytest.fixture
def analyst(app: FastAPI, workspace: NewWorkspace) -> Login:
    return logged_in(app, workspace.id, "analyst", lang="fr")


def test_each_row_shows_date_touchpoint_coloured_score_comment_and_tags(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    model, person = answer(
        f, settings, workspace.id, [(2, "Carte refusée\ndeux fois"), (6, "Bien")], at=at
    )
    machine_tag(f, workspace.id, {model: [("payment", "model", 0.82)], person: []})
    human_tag(f, workspace.id, person, ["delay"])
    r = analyst.client.get("/app/verbatims")
    assert r.status_code == 200, r.text
    html = r.text
    assert shown(html, model) and shown(html, person)
    assert "20 nov. 2026" in html and "payer" in html
    assert effort_colour((7 - 2) / 6) in html  # score 2 of 7 on an ease scale
    assert '<p class="comment">Carte refusée\ndeux fois</p>' in html
    assert "Paiement <small>· modèle 82" in html
    assert 'class="tag human"' in html and "· humain</small>" in html


def test_a_script_in_a_comment_stays_inert_text(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    answer(app.state.sessions, settings, workspace.id, [(1, SCRIPT)])
    html = analyst.client.get("/app/verbatims").text
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_agents_are_refused_and_strangers_sent_to_log_in(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    agent = logged_in(app, workspace.id, "agent", agent_id="a-1")
    assert agent.client.get("/app/verbatims").status_code == 403
    r = agent.client.post(
        "/app/verbatims/bulk", data={"csrf": agent.csrf, "action": "retag", "ids": "x"}
    )
    assert r.status_code == 403
    from fastapi.testclient import TestClient

    stranger = TestClient(app, base_url="http://127.0.0.1")
    r = stranger.get("/app/verbatims?q=x", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/app/login")


def test_filters_search_without_accents_tag_touchpoint_scores_dates_untagged(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    early = datetime(2026, 10, 1, 10, tzinfo=UTC)
    late = datetime(2026, 11, 20, 10, tzinfo=UTC)
    [old] = answer(f, settings, workspace.id, [(1, "Prélèvement refusé")], at=early)
    paid, easy = answer(f, settings, workspace.id, [(3, "Débité deux fois"), (7, "Top")], at=late)
    [desk] = answer(
        f, settings, workspace.id, [(2, "Personne au téléphone")], touchpoint="support", at=late
    )
    machine_tag(f, workspace.id, {paid: [("payment", "rule", 0.9)], old: [], easy: [], desk: []})

    def ids(query: str) -> set[str]:
        r = analyst.client.get("/app/verbatims?" + query)
        assert r.status_code == 200, r.text
        return {rid for rid in (old, paid, easy, desk) if shown(r.text, rid)}

    assert ids("") == {old, paid, easy, desk}
    assert ids("q=PRELEVEMENT") == {old}
    assert ids("q=debite&tag=&touchpoint=") == {paid}  # empty fields are no filter
    assert ids("tag=payment") == {paid}
    assert ids("touchpoint=support") == {desk}
    assert ids("min_score=2&max_score=3") == {paid, desk}
    assert ids("from=2026-11-01&to=2026-11-30") == {paid, easy, desk}
    assert ids("to=2026-10-31") == {old}
    assert ids("untagged=true") == {old, easy, desk}
    assert ids("untagged=false") == {paid}
    page = analyst.client.get("/app/verbatims?q=debite&min_score=2").text
    assert 'name="q" value="debite"' in page and 'name="min_score" min="0"' in page


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("min_score=abc", 422, "La note la plus basse"),
        ("max_score=11", 422, "La note la plus haute"),
        ("from=hier", 422, "La date de début"),
        ("min_score=5&max_score=2", 422, "min_score (5)"),
        ("from=2026-11-30&to=2026-11-01", 422, "2026-11-30"),
        ("tag=nope", 404, "nope"),
        ("tag=Pas%20une%20cl%C3%A9", 422, "Pas une clé"),
        ("touchpoint=nowhere", 404, "nowhere"),
        ("untagged=maybe", 422, "untagged"),
        ("cursor=zzz", 422, "curseur"),
    ],
)
def test_a_bad_filter_is_shown_on_the_page_naming_it(
    analyst: Login, query: str, status: int, message: str
) -> None:
    r = analyst.client.get("/app/verbatims?" + query)
    assert r.status_code == status, r.text
    assert 'class="error" role="alert"' in r.text and message in r.text
    assert 'action="/app/verbatims"' in r.text  # the filter form is still there to fix it
    j = analyst.client.get("/app/verbatims?format=json&" + query)
    assert j.status_code == status and "error" in j.json()


def test_pages_follow_the_cursor_and_keep_the_filters(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    start = datetime(2026, 11, 2, 8, tzinfo=UTC)
    ids = answer(
        app.state.sessions, settings, workspace.id, [(3, f"Lent {i}") for i in range(53)], at=start
    )
    first = analyst.client.get("/app/verbatims?q=lent&format=json").json()
    assert len(first["verbatims"]) == 50 and first["next_cursor"]
    html = analyst.client.get("/app/verbatims?q=lent").text
    assert f"cursor={first['next_cursor']}" in html and "q=lent" in html
    second = analyst.client.get(f"/app/verbatims?q=lent&cursor={first['next_cursor']}")
    assert second.status_code == 200
    rest = [rid for rid in ids if shown(second.text, rid)]
    assert sorted(rest) == sorted(ids[:3])  # newest first: the three oldest come last
    assert "Première page" in second.text and 'id="next-page"' not in second.text


def test_csv_gives_every_filtered_verbatim_without_spreadsheet_formulas(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    ids = answer(
        f,
        settings,
        workspace.id,
        [(2, '=HYPERLINK("http://evil")'), (3, "+33 6 12"), (7, "Parfait"), (1, "@SUM(A1)")],
    )
    machine_tag(f, workspace.id, {ids[0]: [("payment", "model", 0.7)], ids[1]: [], ids[2]: []})
    human_tag(f, workspace.id, ids[3], ["payment", "delay"])
    r = analyst.client.get("/app/verbatims?max_score=3&format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(r.text))}
    assert set(rows) == {ids[0], ids[1], ids[3]}
    assert rows[ids[0]]["comment"] == '\'=HYPERLINK("http://evil")'
    assert rows[ids[1]]["comment"] == "'+33 6 12"
    assert rows[ids[3]]["comment"] == "'@SUM(A1)"
    assert rows[ids[0]]["tags"] == "payment" and rows[ids[0]]["tag_sources"] == "model"
    assert sorted(rows[ids[3]]["tags"].split("|")) == ["delay", "payment"]
    assert rows[ids[0]]["effort_index"] == "83.3" and rows[ids[0]]["touchpoint"] == "payer"
    assert rows[ids[0]]["responded_at"].startswith("20")


def test_json_is_the_data_the_page_is_drawn_from(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    [rid] = answer(app.state.sessions, settings, workspace.id, [(2, SCRIPT)])
    out = analyst.client.get("/app/verbatims?format=json&max_score=2").json()
    assert out["filters"]["max_score"] == "2"
    assert [v["id"] for v in out["verbatims"]] == [rid] and out["verbatims"][0]["comment"] == SCRIPT
    assert {"payment", "delay"} <= {t["key"] for t in out["tags"]}
    assert [tp["key"] for tp in out["touchpoints"]] == ["payer"]


# --- Bulk re-tag ---------------------------------------------------------------------------


def bulk(login: Login, ids: list[str], action: str, tag: str = "", back: str = "") -> Response:
    r: Response = login.client.post(
        "/app/verbatims/bulk",
        data={"csrf": login.csrf, "ids": ids, "action": action, "tag": tag, "back": back},
        follow_redirects=False,
    )
    return r


def test_bulk_add_corrects_each_verbatim_and_teaches_the_tagger(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    a, b, c = answer(f, settings, workspace.id, [(2, "Livré en retard"), (3, "Lent"), (5, "Ok")])
    machine_tag(f, workspace.id, {a: [("payment", "model", 0.6)], b: [], c: []})
    r = bulk(analyst, [a, b], "add", "delay", back="q=l&max_score=3&cursor=")
    assert r.status_code == 303
    location = r.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert urlsplit(location).path == "/app/verbatims"
    assert query["q"] == ["l"] and query["max_score"] == ["3"]  # the filters are kept
    assert query["done"] == ["add"] and query["changed"] == ["2"]
    assert tags_now(f, workspace.id, a) == [("delay", "human"), ("payment", "human")]
    assert tags_now(f, workspace.id, b) == [("delay", "human")]
    assert tags_now(f, workspace.id, c) == []
    with f() as s:
        learnt = {e.response_id: sorted(e.tags) for e in tag_store.examples(s, workspace.id)}
    assert learnt[a] == ["delay", "payment"] and learnt[b] == ["delay"]
    page = analyst.client.get(location)
    assert "Étiquette « Délai / attente » ajoutée à 2 verbatims." in page.text


def test_bulk_add_leaves_alone_what_has_the_tag_or_no_room(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    has, full = answer(f, settings, workspace.id, [(2, "Retard"), (2, "Tout va mal")])
    human_tag(f, workspace.id, has, ["delay"])
    human_tag(f, workspace.id, full, ["payment", "login", "outage"])
    r = bulk(analyst, [has, full], "add", "delay")
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert (query["changed"], query["unchanged"], query["full"]) == (["0"], ["1"], ["1"])
    assert tags_now(f, workspace.id, full) == [
        ("login", "human"),
        ("outage", "human"),
        ("payment", "human"),
    ]
    page = markup.unescape(analyst.client.get(r.headers["location"]).text)
    assert "1 avait déjà" in page and "le plus d'étiquettes" in page


def test_bulk_remove_keeps_the_other_tags_as_the_person_s(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    a, b = answer(f, settings, workspace.id, [(2, "Carte refusée, en retard"), (4, "Moyen")])
    machine_tag(f, workspace.id, {a: [("payment", "model", 0.9), ("delay", "rule", 0.8)], b: []})
    r = bulk(analyst, [a, b], "remove", "delay")
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert (query["changed"], query["unchanged"]) == (["1"], ["1"])
    assert tags_now(f, workspace.id, a) == [("payment", "human")]


def test_bulk_retag_queues_machine_tags_and_keeps_a_person_s(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    machine, person = answer(f, settings, workspace.id, [(2, "Lent"), (2, "Bloqué")])
    machine_tag(f, workspace.id, {machine: [("delay", "model", 0.5)], person: []})
    human_tag(f, workspace.id, person, ["login"])
    r = bulk(analyst, [machine, person], "retag")
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert (query["changed"], query["kept_human"]) == (["1"], ["1"])
    with f() as s:
        states = queue_store.states_of(s, workspace.id, [machine, person])
    assert states[machine][0] == "pending" and states[person][0] == "done"
    assert tags_now(f, workspace.id, person) == [("login", "human")]
    page = markup.unescape(analyst.client.get(r.headers["location"]).text)
    assert "1 verbatim remis dans la file de l'étiquetage." in page


def test_bulk_never_touches_another_workspace_s_verbatims(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    other = create_workspace(f, "Autre")
    [theirs] = answer(f, settings, other.id, [(2, "Chez l'autre")])
    machine_tag(f, other.id, {theirs: [("payment", "model", 0.7)]})
    [mine] = answer(f, settings, workspace.id, [(2, "Chez moi")])
    for action, tag in (("add", "delay"), ("remove", "payment"), ("retag", "")):
        r = bulk(analyst, [theirs, mine], action, tag)
        query = parse_qs(urlsplit(r.headers["location"]).query)
        assert query["missing"] == ["1"], (action, query)
    assert tags_now(f, other.id, theirs) == [("payment", "model")]
    with f() as s:
        assert queue_store.states_of(s, other.id, [theirs])[theirs][0] == "done"
        assert all(e.response_id != theirs for e in tag_store.examples(s, other.id))
    assert not shown(analyst.client.get("/app/verbatims").text, theirs)


@pytest.mark.parametrize(
    ("ids", "action", "tag", "message"),
    [
        ([], "add", "delay", "Cochez au moins un verbatim"),
        (["x"], "add", "nope", "Étiquette inconnue nope"),
        (["x"], "add", "", "Choisissez l'étiquette"),
        (["x"], "explode", "delay", "Action inconnue explode"),
    ],
)
def test_bad_bulk_forms_get_a_clear_message_and_change_nothing(
    app: FastAPI,
    settings: Settings,
    workspace: NewWorkspace,
    analyst: Login,
    ids: list[str],
    action: str,
    tag: str,
    message: str,
) -> None:
    f = app.state.sessions
    [rid] = answer(f, settings, workspace.id, [(2, "Lent")])
    r = bulk(analyst, [rid if i == "x" else i for i in ids], action, tag, back="q=lent")
    assert r.status_code == 422
    html = markup.unescape(r.text)
    assert message in html and 'name="q" value="lent"' in html
    assert tags_now(f, workspace.id, rid) == []


def test_bulk_without_its_csrf_token_is_refused(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, analyst: Login
) -> None:
    f = app.state.sessions
    [rid] = answer(f, settings, workspace.id, [(2, "Lent")])
    for token in ("", "forged"):
        r = analyst.client.post(
            "/app/verbatims/bulk",
            data={"csrf": token, "ids": [rid], "action": "add", "tag": "delay"},
            follow_redirects=False,
        )
        assert r.status_code == 403
    assert tags_now(f, workspace.id, rid) == []


def test_the_page_is_in_english_for_an_english_account(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    login = logged_in(app, workspace.id, "admin", lang="en")
    at = datetime.now(UTC) - timedelta(days=1)
    [rid] = answer(app.state.sessions, settings, workspace.id, [(2, "Slow")], at=at)
    machine_tag(app.state.sessions, workspace.id, {rid: [("delay", "model", 0.5)]})
    html = login.client.get("/app/verbatims").text
    assert "Download CSV" in html and "Run the tagger again" in html
    assert "<small>· model 50%" in html
