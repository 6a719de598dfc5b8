"""A user's history (every event, decision and invitation), and erasing a user."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request

from fluide.api.deps import FactoryDep, SessionDep, SettingsDep, WorkspaceDep
from fluide.services import erasure
from fluide.services import events as service

router = APIRouter(prefix="/v1/users", tags=["users"])

UserIdPath = Path(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")


@router.get(
    "/{user_id}/history", summary="Why was this customer (not) asked? Every event and decision"
)
def history(
    ws: WorkspaceDep,
    session: SessionDep,
    settings: SettingsDep,
    user_id: str = UserIdPath,
) -> dict[str, Any]:
    return service.history(session, ws.id, user_id, settings)


@router.delete(
    "/{user_id}",
    summary="Erase this customer: everything of theirs, in one transaction (right to erasure)",
    description=(
        "Deletes the customer (e-mail, attributes), their events, invitations, deliveries, "
        "answers (scores, comments), tags, follow-ups and the copies of their comments, then "
        "purges the bytes from the database files. Answers 200 with the rows removed per "
        "table; an audit row keeps the id, who erased it (the API key's prefix) and when. "
        "404 for an id this workspace does not know."
    ),
)
def erase(
    request: Request,
    ws: WorkspaceDep,
    session: SessionDep,
    factory: FactoryDep,
    user_id: str = UserIdPath,
) -> dict[str, Any]:
    # This session's read transaction would hold the WAL checkpoint back (SQLite).
    session.close()
    key = request.headers.get("authorization", "").partition(" ")[2].strip()
    done = erasure.erase_user(factory, ws.id, user_id, erased_by=erasure.api_caller(key))
    assert done is not None
    inbox = getattr(request.app.state, "demo_inbox", None)
    if inbox is not None:
        inbox.forget(email=done.email, user_id=user_id)
    return done.to_json()
