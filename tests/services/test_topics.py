"""Emerging topics: listed, refreshed by the worker, accepted as tags or dismissed."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.jobs.topics import refresh_topics
from fluide.services import topics as service
from fluide.services.errors import ServiceError
from fluide.services.tags import list_tags
from fluide.services.topics import AcceptIn
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import topics as topic_store
from fluide.storage import verbatim_queue as queue_store
from tests.verbatims import two_themes


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def test_accepting_a_topic_makes_a_tag_taught_by_its_comments_and_re_tags(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    parcel, _ = two_themes(f, settings, workspace.id)
    refresh_topics(f, workspace.id)
    topic = service.list_topics(f, workspace.id)["topics"][0]
    body = AcceptIn.model_validate({"key": "delivery", "names": {"fr": "Livraison"}})
    out = service.accept(f, workspace.id, topic["id"], body)
    assert out["topic"]["status"] == "accepted" and out["topic"]["tag"] == "delivery"
    assert out["tag"]["key"] == "delivery" and out["tag"]["examples"] == 3
    assert out["pending"] == 12  # every machine-tagged verbatim, the topic's included
    assert "delivery" in [t["key"] for t in list_tags(f, workspace.id)["tags"]]
    with f() as s:
        assert set(parcel) <= {p.response_id for p in queue_store.pending(s, 100, workspace.id)}
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
