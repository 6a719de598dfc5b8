"""Dashboard pages: the actions log (``/app/actions``) and one action's before/after.

Analysts and admins log and edit actions; agents are refused (403). A form
with a bad value comes back with the message next to the field and the
entered values kept.
"""

from __future__ import annotations

import functools
from typing import Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.pages import FormDep
from fluide.domain.before_after import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, MIN_WINDOW_DAYS
from fluide.domain.task_names import task_in
from fluide.i18n import fmt_int, fmt_number, gettext
from fluide.render.common import before_after_ci, shown_ci
from fluide.render.svg import effort_colour
from fluide.services import actions as service
from fluide.services.accounts import CurrentUser
from fluide.services.errors import ServiceError
from fluide.web.auth import AnalystDep, check_csrf
from fluide.web.render import HEADERS, json_response, render_page, respond, svg, wants

router = APIRouter(prefix="/app", include_in_schema=False)
WINDOWS: Final = (7, 14, 28, 56, 91)
WINDOW = Query(DEFAULT_WINDOW_DAYS, ge=MIN_WINDOW_DAYS, le=MAX_WINDOW_DAYS)
SAVED: Final = ("created", "updated")


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def _values(form: dict[str, str]) -> dict[str, str]:
    return {k: form.get(k, "") for k in service.FIELDS}


def _refusal(user: CurrentUser, exc: ServiceError) -> dict[str, str]:
    """The message of a refused form, keyed by the field it names (``form`` otherwise)."""
    text = gettext(user.lang, exc.message, **exc.params)
    field = "form"
    if isinstance(exc.details, list) and exc.details and isinstance(exc.details[0], dict):
        field = str(exc.details[0].get("field") or "form")
    return {field if field in service.FIELDS else "form": text}


def _refused(request: Request, user: CurrentUser, exc: ServiceError) -> Response | None:
    """A JSON error for ``?format=json``; ``None`` when the page shows it."""
    if exc.status != 422:
        raise exc
    if wants(request) == "json":
        message = next(iter(_refusal(user, exc).values()))
        body = {"error": {"code": exc.code, "message": message, "details": exc.details}}
        return json_response(body, 422)
    return None


# One Query object per parameter: FastAPI binds a Query object to the name it is given.
TOUCHPOINT = Query(None, max_length=64)
TAG = Query(None, max_length=64)


@router.get("/actions")
def actions_page(
    request: Request,
    user: AnalystDep,
    status: str | None = None,
    touchpoint: str | None = TOUCHPOINT,
    tag: str | None = TAG,
    window_days: int = WINDOW,
) -> Response:
    friction = {"touchpoint": touchpoint or "", "tag": tag or ""}
    return _list(request, user, status or None, window_days, {}, {}, 200, friction)


def _list(
    request: Request,
    user: CurrentUser,
    status: str | None,
    window_days: int,
    errors: dict[str, str],
    values: dict[str, str],
    code: int,
    friction: dict[str, str] | None = None,
) -> Response:
    """The list (``friction``: only the actions of that touchpoint and/or tag) and the form."""
    factory = _factory(request)
    friction = friction or {"touchpoint": "", "tag": ""}
    actions = service.list_actions(
        factory,
        user.workspace_id,
        status=status,
        window_days=window_days,
        touchpoint=friction["touchpoint"] or None,
        tag=friction["tag"] or None,
    )
    data = {
        "actions": actions,
        "status": status,
        "window_days": window_days,
        "touchpoint": friction["touchpoint"] or None,
        "tag": friction["tag"] or None,
    }
    choices = service.form_choices(factory, user.workspace_id)
    blank = dict.fromkeys(service.FIELDS, "") | {"status": "to_deliver"} | friction
    context: dict[str, Any] = {
        "choices": choices,
        "errors": errors,
        "values": values or blank,
        "ba_ci": functools.partial(before_after_ci, user.lang),
        "filter_names": _friction_names(choices, friction, user.lang),
    }
    if code != 200:
        return render_page(request, user, "actions.html.j2", status=code, data=data, **context)
    return respond(request, user, "actions.html.j2", data, **context)


def _friction_names(
    choices: dict[str, Any], friction: dict[str, str], lang: str
) -> dict[str, str | None]:
    """The touchpoint's task and the tag's name of a friction, ``None`` where unknown."""
    task = next(
        (
            task_in(t["task_names"], lang, t["task"])
            for t in choices["touchpoints"]
            if t["key"] == friction["touchpoint"]
        ),
        None,
    )
    names = next((t["names"] for t in choices["tags"] if t["key"] == friction["tag"]), None)
    return {
        "touchpoint": task,
        "tag": None if names is None else (names.get(lang) or names.get("fr") or friction["tag"]),
    }


def suggested_title(lang: str, task: str | None, tag_name: str | None) -> str:
    """The title offered for an action against a friction (the CSM edits it)."""
    if tag_name and task:
        return gettext(
            lang, "Fix “%(friction)s” (%(touchpoint)s)", friction=tag_name, touchpoint=task
        )
    if tag_name:
        return gettext(lang, "Fix “%(friction)s”", friction=tag_name)
    return ""


@router.get("/actions/new")
def new_action_page(
    request: Request,
    user: AnalystDep,
    touchpoint: str | None = TOUCHPOINT,
    tag: str | None = TAG,
    title: str | None = Query(None, max_length=service.MAX_TITLE),
) -> Response:
    """The form alone, prefilled from a friction (its touchpoint and tag, a title)."""
    friction = {"touchpoint": (touchpoint or "").strip(), "tag": (tag or "").strip()}
    return _new(request, user, friction, {}, {"title": title or ""} if title else {}, 200)


def _new(
    request: Request,
    user: CurrentUser,
    friction: dict[str, str],
    errors: dict[str, str],
    values: dict[str, str],
    code: int,
) -> Response:
    factory = _factory(request)
    choices = service.form_choices(factory, user.workspace_id)
    names = _friction_names(choices, friction, user.lang)
    errors = dict(errors)
    # A link naming a touchpoint or tag the workspace has not (or no longer): say so at the field.
    if friction["touchpoint"] and names["touchpoint"] is None and "touchpoint" not in errors:
        errors["touchpoint"] = gettext(
            user.lang, "No touchpoint %(value)s in this workspace.", value=friction["touchpoint"]
        )
    if friction["tag"] and names["tag"] is None and "tag" not in errors:
        errors["tag"] = gettext(
            user.lang, "No tag %(value)s in this workspace.", value=friction["tag"]
        )
    existing: list[dict[str, Any]] = []
    if names["touchpoint"] is not None and names["tag"] is not None:
        existing = service.list_actions(
            factory, user.workspace_id, touchpoint=friction["touchpoint"], tag=friction["tag"]
        )
    blank = dict.fromkeys(service.FIELDS, "") | {"status": "to_deliver"} | friction
    blank["title"] = suggested_title(user.lang, names["touchpoint"], names["tag"])
    data: dict[str, Any] = {
        "touchpoint": friction["touchpoint"] or None,
        "tag": friction["tag"] or None,
    }
    data["values"] = blank | values
    context: dict[str, Any] = {
        "choices": choices,
        "errors": errors,
        "values": data["values"],
        "friction_names": names,
        "existing": existing,
        "origin": "new",
    }
    if code != 200:
        return render_page(request, user, "action_new.html.j2", status=code, data=data, **context)
    return respond(request, user, "action_new.html.j2", data, **context)


@router.post("/actions")
def create(request: Request, user: AnalystDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    values = _values(form)
    fields: dict[str, Any] = dict(values)
    fields["status"] = values["status"] or "to_deliver"
    try:
        made = service.create_action(
            _factory(request), user.workspace_id, **fields, created_by=user.account_id
        )
    except ServiceError as exc:
        refused = _refused(request, user, exc)
        if refused is not None:
            return refused
        if form.get("origin") == "new":
            friction = {"touchpoint": values["touchpoint"], "tag": values["tag"]}
            return _new(request, user, friction, _refusal(user, exc), values, 422)
        return _list(request, user, None, DEFAULT_WINDOW_DAYS, _refusal(user, exc), values, 422)
    if wants(request) == "json":
        return json_response(made, 201)
    return RedirectResponse(
        f"/app/actions/{made['id']}?saved=created", status_code=303, headers=HEADERS
    )


@router.get("/actions/{action_id}")
def action_page(
    request: Request,
    user: AnalystDep,
    action_id: str,
    window_days: int = WINDOW,
    saved: str | None = None,
) -> Response:
    return _detail(request, user, action_id, window_days, saved, None, {}, {}, 200)


def _detail(
    request: Request,
    user: CurrentUser,
    action_id: str,
    window_days: int,
    saved: str | None,
    which: str | None,
    errors: dict[str, str],
    values: dict[str, str],
    code: int,
) -> Response:
    factory = _factory(request)
    action = service.get_action(factory, user.workspace_id, action_id, window_days=window_days)
    ba = action["before_after"]
    context: dict[str, Any] = {
        "choices": service.form_choices(factory, user.workspace_id),
        "errors": errors,
        "which": which,
        "values": values or {k: action[k] or "" for k in service.FIELDS},
        "saved": saved if saved in SAVED else None,
        "windows": sorted({*WINDOWS, window_days}),
        "chart": svg(before_after_chart(ba, user.lang)) if ba else None,
        "ba_ci": functools.partial(before_after_ci, user.lang),
    }
    if code != 200:
        return render_page(request, user, "action.html.j2", status=code, data=action, **context)
    return respond(request, user, "action.html.j2", action, **context)


@router.post("/actions/{action_id}")
def update(request: Request, user: AnalystDep, form: FormDep, action_id: str) -> Response:
    """One of the page's forms: ``deliver`` (date), ``reopen``, or ``edit`` (every field)."""
    check_csrf(request, user, form)
    which = form.get("form", "edit")
    changes: dict[str, Any] = {k: v for k, v in form.items() if k in service.FIELDS}
    try:
        done = service.update_action(_factory(request), user.workspace_id, action_id, **changes)
    except ServiceError as exc:
        refused = _refused(request, user, exc)
        if refused is not None:
            return refused
        current = service.get_action(_factory(request), user.workspace_id, action_id)
        values = {k: current[k] or "" for k in service.FIELDS} | changes
        errors = _refusal(user, exc)
        return _detail(
            request, user, action_id, DEFAULT_WINDOW_DAYS, None, which, errors, values, 422
        )
    if wants(request) == "json":
        return json_response(done)
    return RedirectResponse(
        f"/app/actions/{action_id}?saved=updated", status_code=303, headers=HEADERS
    )


# --- The chart: two bars with their 95 % interval -------------------------------------------


def _axis(ba: dict[str, Any]) -> tuple[str, float, float]:
    """Raw means on their one scale; otherwise (scales differ) the 0–100 effort index."""
    if ba["metric"] == "mean":
        points = ba["scale"]["points"]
        return "mean", float(points[0]), float(points[-1])
    return "effort_index", 0.0, 100.0


def _rank(metric: str, value: float, lo: float, hi: float, lower_is_better: bool) -> float:
    """0 = least effort, 1 = most, for the colour."""
    share = (value - lo) / (hi - lo) if hi > lo else 0.0
    if metric == "effort_index" or lower_is_better:
        return share
    return 1.0 - share


def before_after_chart(ba: dict[str, Any], lang: str) -> str:
    """Before and after as bars from the bottom of the scale, with interval whiskers."""
    metric, lo, hi = _axis(ba)
    width, top, plot_h, left = 420.0, 18.0, 170.0, 44.0
    base = top + plot_h

    def y(v: float) -> float:
        return base - plot_h * (min(max(v, lo), hi) - lo) / (hi - lo)

    title = gettext(lang, "Before and after the delivery")
    desc = gettext(lang, "Mean with its 95% interval, before and after.")
    parts = [
        Markup(
            '<svg class="chart" role="img" aria-label="{t}" viewBox="0 0 {w:.0f} {h:.0f}" '
            'width="100%" style="max-width:{w:.0f}px" font-size="11"><title>{t}</title>'
            "<desc>{d}</desc>"
        ).format(t=title, d=desc, w=width, h=base + 40)
    ]
    ticks = [lo + (hi - lo) * i / 4 for i in range(5)] if metric == "effort_index" else None
    for t in ticks or [float(p) for p in ba["scale"]["points"]]:
        parts.append(
            Markup(
                '<line x1="{l}" x2="{r}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9d9d9"/>'
                '<text x="{tx}" y="{ty:.1f}" text-anchor="end" fill="#5c6670">{v}</text>'
            ).format(l=left, r=width - 10, y=y(t), tx=left - 6, ty=y(t) + 4, v=f"{t:g}")
        )
    names = (gettext(lang, "Before"), gettext(lang, "After"))
    slot = (width - left - 10) / 2
    for i, (side, name) in enumerate(zip(("before", "after"), names, strict=True)):
        block = ba[side]
        value = block["mean"] if metric == "mean" else block["effort_index"]
        # The whisker a person reads: cut to the axis, none under five answers.
        ci = shown_ci(
            block["ci"] if metric == "mean" else block["effort_index_ci"], (lo, hi), block["n"]
        )
        cx = left + slot * (i + 0.5)
        label = gettext(lang, "%(side)s · n = %(n)s", side=name, n=fmt_int(lang, block["n"]))
        parts.append(
            Markup(
                '<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-weight="bold">{t}</text>'
            ).format(x=cx, y=base + 18, t=label)
        )
        if value is None:
            parts.append(
                Markup(
                    '<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="#5c6670">{t}</text>'
                ).format(x=cx, y=base - 8, t=gettext(lang, "no answers"))
            )
            continue
        colour = effort_colour(_rank(metric, value, lo, hi, ba["lower_is_better"]))
        bar_w = slot * 0.45
        parts.append(
            Markup(
                '<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{c}" '
                'stroke="#00000033"><title>{t}</title></rect>'
            ).format(x=cx - bar_w / 2, y=y(value), w=bar_w, h=base - y(value), c=colour, t=label)
        )
        top_y = y(value)
        if ci is not None:
            y1, y2 = y(ci[0]), y(ci[1])
            top_y = min(y1, y2)
            parts.append(
                Markup(
                    '<g stroke="#1f2328" stroke-width="1.5"><line x1="{x:.1f}" x2="{x:.1f}" '
                    'y1="{a:.1f}" y2="{b:.1f}"/><line x1="{l:.1f}" x2="{r:.1f}" y1="{a:.1f}" '
                    'y2="{a:.1f}"/><line x1="{l:.1f}" x2="{r:.1f}" y1="{b:.1f}" y2="{b:.1f}"/></g>'
                ).format(x=cx, a=y1, b=y2, l=cx - 8, r=cx + 8)
            )
        parts.append(
            Markup('<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{t}</text>').format(
                x=cx, y=max(top_y - 5, 11), t=fmt_number(lang, value, 1 if metric == "mean" else 0)
            )
        )
    parts.append(Markup("</svg>"))
    return str(Markup("").join(parts))
