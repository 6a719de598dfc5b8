"""Follow-ups: which answers open one, due when, for whom; overdue, closing, roles (both DBs).

Answers go through the real use cases (event → invitation → answer), as a
customer's would; every moment is explicit.
"""

from __future__ import annotations

import doctest
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import EventIn
from fluide.domain import follow_ups as rules
from fluide.services import follow_ups as service
from fluide.services.accounts import CurrentUser, create_account
from fluide.services.errors import ServiceError
from fluide.services.events import record_events
from fluide.services.responses import record
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage.dashboard_models import FollowUp
from fluide.storage.db import write_session
from tests.verbatims import ensure_touchpoint, workspace_row

T0 = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)  # a Wednesday
_n = itertools.count()


def sessions(app: FastAPI) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.state.sessions
    return factory


def respond(
    app: FastAPI,
    settings: Settings,
    ws: str,
    score: int,
    comment: str | None = None,
    *,
    agent: str | None = None,
    callback: bool | None = None,
    at: datetime = T0,
    touchpoint: str = "payer",
    user: str | None = None,
) -> tuple[str, str]:
    """A customer answers on ``touchpoint`` (1–7, ease: 1 = hardest) at ``at``; (response id,
    survey token)."""
    factory = sessions(app)
    ensure_touchpoint(factory, ws, touchpoint)
    customer = user or f"cust-{next(_n)}"
    props = {"agent_id": agent, "ticket_id": f"T-{next(_n)}"} if agent else {}
    event = EventIn(
        id=f"evt-{customer}-{next(_n)}",
        type="payment_succeeded" if touchpoint == "payer" else f"{touchpoint}_done",
        occurred_at=at - timedelta(minutes=2),
        user={"id": customer, "locale": "fr", "email": f"{customer}@example.com"},  # type: ignore[arg-type]
        channel="link",
        properties=props,
    )
    decision = record_events(
        factory, workspace_row(factory, ws), [event], settings, now=at - timedelta(minutes=1)
    )
    invitation = decision[0]["invitation"]
    assert invitation is not None, decision
    token = str(invitation["url"]).rsplit("/s/", 1)[1]
    done = record(factory, settings, token, score, comment, callback=callback, now=at)
    return str(done.response["id"]), token


def account(
    app: FastAPI, ws: str, role: str = "agent", agent_id: str | None = None, lang: str = "fr"
) -> CurrentUser:
    n = next(_n)
    name = f"{role.capitalize()} {n}"
    made = create_account(
        sessions(app),
        ws,
        email=f"{role}{n}@boutique.example",
        name=name,
        role=role,
        password="correct horse battery",
        agent_id=agent_id,
        lang=lang,
    )
    return CurrentUser(made.id, ws, "Boutique", "ses_x", made.email, name, role, agent_id, lang)


def rows(app: FastAPI, ws: str, **kw: object) -> list[dict[str, object]]:
    return service.list_follow_ups(sessions(app), ws, now=kw.pop("now", T0), **kw)  # type: ignore[arg-type]


def test_the_pure_rules_hold_their_examples() -> None:
    assert doctest.testmod(rules).failed == 0


def test_a_high_effort_answer_with_a_comment_opens_a_follow_up_for_the_agent_due_in_48_hours(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    agent = account(app, workspace.id, agent_id="a-7")
    response_id, _ = respond(app, settings, workspace.id, 2, "Trois essais pour payer", agent="a-7")
    [fu] = rows(app, workspace.id)
    assert fu["response_id"] == response_id
    assert fu["due_at"] == T0 + timedelta(hours=48)
    assert fu["created_at"] == T0
    assert (fu["assignee_id"], fu["assignee"], fu["agent_id"]) == (
        agent.account_id,
        agent.name,
        "a-7",
    )
    assert (fu["status"], fu["reason"], fu["effort_group"], fu["score"]) == (
        "open",
        "comment",
        "high",
        2,
    )
    assert (fu["touchpoint"], fu["comment"], fu["overdue"]) == (
        "payer",
        "Trois essais pour payer",
        False,
    )
    assert fu["due_in_seconds"] == 48 * 3600
    # The due moment reads in the workspace's time zone (Paris, UTC+1 in March).
    assert fu["due_at"].utcoffset() == timedelta(hours=1)  # type: ignore[attr-defined]


def test_low_or_moderate_effort_and_silent_high_effort_answers_open_nothing(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    respond(app, settings, workspace.id, 7, "Parfait")  # no effort
    respond(app, settings, workspace.id, 4, "Bof")  # e = 4: moderate on the 2/5 cut
    respond(app, settings, workspace.id, 2, None)  # high, but nothing to act on
    respond(app, settings, workspace.id, 1, "   ")  # a blank comment is no comment
    respond(app, settings, workspace.id, 5, None, callback=True)  # consent, low effort
    assert rows(app, workspace.id) == []


def test_consent_alone_opens_a_follow_up_and_an_unknown_agent_leaves_it_unassigned(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    respond(app, settings, workspace.id, 1, None, callback=True, agent="a-unknown")
    [fu] = rows(app, workspace.id)
    assert (fu["reason"], fu["callback"], fu["comment"]) == ("callback", True, None)
    assert (fu["assignee_id"], fu["assignee"], fu["agent_id"]) == (None, None, "a-unknown")


def test_the_question_versions_own_effort_groups_decide(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    # Effort groups cut at low ≤ 1, high ≥ 3 on the effort-oriented score:
    # a 5 on the 1–7 ease scale (e = 3) is high effort here, moderate by default.
    ensure_touchpoint(
        sessions(app), workspace.id, "livrer", effort_groups={"low_max": 1, "high_min": 3}
    )
    respond(app, settings, workspace.id, 5, "Livreur en retard", touchpoint="livrer")
    respond(app, settings, workspace.id, 5, "Un peu long")  # payer: default cut, moderate
    [fu] = rows(app, workspace.id)
    assert (fu["touchpoint"], fu["score"], fu["effort_group"]) == ("livrer", 5, "high")


def test_answering_again_keeps_one_follow_up_and_only_widens_its_reason(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    factory = sessions(app)
    _, token = respond(app, settings, workspace.id, 2, "Code SMS jamais reçu")
    record(
        factory, settings, token, 1, "Code SMS jamais reçu, deux fois", now=T0 + timedelta(hours=1)
    )
    record(
        factory,
        settings,
        token,
        None,
        None,
        callback=True,
        keep_comment=True,
        now=T0 + timedelta(hours=2),
    )
    [fu] = rows(app, workspace.id)
    assert (fu["reason"], fu["callback"], fu["due_at"]) == ("both", True, T0 + timedelta(hours=48))
    # Now at ease: the follow-up stays (the struggle happened; someone may be on it);
    # the consent withdrawn takes the call-back out of its reason.
    record(factory, settings, token, 7, None, callback=False, now=T0 + timedelta(hours=3))
    [fu] = rows(app, workspace.id)
    assert (fu["score"], fu["status"], fu["reason"], fu["callback"]) == (
        7,
        "open",
        "comment",
        False,
    )
    with factory() as s:
        assert len(s.scalars(select(FollowUp)).all()) == 1


def test_withdrawn_consent_closes_a_call_back_only_follow_up_and_is_honoured_after(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    factory = sessions(app)
    _, token = respond(app, settings, workspace.id, 1, None, callback=True)
    [fu] = rows(app, workspace.id)
    assert (fu["reason"], fu["status"], fu["callback"]) == ("callback", "open", True)
    later = T0 + timedelta(hours=1)
    record(factory, settings, token, None, None, callback=False, keep_comment=True, now=later)
    [fu] = rows(app, workspace.id, status="all")
    assert (fu["status"], fu["outcome"], fu["callback"]) == ("closed", "not_needed", False)
    assert fu["closed_at"] == later
    # An update without a word on consent leaves the closed follow-up closed.
    record(factory, settings, token, 1, None, now=later + timedelta(hours=1))
    [fu] = rows(app, workspace.id, status="all")
    assert fu["status"] == "closed"


def test_a_follow_up_already_closed_keeps_its_outcome_when_consent_is_withdrawn(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    factory = sessions(app)
    _, token = respond(app, settings, workspace.id, 1, "Trop long", callback=True)
    [fu] = rows(app, workspace.id)
    service.update_follow_up(
        factory, workspace.id, str(fu["id"]), by=None, status="closed", outcome="resolved", now=T0
    )
    record(factory, settings, token, None, None, callback=False, keep_comment=True, now=T0)
    [fu] = rows(app, workspace.id, status="all")
    assert (fu["reason"], fu["outcome"]) == ("both", "resolved")


def test_an_answer_that_becomes_high_effort_opens_one_due_from_then(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    _, token = respond(app, settings, workspace.id, 6, "Ça va")
    assert rows(app, workspace.id) == []
    later = T0 + timedelta(hours=5)
    record(sessions(app), settings, token, 2, "En fait le paiement a échoué", now=later)
    [fu] = rows(app, workspace.id, now=later)
    assert fu["due_at"] == later + timedelta(hours=48)


def test_overdue_is_computed_against_the_given_moment(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    factory = sessions(app)
    respond(app, settings, workspace.id, 2, "Trop d'étapes")
    respond(app, settings, workspace.id, 1, "Bloqué", at=T0 + timedelta(hours=10))
    just_before = T0 + timedelta(hours=47, minutes=59)
    assert [f["overdue"] for f in rows(app, workspace.id, now=just_before)] == [False, False]
    after = T0 + timedelta(hours=50)
    first, second = rows(app, workspace.id, now=after)
    assert (first["overdue"], first["due_in_seconds"]) == (True, -2 * 3600)
    assert (second["overdue"], second["due_in_seconds"]) == (False, 8 * 3600)
    assert [f["comment"] for f in rows(app, workspace.id, overdue=True, now=after)] == [
        "Trop d'étapes"
    ]
    assert [f["comment"] for f in rows(app, workspace.id, overdue=False, now=after)] == ["Bloqué"]
    assert service.counts(factory, workspace.id, after) == {
        "open": 2,
        "overdue": 1,
        "closed_this_week": 0,
    }


def test_closing_needs_an_outcome_and_counts_this_week(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    factory = sessions(app)
    respond(app, settings, workspace.id, 2, "Trop d'étapes")
    [fu] = rows(app, workspace.id)
    with pytest.raises(ServiceError) as refused:
        service.update_follow_up(factory, workspace.id, str(fu["id"]), by=None, status="closed")
    assert refused.value.details[0]["field"] == "outcome"
    assert "resolved, explained, no_answer, not_needed, other" in str(refused.value)
    with pytest.raises(ServiceError) as unknown:
        service.update_follow_up(
            factory, workspace.id, str(fu["id"]), by=None, status="closed", outcome="fixed"
        )
    assert unknown.value.details[0]["field"] == "outcome" and "fixed" in str(unknown.value)
    closed_at = T0 + timedelta(hours=50)  # Friday: after the due time, same week
    done = service.update_follow_up(
        factory,
        workspace.id,
        str(fu["id"]),
        by=None,
        status="closed",
        outcome="explained",
        note="  Rappelée, le 3-D Secure était en cause.  ",
        now=closed_at,
    )
    assert (done["status"], done["outcome"], done["note"]) == (
        "closed",
        "explained",
        "Rappelée, le 3-D Secure était en cause.",
    )
    assert (done["closed_at"], done["overdue"], done["closed_late"]) == (closed_at, False, True)
    assert service.counts(factory, workspace.id, closed_at) == {
        "open": 0,
        "overdue": 0,
        "closed_this_week": 1,
    }
    next_monday = datetime(2026, 3, 8, 23, 0, tzinfo=UTC)  # Monday 00:00 in Paris
    assert service.counts(factory, workspace.id, next_monday)["closed_this_week"] == 0
    reopened = service.update_follow_up(
        factory, workspace.id, str(fu["id"]), by=None, status="open"
    )
    assert (reopened["outcome"], reopened["closed_at"], reopened["note"]) == (
        None,
        None,
        "Rappelée, le 3-D Secure était en cause.",
    )


def test_bad_updates_are_refused_naming_the_field(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    factory = sessions(app)
    respond(app, settings, workspace.id, 2, "Trop d'étapes")
    fu_id = str(rows(app, workspace.id)[0]["id"])
    cases = {
        "status": {"status": "done"},
        "note": {"note": "x" * 2001},
        "assignee_id": {"assignee_id": "acc_nobody"},
    }
    for field, change in cases.items():
        with pytest.raises(ServiceError) as refused:
            service.update_follow_up(factory, workspace.id, fu_id, by=None, **change)  # type: ignore[arg-type]
        assert refused.value.details[0]["field"] == field
    with pytest.raises(ServiceError) as early:
        service.update_follow_up(factory, workspace.id, fu_id, by=None, outcome="resolved")
    assert early.value.details[0]["field"] == "outcome"
    with pytest.raises(ServiceError) as bad_filter:
        rows(app, workspace.id, status="pending")
    assert bad_filter.value.details[0]["field"] == "status"


def test_an_agent_sees_and_updates_their_own_only(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    factory = sessions(app)
    mine, other = (
        account(app, workspace.id, agent_id="a-1"),
        account(app, workspace.id, agent_id="a-2"),
    )
    analyst = account(app, workspace.id, role="analyst")
    respond(app, settings, workspace.id, 2, "Mon client", agent="a-1")
    respond(app, settings, workspace.id, 1, "Le client d'un autre", agent="a-2")
    seen = rows(app, workspace.id, viewer=mine)
    assert [f["comment"] for f in seen] == ["Mon client"]
    # Filters cannot widen an agent's view.
    assert len(rows(app, workspace.id, viewer=mine, assignee_id=other.account_id)) == 1
    assert service.counts(factory, workspace.id, T0, viewer=mine)["open"] == 1
    theirs = next(f for f in rows(app, workspace.id) if f["assignee_id"] == other.account_id)
    with pytest.raises(ServiceError) as hidden:
        service.update_follow_up(
            factory, workspace.id, str(theirs["id"]), by=mine, status="in_progress"
        )
    assert hidden.value.status == 404
    with pytest.raises(ServiceError) as hidden_get:
        service.get_follow_up(factory, workspace.id, str(theirs["id"]), viewer=mine)
    assert hidden_get.value.status == 404
    with pytest.raises(ServiceError) as no_assign:
        service.update_follow_up(
            factory, workspace.id, str(seen[0]["id"]), by=mine, assignee_id=other.account_id
        )
    assert no_assign.value.status == 403
    started = service.update_follow_up(
        factory, workspace.id, str(seen[0]["id"]), by=mine, status="in_progress"
    )
    assert started["status"] == "in_progress"
    # Analysts see everything, including the customers' addresses.
    assert len(rows(app, workspace.id, viewer=analyst)) == 2
    assert all(f["customer_email"] for f in rows(app, workspace.id, viewer=analyst))
    assert theirs["status"] == "open"


def test_an_agent_account_made_later_finds_and_takes_unassigned_follow_ups_of_their_answers(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    respond(app, settings, workspace.id, 2, "Avant mon compte", agent="a-9")
    late = account(app, workspace.id, agent_id="a-9")
    [fu] = rows(app, workspace.id, viewer=late)
    assert fu["assignee_id"] is None
    taken = service.update_follow_up(
        sessions(app), workspace.id, str(fu["id"]), by=late, note="Je m'en occupe"
    )
    assert taken["assignee_id"] == late.account_id


def test_assigning_someone_else_notifies_them_anew(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    factory = sessions(app)
    respond(app, settings, workspace.id, 2, "Trop d'étapes")
    fu_id = str(rows(app, workspace.id)[0]["id"])
    with write_session(factory) as s:
        row = s.get_one(FollowUp, fu_id)
        row.notified_at, row.notify_attempts = T0, 1
    analyst = account(app, workspace.id, role="analyst")
    agent = account(app, workspace.id, agent_id="a-3")
    done = service.update_follow_up(
        factory, workspace.id, fu_id, by=analyst, assignee_id=agent.account_id
    )
    assert (done["assignee_id"], done["notification"]) == (agent.account_id, "pending")
    unassigned = service.update_follow_up(
        factory, workspace.id, fu_id, by=analyst, assignee_id="none"
    )
    assert unassigned["assignee_id"] is None
    assert [f["id"] for f in rows(app, workspace.id, assignee_id="none")] == [fu_id]


def test_backfill_opens_follow_ups_for_past_answers_dated_from_them(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    factory = sessions(app)
    old = T0 - timedelta(days=10)
    respond(app, settings, workspace.id, 1, "Ancien problème", at=old)
    respond(app, settings, workspace.id, 2, "Récent", at=T0 - timedelta(hours=3))
    respond(app, settings, workspace.id, 6, "Facile", at=old)
    with write_session(factory) as s:
        s.execute(delete(FollowUp))
    assert service.backfill(factory, workspace.id, now=T0, sla_hours=24) == 2
    assert service.backfill(factory, workspace.id, now=T0) == 0
    first, second = rows(app, workspace.id)
    assert (first["comment"], first["due_at"], first["overdue"]) == (
        "Ancien problème",
        old + timedelta(hours=24),
        True,
    )
    assert (second["due_at"], second["overdue"]) == (T0 + timedelta(hours=21), False)
    assert {first["notification"], second["notification"]} == {"skipped"}


def test_another_workspaces_follow_ups_stay_out_of_reach(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    factory = sessions(app)
    other = create_workspace(factory, "Autre boutique")
    respond(app, settings, other.id, 2, "Chez l'autre")
    theirs = str(rows(app, other.id)[0]["id"])
    assert rows(app, workspace.id) == []
    with pytest.raises(ServiceError) as hidden:
        service.update_follow_up(factory, workspace.id, theirs, by=None, status="in_progress")
    assert hidden.value.status == 404
    with pytest.raises(ServiceError):
        service.get_follow_up(factory, workspace.id, theirs)
    assert service.counts(factory, workspace.id, T0) == {
        "open": 0,
        "overdue": 0,
        "closed_this_week": 0,
    }
