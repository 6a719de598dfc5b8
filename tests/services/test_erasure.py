"""Erasing one customer: every row of theirs goes, in one transaction, and nothing of
anyone else's; the audit row keeps no personal data (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fluide.jobs.topics import refresh_topics
from fluide.services import erasure, topics
from fluide.services import verbatims as verbatim_service
from fluide.services.errors import ServiceError
from fluide.services.topics import AcceptIn
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import erasure as store
from fluide.storage.dashboard_models import FollowUp
from fluide.storage.models import Delivery, EndUser, Response, TagExample, Topic
from fluide.storage.security_models import Erasure
from tests.customers import customer, every_text, rows_of
from tests.verbatims import two_themes, workspace_row

T0 = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
EMAIL = "camille.zorglub@example.org"
COMMENT = "Le code zorglub-7731 n'arrivait jamais"
PROPERTY = "ORDER-ZORGLUB-4412"


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def test_erasing_a_customer_removes_every_row_of_theirs_and_keeps_the_others(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id
    a = customer(
        f, settings, ws, user="u-camille", email=EMAIL, comment=COMMENT, at=T0,
        properties={"order_ref": PROPERTY, "agent_id": "a-7"},
    )  # fmt: skip
    customer(f, settings, ws, user="u-camille", comment=None, score=6, at=T0 + timedelta(days=20))
    b = customer(f, settings, ws, user="u-dominique", comment="Trop long", at=T0)
    verbatim_service.correct(f, workspace_row(f, ws), a.response_id, [])
    with f() as s:  # a copy of the comment, as accepting a topic makes
        s.add(TagExample(id="tex_copy", workspace_id=ws, text=COMMENT, tags=[], created_by="x"))
        s.commit()
    before = rows_of(f, ws, "u-camille")
    assert all(before[t] for t in ("end_users", "events", "invitations", "responses"))
    assert before["deliveries"] == 2 and before["follow_ups"] == 1
    assert before["verbatim_states"] == 1 and before["tag_examples"] == 1
    others = rows_of(f, ws, "u-dominique")

    done = erasure.erase_user(f, ws, "u-camille", erased_by="api:flk_abcdefgh", now=T0)

    assert done is not None and done.files_purged
    assert done.counts == {
        "response_tags": 0,
        "verbatim_states": 1,
        "tag_examples": 2,  # the correction and the copy
        "helpdesk_tickets": 0,
        "follow_ups": 1,
        "responses": 2,
        "deliveries": 2,
        "invitations": 2,
        "events": 2,
        "end_users": 1,
        "topics_updated": 0,
    }
    assert rows_of(f, ws, "u-camille") == {}
    assert rows_of(f, ws, "u-dominique") == others
    text = "\n".join(every_text(f))
    for secret in (EMAIL, "zorglub", PROPERTY, "u-camille@"):
        assert secret not in text.replace("user_external_id='u-camille'", "")
    with f() as s:
        [audit] = s.execute(select(Erasure)).scalars()
        assert (audit.workspace_id, audit.user_external_id) == (ws, "u-camille")
        assert (audit.erased_by, audit.reason, audit.erased_at) == (
            "api:flk_abcdefgh",
            "request",
            T0,
        )
        assert audit.counts == done.counts
        assert s.get(Response, b.response_id) is not None
        assert (
            s.execute(select(Delivery).where(Delivery.invitation_id == a.invitation_id)).first()
            is None
        )
    assert done.to_json()["counts"]["responses"] == 2 and "email" not in done.to_json()


def test_an_unknown_id_or_another_workspace_s_customer_is_not_found(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    other = create_workspace(f, "Voisins")
    customer(f, settings, other.id, user="u-voisin", at=T0)
    for ws, user in ((workspace.id, "u-voisin"), (workspace.id, "nobody"), (other.id, "nobody")):
        with pytest.raises(ServiceError) as err:
            erasure.erase_user(f, ws, user, erased_by="cli")
        assert (err.value.status, err.value.code) == (404, "not_found")
    assert rows_of(f, other.id, "u-voisin")["responses"] == 1
    with f() as s:
        assert s.execute(select(Erasure)).first() is None


def test_the_erased_comments_leave_topics_and_the_tag_examples_copied_from_them(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id
    parcel, _ = two_themes(f, settings, ws)
    refresh_topics(f, ws)
    listed = topics.list_topics(f, ws)["topics"]
    [topic] = [t for t in listed if set(t["member_ids"]) <= set(parcel)]
    topics.accept(f, ws, topic["id"], AcceptIn(key="colis"))
    shown = topic["verbatims"][0]
    with f() as s:
        response = s.get_one(Response, shown["id"])
        external = s.get_one(EndUser, response.user_id).external_id
        copies = s.execute(select(TagExample).where(TagExample.text == shown["comment"])).all()
        assert len(copies) == 1
    done = erasure.erase_user(f, ws, external, erased_by="cli")
    assert done is not None
    assert (done.counts["tag_examples"], done.counts["topics_updated"]) == (1, 1)
    with f() as s:
        kept = s.get_one(Topic, topic["id"])
        assert shown["id"] not in kept.member_ids + kept.representative_ids
        assert kept.size == topic["size"] - 1 and kept.status == "accepted"
        assert (
            s.execute(select(TagExample).where(TagExample.text == shown["comment"])).first() is None
        )
        assert store.inactive_users(s, ws, T0, "", 10) == []


def test_an_open_topic_left_without_members_is_dropped_and_recomputation_asked(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id
    a = customer(f, settings, ws, user="u-seul", comment="Colis perdu", at=T0)
    assert topics.list_topics(f, ws)["refreshing"] is False
    with f() as s:
        s.add(
            Topic(
                id="top_x", workspace_id=ws, label="colis perdu", words=["colis perdu"],
                suggested_key="colis", size=1, member_ids=[a.response_id],
                representative_ids=[a.response_id],
            )
        )  # fmt: skip
        s.commit()
    erasure.erase_user(f, ws, "u-seul", erased_by="cli")
    with f() as s:
        assert s.get(Topic, "top_x") is None
    assert topics.list_topics(f, ws)["refreshing"] is True


def test_an_erased_customer_s_follow_up_and_deliveries_no_longer_reach_the_worker(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    from fluide.jobs import deliveries

    a = customer(f, settings, workspace.id, user="u-parti", at=T0)
    with f() as s:
        [delivery] = s.execute(select(Delivery.id).where(Delivery.invitation_id == a.invitation_id))
    erasure.erase_user(f, workspace.id, "u-parti", erased_by="cli")
    assert deliveries.due(f, T0 + timedelta(days=1)) == []
    outcome = deliveries.deliver(f, settings, delivery[0], {}, now=T0)
    assert outcome.status == "skipped"
    with f() as s:
        assert s.execute(select(FollowUp)).first() is None


def test_an_event_waiting_for_a_customer_being_erased_makes_them_anew(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    import threading
    import time

    from fluide.api.schemas import EventIn
    from fluide.services.events import record_events
    from fluide.storage.db import write_session

    ws = workspace.id
    customer(f, settings, ws, user="u-race", at=T0)
    erasing, release = threading.Event(), threading.Event()

    def erase() -> None:
        with write_session(f) as s:
            user = store.locked_user(s, ws, "u-race")
            assert user is not None
            store.erase_customer(s, ws, user.id)
            erasing.set()
            release.wait(10)

    event = EventIn.model_validate(
        {
            "id": "evt-race-2",
            "type": "payment_succeeded",
            "occurred_at": (T0 + timedelta(days=30)).isoformat(),
            "user": {"id": "u-race", "email": "new@example.com"},
        }
    )
    decided: list[object] = []

    def send() -> None:
        now = T0 + timedelta(days=30, minutes=1)
        decided.extend(record_events(f, workspace_row(f, ws), [event], settings, now=now))

    eraser = threading.Thread(target=erase)
    eraser.start()
    assert erasing.wait(10)
    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.5)  # the event now waits for the customer's lock
    release.set()
    eraser.join(10)
    sender.join(30)
    assert len(decided) == 1 and decided[0]["decision"] == "invited"  # type: ignore[index]
    rows = rows_of(f, ws, "u-race")
    assert (rows["end_users"], rows["events"], rows["responses"]) == (1, 1, 0)
