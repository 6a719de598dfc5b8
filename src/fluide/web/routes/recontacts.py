"""Dashboard page "Recontacts and delays": the figures of ``GET /v1/recontacts`` by reason,
channel, agent and week (the render pieces of ``fluide recontacts``), and the customers
who are recontacting right now."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fluide.i18n import N_, gettext
from fluide.render import recontacts_view as view
from fluide.render.recontacts_html import weekly_chart
from fluide.services import recontacts as service
from fluide.services.dates import period_days
from fluide.services.errors import ServiceError
from fluide.web.auth import Forbidden, UserDep
from fluide.web.render import error_text, respond, svg, wants

router = APIRouter(prefix="/app", include_in_schema=False)

GROUPS: Final = {
    "reason": (
        N_("Reason"),
        N_("By reason"),
        N_("Which reasons make customers come back: fix the answers to the top ones first."),
    ),
    "channel": (
        N_("Channel"),
        N_("By channel"),
        N_("Where a first contact solves the problem least often, by the channel it came in."),
    ),
    "agent": (
        N_("Agent"),
        N_("By agent"),
        N_("Contacts handled by each agent and how often the customer had to come back."),
    ),
}


def _tables(lang: str, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The grouped tables of the file report, titled and explained for a CSM."""
    out = []
    for table, name in zip(view.group_tables(lang, doc), doc.get("groups") or {}, strict=True):
        column, title, help_text = GROUPS[name]
        table["title"] = gettext(lang, title)
        table["help"] = gettext(lang, help_text)
        table["headers"][0] = gettext(lang, column)
        out.append(table)
    return out


@router.get("/recontacts")
def recontacts(request: Request, user: UserDep) -> Response:
    if not user.sees_all:
        raise Forbidden
    lang = user.lang
    form = {k: request.query_params.get(k, "") for k in ("from", "to")}
    context: dict[str, Any] = {"form": form, "error": None}
    try:
        days = period_days(request.query_params)
        data = service.page(
            request.app.state.sessions,
            user.workspace_id,
            start=days["from"],
            end=days["to"],
            lang=lang,
        )
    except ServiceError as exc:
        if wants(request) == "json" or exc.status != 422:
            raise
        page = respond(
            request, user, "recontacts.html.j2", {}, **{**context, "error": error_text(lang, exc)}
        )
        page.status_code = exc.status
        return page
    doc = data["doc"]
    return respond(
        request,
        user,
        "recontacts.html.j2",
        data,
        **context,
        window_note=view.window_note(lang, doc),
        figures=view.key_figures(lang, doc["overall"]),
        weekly_svg=svg(str(weekly_chart(lang, doc))) if doc["weekly"] else None,
        weekly=view.weekly_table(lang, doc),
        tables=_tables(lang, doc),
    )
