"""Dashboard page: follow-ups, the closed loop (``/app/follow-ups``).

Admins and analysts see every follow-up and assign them; agents see and act on
their own only. Every change is a POST form (CSRF-checked) answered with a
redirect back to the list, at the follow-up's row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from babel.dates import format_timedelta
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fluide.api.pages import FormDep
from fluide.domain import follow_ups as rules
from fluide.i18n import N_
from fluide.services import follow_ups as service
from fluide.services import helpdesk
from fluide.services.contact_follow_ups import situation_of
from fluide.services.errors import invalid
from fluide.storage.types import utcnow
from fluide.web.auth import UserDep, check_csrf
from fluide.web.render import HEADERS, respond

router = APIRouter(prefix="/app", include_in_schema=False)

PAGE = "/app/follow-ups"
STATUS_FILTERS = ("active", "open", "in_progress", "closed", "all")
FILTER_NAMES = {
    "active": N_("To do or in progress"),
    "open": N_("To do"),
    "in_progress": N_("In progress"),
    "closed": N_("Closed"),
    "all": N_("All follow-ups"),
}


def _flag(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise invalid("overdue", N_("overdue must be true or false, not %(value)s."), value=value[:20])


def duration(lang: str, seconds: float) -> str:
    """A delay in words, hours up to two days (``36 heures``), then days."""
    return str(
        format_timedelta(timedelta(seconds=abs(seconds)), threshold=2, format="long", locale=lang)
    )


def _back(value: str | None) -> str:
    # Only this page, with its filters: never another site nor another page.
    if (
        value
        and value.startswith(PAGE)
        and "//" not in value
        and "\\" not in value
        and not any(c in value for c in "\r\n#")
    ):
        return value
    return PAGE


@router.get("/follow-ups")
def follow_ups_page(
    request: Request,
    user: UserDep,
    status: str = "active",
    overdue: str | None = None,
    touchpoint: str | None = None,
    assignee: str | None = None,
) -> Response:
    """The follow-ups to act on, most urgent first; ``?format=json`` gives the same data."""
    factory = request.app.state.sessions
    now = utcnow()
    late = _flag(overdue)
    chosen = assignee or None if user.sees_all else None
    rows = service.list_follow_ups(
        factory,
        user.workspace_id,
        status=status,
        overdue=late,
        assignee_id=chosen,
        touchpoint=touchpoint or None,
        viewer=user,
        now=now,
    )
    options = service.choices(factory, user.workspace_id)
    data: dict[str, Any] = {
        "now": now,
        "counts": service.counts(factory, user.workspace_id, now, viewer=user),
        "filters": {
            "status": status,
            "overdue": late,
            "touchpoint": touchpoint or None,
            "assignee": chosen,
        },
        "follow_ups": rows,
        "limit": service.MAX_LIST,
        "touchpoints": options["touchpoints"],
        "assignees": options["assignees"] if user.sees_all else [],
        "outcomes": list(rules.OUTCOMES),
    }
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    lang = user.lang
    return respond(
        request,
        user,
        "follow_ups.html.j2",
        data,
        back=here,
        status_filters=[(k, FILTER_NAMES[k]) for k in STATUS_FILTERS],
        status_names=rules.STATUS_NAMES,
        outcome_names=rules.OUTCOME_NAMES,
        reason_names=rules.REASON_NAMES,
        notification_names=rules.NOTIFICATION_NAMES,
        duration=lambda seconds: duration(lang, seconds),
        situation=lambda reason, subject, due: situation_of(lang, reason, subject, due),
        unassigned=service.UNASSIGNED,
        helpdesk_on=helpdesk.connected(factory, user.workspace_id),
    )


@router.post("/follow-ups/{follow_up_id}")
def update(request: Request, user: UserDep, form: FormDep, follow_up_id: str) -> Response:
    """Start, close (outcome and note), reopen, or assign (admins and analysts) a follow-up."""
    check_csrf(request, user, form)
    service.update_follow_up(
        request.app.state.sessions,
        user.workspace_id,
        follow_up_id,
        by=user,
        status=form.get("status") or None,
        outcome=form.get("outcome") or None,
        note=form.get("note") if "note" in form else None,
        assignee_id=form.get("assignee_id") or None,
    )
    target = f"{_back(form.get('back'))}#fu-{follow_up_id}"
    return RedirectResponse(target, status_code=303, headers=HEADERS)
