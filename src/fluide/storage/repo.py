"""Queries. Every function takes the workspace and filters on it: a key sees
its own workspace only, whatever ids a caller sends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, insert, inspect, select, text
from sqlalchemy.orm import Session

from fluide.storage.models import (
    EmailTemplate,
    EndUser,
    Event,
    Invitation,
    QuestionVersion,
    Response,
    Touchpoint,
)


def touchpoints(s: Session, ws: str, *, active_only: bool = False) -> list[Touchpoint]:
    q = (
        select(Touchpoint)
        .where(Touchpoint.workspace_id == ws)
        .order_by(Touchpoint.created_at, Touchpoint.key)
    )
    if active_only:
        q = q.where(Touchpoint.active.is_(True))
    return list(s.execute(q).scalars())


def touchpoint_by_key(s: Session, ws: str, key: str) -> Touchpoint | None:
    return s.execute(
        select(Touchpoint).where(Touchpoint.workspace_id == ws, Touchpoint.key == key)
    ).scalar_one_or_none()


def versions(s: Session, ws: str, touchpoint_id: str) -> list[QuestionVersion]:
    return list(
        s.execute(
            select(QuestionVersion)
            .where(
                QuestionVersion.workspace_id == ws, QuestionVersion.touchpoint_id == touchpoint_id
            )
            .order_by(QuestionVersion.number)
        ).scalars()
    )


def version_by_id(s: Session, ws: str, version_id: str) -> QuestionVersion | None:
    return s.execute(
        select(QuestionVersion).where(
            QuestionVersion.workspace_id == ws, QuestionVersion.id == version_id
        )
    ).scalar_one_or_none()


def user_by_external_id(s: Session, ws: str, external_id: str) -> EndUser | None:
    return s.execute(
        select(EndUser).where(EndUser.workspace_id == ws, EndUser.external_id == external_id)
    ).scalar_one_or_none()


def invitation(s: Session, ws: str | None, invitation_id: str) -> Invitation | None:
    """An invitation; ``ws=None`` only for the public survey page, whose signed token names it."""
    q = select(Invitation).where(Invitation.id == invitation_id)
    if ws is not None:
        q = q.where(Invitation.workspace_id == ws)
    return s.execute(q).scalar_one_or_none()


_ANSWER_CONTEXT = (
    select(Invitation, QuestionVersion, Touchpoint.key, Response)
    .outerjoin(
        QuestionVersion,
        and_(
            QuestionVersion.id == Invitation.question_version_id,
            QuestionVersion.workspace_id == Invitation.workspace_id,
        ),
    )
    .outerjoin(
        Touchpoint,
        and_(
            Touchpoint.id == Invitation.touchpoint_id,
            Touchpoint.workspace_id == Invitation.workspace_id,
        ),
    )
    .outerjoin(
        Response,
        and_(
            Response.workspace_id == Invitation.workspace_id,
            Response.invitation_id == Invitation.id,
        ),
    )
    .where(Invitation.id == bindparam("invitation_id"))
)


def answer_context(
    s: Session, invitation_id: str
) -> tuple[Invitation, QuestionVersion | None, str | None, Response | None] | None:
    """An invitation, its question version, its touchpoint's key and its answer if any,
    each of the invitation's workspace, in one statement built once (``None``: no such
    invitation; no ``ws``: only the public survey's signed token names it)."""
    row = s.execute(_ANSWER_CONTEXT, {"invitation_id": invitation_id}).first()
    return None if row is None else (row[0], row[1], row[2], row[3])


_INSERT_RESPONSE = insert(Response.metadata.tables[Response.__tablename__])


def insert_response(s: Session, row: Response) -> None:
    """Insert a new answer by a Core statement built once, ``row`` left out of the session
    (the ORM's flush of one object costs several times the INSERT it sends)."""
    # Only the attributes set: a column left out gets its default, as with the ORM.
    state = inspect(row).dict
    values = {c.name: state[c.name] for c in _INSERT_RESPONSE.table.columns if c.name in state}
    s.connection().execute(_INSERT_RESPONSE, values)


def response_for(s: Session, ws: str, invitation_id: str) -> Response | None:
    return s.execute(
        select(Response).where(Response.workspace_id == ws, Response.invitation_id == invitation_id)
    ).scalar_one_or_none()


def user_history(
    s: Session, ws: str, user_id: str
) -> tuple[list[Event], dict[str, Invitation], dict[str, Response]]:
    events = list(
        s.execute(
            select(Event)
            .where(Event.workspace_id == ws, Event.user_id == user_id)
            .order_by(Event.received_at, Event.id)
        ).scalars()
    )
    invs = {
        i.id: i
        for i in s.execute(
            select(Invitation).where(Invitation.workspace_id == ws, Invitation.user_id == user_id)
        ).scalars()
    }
    resps = {
        r.invitation_id: r
        for r in s.execute(
            select(Response).where(Response.workspace_id == ws, Response.user_id == user_id)
        ).scalars()
    }
    return events, invs, resps


def touchpoint_keys(s: Session, ws: str, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = s.execute(
        select(Touchpoint.id, Touchpoint.key).where(
            Touchpoint.workspace_id == ws, Touchpoint.id.in_(ids)
        )
    )
    return {str(i): str(k) for i, k in rows}


def add(s: Session, *rows: Any) -> None:
    s.add_all(rows)
    s.flush()


def email_template(s: Session, ws: str, lang: str) -> EmailTemplate | None:
    return s.execute(
        select(EmailTemplate).where(EmailTemplate.workspace_id == ws, EmailTemplate.locale == lang)
    ).scalar_one_or_none()


def ping(s: Session) -> None:
    """Raise unless the database answers (readiness)."""
    s.execute(text("SELECT 1"))
