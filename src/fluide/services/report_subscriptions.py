"""Use cases: who receives the weekly report by e-mail, and what the last sends did."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.i18n import N_, SUPPORTED_LANGS
from fluide.services.accounts import EMAIL
from fluide.services.errors import ServiceError, invalid, not_found
from fluide.storage import reports as store
from fluide.storage.db import write_session
from fluide.storage.report_state import RunState

MAX_SUBSCRIBERS = 50


def list_subscriptions(factory: sessionmaker[Session], workspace_id: str) -> list[dict[str, Any]]:
    with factory() as s:
        return [
            {"id": x.id, "email": x.email, "lang": x.lang, "created_at": x.created_at.isoformat()}
            for x in store.subscriptions(s, workspace_id)
        ]


def add_subscription(
    factory: sessionmaker[Session], workspace_id: str, email: str, lang: str
) -> dict[str, Any]:
    """Subscribe ``email`` to the weekly report, in ``lang``; errors name the field."""
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise invalid("email", N_("Not an e-mail address: %(value)s."), value=email[:320])
    if lang not in SUPPORTED_LANGS:
        raise invalid(
            "lang",
            N_("Unknown language %(value)s; allowed: %(allowed)s."),
            value=lang[:20],
            allowed=", ".join(SUPPORTED_LANGS),
        )
    try:
        with write_session(factory) as s:
            if store.subscription_by_email(s, workspace_id, email) is not None:
                raise _already(email)
            if store.subscription_count(s, workspace_id) >= MAX_SUBSCRIBERS:
                raise invalid(
                    "email",
                    N_("At most %(max)s subscribers per workspace."),
                    max=MAX_SUBSCRIBERS,
                )
            row = store.add_subscription(s, workspace_id, email, lang)
            return {"id": row.id, "email": row.email, "lang": row.lang}
    except IntegrityError:  # the same address added at the same moment by someone else
        raise _already(email) from None


def _already(email: str) -> ServiceError:
    return ServiceError(
        "conflict", N_("%(value)s already receives the weekly report."), status=409, value=email
    )


def remove_subscription(
    factory: sessionmaker[Session], workspace_id: str, subscription_id: str
) -> None:
    with write_session(factory) as s:
        if not store.remove_subscription(s, workspace_id, subscription_id):
            raise not_found("No subscription %(value)s in this workspace.", subscription_id[:60])


def recent_runs(factory: sessionmaker[Session], workspace_id: str) -> list[dict[str, Any]]:
    """The last weekly sends: ``status`` is ``sent``, ``sending``, ``retry`` or ``failed``."""
    with factory() as s:
        runs = store.recent_runs(s, workspace_id)
    out = []
    for r in runs:
        state = RunState.load(r.error) if r.error is not None else None
        out.append(
            {
                "week": r.week,
                "at": r.sent_at.isoformat(),
                "recipients": r.recipients,
                "status": "sent" if state is None else state.state,
                "detail": "" if state is None else state.detail,
            }
        )
    return out
