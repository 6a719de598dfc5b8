"""What the team says about frictions (feasibility), and the actions logged against them.

Keys are ``(touchpoint_id, tag_key)``; every query filters on the workspace.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fluide.storage.dashboard_models import Action, FrictionSetting
from fluide.storage.types import new_id, utcnow

Pair = tuple[str, str]


def feasibilities(s: Session, ws: str) -> dict[Pair, int]:
    """The feasibility the team set for each friction (absent: never set)."""
    rows = s.execute(
        select(
            FrictionSetting.touchpoint_id, FrictionSetting.tag_key, FrictionSetting.feasibility
        ).where(FrictionSetting.workspace_id == ws)
    )
    return {(str(tp), str(tag)): int(f) for tp, tag, f in rows}


def set_feasibility(s: Session, ws: str, touchpoint_id: str, tag_key: str, value: int) -> None:
    """Insert or update one friction's feasibility (inside the caller's write transaction)."""
    row = _setting(s, ws, touchpoint_id, tag_key)
    if row is None:
        try:
            # A savepoint: if another request inserted the same friction meanwhile,
            # the unique constraint fires and we update theirs instead.
            with s.begin_nested():
                s.add(
                    FrictionSetting(
                        id=new_id("fst"),
                        workspace_id=ws,
                        touchpoint_id=touchpoint_id,
                        tag_key=tag_key,
                        feasibility=value,
                        updated_at=utcnow(),
                    )
                )
            return
        except IntegrityError:
            row = _setting(s, ws, touchpoint_id, tag_key)
            assert row is not None
    row.feasibility = value
    row.updated_at = utcnow()
    s.flush()


def _setting(s: Session, ws: str, touchpoint_id: str, tag_key: str) -> FrictionSetting | None:
    return s.scalar(
        select(FrictionSetting).where(
            FrictionSetting.workspace_id == ws,
            FrictionSetting.touchpoint_id == touchpoint_id,
            FrictionSetting.tag_key == tag_key,
        )
    )


def action_counts(s: Session, ws: str) -> dict[Pair, dict[str, int]]:
    """How many actions each friction has, by status (``to_deliver``, ``delivered``)."""
    rows = s.execute(
        select(Action.touchpoint_id, Action.tag_key, Action.status, func.count())
        .where(Action.workspace_id == ws, Action.tag_key.is_not(None))
        .group_by(Action.touchpoint_id, Action.tag_key, Action.status)
    )
    out: dict[Pair, dict[str, int]] = {}
    for tp, tag, status, n in rows:
        out.setdefault((str(tp), str(tag)), {})[str(status)] = int(n)
    return out
