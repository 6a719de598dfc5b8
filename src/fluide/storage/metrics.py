"""Counts for the metrics: answers per question version and score, invitations per group.

SQL only counts here; every figure is computed from these counts by the
domain, through the same assembly as ``fluide analyze`` (one source of
truth). The queries run unchanged on SQLite and PostgreSQL: the few
dialect-specific expressions (JSON text, local dates) are in
:func:`_json_text` and :func:`_local_day`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, String, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from fluide.storage.models import Invitation, QuestionVersion, Response, Touchpoint

Row = TypeVarTuple("Row")
TENURE = "tenure"
COLUMN_DIMENSIONS = ("outcome", "channel", "agent", "agent_id", "touchpoint")
"""Groupings read from a column; any other name (except tenure) is a user attribute."""


Offsets = tuple[tuple[datetime | None, int], ...]
"""A time zone as its UTC offsets in seconds, each until a moment (``None``: from then on)."""


@dataclass(frozen=True)
class Scope:
    """Whose rows, and when: ``start`` inclusive, ``end`` exclusive (aware, any zone).

    ``offsets`` say how to turn times into local dates (see :func:`_local_day`).
    """

    workspace_id: str
    touchpoint_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    offsets: Offsets = ((None, 0),)


def _dialect(s: Session) -> str:
    return s.get_bind().dialect.name


def _json_text(s: Session, column: Any, path: Sequence[str]) -> ColumnElement[Any]:
    """A JSON member as text, the same on both databases (``true``, ``3``, ``pro``).

    SQLite's ``json_extract`` gives booleans as 1/0: they are spelled out as
    PostgreSQL's ``->>`` does. Keys are checked by the caller (``[A-Za-z0-9_-]``).
    """
    if _dialect(s) == "sqlite":
        where = "$" + "".join(f'."{k}"' for k in path)
        kind = func.json_type(column, where)
        return case(
            (kind == "true", "true"),
            (kind == "false", "false"),
            else_=func.json_extract(column, where),
        )
    key: Any = tuple(path) if len(path) > 1 else path[0]
    return column[key].as_string()  # type: ignore[no-any-return]


def _local_day(s: Session, column: Any, offsets: Offsets) -> ColumnElement[Any]:
    """The local date of a time, as ``YYYY-MM-DD``: the time shifted by its zone's offset.

    Neither database needs to know the zone: Python gives its offsets over
    the window (daylight saving changes included), so both agree with it.
    Grouping by this date, not by time, keeps the rows fetched per day.
    """

    def shifted(seconds: int) -> ColumnElement[Any]:
        if _dialect(s) == "sqlite":
            return func.strftime("%Y-%m-%d", column, f"{seconds:+d} seconds")
        moved = func.timezone("UTC", column) + func.make_interval(0, 0, 0, 0, 0, 0, float(seconds))
        return func.to_char(moved, "YYYY-MM-DD")

    *bounded, (_, last) = offsets
    if not bounded:
        return shifted(last)
    return case(
        *((column < until, shifted(seconds)) for until, seconds in bounded),
        else_=shifted(last),
    )


def _response_dimension(s: Session, name: str) -> Any:
    if name == "outcome":
        return Response.outcome
    if name == "channel":
        return Response.channel
    if name in ("agent", "agent_id"):
        return Response.agent_id
    if name == "touchpoint":
        return Touchpoint.key
    return _json_text(s, Response.attributes, (name,))


def _invitation_dimension(s: Session, name: str) -> Any:
    """The invitation's own facts: its outcome and channel, the user's attributes then."""
    if name == "outcome":
        return Invitation.outcome
    if name == "channel":
        return Invitation.channel
    if name in ("agent", "agent_id"):
        return _json_text(s, Invitation.context, ("agent_id",))
    if name == "touchpoint":
        return Touchpoint.key
    return _json_text(s, Invitation.context, ("attributes", name))


def _within(q: Select[*Row], scope: Scope, table: Any, at: Any) -> Select[*Row]:
    """Rows of the scope's workspace (and touchpoint) with ``at`` in the window."""
    q = q.where(table.workspace_id == scope.workspace_id)
    if scope.touchpoint_id is not None:
        q = q.where(table.touchpoint_id == scope.touchpoint_id)
    if scope.start is not None:
        q = q.where(at >= scope.start)
    if scope.end is not None:
        q = q.where(at < scope.end)
    return q


def _answers(scope: Scope, *columns: Any) -> Select[Any]:
    q = (
        select(*columns)
        .select_from(Response)
        .join(Touchpoint, Touchpoint.id == Response.touchpoint_id)
    )
    return _within(q, scope, Response, Response.responded_at)


def _invitations(scope: Scope, *columns: Any) -> Select[Any]:
    """Invitations sent in the window, each with its response's id (or NULL)."""
    q = (
        select(*columns)
        .select_from(Invitation)
        .join(Touchpoint, Touchpoint.id == Invitation.touchpoint_id)
        .outerjoin(
            Response,
            and_(
                Response.invitation_id == Invitation.id,
                Response.workspace_id == scope.workspace_id,
            ),
        )
    )
    return _within(q, scope, Invitation, Invitation.created_at)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def answer_totals(s: Session, scope: Scope) -> list[tuple[str, int, int, datetime, datetime]]:
    """``(version id, score, count, first, last)`` of the answers in scope."""
    q = _answers(
        scope,
        Response.question_version_id,
        Response.score,
        func.count(),
        func.min(Response.responded_at),
        func.max(Response.responded_at),
    ).group_by(Response.question_version_id, Response.score)
    return [(str(v), int(sc), int(n), lo, hi) for v, sc, n, lo, hi in s.execute(q)]


def answer_counts(s: Session, scope: Scope, name: str) -> list[tuple[str, int, str | None, int]]:
    """``(version id, score, group value, count)`` for a column or user-attribute grouping."""
    inner = _answers(
        scope,
        Response.question_version_id.label("version"),
        Response.score.label("score"),
        type_coerce(_response_dimension(s, name), String).label("value"),
    ).subquery()
    # Grouping the subquery's column, not the expression: PostgreSQL sees one
    # expression even when the JSON path is a bound parameter.
    q = select(inner.c.version, inner.c.score, inner.c.value, func.count()).group_by(
        inner.c.version, inner.c.score, inner.c.value
    )
    return [(str(v), int(sc), _text(val), int(n)) for v, sc, val, n in s.execute(q)]


def answer_days(
    s: Session, scope: Scope, with_since: bool
) -> list[tuple[str, int, date, str | None, int]]:
    """``(version id, score, local date, customer_since, count)``: periods and tenure need days."""
    since = Response.customer_since if with_since else type_coerce(None, String)
    inner = _answers(
        scope,
        Response.question_version_id.label("version"),
        Response.score.label("score"),
        _local_day(s, Response.responded_at, scope.offsets).label("day"),
        since.label("since"),
    ).subquery()
    c = inner.c
    q = select(c.version, c.score, c.day, c.since, func.count()).group_by(
        c.version, c.score, c.day, c.since
    )
    return [
        (str(v), int(sc), date.fromisoformat(str(d)), _text(since), int(n))
        for v, sc, d, since, n in s.execute(q)
    ]


def high_effort_comments(
    s: Session, scope: Scope, high: Mapping[str, Sequence[int]], limit: int
) -> list[tuple[str, int, datetime, str, str]]:
    """The newest commented answers with a high-effort score of their own version.

    ``high`` maps each version id to its high-effort points. Rows are
    ``(version id, score, responded_at, comment, touchpoint key)``.
    """
    wanted = [
        and_(Response.question_version_id == v, Response.score.in_(list(points)))
        for v, points in high.items()
        if points
    ]
    if not wanted or limit <= 0:
        return []
    q = (
        _answers(
            scope,
            Response.question_version_id,
            Response.score,
            Response.responded_at,
            Response.comment,
            Touchpoint.key,
        )
        .where(or_(*wanted), Response.comment.is_not(None), func.trim(Response.comment) != "")
        .order_by(Response.responded_at.desc(), Response.id)
        .limit(limit)
    )
    return [(str(v), int(sc), at, str(cm), str(tp)) for v, sc, at, cm, tp in s.execute(q)]


def invitation_counts(
    s: Session, scope: Scope, name: str | None
) -> list[tuple[str | None, int, int]]:
    """``(group value, invited, answered)`` of the invitations created in scope.

    ``name=None`` gives one row for all of them. An invitation is answered
    when it has a response, whenever that came.
    """
    value = (
        type_coerce(None, String)
        if name is None
        else type_coerce(_invitation_dimension(s, name), String)
    )
    inner = _invitations(scope, value.label("value"), Response.id.label("response")).subquery()
    q = select(inner.c.value, func.count(), func.count(inner.c.response)).group_by(inner.c.value)
    return [(_text(val), int(n), int(a)) for val, n, a in s.execute(q)]


def invitation_days(s: Session, scope: Scope) -> list[tuple[date, str | None, int, int]]:
    """``(local date sent, customer_since, invited, answered)``, for tenure."""
    inner = _invitations(
        scope,
        _local_day(s, Invitation.created_at, scope.offsets).label("day"),
        type_coerce(
            _json_text(s, Invitation.context, ("attributes", "customer_since")), String
        ).label("since"),
        Response.id.label("response"),
    ).subquery()
    c = inner.c
    q = select(c.day, c.since, func.count(), func.count(c.response)).group_by(c.day, c.since)
    return [(date.fromisoformat(str(d)), _text(sn), int(n), int(a)) for d, sn, n, a in s.execute(q)]


def invitation_span(s: Session, scope: Scope) -> tuple[datetime | None, datetime | None]:
    """When the first and last invitations in scope were sent."""
    q = _within(
        select(func.min(Invitation.created_at), func.max(Invitation.created_at)),
        scope,
        Invitation,
        Invitation.created_at,
    )
    first, last = s.execute(q).one()
    return first, last


def question_versions(
    s: Session, workspace_id: str, touchpoint_id: str | None
) -> list[tuple[QuestionVersion, str, bool]]:
    """Every question version in scope: ``(version, touchpoint key, is current)``."""
    q = (
        select(QuestionVersion, Touchpoint.key, Touchpoint.current_version_id)
        .join(Touchpoint, Touchpoint.id == QuestionVersion.touchpoint_id)
        .where(QuestionVersion.workspace_id == workspace_id)
        .order_by(Touchpoint.key, QuestionVersion.number)
    )
    if touchpoint_id is not None:
        q = q.where(QuestionVersion.touchpoint_id == touchpoint_id)
    return [(v, str(key), cur == v.id) for v, key, cur in s.execute(q)]
