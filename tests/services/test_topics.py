"""Emerging topics: listed, refreshed by the worker, accepted as tags or dismissed."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.jobs import tagging
from fluide.jobs.topics import refresh_topics
from fluide.services import topics as service
from fluide.services.errors import ServiceError
from fluide.services.tags import ensure_seeded, list_tags
from fluide.services.topics import AcceptIn
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import topics as topic_store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.db import write_session
from tests.verbatims import WordsEmbedder, answer, make_topic, two_themes


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def test_accepting_a_topic_makes_a_tag_taught_by_its_comments_and_re_tags(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    parcel, english = two_themes(f, settings, workspace.id)
    refresh_topics(f, workspace.id)
    topic = service.list_topics(f, workspace.id)["topics"][0]
    assert sorted(topic["member_ids"]) == sorted(parcel) and topic["tagging"] is None
    body = AcceptIn.model_validate({"key": "delivery", "names": {"fr": "Livraison"}})
    out = service.accept(f, workspace.id, topic["id"], body)
    assert out["topic"]["status"] == "accepted" and out["topic"]["tag"] == "delivery"
    # Taught by each of its six comments (corrections), and carried by all six at once.
    assert out["tag"]["key"] == "delivery" and out["tag"]["examples"] == 6
    assert out["tag"]["verbatims"] == 6
    assert (out["members"], out["tagged_before"], out["tagged_after"]) == (6, 0, 6)
    assert out["topic"]["tagging"] == {
        "tag": "delivery",
        "members": 6,
        "tagged": 6,
        "matched_later": 0,
    }
    assert out["pending"] == 6  # every other machine-tagged verbatim
    assert "delivery" in [t["key"] for t in list_tags(f, workspace.id)["tags"]]
    with f() as s:
        pending = {p.response_id for p in queue_store.pending(s, 100, workspace.id)}
    assert pending == set(english)
    with pytest.raises(ServiceError) as err:
        service.accept(f, workspace.id, topic["id"], AcceptIn())
    assert (err.value.status, err.value.code) == (409, "topic_decided")
    assert service.list_topics(f, workspace.id, "accepted")["topics"][0]["id"] == topic["id"]


def test_accepting_under_a_taken_key_is_refused(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    two_themes(f, settings, workspace.id)
    refresh_topics(f, workspace.id)
    topic = service.list_topics(f, workspace.id)["topics"][0]
    with pytest.raises(ServiceError) as err:
        service.accept(f, workspace.id, topic["id"], AcceptIn(key="payment"))
    assert (err.value.status, err.value.code) == (409, "tag_exists")


def test_a_dismissed_topic_is_not_suggested_again(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    two_themes(f, settings, workspace.id)
    refresh_topics(f, workspace.id)
    dismissed = service.list_topics(f, workspace.id)["topics"][0]
    assert service.dismiss(f, workspace.id, dismissed["id"])["status"] == "dismissed"
    assert refresh_topics(f, workspace.id) == 1
    [left] = service.list_topics(f, workspace.id)["topics"]
    assert set(left["member_ids"]).isdisjoint(dismissed["member_ids"])
    assert len(service.list_topics(f, workspace.id, "all")["topics"]) == 2


def test_topics_belong_to_their_workspace(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    two_themes(f, settings, workspace.id)
    refresh_topics(f, workspace.id)
    topic = service.list_topics(f, workspace.id)["topics"][0]
    other = create_workspace(f, "Autre")
    assert service.list_topics(f, other.id)["topics"] == []
    for call in (service.accept, service.dismiss):
        with pytest.raises(ServiceError) as err:
            call(f, other.id, topic["id"], *([AcceptIn()] if call is service.accept else []))
        assert err.value.status == 404


def test_a_refresh_is_asked_of_the_worker(
    f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    out = service.request_refresh(f, workspace.id)
    assert out["status"] == "queued"
    assert service.list_topics(f, workspace.id)["refreshing"] is True
    with f() as s:
        assert topic_store.topics_requested(s) == [workspace.id]
    refresh_topics(f, workspace.id)
    assert service.list_topics(f, workspace.id)["refreshing"] is False


def _tags(f: sessionmaker[Session], ws: str, rid: str) -> dict[str, str]:
    with f() as s:
        return {k: src for k, src, _ in verbatim_store.tags_of(s, ws, [rid]).get(rid, [])}


DARK = [
    "Le mode sombre rend le panier illisible",
    "En mode sombre le texte du panier est illisible",
    "Mode sombre : le récapitulatif du panier est illisible",
    "Le thème sombre rend les montants du panier illisibles",
    "Avec le mode sombre je ne lis rien sur le panier",
]


def test_accepting_a_topic_tags_every_member_as_a_persons_decision(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id
    ensure_seeded(f, ws)
    members = answer(f, settings, ws, [(3, t) for t in DARK])
    # What the worker had said: a weak guess on one, nothing on most, three on the last.
    machine = {rid: [] for rid in members}
    machine[members[0]] = [("payment", "model", 0.31)]
    machine[members[4]] = [
        ("payment", "model", 0.4),
        ("delay", "model", 0.3),
        ("login", "rule", 0.2),
    ]
    with f() as s:
        items = {p.response_id: p for p in queue_store.pending(s, 100, ws)}
    with write_session(f) as s:
        queue_store.store_tags(
            s,
            ws,
            1,
            [queue_store.Tagged(r, items[r].revision, None, None, t) for r, t in machine.items()],
        )
    topic_id = make_topic(f, ws, members)

    out = service.accept(f, ws, topic_id, AcceptIn())
    assert (out["members"], out["tagged_before"], out["tagged_after"]) == (5, 0, 5)
    assert _tags(f, ws, members[0]) == {"payment": "human", "sombre": "human"}
    assert _tags(f, ws, members[1]) == {"sombre": "human"}
    # At most three tags: the machine's weakest guess makes room for the CSM's decision.
    assert _tags(f, ws, members[4]) == {"payment": "human", "delay": "human", "sombre": "human"}

    # The worker, however it scores them now, does not take the tag away.
    tagging.drain(f, settings, embedder=WordsEmbedder)
    assert all(_tags(f, ws, rid).get("sombre") == "human" for rid in members)
    [accepted] = service.list_topics(f, ws, "accepted")["topics"]
    assert accepted["tagging"] == {"tag": "sombre", "members": 5, "tagged": 5, "matched_later": 0}


def test_a_later_comment_like_the_topic_gets_its_tag_and_an_unrelated_one_does_not(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id
    ensure_seeded(f, ws)
    fake = WordsEmbedder()
    members = answer(f, settings, ws, [(3, t) for t in DARK])
    tagging.drain(f, settings, embedder=lambda: fake)
    service.accept(f, ws, make_topic(f, ws, members), AcceptIn())

    alike, unrelated = answer(
        f,
        settings,
        ws,
        [
            (2, "Depuis hier le mode sombre rend le panier illisible sur mon téléphone"),
            (2, "Le colis est arrivé ouvert, il manquait un article"),
        ],
    )
    tagging.drain(f, settings, embedder=lambda: fake)
    assert _tags(f, ws, alike).get("sombre") == "model"
    assert "sombre" not in _tags(f, ws, unrelated)
    [accepted] = service.list_topics(f, ws, "accepted")["topics"]
    assert accepted["tagging"] == {"tag": "sombre", "members": 5, "tagged": 5, "matched_later": 1}
