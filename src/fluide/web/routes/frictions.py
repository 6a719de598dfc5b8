"""Dashboard page: the frictions backlog, ranked by impact × volume × feasibility
(the impact the evidence supports; fewer than three comments never in the first rows).

The team sets each friction's feasibility (1 hard – 5 easy) with a small form
on its row; the ranking moves with it at once.
"""

from __future__ import annotations

import functools
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fluide.api.pages import FormDep
from fluide.domain.display import (
    EFFORT_INDEX_BOUNDS,
    TOO_FEW_ANSWERS,
    difference_bounds,
    shown_interval,
)
from fluide.i18n import fmt_number, gettext
from fluide.services import backlog as service
from fluide.services import dashboard, tagger_state
from fluide.services.errors import ServiceError
from fluide.services.workspaces import workspace_of
from fluide.web.auth import AnalystDep, check_csrf
from fluide.web.render import (
    HEADERS,
    csv_response,
    respond_or_fail,
    wants,
)

router = APIRouter(prefix="/app", include_in_schema=False)

TEMPLATE: Final = "frictions.html.j2"
CSV_COLUMNS: Final = (
    "rank",
    "touchpoint",
    "tag",
    "n",
    "answers",
    "share",
    "effort_gap",
    "gap_low",
    "gap_high",
    "small_sample",
    "impact",
    "volume",
    "feasibility",
    "score",
    "expected_gain",
    "actions",
    "shrunk_gap",
    "shrunk_low",
    "shrunk_high",
    "uncertain",
    "n_comments",
    "eligible_for_top",
    "also_tags",
)
WEEK_CHOICES: Final = (1, 2, 4, 8, 13, 26, 52)


def gap_ci_text(lang: str, fr: dict[str, Any], key: str = "gap_ci") -> str:
    """A friction's gap interval (``key``: the raw or the expected gap's) as a person reads
    it: within ±100 points of effort index, "too few answers" under five tagged answers,
    "" without an interval."""
    shown = shown_interval(fr[key], difference_bounds(EFFORT_INDEX_BOUNDS), int(fr["n"]))
    if shown is TOO_FEW_ANSWERS:
        return gettext(lang, "too few answers")
    if shown is None:
        return ""
    return gettext(
        lang, "%(low)s to %(high)s", low=fmt_number(lang, shown[0]), high=fmt_number(lang, shown[1])
    )


def _csv(data: dict[str, Any]) -> Response:
    rows = [
        {
            **f,
            "gap_low": None if f["gap_ci"] is None else round(f["gap_ci"][0], 2),
            "gap_high": None if f["gap_ci"] is None else round(f["gap_ci"][1], 2),
            "actions": f["actions"]["total"],
            "shrunk_low": None if f["shrunk_gap_ci"] is None else round(f["shrunk_gap_ci"][0], 2),
            "shrunk_high": None if f["shrunk_gap_ci"] is None else round(f["shrunk_gap_ci"][1], 2),
        }
        for f in data["frictions"]
    ]
    name = f"frictions-{data['period']['from']}-{data['period']['to']}.csv"
    return csv_response(rows, CSV_COLUMNS, name)


def _page(
    request: Request,
    user: AnalystDep,
    weeks_param: str | None,
    *,
    failure: ServiceError | None = None,
    saved: dict[str, str] | None = None,
) -> Response:
    factory = request.app.state.sessions
    ws = workspace_of(factory, user.workspace_id)
    weeks = service.DEFAULT_WEEKS
    if weeks_param not in (None, ""):
        try:
            weeks = dashboard.parse_weeks(weeks_param, service.DEFAULT_WEEKS)
        except ServiceError as exc:
            if wants(request) != "html":
                raise
            failure = failure or exc
    data = service.backlog(factory, ws, weeks=weeks)
    if wants(request) == "csv" and failure is None:
        return _csv(data)
    context: dict[str, Any] = {
        "saved": saved,
        "week_choices": WEEK_CHOICES,
        "gap_ci": functools.partial(gap_ci_text, user.lang),
        "shrunk_ci": functools.partial(gap_ci_text, user.lang, key="shrunk_gap_ci"),
        "tagger": tagger_state.of_workspace(factory, ws.id),
    }
    return respond_or_fail(request, user, TEMPLATE, data, failure, **context)


@router.get("/frictions")
def frictions_page(request: Request, user: AnalystDep) -> Response:
    qp = request.query_params
    saved = None
    if qp.get("saved_touchpoint") and qp.get("saved_tag"):
        saved = {"touchpoint": qp["saved_touchpoint"], "tag": qp["saved_tag"]}
    return _page(request, user, qp.get("weeks"), saved=saved)


@router.post("/frictions/feasibility")
def set_feasibility(request: Request, user: AnalystDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    factory = request.app.state.sessions
    ws = workspace_of(factory, user.workspace_id)
    weeks = form.get("weeks", "").strip()
    try:
        done = service.set_feasibility(
            factory,
            ws,
            form.get("touchpoint", "").strip(),
            form.get("tag", "").strip(),
            form.get("feasibility", ""),
        )
    except ServiceError as exc:
        return _page(request, user, weeks, failure=exc)
    query = [("weeks", weeks)] if weeks else []
    query += [("saved_touchpoint", done["touchpoint"]), ("saved_tag", done["tag"])]
    return RedirectResponse(
        "/app/frictions?"
        + urlencode(query)
        + "#friction-"
        + done["touchpoint"]
        + "-"
        + done["tag"],
        status_code=303,
        headers=HEADERS,
    )
