"""Where a customer's data lives, and removing it (the only SQL of erasure and retention).

:data:`CUSTOMER_TABLES` is the one list of the tables and columns that hold an
end user's data, tied to them through their ``end_users`` row, their
invitations or their responses. Erasure deletes those rows in that order
(rows that point at others first); an export of a customer's data reads the
same list. A new table that holds a customer's data must be added here.

Two places hold copies that no foreign key reaches, handled by name:

- ``tag_examples.text``: topics accepted before their members became
  corrections taught the new tag with copies of their representative comments,
  without ``response_id``. Examples whose text is exactly one of the erased
  comments are deleted.
- ``topics.member_ids`` / ``representative_ids``: lists of response ids.
  The erased ids are removed from them and ``size`` follows. A topic's
  ``label`` and ``words`` are made only of terms found in at least two of its
  comments (:func:`fluide.domain.topics._name`), so they never quote one
  customer alone; open topics are computed again anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy import Text, cast, delete, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from fluide.storage.dashboard_models import FollowUp
from fluide.storage.helpdesk_models import HelpdeskTicket
from fluide.storage.models import (
    Base,
    Delivery,
    EndUser,
    Event,
    Invitation,
    Response,
    ResponseTag,
    TagExample,
    Topic,
    VerbatimState,
)
from fluide.storage.topics import request_topics

Link = Literal["user", "invitation", "response"]
CHUNK = 500


@dataclass(frozen=True)
class CustomerTable:
    """One table holding a customer's data.

    Its rows belong to the customer when ``column`` is one of their ids of
    kind ``link`` (their ``end_users.id``, an invitation or a response of
    theirs); ``personal`` names the columns that carry the customer's own data.
    """

    model: type[Base]
    link: Link
    column: str
    personal: tuple[str, ...]

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)


CUSTOMER_TABLES: Final[tuple[CustomerTable, ...]] = (
    CustomerTable(ResponseTag, "response", "response_id", ("tag",)),
    CustomerTable(VerbatimState, "response", "response_id", ("search_text", "embedding")),
    CustomerTable(TagExample, "response", "response_id", ("text",)),
    CustomerTable(
        HelpdeskTicket, "response", "response_id", ("external_id", "external_url", "last_error")
    ),
    CustomerTable(FollowUp, "response", "response_id", ("note", "notify_error")),
    # Opened by the customer's contacts (no answer): tied to the customer directly.
    CustomerTable(FollowUp, "user", "user_id", ("note", "notify_error", "subject")),
    CustomerTable(
        Response,
        "user",
        "user_id",
        ("score", "comment", "extra_answers", "attributes", "customer_since", "responded_at"),
    ),
    CustomerTable(Delivery, "invitation", "invitation_id", ("last_error", "provider_id")),
    CustomerTable(Invitation, "user", "user_id", ("context", "locale", "shown_at")),
    CustomerTable(
        Event,
        "user",
        "user_id",
        ("external_id", "type", "properties", "user_attributes", "reason", "occurred_at"),
    ),
    CustomerTable(
        EndUser, "user", "id", ("external_id", "email", "locale", "attributes", "opted_out_at")
    ),
)
"""Every table holding an end user's data, in the order erasure deletes them."""

COMMENT_COPIES = "tag_examples"
"""The table where comments are also copied by text (see the module's docstring)."""


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i : i + CHUNK])


def locked_user(s: Session, ws: str, external_id: str) -> EndUser | None:
    """The customer, locked until the transaction ends (a concurrent event waits)."""
    q = select(EndUser).where(EndUser.workspace_id == ws, EndUser.external_id == external_id)
    if s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return s.execute(q).scalar_one_or_none()


def last_activity(s: Session, ws: str, user: EndUser) -> datetime:
    """The customer's latest sign of life: last event received, last answer given or
    changed, opting out (a customer row is only made by an event, so it counts
    their first contact too)."""
    event = s.execute(
        select(func.max(Event.received_at)).where(
            Event.workspace_id == ws, Event.user_id == user.id
        )
    ).scalar()
    answer = s.execute(
        select(func.max(Response.updated_at)).where(
            Response.workspace_id == ws, Response.user_id == user.id
        )
    ).scalar()
    moments = [_aware(m) for m in (user.opted_out_at, event, answer) if m is not None]
    return max(moments, default=datetime.min.replace(tzinfo=UTC))


def _aware(moment: datetime) -> datetime:
    # func.max() skips the column type on SQLite: its naive result is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def inactive_users(
    s: Session, ws: str, before: datetime, after_id: str, limit: int
) -> list[tuple[str, str]]:
    """``(id, external id)`` of customers with no sign of life since ``before`` (see
    :func:`last_activity`), by id from ``after_id`` (exclusive)."""
    recent_event = select(Event.id).where(
        Event.workspace_id == ws, Event.user_id == EndUser.id, Event.received_at >= before
    )
    recent_answer = select(Response.id).where(
        Response.workspace_id == ws, Response.user_id == EndUser.id, Response.updated_at >= before
    )
    q = (
        select(EndUser.id, EndUser.external_id)
        .where(
            EndUser.workspace_id == ws,
            EndUser.id > after_id,
            (EndUser.opted_out_at.is_(None)) | (EndUser.opted_out_at < before),
            ~recent_event.exists(),
            ~recent_answer.exists(),
        )
        .order_by(EndUser.id)
        .limit(limit)
    )
    return [(str(i), str(x)) for i, x in s.execute(q).all()]


def erase_customer(s: Session, ws: str, user_id: str) -> dict[str, int]:
    """Delete every row of :data:`CUSTOMER_TABLES` belonging to the customer, and the copies
    of their comments, in the caller's transaction; the rows removed per table
    (``topics_updated``: topics whose member lists lost their answers)."""
    mine = select(Invitation.id).where(Invitation.workspace_id == ws, Invitation.user_id == user_id)
    invitations = [str(x) for x in s.execute(mine).scalars()]
    responses = s.execute(
        select(Response.id, Response.comment).where(
            Response.workspace_id == ws, Response.user_id == user_id
        )
    ).all()
    response_ids = [str(r) for r, _ in responses]
    ids: dict[Link, list[str]] = {
        "user": [user_id],
        "invitation": invitations,
        "response": response_ids,
    }
    counts: dict[str, int] = {}
    for t in CUSTOMER_TABLES:
        column = getattr(t.model, t.column)
        n = 0
        for chunk in _chunks(ids[t.link]):
            n += _rowcount(
                s.execute(
                    delete(t.model).where(
                        t.model.workspace_id == ws,  # type: ignore[attr-defined]
                        column.in_(chunk),
                    )
                )
            )
        counts[t.table] = counts.get(t.table, 0) + n  # follow_ups is listed twice
        if t.model is TagExample:
            counts[t.table] += delete_comment_copies(s, ws, [c for _, c in responses])
    counts["topics_updated"] = forget_topic_members(s, ws, response_ids)
    s.flush()
    return counts


def delete_comment_copies(s: Session, ws: str, comments: Iterable[str | None]) -> int:
    """Delete the tag examples whose text is exactly one of ``comments`` (copies made
    when a topic became a tag); how many."""
    texts = sorted({t for c in comments if c for t in (c, c.strip()) if t})
    n = 0
    for chunk in _chunks(texts):
        n += _rowcount(
            s.execute(
                delete(TagExample).where(
                    TagExample.workspace_id == ws,
                    TagExample.response_id.is_(None),
                    TagExample.text.in_(chunk),
                )
            )
        )
    return n


def forget_topic_members(s: Session, ws: str, response_ids: Sequence[str]) -> int:
    """Remove ``response_ids`` from the workspace's topics; how many topics changed.

    An open topic left empty is deleted; open topics are computed again.
    """
    gone = set(response_ids)
    if not gone:
        return 0
    changed, reopen = 0, False
    for topic in s.execute(select(Topic).where(Topic.workspace_id == ws)).scalars():
        members = [m for m in topic.member_ids or [] if m not in gone]
        shown = [m for m in topic.representative_ids or [] if m not in gone]
        if len(members) == len(topic.member_ids or []) and len(shown) == len(
            topic.representative_ids or []
        ):
            continue
        changed += 1
        if topic.status == "open":
            reopen = True
            if not members:
                s.delete(topic)
                continue
        topic.member_ids, topic.representative_ids, topic.size = members, shown, len(members)
    if reopen:
        request_topics(s, ws)
    return changed


def old_comments(
    s: Session, ws: str, before: datetime, after_id: str, limit: int
) -> list[tuple[str, str | None, dict[str, Any]]]:
    """``(id, comment, extra_answers)`` of answers given before ``before`` that still hold
    a comment or may hold a free-text answer, by id from ``after_id`` (exclusive)."""
    may_hold_text = cast(Response.extra_answers, Text).like('%": "%')
    q = (
        select(Response.id, Response.comment, Response.extra_answers)
        .where(
            Response.workspace_id == ws,
            Response.responded_at < before,
            Response.id > after_id,
            Response.comment.is_not(None) | may_hold_text,
        )
        .order_by(Response.id)
        .limit(limit)
    )
    return [(str(i), c, dict(x or {})) for i, c, x in s.execute(q).all()]


def remove_comments(
    s: Session, ws: str, rows: Sequence[tuple[str, str | None, dict[str, Any]]]
) -> dict[str, int]:
    """Remove the comments and free-text answers of these answers, with their tagging
    state, search text, embedding and tag examples; scores and tags stay. Counts."""
    counts = {"comments": 0, "free_text_answers": 0}
    for response_id, comment, extras in rows:
        kept = {k: v for k, v in extras.items() if not isinstance(v, str)}
        values: dict[str, Any] = {"comment": None}
        if len(kept) != len(extras):
            values["extra_answers"] = kept
            counts["free_text_answers"] += len(extras) - len(kept)
        if comment is not None:
            counts["comments"] += 1
        s.execute(
            update(Response)
            .where(Response.workspace_id == ws, Response.id == response_id)
            .values(**values)
        )
    ids = [r for r, _, _ in rows]
    texts = [c for _, c, _ in rows]
    texts += [v for _, _, x in rows for v in x.values() if isinstance(v, str)]
    counts["verbatim_states"] = counts["tag_examples"] = 0
    for chunk in _chunks(ids):
        counts["verbatim_states"] += _rowcount(
            s.execute(
                delete(VerbatimState).where(
                    VerbatimState.workspace_id == ws, VerbatimState.response_id.in_(chunk)
                )
            )
        )
        counts["tag_examples"] += _rowcount(
            s.execute(
                delete(TagExample).where(
                    TagExample.workspace_id == ws, TagExample.response_id.in_(chunk)
                )
            )
        )
    counts["tag_examples"] += delete_comment_copies(s, ws, texts)
    counts["topics_updated"] = forget_topic_members(s, ws, ids)
    s.flush()
    return counts
