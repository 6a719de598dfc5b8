"""The question registry: touchpoints, and their question versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.scales import EffortGroups, Question, ScaleError, polarity_by_key, scale_by_key
from fluide.domain.task_names import all_task_names, renamed
from fluide.inputs.requests import TouchpointIn, TouchpointPatch
from fluide.services.browser_events import browser_types
from fluide.services.errors import ServiceError, not_found, patch_changes
from fluide.storage import repo
from fluide.storage.db import write_session
from fluide.storage.models import QuestionVersion, Touchpoint
from fluide.storage.questions import DEFAULT_COMMENT_PROMPT
from fluide.storage.types import new_id, utcnow

VERSIONED = ("question", "scale", "polarity", "comment_prompt", "effort_groups", "extra_questions")


def _groups(scale: str, polarity: str, groups: dict[str, int] | None) -> EffortGroups:
    try:
        q = Question(scale_by_key(scale), polarity_by_key(polarity))
        if groups is None:
            return q.groups
        g = EffortGroups(groups["low_max"], groups["high_min"])
        g.validate(q.k)
        return g
    except ScaleError as exc:
        raise ServiceError("invalid_effort_groups", "%(reason)s", reason=str(exc)) from None


def _version(tp: Touchpoint, number: int, fields: dict[str, Any]) -> QuestionVersion:
    groups = _groups(fields["scale"], fields["polarity"], fields.get("effort_groups"))
    return QuestionVersion(
        id=new_id("qv"),
        workspace_id=tp.workspace_id,
        touchpoint_id=tp.id,
        number=number,
        question=fields["question"],
        comment_prompt=fields.get("comment_prompt") or DEFAULT_COMMENT_PROMPT,
        scale=fields["scale"],
        polarity=fields["polarity"],
        low_max=groups.low_max,
        high_min=groups.high_min,
        extra_questions=fields.get("extra_questions") or [],
    )


def _versioned_fields(v: QuestionVersion) -> dict[str, Any]:
    return {
        "question": v.question,
        "scale": v.scale,
        "polarity": v.polarity,
        "comment_prompt": v.comment_prompt,
        "effort_groups": {"low_max": v.low_max, "high_min": v.high_min},
        "extra_questions": v.extra_questions,
    }


def to_json(tp: Touchpoint, versions: list[QuestionVersion]) -> dict[str, Any]:
    current = next(v for v in versions if v.id == tp.current_version_id)
    return {
        "id": tp.id,
        "key": tp.key,
        "task": tp.task,
        "task_names": all_task_names(tp.task_names, tp.task),
        "task_category": tp.task_category,
        **_versioned_fields(current),
        "triggers": tp.triggers,
        "channels": tp.channels,
        "sampling": tp.sampling,
        "cooldown_days": tp.cooldown_days,
        "expires_after_hours": tp.expires_after_hours,
        "active": tp.active,
        "browser_events": tp.browser_events,
        "browser_events_allowed": browser_types(tp),
        "version": {
            "id": current.id,
            "number": current.number,
            "created_at": current.created_at.isoformat(),
        },
        "versions": [
            {
                "id": v.id,
                "number": v.number,
                "created_at": v.created_at.isoformat(),
                **_versioned_fields(v),
            }
            for v in versions
        ],
        "created_at": tp.created_at.isoformat(),
        "updated_at": tp.updated_at.isoformat(),
    }


def create(factory: sessionmaker[Session], ws: str, body: TouchpointIn) -> dict[str, Any]:
    data = body.model_dump(exclude_none=True)
    try:
        with write_session(factory) as s:
            if repo.touchpoint_by_key(s, ws, body.key) is not None:
                raise ServiceError(
                    "touchpoint_exists",
                    "A touchpoint with key %(key)s already exists.",
                    status=409,
                    key=body.key,
                )
            tp = Touchpoint(
                id=new_id("tp"),
                workspace_id=ws,
                key=body.key,
                task=body.task,
                task_names=_names(None, body.task, body.task, data.get("task_names")),
                task_category=body.task_category,
                triggers=data["triggers"],
                channels=list(dict.fromkeys(body.channels)),
                sampling=body.sampling,
                cooldown_days=body.cooldown_days,
                expires_after_hours=body.expires_after_hours,
                active=body.active,
                browser_events=_unique(body.browser_events),
            )
            repo.add(s, tp)
            v = _version(tp, 1, data)
            repo.add(s, v)
            tp.current_version_id = v.id
            s.flush()
            return to_json(tp, [v])
    except IntegrityError:
        raise ServiceError(
            "touchpoint_exists",
            "A touchpoint with key %(key)s already exists.",
            status=409,
            key=body.key,
        ) from None


def _names(
    names: dict[str, str] | None, old_task: str, new_task: str, given: dict[str, Any] | None
) -> dict[str, str]:
    """The stored names: those ``given`` win (``null``: back to ``task``), the others
    follow a change of ``task`` when they were the same as it."""
    out = renamed(names, old_task, new_task)
    for lang, name in (given or {}).items():
        out[lang] = new_task if name is None else name
    return out


def _unique(types: list[str] | None) -> list[str] | None:
    return None if types is None else list(dict.fromkeys(types))


def list_all(s: Session, ws: str) -> list[dict[str, Any]]:
    return [to_json(tp, repo.versions(s, ws, tp.id)) for tp in repo.touchpoints(s, ws)]


def touchpoint_of(s: Session, ws: str, key: str) -> Touchpoint:
    """The workspace's touchpoint ``key``, or a 404 naming it."""
    tp = repo.touchpoint_by_key(s, ws, key)
    if tp is None:
        raise not_found("No touchpoint %(value)s in this workspace.", key)
    return tp


def touchpoint_id_of(s: Session, ws: str, key: str | None) -> str | None:
    """The id of touchpoint ``key`` (``None`` for no filter), or a 404 naming it."""
    return None if key is None else touchpoint_of(s, ws, key).id


def get(s: Session, ws: str, key: str) -> dict[str, Any]:
    tp = touchpoint_of(s, ws, key)
    return to_json(tp, repo.versions(s, ws, tp.id))


def _after(before: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The versioned fields once ``changes`` apply: a difference starts a new version."""
    after = {**before, **{k: v for k, v in changes.items() if k in VERSIONED}}
    if ("scale" in changes or "polarity" in changes) and "effort_groups" not in changes:
        after["effort_groups"] = None  # the new scale's defaults
    return after


def next_version(s: Session, ws: str, key: str, patch: TouchpointPatch) -> int | None:
    """The question version :func:`update` would start for ``patch``, or ``None`` (none)."""
    changes = patch_changes(patch, nullable=("browser_events", "task_category"))
    tp = touchpoint_of(s, ws, key)
    current = repo.version_by_id(s, ws, tp.current_version_id or "")
    if current is None:
        return None
    before = _versioned_fields(current)
    return current.number + 1 if _after(before, changes) != before else None


def update(
    factory: sessionmaker[Session], ws: str, key: str, patch: TouchpointPatch
) -> dict[str, Any]:
    changes = patch_changes(patch, nullable=("browser_events", "task_category"))
    with write_session(factory) as s:
        tp = touchpoint_of(s, ws, key)
        versions = repo.versions(s, ws, tp.id)
        current = next(v for v in versions if v.id == tp.current_version_id)
        before = _versioned_fields(current)
        after = _after(before, changes)
        if after != before:
            v = _version(tp, current.number + 1, after)
            repo.add(s, v)
            tp.current_version_id = v.id
            versions.append(v)
        if "task" in changes or "task_names" in changes:
            new_task = changes.get("task", tp.task)
            tp.task_names = _names(tp.task_names, tp.task, new_task, changes.get("task_names"))
            tp.task = new_task
        for name in (
            "task_category",
            "triggers",
            "channels",
            "sampling",
            "cooldown_days",
            "expires_after_hours",
            "active",
        ):
            if name in changes:
                setattr(
                    tp,
                    name,
                    list(dict.fromkeys(changes[name])) if name == "channels" else changes[name],
                )
        if "browser_events" in changes:
            tp.browser_events = _unique(changes["browser_events"])
        tp.updated_at = utcnow()
        s.flush()
        return to_json(tp, versions)
