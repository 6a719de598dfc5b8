"""The Touchpoint page (``/app/touchpoints/{key}``): figures, splits, versions, verbatims,
and the inline tag correction that teaches the tagger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import select

from fluide.api.schemas import TouchpointPatch
from fluide.i18n import fmt_int, fmt_number
from fluide.services import touchpoints as touchpoint_service
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage import tags as tag_store
from fluide.storage.models import ResponseTag
from tests.verbatims import ensure_touchpoint
from tests.web.conftest import logged_in
from tests.web.test_overview import Answer, api_get, api_metrics, record, tag_as

SPLITS = ["outcome", "tenure", "channel", "agent"]


def _mix(app: FastAPI, ws: str) -> list[str]:
    """Successes and failures, new and established customers, two channels, two agents."""
    long_ago = (datetime.now(UTC) - timedelta(days=800)).date().isoformat()
    recent = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
    answers = (
        [Answer(7, agent="a-1", since=long_ago, channel="email")] * 6
        + [Answer(6, "Rapide", agent="a-1", since=long_ago)] * 4
        + [Answer(2, "Carte refusée deux fois", outcome="failure", agent="a-2", since=recent)] * 3
        + [Answer(3, None, outcome="failure", agent="a-2")] * 2
        + [Answer(5, answered=False, channel="email")] * 3
    )
    return record(app, ws, answers, at=datetime.now(UTC) - timedelta(days=8))


def test_figures_and_splits_are_those_of_the_metrics_api(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    _mix(app, workspace.id)
    login = logged_in(app, workspace.id, lang="fr")
    data = login.client.get("/app/touchpoints/payer?format=json").json()
    api = api_metrics(app, workspace, "payer", data["period"], by=SPLITS)

    for part in ("overall", "groups", "weekly", "scale", "warnings"):
        assert data["metrics"][part] == api[part], part
    outcome = {g["value"]: g["n"] for g in data["metrics"]["groups"]["outcome"]}
    assert outcome == {"success": 10, "failure": 5}
    tenure = {g["value"]: g["n"] for g in data["metrics"]["groups"]["tenure"]}
    assert tenure == {"established": 10, "new": 3, None: 2}

    html = login.client.get("/app/touchpoints/payer").text
    for split in SPLITS:
        assert f'id="split-{split}"' in html
    failure = next(g for g in api["groups"]["outcome"] if g["value"] == "failure")
    section = html.split('id="split-outcome"', 1)[1].split("</table>", 1)[0]
    assert "échec" in section and "succès" in section
    assert fmt_number("fr", failure["mean"], 2) in section
    assert "petit échantillon" in section  # 5 answers: a small sample
    assert fmt_number("fr", api["overall"]["mean"], 2) in html
    assert 'class="chart bars"' in html and 'class="chart trend"' in html
    assert "a-2" in html.split('id="split-agent"', 1)[1]


def test_distribution_bars_go_from_green_to_red(app: FastAPI, workspace: NewWorkspace) -> None:
    record(app, workspace.id, [Answer(s) for s in range(1, 8)])
    html = logged_in(app, workspace.id).client.get("/app/touchpoints/payer").text
    bars = html.split('class="chart bars"', 1)[1].split("</svg>", 1)[0]
    fills = [part.split('"', 1)[0] for part in bars.split('fill="')[1:] if part.startswith("#")]
    colours = [f for f in fills if f not in ("#1f2328", "#5c6670")]
    assert colours[0] == "#d73027" and colours[-1] == "#1a9850"  # 1 = most effort on ease


def test_verbatims_show_their_tags_with_source_and_confidence(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    ids = record(app, workspace.id, [Answer(2, "Carte refusée"), Answer(6, "Livré en retard")])
    tag_as(
        app, workspace.id, {ids[0]: [("payment", "model", 0.82)], ids[1]: [("delay", "rule", 0.6)]}
    )
    login = logged_in(app, workspace.id, lang="en")
    data = login.client.get("/app/touchpoints/payer?format=json").json()
    tags = {v["id"]: v["tags"] for v in data["verbatims"]}
    assert tags[ids[0]] == [
        {"key": "payment", "source": "model", "confidence": 0.82, "name": "Payment"}
    ]
    html = login.client.get("/app/touchpoints/payer").text
    assert "Payment <small>· model, confidence 82%</small>" in html
    assert "Delay / waiting <small>· rule, confidence 60%</small>" in html
    assert html.count('action="/app/touchpoints/payer/verbatims/') == 2


def test_a_correction_is_saved_as_human_and_teaches_the_tagger(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    factory = app.state.sessions
    rid, other = record(app, workspace.id, [Answer(2, "Carte refusée"), Answer(3, "Trop long")])
    tag_as(app, workspace.id, {rid: [("payment", "model", 0.7)], other: [("delay", "model", 0.8)]})
    with factory() as s:
        version_before = tag_store.tagger_state(s, workspace.id).version  # type: ignore[union-attr]
    login = logged_in(app, workspace.id, lang="fr")

    r = login.client.post(
        f"/app/touchpoints/payer/verbatims/{rid}/tags",
        data={
            "csrf": login.csrf,
            "tag.payment": "1",
            "tag.recontact": "1",
            "next": "/app/touchpoints/payer?weeks=4",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/app/touchpoints/payer?weeks=4&notice=tags_saved#v-{rid}"

    with factory() as s:
        rows = s.execute(
            select(ResponseTag.tag, ResponseTag.source).where(ResponseTag.response_id == rid)
        ).all()
        state = tag_store.tagger_state(s, workspace.id)
        examples = [(e.response_id, e.tags, e.human) for e in tag_store.examples(s, workspace.id)]
    assert sorted(rows) == [("payment", "human"), ("recontact", "human")]
    assert state is not None and state.version == version_before + 1
    assert (rid, ["payment", "recontact"], True) in examples

    page = login.client.get(r.headers["location"])
    assert "Étiquettes enregistrées" in page.text
    item = page.text.split(f'id="v-{rid}"', 1)[1].split("</li>", 1)[0]
    assert item.count('class="tag human"') == 2 and "humain" in item
    assert 'name="tag.recontact" value="1" checked' in item


def test_unticking_every_box_says_no_tag_fits(app: FastAPI, workspace: NewWorkspace) -> None:
    (rid,) = record(app, workspace.id, [Answer(2, "Bof")])
    tag_as(app, workspace.id, {rid: [("outage", "model", 0.55)]})
    login = logged_in(app, workspace.id)
    r = login.client.post(
        f"/app/touchpoints/payer/verbatims/{rid}/tags",
        data={"csrf": login.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/app/touchpoints/payer?")
    verbatim = api_get(app, workspace, f"/v1/verbatims/{rid}")
    assert verbatim["tags"] == []
    with app.state.sessions() as s:
        assert any(
            e.response_id == rid and e.tags == [] for e in tag_store.examples(s, workspace.id)
        )


def test_a_correction_without_csrf_is_refused(app: FastAPI, workspace: NewWorkspace) -> None:
    (rid,) = record(app, workspace.id, [Answer(2, "Carte refusée")])
    tag_as(app, workspace.id, {rid: [("payment", "model", 0.7)]})
    login = logged_in(app, workspace.id)
    for form in ({"tag.login": "1"}, {"tag.login": "1", "csrf": "forged"}):
        r = login.client.post(f"/app/touchpoints/payer/verbatims/{rid}/tags", data=form)
        assert r.status_code == 403
    assert [t["key"] for t in api_get(app, workspace, f"/v1/verbatims/{rid}")["tags"]] == [
        "payment"
    ]


def test_a_correction_to_an_unknown_tag_is_refused_naming_it(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    (rid,) = record(app, workspace.id, [Answer(2, "Carte refusée")])
    login = logged_in(app, workspace.id, lang="en")
    r = login.client.post(
        f"/app/touchpoints/payer/verbatims/{rid}/tags", data={"csrf": login.csrf, "tag.nope": "1"}
    )
    assert r.status_code == 422 and "Unknown tag nope" in r.text


def test_agents_can_neither_read_nor_correct(app: FastAPI, workspace: NewWorkspace) -> None:
    (rid,) = record(app, workspace.id, [Answer(2, "Carte refusée")])
    agent = logged_in(app, workspace.id, "agent", agent_id="a-1")
    assert agent.client.get("/app/touchpoints/payer").status_code == 403
    r = agent.client.post(
        f"/app/touchpoints/payer/verbatims/{rid}/tags", data={"csrf": agent.csrf, "tag.login": "1"}
    )
    assert r.status_code == 403
    assert api_get(app, workspace, f"/v1/verbatims/{rid}")["tags"] == []


def test_another_workspaces_touchpoint_and_verbatims_are_not_found(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    other = create_workspace(app.state.sessions, "Concurrent")
    (theirs,) = record(app, other.id, [Answer(2, "Secret")], touchpoint="livrer")
    record(app, workspace.id, [Answer(6, "Mine")])
    login = logged_in(app, workspace.id, lang="en")
    r = login.client.get("/app/touchpoints/livrer")
    assert r.status_code == 404 and "No touchpoint livrer in this workspace." in r.text
    assert login.client.get("/app/touchpoints/livrer?format=json").json()["error"]["code"]
    r = login.client.post(
        f"/app/touchpoints/payer/verbatims/{theirs}/tags",
        data={"csrf": login.csrf, "tag.login": "1"},
    )
    assert r.status_code == 404
    their_login = logged_in(app, other.id)
    assert their_login.client.get("/app/touchpoints/livrer").status_code == 200


def test_a_verbatim_of_another_touchpoint_is_not_found_here(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    (elsewhere,) = record(app, workspace.id, [Answer(2, "Colis perdu")], touchpoint="livrer")
    record(app, workspace.id, [Answer(6)])
    login = logged_in(app, workspace.id)
    r = login.client.post(
        f"/app/touchpoints/payer/verbatims/{elsewhere}/tags",
        data={"csrf": login.csrf, "tag.delay": "1"},
    )
    assert r.status_code == 404


def test_a_script_in_a_comment_stays_text(app: FastAPI, workspace: NewWorkspace) -> None:
    record(
        app, workspace.id, [Answer(1, '<script>alert("x")</script><img src=x onerror=alert(1)>')]
    )
    html = logged_in(app, workspace.id).client.get("/app/touchpoints/payer").text
    assert "<script>" not in html and "<img" not in html
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    )


def test_question_versions_on_another_scale_are_flagged_not_pooled(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    factory = app.state.sessions
    record(app, workspace.id, [Answer(s) for s in (7, 5, 2)])
    touchpoint_service.update(
        factory,
        workspace.id,
        "payer",
        TouchpointPatch(question={"fr": "C'était simple de payer", "en": "Paying was simple"}),  # type: ignore[arg-type]
    )
    touchpoint_service.update(
        factory, workspace.id, "payer", TouchpointPatch(scale="1-5", polarity="effort")
    )
    record(app, workspace.id, [Answer(s) for s in (1, 2, 5)])
    login = logged_in(app, workspace.id, lang="en")
    data = login.client.get("/app/touchpoints/payer?format=json").json()
    versions = [
        (v["number"], v["scale"], v["current"], v["pooled_with_current"]) for v in data["versions"]
    ]
    assert versions == [(1, "1-7", False, False), (2, "1-7", False, False), (3, "1-5", True, True)]
    assert data["versions"][0]["to"] == data["versions"][1]["from"]
    assert data["flags"]["scales_not_pooled"] is True
    assert data["metrics"]["metric"] == "effort_index"

    html = login.client.get("/app/touchpoints/payer").text
    history = html.split('id="versions-title"', 1)[1]
    assert "I could pay easily" in history and "Paying was simple" in history
    assert history.count("different scale: not pooled with the current version") == 2
    assert "only on the 0–100 effort index" in html
    assert "No distribution: the answers are on different scales." in html


def test_the_page_speaks_the_accounts_language(app: FastAPI, workspace: NewWorkspace) -> None:
    record(app, workspace.id, [Answer(6, "Très bien")])
    en = logged_in(app, workspace.id, lang="en").client.get("/app/touchpoints/payer").text
    fr = logged_in(app, workspace.id, lang="fr").client.get("/app/touchpoints/payer").text
    assert '<html lang="en">' in en
    for heading in ("Key figures", "Breakdowns", "Verbatims of the period", "Question versions"):
        assert heading in en and heading not in fr
    assert (
        "Chiffres clés" in fr
        and "Versions de la question" in fr
        and "Verbatims de la période" in fr
    )


def test_weeks_out_of_range_is_a_clear_error(app: FastAPI, workspace: NewWorkspace) -> None:
    record(app, workspace.id, [Answer(6)])
    client = logged_in(app, workspace.id, lang="fr").client
    r = client.get("/app/touchpoints/payer?weeks=60")
    assert r.status_code == 422 and "weeks" in r.text and "60" in r.text
    data = client.get("/app/touchpoints/payer?weeks=1&format=json").json()
    assert data["period"]["weeks"] == 1 and len(data["period"]["week_labels"]) == 1


def test_verbatims_are_paged_oldest_on_the_next_page(app: FastAPI, workspace: NewWorkspace) -> None:
    ids = record(app, workspace.id, [Answer(4, f"Commentaire {i}") for i in range(53)])
    client = logged_in(app, workspace.id).client
    first = client.get("/app/touchpoints/payer?format=json").json()
    assert [v["id"] for v in first["verbatims"]] == ids[::-1][:50]
    html = client.get("/app/touchpoints/payer").text
    more = html.split('rel="next"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    rest = client.get(more.replace("&amp;", "&") + "&format=json").json()
    assert [v["id"] for v in rest["verbatims"]] == ids[::-1][50:] and rest["next_cursor"] is None
    assert f">{fmt_int('fr', 53)}<" in html


def test_a_touchpoint_without_answers_says_so(app: FastAPI, workspace: NewWorkspace) -> None:
    ensure_touchpoint(app.state.sessions, workspace.id, "livrer")
    client = logged_in(app, workspace.id, lang="en").client
    r = client.get("/app/touchpoints/livrer")
    assert r.status_code == 200
    assert "No answers in this period." in r.text and "No comment in this period." in r.text
    data = client.get("/app/touchpoints/livrer?format=json").json()
    assert data["metrics"]["overall"]["n"] == 0 and data["verbatims"] == []


def test_a_bad_cursor_is_refused_naming_it(app: FastAPI, workspace: NewWorkspace) -> None:
    record(app, workspace.id, [Answer(6, "Bien")])
    client = logged_in(app, workspace.id, lang="en").client
    r = client.get("/app/touchpoints/payer?cursor=not-a-cursor")
    assert r.status_code == 422 and "cursor is not valid" in r.text


def test_after_a_correction_the_page_never_sends_to_another_site(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    (rid,) = record(app, workspace.id, [Answer(2, "Carte refusée")])
    login = logged_in(app, workspace.id)
    for evil in ("//evil.example/app", "https://evil.example/", "/app\\@evil.example"):
        r = login.client.post(
            f"/app/touchpoints/payer/verbatims/{rid}/tags",
            data={"csrf": login.csrf, "tag.payment": "1", "next": evil},
            follow_redirects=False,
        )
        assert r.headers["location"] == f"/app/touchpoints/payer?notice=tags_saved#v-{rid}"
