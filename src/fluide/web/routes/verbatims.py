"""Dashboard page: the verbatims, searched and filtered, as a page, JSON or CSV; bulk re-tag.

The list is ``GET /v1/verbatims``'s own use case
(:func:`fluide.services.verbatims.list_verbatims`); the filter form's fields
arrive as text (an empty field is no filter) and a bad one is shown on the
page, naming the field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Final
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from fluide.domain.task_names import task_in
from fluide.i18n import N_
from fluide.services import verbatim_bulk
from fluide.services import verbatims as service
from fluide.services.dates import checked_day
from fluide.services.errors import ServiceError, invalid
from fluide.services.tags import TAG_KEY
from fluide.services.verbatims import VerbatimQuery
from fluide.services.workspaces import workspace_of
from fluide.storage.models import Workspace
from fluide.web.auth import AnalystDep, check_csrf
from fluide.web.render import HEADERS, csv_response, respond_or_fail, wants

router = APIRouter(prefix="/app", include_in_schema=False)

PAGE_SIZE: Final = 50
CSV_MAX: Final = 10_000
FILTERS: Final = ("q", "tag", "touchpoint", "min_score", "max_score", "from", "to", "untagged")
CSV_COLUMNS: Final = (
    "id",
    "responded_at",
    "touchpoint",
    "score",
    "effort_index",
    "comment",
    "tags",
    "tag_sources",
    "channel",
    "outcome",
)
TEMPLATE: Final = "verbatims.html.j2"
RESULT_COUNTS: Final = ("changed", "unchanged", "full", "kept_human", "missing")
_TAG = re.compile(TAG_KEY)
_TOUCHPOINT = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,99}$")


def _filters(pairs: Any) -> dict[str, str]:
    """The filter fields of a query string, as typed (trimmed; absent: empty)."""
    got = dict(pairs)
    return {k: str(got.get(k, "")).strip()[:200] for k in FILTERS}


_PROBLEMS: Final = {
    "min_score": N_("The lowest score must be a whole number from 0 to 10."),
    "max_score": N_("The highest score must be a whole number from 0 to 10."),
    "from": N_("The start date must be a date such as 2026-11-30."),
    "to": N_("The end date must be a date such as 2026-11-30."),
}


def _score(params: dict[str, str], field: str) -> int | None:
    text = params[field]
    if not text:
        return None
    if not text.isdigit() or int(text) > 10:
        raise invalid(field, _PROBLEMS[field])
    return int(text)


def _date(params: dict[str, str], field: str) -> date | None:
    text = params[field]
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise invalid(field, _PROBLEMS[field]) from None
    return checked_day(field, day)


def _query(params: dict[str, str]) -> VerbatimQuery:
    """The filters as the use case takes them, or a 422 naming the bad field."""
    tag = params["tag"] or None
    if tag is not None and not _TAG.match(tag):
        raise invalid("tag", N_("Unknown tag %(value)s: choose one of the list."), value=tag)
    touchpoint = params["touchpoint"] or None
    if touchpoint is not None and not _TOUCHPOINT.match(touchpoint):
        raise invalid(
            "touchpoint",
            N_("Unknown touchpoint %(value)s: choose one of the list."),
            value=touchpoint,
        )
    untagged = {"": None, "true": True, "false": False}.get(params["untagged"], "bad")
    if untagged == "bad":
        raise invalid("untagged", N_("untagged must be true, false or empty."))
    return VerbatimQuery(
        q=params["q"] or None,
        tag=tag,
        touchpoint=touchpoint,
        min_score=_score(params, "min_score"),
        max_score=_score(params, "max_score"),
        start=_date(params, "from"),
        end=_date(params, "to"),
        untagged=untagged if isinstance(untagged, bool) else None,
    )


def _url(params: dict[str, str], **extra: str) -> str:
    kept = [(k, v) for k, v in params.items() if v] + [(k, v) for k, v in extra.items() if v]
    return "/app/verbatims" + ("?" + urlencode(kept) if kept else "")


def _result(request: Request) -> dict[str, Any] | None:
    """The outcome of the bulk form, carried by the redirect's query string."""
    qp = request.query_params
    action = qp.get("done")
    if action not in verbatim_bulk.ACTIONS:
        return None
    tag = qp.get("done_tag", "")
    counts = {k: int(v) if (v := qp.get(k, "0")).isdigit() else 0 for k in RESULT_COUNTS}
    return {"action": action, "tag": tag if _TAG.match(tag) else None, **counts}


def _csv(request: Request, ws: Workspace, query: VerbatimQuery) -> Response:
    factory = request.app.state.sessions
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while len(rows) < CSV_MAX:
        page = service.list_verbatims(
            factory, ws, query, limit=min(service.MAX_LIMIT, CSV_MAX - len(rows)), cursor=cursor
        )
        rows.extend(
            {
                **v,
                "effort_index": round(v["effort_index"], 1),
                "tags": [t["key"] for t in v["tags"]],
                "tag_sources": [t["source"] for t in v["tags"]],
            }
            for v in page["verbatims"]
        )
        cursor = page["next_cursor"]
        if cursor is None:
            break
    response = csv_response(rows, CSV_COLUMNS, "verbatims.csv")
    if cursor is not None:
        response.headers["X-Truncated-At"] = str(CSV_MAX)
    return response


def _page(
    request: Request,
    user: AnalystDep,
    params: dict[str, str],
    cursor: str | None,
    *,
    failure: ServiceError | None = None,
) -> Response:
    """The page (or its JSON, or the CSV of every match); ``failure`` is shown on it."""
    factory = request.app.state.sessions
    ws = workspace_of(factory, user.workspace_id)
    fmt = wants(request)
    page: dict[str, Any] = {"verbatims": [], "next_cursor": None}
    if failure is None:
        try:
            query = _query(params)
            if fmt == "csv":
                return _csv(request, ws, query)
            page = service.list_verbatims(factory, ws, query, limit=PAGE_SIZE, cursor=cursor)
        except ServiceError as exc:
            if fmt != "html":
                raise
            failure = exc
    data = {
        "filters": params,
        "cursor": cursor,
        **page,
        **verbatim_bulk.choices(factory, user.workspace_id),
    }
    following = page["next_cursor"]
    context: dict[str, Any] = {
        "tag_names": {t["key"]: t["names"].get(user.lang) or t["key"] for t in data["tags"]},
        "tasks": {
            tp["key"]: task_in(tp["task_names"], user.lang, tp["task"])
            for tp in data["touchpoints"]
        },
        "back": urlencode([(k, v) for k, v in params.items() if v] + [("cursor", cursor or "")]),
        "next_url": _url(params, cursor=following) if following else None,
        "first_url": _url(params) if cursor else None,
        "csv_url": _url(params, format="csv"),
    }
    result = _result(request) if failure is None else None
    return respond_or_fail(request, user, TEMPLATE, data, failure, result=result, **context)


@router.get("/verbatims")
def verbatims_page(request: Request, user: AnalystDep) -> Response:
    cursor = request.query_params.get("cursor") or None
    return _page(request, user, _filters(request.query_params.multi_items()), cursor)


async def _multi_form(request: Request) -> dict[str, list[str]]:
    """Every value of every posted field (the bulk form sends ``ids`` once per ticked box)."""
    try:
        form = await request.form()
    except (StarletteHTTPException, MultiPartException, ValueError, UnicodeDecodeError):
        return {}
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


MultiFormDep = Annotated[dict[str, list[str]], Depends(_multi_form)]


def _one(form: dict[str, list[str]], key: str) -> str:
    values = form.get(key) or [""]
    return values[0].strip()


@router.post("/verbatims/bulk")
def bulk(request: Request, user: AnalystDep, form: MultiFormDep) -> Response:
    check_csrf(request, user, {"csrf": _one(form, "csrf")})
    back = parse_qsl(_one(form, "back"))
    params = _filters(back)
    cursor = dict(back).get("cursor") or None
    factory = request.app.state.sessions
    ws = workspace_of(factory, user.workspace_id)
    try:
        result = verbatim_bulk.bulk_tags(
            factory, ws, form.get("ids", []), _one(form, "action"), _one(form, "tag") or None
        )
    except ServiceError as exc:
        return _page(request, user, params, None, failure=exc)
    outcome = {"done": result.action, "done_tag": result.tag or ""}
    outcome.update({k: str(getattr(result, k)) for k in RESULT_COUNTS})
    location = _url(params, cursor=cursor or "", **outcome)
    return RedirectResponse(location, status_code=303, headers=HEADERS)
