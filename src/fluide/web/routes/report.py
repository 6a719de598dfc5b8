"""Dashboard page: the weekly ritual report, its PDF, and who receives it by e-mail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fluide.api.pages import FormDep
from fluide.domain.frictions import iso_week_start, previous_iso_week
from fluide.i18n import N_, gettext
from fluide.render.weekly import render_report_pdf, report_body
from fluide.services import report_subscriptions as subscriptions
from fluide.services.accounts import CurrentUser
from fluide.services.errors import ServiceError
from fluide.services.weekly_report import weekly_report
from fluide.storage.types import utcnow
from fluide.web.auth import AdminDep, AnalystDep, check_csrf, settings_of
from fluide.web.render import HEADERS, json_response, render_page, wants

router = APIRouter(prefix="/app", include_in_schema=False)

NOTICES = {
    "added": N_("The address will receive the next weekly report."),
    "removed": N_("The address will no longer receive the weekly report."),
}


def _next_week(week: str) -> str:
    year, number, _ = (iso_week_start(week) + timedelta(days=7)).isocalendar()
    return f"{year:04d}-W{number:02d}"


def _week_param(request: Request) -> str | None:
    week = (request.query_params.get("week") or "").strip()
    return week or None


def _page(
    request: Request,
    user: CurrentUser,
    week: str | None,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The page for ``week``; a bad week shows the error and the week picker."""
    factory = request.app.state.sessions
    now = utcnow()
    doc: dict[str, Any] | None = None
    try:
        doc = weekly_report(
            factory, settings_of(request), user.workspace_id, week=week, lang=user.lang, now=now
        )
    except ServiceError as e:
        if e.code != "invalid":
            raise
        error = gettext(user.lang, e.message, **e.params)
        status = 422
    data = {
        "report": doc,
        "subscriptions": subscriptions.list_subscriptions(factory, user.workspace_id),
        "runs": subscriptions.recent_runs(factory, user.workspace_id),
    }
    if wants(request) == "json":
        if doc is None:
            return json_response(
                {"error": {"code": "invalid", "message": error, "details": [{"field": "week"}]}},
                status,
            )
        return json_response(data, status)
    shown = doc["week"] if doc else None
    latest = iso_week_start(shown) + timedelta(days=7) <= now.date() if shown else False
    notice = NOTICES.get(request.query_params.get("done", ""))
    return render_page(
        request,
        user,
        "report_page.html.j2",
        status=status,
        data=data,
        # The same rule as the overview's cards: whoever sees the whole workspace may act.
        body=report_body(doc, user.lang, action_links=user.sees_all) if doc else None,
        week_value=shown or (week or ""),
        previous_week=previous_iso_week(shown) if shown else None,
        next_week=_next_week(shown) if shown and latest else None,
        error=error,
        notice=gettext(user.lang, notice) if notice else None,
        form=form or {"email": "", "lang": user.lang},
    )


@router.get("/report")
def report_page(request: Request, user: AnalystDep) -> Response:
    return _page(request, user, _week_param(request))


@router.get("/report.pdf")
def report_pdf(request: Request, user: AnalystDep) -> Response:
    doc = weekly_report(
        request.app.state.sessions,
        settings_of(request),
        user.workspace_id,
        week=_week_param(request),
        lang=user.lang,
    )
    name = f"fluide-report-{doc['week']}.pdf"
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(
        render_report_pdf(doc, user.lang), media_type="application/pdf", headers=headers
    )


def _back(week: str | None, done: str) -> RedirectResponse:
    query = f"?done={done}" + (f"&week={quote(week)}" if week else "")
    return RedirectResponse(f"/app/report{query}", status_code=303, headers=HEADERS)


@router.post("/report/subscriptions")
def add_subscription(request: Request, user: AdminDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    week = form.get("week") or None
    try:
        subscriptions.add_subscription(
            request.app.state.sessions,
            user.workspace_id,
            form.get("email", ""),
            form.get("lang", ""),
        )
    except ServiceError as e:
        if wants(request) == "json":
            raise
        message = gettext(user.lang, e.message, **e.params)
        return _page(request, user, week, error=message, form=form, status=e.status)
    return _back(week, "added")


@router.post("/report/subscriptions/{subscription_id}/delete")
def remove_subscription(
    request: Request, subscription_id: str, user: AdminDep, form: FormDep
) -> Response:
    check_csrf(request, user, form)
    subscriptions.remove_subscription(
        request.app.state.sessions, user.workspace_id, subscription_id
    )
    return _back(form.get("week") or None, "removed")
