"""Use case: re-tag a selection of verbatims at once (the verbatims page's bulk form).

Adding or removing a tag is a **person's correction** of each selected
verbatim, made through :func:`fluide.services.verbatims.correct`: the
verbatim's tags become the person's (the ones shown, plus or minus the tag),
are never overwritten by the worker, and teach the tagger. Re-running the
tagger queues the selection again (:func:`fluide.services.verbatims.retag`);
a person's tags are kept. Ids of another workspace are never touched: they
are counted as ``missing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.task_names import all_task_names
from fluide.domain.taxonomy import MAX_TAGS
from fluide.i18n import N_
from fluide.services import verbatims as verbatim_service
from fluide.services.errors import ServiceError, invalid
from fluide.services.tags import ensure_seeded, resolve
from fluide.storage import repo
from fluide.storage import tags as tag_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.models import Workspace

ACTIONS: Final = ("add", "remove", "retag")
MAX_SELECTION: Final = 500


@dataclass(frozen=True)
class BulkResult:
    """What a bulk action did, verbatim by verbatim."""

    action: str
    tag: str | None
    changed: int
    """Verbatims whose tags changed (``retag``: queued for the tagger again)."""
    unchanged: int
    """Already as asked (the tag was there to add, or absent to remove)."""
    full: int
    """Not given the tag: they already carry the most tags a verbatim may have."""
    kept_human: int
    """``retag`` only: a person tagged them, their tags stay."""
    missing: int
    """Ids not found among this workspace's verbatims."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _selection(ids: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(i.strip() for i in ids if i and i.strip()))
    if not chosen:
        raise invalid("ids", N_("Select at least one verbatim (tick its box) first."))
    if len(chosen) > MAX_SELECTION:
        raise invalid(
            "ids",
            N_("At most %(max)s verbatims at once; %(count)s were selected."),
            max=MAX_SELECTION,
            count=len(chosen),
        )
    return chosen


def _tag(factory: sessionmaker[Session], ws: str, key: str | None) -> str:
    """The active tag ``key`` names (following merges), or a 422 naming the field."""
    if not key:
        raise invalid("tag", N_("Choose the tag to add or remove."))
    ensure_seeded(factory, ws)
    with factory() as s:
        found = resolve({t.key: t for t in tag_store.tags(s, ws)}, key)
    if found is None or not found.active:
        raise invalid(
            "tag",
            N_("Unknown tag %(value)s: choose one of the workspace's tags."),
            value=key[:60],
        )
    return found.key


def bulk_tags(
    factory: sessionmaker[Session],
    ws: Workspace,
    ids: Sequence[str],
    action: str,
    tag: str | None = None,
) -> BulkResult:
    """Add ``tag`` to, remove it from, or re-run the tagger on the verbatims ``ids``."""
    if action not in ACTIONS:
        raise invalid(
            "action",
            N_("Unknown action %(value)s; allowed: %(allowed)s."),
            value=action[:40],
            allowed=", ".join(ACTIONS),
        )
    chosen = _selection(ids)
    key = _tag(factory, ws.id, tag) if action != "retag" else None
    with factory() as s:
        rows = verbatim_store.verbatims(
            s, ws.id, verbatim_store.VerbatimFilter(response_ids=chosen), len(chosen)
        )
        found = [r.response_id for r in rows]
        current = verbatim_store.tags_of(s, ws.id, found)
    missing = len(chosen) - len(found)
    if action == "retag":
        body = verbatim_service.RetagIn(ids=found) if found else None
        done = verbatim_service.retag(factory, ws, body) if body else {"queued": 0}
        return BulkResult(action, None, done["queued"], 0, 0, done.get("kept_human", 0), missing)
    assert key is not None
    changed = unchanged = full = 0
    for rid in found:
        keys = list(dict.fromkeys(k for k, _, _ in current.get(rid, [])))
        if action == "add":
            if key in keys:
                unchanged += 1
                continue
            if len(keys) >= MAX_TAGS:
                full += 1
                continue
            wanted = [*keys, key]
        else:
            if key not in keys:
                unchanged += 1
                continue
            wanted = [k for k in keys if k != key]
        try:
            verbatim_service.correct(factory, ws, rid, wanted)
        except ServiceError as exc:
            if exc.status != 404:  # erased meanwhile: counted as missing
                raise
            missing += 1
            continue
        changed += 1
    return BulkResult(action, key, changed, unchanged, full, 0, missing)


def choices(factory: sessionmaker[Session], ws: str) -> dict[str, Any]:
    """The workspace's active tags and its touchpoints, for the filter and bulk forms."""
    ensure_seeded(factory, ws)
    with factory() as s:
        tags = [{"key": t.key, "names": dict(t.names)} for t in tag_store.tags(s, ws) if t.active]
        touchpoints = [
            {"key": tp.key, "task": tp.task, "task_names": all_task_names(tp.task_names, tp.task)}
            for tp in repo.touchpoints(s, ws)
        ]
    return {"tags": tags, "touchpoints": touchpoints}
