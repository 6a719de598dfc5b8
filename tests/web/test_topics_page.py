"""The emerging topics page: listed, made a tag with counts shown, dismissed (both databases)."""

from __future__ import annotations

import html as markup

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.services.tags import ensure_seeded
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import verbatims as verbatim_store
from tests.verbatims import answer, make_topic
from tests.web.conftest import logged_in

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
DARK = [
    f"Le mode sombre rend le panier illisible {SCRIPT}",
    "En mode sombre le texte du panier est illisible",
    "Mode sombre : le récapitulatif du panier est illisible",
    "Le thème sombre rend les montants du panier illisibles",
]


def _topic(f: sessionmaker[Session], settings: Settings, ws: str) -> tuple[str, list[str]]:
    ensure_seeded(f, ws)
    members = answer(f, settings, ws, [(3, t) for t in DARK])
    return make_topic(f, ws, members), members


def _tagged(f: sessionmaker[Session], ws: str, ids: list[str], key: str) -> int:
    with f() as s:
        found = verbatim_store.tags_of(s, ws, ids)
    return sum(any(k == key for k, _, _ in found.get(rid, [])) for rid in ids)


@pytest.mark.parametrize(
    ("lang", "notice"),
    [
        ("fr", "4 commentaires sur 4 portent désormais l'étiquette « Thème sombre »."),
        ("en", "4 of 4 comments now tagged “Thème sombre”."),
    ],
    ids=["fr", "en"],
)
def test_making_a_topic_a_tag_says_how_many_of_its_comments_now_carry_it(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, lang: str, notice: str
) -> None:
    f = app.state.sessions
    topic_id, members = _topic(f, settings, workspace.id)
    user = logged_in(app, workspace.id, "analyst", lang=lang)
    page = user.client.get("/app/topics")
    assert page.status_code == 200 and f'id="topic-{topic_id}"' in page.text
    assert 'href="/app/topics"' in page.text  # in the navigation

    r = user.client.post(
        f"/app/topics/{topic_id}/accept",
        data={"csrf": user.csrf, "key": "theme_sombre", "name": " Thème  sombre "},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/app/topics?accepted={topic_id}#topic-{topic_id}"
    page = user.client.get(r.headers["location"])
    assert notice in markup.unescape(page.text)
    assert _tagged(f, workspace.id, members, "theme_sombre") == 4
    # Listed among the topics made tags, with its reach.
    assert f'<tr id="topic-{topic_id}">' in page.text
    data = user.client.get("/app/topics?format=json").json()
    [accepted] = [t for t in data["topics"] if t["status"] == "accepted"]
    assert accepted["tagging"] == {
        "tag": "theme_sombre",
        "members": 4,
        "tagged": 4,
        "matched_later": 0,
        "name": "Thème sombre",  # the page's JSON names the tag in the reader's language
    }


def test_a_script_in_a_comment_stays_inert_on_the_page(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    _topic(app.state.sessions, settings, workspace.id)
    user = logged_in(app, workspace.id, "analyst")
    page = user.client.get("/app/topics")
    assert page.status_code == 200
    assert "<script>" not in page.text and "<img src=x" not in page.text
    assert SCRIPT in markup.unescape(page.text)  # shown as text
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_a_bad_key_or_name_is_shown_on_the_page_and_nothing_is_tagged(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = app.state.sessions
    topic_id, members = _topic(f, settings, workspace.id)
    user = logged_in(app, workspace.id, "analyst", lang="en")
    r = user.client.post(
        f"/app/topics/{topic_id}/accept",
        data={"csrf": user.csrf, "key": "Thème Sombre", "name": "Thème sombre"},
    )
    assert r.status_code == 422
    assert "The tag key Thème Sombre is not allowed" in markup.unescape(r.text)
    r = user.client.post(
        f"/app/topics/{topic_id}/accept",
        data={"csrf": user.csrf, "key": "theme_sombre", "name": "  "},
    )
    assert r.status_code == 422 and "The tag name needs 1 to 100 characters." in r.text
    assert 'value="theme_sombre"' not in r.text  # the topic is still offered as it was
    r = user.client.post(
        f"/app/topics/{topic_id}/accept",
        data={"csrf": user.csrf, "key": "payment", "name": "Paiement"},
    )
    assert r.status_code == 409 and "payment" in r.text
    assert _tagged(f, workspace.id, members, "theme_sombre") == 0
    assert _tagged(f, workspace.id, members, "payment") == 0
    r = user.client.post(
        f"/app/topics/{topic_id}/accept",
        data={"csrf": "forged", "key": "theme_sombre", "name": "Thème sombre"},
    )
    assert r.status_code == 403
    assert _tagged(f, workspace.id, members, "theme_sombre") == 0


def test_dismissing_a_topic_and_another_workspace_cannot_touch_it(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = app.state.sessions
    topic_id, _ = _topic(f, settings, workspace.id)
    other = logged_in(app, create_workspace(f, "Autre").id, "analyst")
    for action in ("accept", "dismiss"):
        r = other.client.post(
            f"/app/topics/{topic_id}/{action}",
            data={"csrf": other.csrf, "key": "theme_sombre", "name": "Thème sombre"},
        )
        assert r.status_code == 404
    assert f'id="topic-{topic_id}"' not in other.client.get("/app/topics").text

    user = logged_in(app, workspace.id, "analyst", lang="fr")
    r = user.client.post(f"/app/topics/{topic_id}/dismiss", data={"csrf": user.csrf})
    assert r.status_code == 200
    assert "Sujet écarté : il ne sera plus proposé." in markup.unescape(r.text)
    assert f'id="topic-{topic_id}"' not in r.text
