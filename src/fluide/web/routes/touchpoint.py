"""Dashboard page: one touchpoint, its splits, question versions and verbatims.

Tags are corrected inline: one form per verbatim, whose checkboxes are named
``tag.<key>`` (a plain form posts one field per ticked box).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fluide.api.pages import FormDep
from fluide.i18n import N_
from fluide.services import benchmark, dashboard, tagger_state
from fluide.services import dashboard_touchpoint as service
from fluide.services.workspaces import workspace_of
from fluide.web import benchmark_view, touchpoint_view
from fluide.web.auth import AnalystDep, check_csrf
from fluide.web.render import HEADERS, json_response, render_page, wants

router = APIRouter(prefix="/app", include_in_schema=False)

NOTICES = {
    "tags_saved": N_(
        "Tags saved. The tagger learns from this correction: the machine-tagged "
        "verbatims are tagged again on its next pass."
    ),
}
TAG_FIELD = "tag."


def safe_next(value: str | None) -> str | None:
    """A path of this dashboard to go back to; never another site."""
    if value and value.startswith("/app") and not value.startswith("//") and "\\" not in value:
        return value
    return None


def _with_notice(path: str, notice: str, anchor: str) -> str:
    path = path.split("#", 1)[0]
    return f"{path}{'&' if '?' in path else '?'}notice={notice}#{anchor}"


@router.get("/touchpoints/{key}")
def touchpoint(
    request: Request,
    user: AnalystDep,
    key: str,
    weeks: str | None = None,
    cursor: str | None = None,
    notice: str | None = None,
) -> Response:
    factory = request.app.state.sessions
    ws = workspace_of(factory, user.workspace_id)
    data = service.touchpoint_page(
        factory, ws, key, user.lang, weeks=dashboard.parse_weeks(weeks), cursor=cursor
    )
    if wants(request) == "json":
        return json_response(data)
    return render_page(
        request,
        user,
        "touchpoint.html.j2",
        data=data,
        view=touchpoint_view.touchpoint_view(data, user.lang),
        notice=NOTICES.get(notice or ""),
        week_choices=(4, 8, 12, 26, 52),
        tagger=tagger_state.of_workspace(factory, ws.id),
        benchmark=benchmark_view.card(benchmark.card(factory, ws, key, user.lang), user.lang),
    )


@router.post("/touchpoints/{key}/verbatims/{response_id}/tags")
def correct_tags(
    request: Request, user: AnalystDep, key: str, response_id: str, form: FormDep
) -> Response:
    check_csrf(request, user, form)
    keys = [k[len(TAG_FIELD) :] for k, v in form.items() if k.startswith(TAG_FIELD) and v]
    factory = request.app.state.sessions
    ws = workspace_of(factory, user.workspace_id)
    corrected = service.correct_tags(factory, ws, key, response_id, keys)
    if wants(request) == "json":
        return json_response(corrected)
    back = safe_next(form.get("next")) or f"/app/touchpoints/{key}"
    return RedirectResponse(
        _with_notice(back, "tags_saved", f"v-{response_id}"), status_code=303, headers=HEADERS
    )
