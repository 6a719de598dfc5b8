"""Answers to invitations: record one (the survey page's view is in ``survey``).

The signed token is the credential: whoever holds the link may answer the
question it names, once (answering again updates the same answer) and until
the invitation expires. An answer keeps its context as it was at the moment
of the action: touchpoint, question version, channel, outcome, agent, the
user's attributes, and the delay between the action and the answer.

Every refusal is a :class:`~fluide.services.errors.ServiceError` whose message
is an English msgid, so the JSON API and the survey page can both show it in
the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain import tokens
from fluide.services import follow_ups
from fluide.services.answers import clean_comment, clean_extras, parse_score
from fluide.services.errors import ServiceError
from fluide.settings import Settings
from fluide.storage import repo
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import write_session
from fluide.storage.models import Invitation, QuestionVersion, Response
from fluide.storage.questions import question_of
from fluide.storage.types import new_id, utcnow

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Recorded:
    """A recorded answer, and whether it was the first one (201) or an update (200)."""

    response: dict[str, Any]
    created: bool


# --- Helpers --------------------------------------------------------------------------------


def _customer_since(attributes: dict[str, Any]) -> str | None:
    value = attributes.get("customer_since")
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        return None
    return value


def verified_id(settings: Settings, token: str) -> str:
    """The invitation id a survey token signs; ``invalid_token`` if it signs none."""
    invitation_id = tokens.verify(settings.secret, token)
    if not invitation_id:
        raise invalid_token()
    return invitation_id


def find_invitation(s: Session, settings: Settings, token: str) -> Invitation:
    inv = repo.invitation(s, None, verified_id(settings, token))
    if inv is None:
        raise invalid_token()
    return inv


def invalid_token() -> ServiceError:
    return ServiceError(
        "invalid_token",
        "This survey link is not valid: check that it was copied whole.",
        status=404,
    )


def _expired(inv: Invitation) -> ServiceError:
    return ServiceError(
        "expired",
        "This question has expired: answers are no longer collected.",
        status=410,
        details={"expires_at": inv.expires_at.isoformat()},
    )


def version_of(s: Session, inv: Invitation) -> QuestionVersion:
    version = repo.version_by_id(s, inv.workspace_id, inv.question_version_id)
    if version is None:  # pragma: no cover - the foreign key forbids it
        raise invalid_token()
    return version


def to_json(r: Response, touchpoint: str | None, version: int | None) -> dict[str, Any]:
    return {
        "id": r.id,
        "invitation_id": r.invitation_id,
        "touchpoint": touchpoint,
        "question_version": version,
        "score": r.score,
        "comment": r.comment,
        "responded_at": r.responded_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
        "channel": r.channel,
        "outcome": r.outcome,
        "delay_seconds": r.delay_seconds,
    }


# --- Use cases ------------------------------------------------------------------------------


def _upsert(
    s: Session,
    settings: Settings,
    token: str,
    score: int | str | None,
    comment: str | None,
    extra_answers: dict[str, Any] | None,
    keep_comment: bool,
    moment: datetime,
    callback: bool | None = None,
    first_only: bool = False,
) -> Recorded:
    # The invitation, its version, touchpoint and answer in one read (an import or the
    # demo records hundreds of answers: four statements each cost more than the rest).
    found = repo.answer_context(s, verified_id(settings, token))
    if found is None:
        raise invalid_token()
    inv, version, key, existing = found
    if moment >= inv.expires_at:
        raise _expired(inv)
    if version is None:  # pragma: no cover - the foreign key forbids it
        raise invalid_token()
    question = question_of(version)
    if first_only and existing is not None:
        return Recorded(to_json(existing, key, version.number), created=False)
    if score is None and existing is not None:
        value = existing.score
    else:
        value = parse_score(question, score)
    text = clean_comment(comment)
    if keep_comment and text is None and existing is not None:
        text = existing.comment
    extras = clean_extras(version, extra_answers or {})
    if callback:  # the customer's consent to be contacted (see services.follow_ups)
        extras[follow_ups.CALLBACK_KEY] = True
    if existing is not None:
        before = existing.comment
        existing.score = value
        existing.comment = text
        if extras or callback is False:
            merged = {**(existing.extra_answers or {}), **extras}
            if callback is False:
                merged.pop(follow_ups.CALLBACK_KEY, None)
            existing.extra_answers = merged
        existing.updated_at = moment
        s.flush()
        # An update that is no longer high effort leaves an open follow-up as it is:
        # the customer did struggle, and someone may already be calling them back.
        follow_ups.open_for_response(s, existing, moment)
        if text != before:  # a new comment waits for tagging; an erased one loses its tags
            if text:
                queue_store.mark_pending(
                    s, inv.workspace_id, existing.id, existing.responded_at, text
                )
            else:
                queue_store.forget(s, inv.workspace_id, existing.id)
        return Recorded(to_json(existing, key, version.number), created=False)
    context = inv.context or {}
    attributes = dict(context.get("attributes") or {})
    agent = context.get("agent_id")
    row = Response(
        id=new_id("rsp"),
        workspace_id=inv.workspace_id,
        invitation_id=inv.id,
        touchpoint_id=inv.touchpoint_id,
        question_version_id=inv.question_version_id,
        user_id=inv.user_id,
        score=value,
        comment=text,
        extra_answers=extras,
        channel=inv.channel,
        outcome=inv.outcome,
        agent_id=str(agent) if agent is not None else None,
        attributes=attributes,
        customer_since=_customer_since(attributes),
        occurred_at=inv.occurred_at,
        responded_at=moment,
        updated_at=moment,
        delay_seconds=(moment - inv.occurred_at).total_seconds(),
    )
    repo.insert_response(s, row)
    if text:  # waits for the tagging worker, committed with the answer
        queue_store.mark_pending(s, inv.workspace_id, row.id, row.responded_at, text, new=True)
    follow_ups.open_for_response(s, row, moment, new=True)  # atomically with the answer
    return Recorded(to_json(row, key, version.number), created=True)


def record(
    factory: sessionmaker[Session],
    settings: Settings,
    token: str,
    score: int | str | None,
    comment: str | None,
    *,
    extra_answers: dict[str, Any] | None = None,
    keep_comment: bool = False,
    callback: bool | None = None,
    first_only: bool = False,
    now: datetime | None = None,
) -> Recorded:
    """Record the answer to the invitation ``token`` names, or update the one recorded.

    ``score=None`` keeps the recorded score (refused on a first answer);
    ``keep_comment`` keeps the recorded comment when none is given (no
    comment field was sent: a comment written before must not be erased).
    ``callback``: the customer agrees to be contacted about it (``True``), withdraws
    (``False``), or did not say (``None``: kept as it was).
    ``first_only`` records only a first answer and leaves a recorded one as it
    is (the score link's automatic post: a reload or a second post changes nothing).
    """
    if tokens.verify(settings.secret, token) is None:
        raise invalid_token()
    moment = now or utcnow()
    args = (token, score, comment, extra_answers, keep_comment, moment, callback, first_only)
    try:
        with write_session(factory) as s:
            return _upsert(s, settings, *args)
    except IntegrityError:
        # Two first answers at the same moment (PostgreSQL): the other one won
        # the unique invitation_id; this one becomes an update of it.
        with write_session(factory) as s:
            return _upsert(s, settings, *args)


def record_response(
    factory: sessionmaker[Session],
    settings: Settings,
    token: str,
    score: int | str,
    comment: str | None,
    *,
    extra_answers: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record (or update) the one answer to the invitation named by ``token``.

    Returns ``{"id", "invitation_id", "touchpoint", "question_version", "score",
    "comment", "responded_at", "updated_at", "channel", "outcome",
    "delay_seconds"}``.
    """
    return record(
        factory, settings, token, score, comment, extra_answers=extra_answers, now=now
    ).response


@dataclass(frozen=True)
class Answer:
    """One answer of :func:`record_responses`: the invitation's token, score, comment, moment."""

    token: str
    score: int | str
    comment: str | None
    at: datetime


def record_responses(
    factory: sessionmaker[Session], settings: Settings, answers: Sequence[Answer]
) -> list[dict[str, Any]]:
    """:func:`record_response` for each answer, in order, in one transaction (an import,
    the demo): all are recorded or none. Returns what ``record_response`` returns, each."""
    for a in answers:
        if tokens.verify(settings.secret, a.token) is None:
            raise invalid_token()

    def recorded(s: Session) -> list[dict[str, Any]]:
        return [
            _upsert(s, settings, a.token, a.score, a.comment, None, False, a.at).response
            for a in answers
        ]

    try:
        with write_session(factory) as s:
            return recorded(s)
    except IntegrityError:  # an answer recorded meanwhile: it becomes an update (see record)
        with write_session(factory) as s:
            return recorded(s)


def invitation_id_of(settings: Settings, token: str) -> str | None:
    """The invitation a token names, if we signed it (no database access)."""
    return tokens.verify(settings.secret, token)
