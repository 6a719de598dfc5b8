"""Dashboard page: the overview of every active touchpoint, and the week's top frictions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fluide.services import dashboard
from fluide.services.workspaces import workspace_of
from fluide.web import overview_view
from fluide.web.auth import UserDep
from fluide.web.render import HEADERS, json_response, render_page, wants

router = APIRouter(prefix="/app", include_in_schema=False)


@router.get("")
def overview(request: Request, user: UserDep, weeks: str | None = None) -> Response:
    if not user.sees_all:
        # The home of an agent is their own call-backs: the workspace's figures are not theirs.
        if wants(request) == "json":
            from fluide.web.auth import Forbidden

            raise Forbidden
        return RedirectResponse("/app/follow-ups", status_code=303, headers=HEADERS)
    factory = request.app.state.sessions
    ws = workspace_of(factory, user.workspace_id)
    data = dashboard.overview(factory, ws, user.lang, weeks=dashboard.parse_weeks(weeks))
    if wants(request) == "json":
        return json_response(data)
    return render_page(
        request,
        user,
        "overview.html.j2",
        data=data,
        view=overview_view.overview_view(data, user.lang),
        week_choices=(4, 8, 12, 26, 52),
    )
