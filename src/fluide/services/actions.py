"""Use cases: the log of fixes (actions) and the before/after that proves each one.

An action is logged against a touchpoint (and, optionally, the friction tag
it fights). Once delivered, its page compares the touchpoint's answers over
the ``window_days`` days before the delivery date with the delivery day and
the days after it (cut at today), in the workspace's time zone, through
:func:`fluide.domain.compare.compare` (bootstrap interval of the difference,
Mann–Whitney p-value, Cliff's delta). A question reworded or rescaled across
the date, or too few answers, is flagged as not comparable: both sides are
still shown, no verdict is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain import before_after as ba
from fluide.domain.task_names import all_task_names
from fluide.domain.taxonomy import DEFAULT_TAXONOMY
from fluide.i18n import N_
from fluide.services.before_after import Evidence
from fluide.services.dates import checked_day
from fluide.services.errors import ServiceError, invalid, not_found
from fluide.services.tags import ensure_seeded, resolve
from fluide.services.workspaces import workspace_in
from fluide.storage import actions as store
from fluide.storage import friction_settings as friction_store
from fluide.storage import repo
from fluide.storage import tags as tag_store
from fluide.storage.dashboard_models import Action
from fluide.storage.db import write_session
from fluide.storage.models import Tag, Touchpoint, Workspace
from fluide.storage.types import new_id, utcnow

KINDS: Final[dict[str, dict[str, str]]] = {
    "macro": {"fr": "Macro (réponse type)", "en": "Macro (canned reply)"},
    "faq": {"fr": "FAQ / article d'aide", "en": "FAQ / help article"},
    "ux_change": {"fr": "Changement d'interface", "en": "UX change"},
    "new_flow": {"fr": "Nouveau parcours", "en": "New flow"},
    "process": {"fr": "Process interne", "en": "Internal process"},
    "other": {"fr": "Autre", "en": "Other"},
}
STATUSES: Final = ("to_deliver", "delivered")
FIELDS: Final = (
    "touchpoint",
    "title",
    "kind",
    "tag",
    "owner",
    "status",
    "due_on",
    "delivered_on",
    "notes",
)
REQUIRED: Final = ("touchpoint", "title", "kind", "status")
MAX_TITLE, MAX_OWNER, MAX_NOTES = 300, 200, 5000


# --- Validation -----------------------------------------------------------------------------


TOO_LONG: Final = {
    "title": N_("The title is at most %(max)s characters."),
    "owner": N_("The owner is at most %(max)s characters."),
    "notes": N_("The notes are at most %(max)s characters."),
}


def _text(field: str, value: str | None, limit: int, *, required: bool) -> str | None:
    text = (value or "").strip()
    if "\x00" in text:
        # PostgreSQL cannot store it; a form can still send one.
        raise invalid(field, N_("%(field)s contains a NUL character."), field=field)
    if required and not text:
        raise invalid(field, N_("Give the action a title (at most %(max)s characters)."), max=limit)
    if len(text) > limit:
        raise invalid(field, TOO_LONG[field], max=limit)
    return text or None


def _date(field: str, value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return checked_day(field, value)
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise invalid(
            field, N_("%(value)s is not a date: write it as YYYY-MM-DD."), value=value
        ) from None
    return checked_day(field, day)


def _choice(field: str, value: str | None, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise invalid(
            field,
            N_("%(value)s is not allowed for %(field)s; allowed: %(allowed)s."),
            value=value or "",
            field=field,
            allowed=", ".join(allowed),
        )
    return str(value)


def _tag(s: Session, ws: str, key: str | None) -> str | None:
    key = (key or "").strip()
    if not key:
        return None
    by_key = {t.key: t for t in tag_store.tags(s, ws)}
    tag = by_key.get(key)
    if tag is None:
        raise invalid("tag", N_("No tag %(value)s in this workspace."), value=key)
    if tag.merged_into:
        target = resolve(by_key, key)
        raise invalid(
            "tag",
            N_("The tag %(value)s was merged into %(into)s: choose %(into)s."),
            value=key,
            into=target.key if target else tag.merged_into,
        )
    return key


def _touchpoint(s: Session, ws: str, key: str | None) -> Touchpoint:
    tp = repo.touchpoint_by_key(s, ws, (key or "").strip())
    if tp is None:
        raise invalid(
            "touchpoint", N_("No touchpoint %(value)s in this workspace."), value=key or ""
        )
    return tp


def _apply(s: Session, ws: Workspace, a: Action, fields: Mapping[str, Any], today: date) -> None:
    """Check ``fields`` and set them on ``a``; the result must be a consistent action."""
    if "touchpoint" in fields:
        a.touchpoint_id = _touchpoint(s, ws.id, fields["touchpoint"]).id
    if "title" in fields:
        a.title = _text("title", fields["title"], MAX_TITLE, required=True) or ""
    if "kind" in fields:
        a.kind = _choice("kind", fields["kind"], tuple(KINDS))
    if "tag" in fields:
        a.tag_key = _tag(s, ws.id, fields["tag"])
    if "owner" in fields:
        a.owner = _text("owner", fields["owner"], MAX_OWNER, required=False)
    if "notes" in fields:
        a.notes = _text("notes", fields["notes"], MAX_NOTES, required=False)
    if "due_on" in fields:
        a.due_on = _date("due_on", fields["due_on"])
    if "status" in fields:
        a.status = _choice("status", fields["status"], STATUSES)
    if "delivered_on" in fields:
        a.delivered_on = _date("delivered_on", fields["delivered_on"])
    if a.status == "delivered" and a.delivered_on is None:
        raise invalid(
            "delivered_on", N_("A delivered action needs its delivery date (delivered_on).")
        )
    if a.status == "to_deliver" and a.delivered_on is not None:
        raise invalid(
            "delivered_on",
            N_(
                "A delivery date goes with the status delivered: set the status to delivered, "
                "or leave the date empty."
            ),
        )
    if a.delivered_on is not None and a.delivered_on > today:
        raise invalid(
            "delivered_on",
            N_(
                "The delivery date %(value)s is in the future: log the action as to deliver, "
                "with a due date."
            ),
            value=a.delivered_on.isoformat(),
        )


def _today(ws: Workspace, now: datetime | None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(ws.timezone)).date()


def _window(days: int) -> int:
    if not ba.MIN_WINDOW_DAYS <= days <= ba.MAX_WINDOW_DAYS:
        raise invalid(
            "window_days",
            N_("The window is %(min)s to %(max)s days; got %(value)s."),
            min=ba.MIN_WINDOW_DAYS,
            max=ba.MAX_WINDOW_DAYS,
            value=days,
        )
    return days


# --- JSON -----------------------------------------------------------------------------------


class _Reader:
    """What the JSON of actions needs from one workspace, read once per call."""

    def __init__(self, s: Session, ws: Workspace, now: datetime, window_days: int) -> None:
        self.s, self.ws, self.now, self.days = s, ws, now, window_days
        self.zone = ZoneInfo(ws.timezone)
        self.today = now.astimezone(self.zone).date()
        self.touchpoints = {tp.id: tp for tp in repo.touchpoints(s, ws.id)}
        self.tags: dict[str, Tag] = {t.key: t for t in tag_store.tags(s, ws.id)}
        self.evidence = Evidence(s, ws, now, window_days, self.tags)

    def tag_names(self, key: str | None) -> dict[str, str] | None:
        if key is None:
            return None
        tag = self.tags.get(key)
        if tag is not None:
            return dict(tag.names)
        default = next((t for t in DEFAULT_TAXONOMY.tags if t.key == key), None)
        return dict(default.names) if default else {"fr": key, "en": key}

    def to_json(self, a: Action) -> dict[str, Any]:
        tp = self.touchpoints[a.touchpoint_id]
        return {
            "id": a.id,
            "title": a.title,
            "kind": a.kind,
            "kind_names": KINDS.get(a.kind, {"fr": a.kind, "en": a.kind}),
            "touchpoint": tp.key,
            "touchpoint_task": tp.task,
            "touchpoint_task_names": all_task_names(tp.task_names, tp.task),
            "tag": a.tag_key,
            "tag_names": self.tag_names(a.tag_key),
            "owner": a.owner,
            "status": a.status,
            "due_on": a.due_on.isoformat() if a.due_on else None,
            "delivered_on": a.delivered_on.isoformat() if a.delivered_on else None,
            "overdue": a.status == "to_deliver" and a.due_on is not None and a.due_on < self.today,
            "notes": a.notes,
            "created_by": a.created_by,
            "created_at": a.created_at.isoformat(),
            "updated_at": a.updated_at.isoformat(),
            "before_after": (
                self.evidence.of(tp, a.delivered_on, a.tag_key)
                if a.status == "delivered" and a.delivered_on is not None
                else None
            ),
        }


# --- Use cases ------------------------------------------------------------------------------


def _ordered(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """To deliver first, soonest due first (undated last); then the latest delivered first."""
    todo = [a for a in actions if a["status"] == "to_deliver"]
    done = [a for a in actions if a["status"] != "to_deliver"]
    todo.sort(key=lambda a: (a["due_on"] is None, a["due_on"] or ""))
    done.sort(key=lambda a: a["delivered_on"] or "", reverse=True)
    return todo + done


def form_choices(factory: sessionmaker[Session], workspace_id: str) -> dict[str, Any]:
    """What the action forms offer: touchpoints, active friction tags, kinds, statuses."""
    ensure_seeded(factory, workspace_id)
    with factory() as s:
        touchpoints = [
            {
                "key": tp.key,
                "task": tp.task,
                "task_names": all_task_names(tp.task_names, tp.task),
                "active": tp.active,
            }
            for tp in repo.touchpoints(s, workspace_id)
        ]
        tags = [
            {"key": t.key, "names": dict(t.names)}
            for t in tag_store.tags(s, workspace_id)
            if t.active and not t.merged_into
        ]
    return {
        "touchpoints": touchpoints,
        "tags": tags,
        "kinds": [{"key": k, "names": names} for k, names in KINDS.items()],
        "statuses": list(STATUSES),
    }


def list_actions(
    factory: sessionmaker[Session],
    workspace_id: str,
    *,
    status: str | None = None,
    touchpoint: str | None = None,
    tag: str | None = None,
    now: datetime | None = None,
    window_days: int = ba.DEFAULT_WINDOW_DAYS,
) -> list[dict[str, Any]]:
    """Every action of the workspace, to deliver first then delivered, each with its
    before/after once delivered; ``touchpoint`` and ``tag`` (keys) keep one friction's."""
    if status is not None:
        _choice("status", status, STATUSES)
    days = _window(window_days)
    tag = (tag or "").strip() or None
    with factory() as s:
        ws = workspace_in(s, workspace_id)
        tp_id = _touchpoint(s, ws.id, touchpoint).id if (touchpoint or "").strip() else None
        reader = _Reader(s, ws, now or utcnow(), days)
        found = store.in_workspace(s, workspace_id, status, touchpoint_id=tp_id, tag=tag)
        out = [reader.to_json(a) for a in found]
    return _ordered(out)


def friction_counts(
    factory: sessionmaker[Session], workspace_id: str
) -> dict[tuple[str, str], int]:
    """How many actions each friction (touchpoint key, tag) has, whatever their status."""
    with factory() as s:
        keys = {tp.id: tp.key for tp in repo.touchpoints(s, workspace_id)}
        counts = friction_store.action_counts(s, workspace_id)
    return {(keys[tp], tag): sum(n.values()) for (tp, tag), n in counts.items() if tp in keys}


def delivered_between(
    factory: sessionmaker[Session], workspace_id: str, start: date, end: date
) -> list[dict[str, Any]]:
    """The actions delivered from ``start`` to ``end`` (the markers of a trend chart):
    ``id``, ``title``, ``touchpoint`` (key), ``tag``, ``delivered_on``; no before/after."""
    with factory() as s:
        keys = {tp.id: tp.key for tp in repo.touchpoints(s, workspace_id)}
        return [
            {
                "id": a.id,
                "title": a.title,
                "touchpoint": keys[a.touchpoint_id],
                "tag": a.tag_key,
                "delivered_on": a.delivered_on.isoformat() if a.delivered_on else None,
            }
            for a in store.delivered_between(s, workspace_id, start, end)
        ]


def get_action(
    factory: sessionmaker[Session],
    workspace_id: str,
    action_id: str,
    now: datetime | None = None,
    *,
    window_days: int = ba.DEFAULT_WINDOW_DAYS,
) -> dict[str, Any]:
    """One action with its before/after; a 404 for an id of another workspace."""
    days = _window(window_days)
    with factory() as s:
        ws = workspace_in(s, workspace_id)
        a = store.by_id(s, workspace_id, action_id)
        if a is None:
            raise not_found("No action %(value)s in this workspace.", action_id)
        return _Reader(s, ws, now or utcnow(), days).to_json(a)


def create_action(
    factory: sessionmaker[Session],
    workspace_id: str,
    *,
    touchpoint: str,
    title: str,
    kind: str,
    tag: str | None = None,
    owner: str | None = None,
    status: str = "to_deliver",
    due_on: date | str | None = None,
    delivered_on: date | str | None = None,
    notes: str | None = None,
    created_by: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Log an action; a 422 naming the field when a value is not allowed."""
    ensure_seeded(factory, workspace_id)
    fields = {
        "touchpoint": touchpoint,
        "title": title,
        "kind": kind,
        "tag": tag,
        "owner": owner,
        "status": status,
        "due_on": due_on,
        "delivered_on": delivered_on,
        "notes": notes,
    }
    with write_session(factory) as s:
        ws = workspace_in(s, workspace_id)
        a = Action(id=new_id("act"), workspace_id=workspace_id, created_by=created_by)
        _apply(s, ws, a, fields, _today(ws, now))
        store.add(s, a)
        return _Reader(s, ws, now or utcnow(), ba.DEFAULT_WINDOW_DAYS).to_json(a)


def update_action(
    factory: sessionmaker[Session],
    workspace_id: str,
    action_id: str,
    *,
    now: datetime | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """Change some fields (``None`` empties an optional one).

    Marking delivered is setting ``delivered_on`` (the status follows) or
    ``status="delivered"`` with the date; going back to ``to_deliver``
    forgets the delivery date.
    """
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise invalid(
            unknown[0],
            N_("Unknown field %(value)s; allowed: %(allowed)s."),
            value=", ".join(unknown),
            allowed=", ".join(FIELDS),
        )
    emptied = [k for k in REQUIRED if k in changes and changes[k] is None]
    if emptied:
        raise ServiceError(
            "invalid_patch",
            "These fields cannot be emptied: %(fields)s.",
            fields=", ".join(emptied),
        )
    fields = dict(changes)
    if fields.get("delivered_on") not in (None, "") and "status" not in fields:
        fields["status"] = "delivered"
    if fields.get("status") == "to_deliver" and "delivered_on" not in fields:
        fields["delivered_on"] = None
    ensure_seeded(factory, workspace_id)
    with write_session(factory) as s:
        ws = workspace_in(s, workspace_id)
        a = store.by_id(s, workspace_id, action_id)
        if a is None:
            raise not_found("No action %(value)s in this workspace.", action_id)
        _apply(s, ws, a, fields, _today(ws, now))
        a.updated_at = utcnow()
        s.flush()
        return _Reader(s, ws, now or utcnow(), ba.DEFAULT_WINDOW_DAYS).to_json(a)
