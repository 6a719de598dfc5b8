"""Dashboard pages: agents ranked on shrunk estimates, and each agent's own page.

Analysts and admins see the whole table; an agent is sent to their own page
and may open no one else's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from fluide.domain.display import EFFORT_INDEX_BOUNDS
from fluide.i18n import N_, fmt_int, fmt_number, gettext
from fluide.render.common import ci_text, scale_bounds_of, shown_ci
from fluide.render.html import trend_section
from fluide.render.svg import BAND, GRID, INK, LINE, MUTED
from fluide.services import agents as service
from fluide.services.accounts import CurrentUser
from fluide.services.dates import period_days
from fluide.services.errors import ServiceError, invalid
from fluide.web.auth import Forbidden, UserDep
from fluide.web.render import HEADERS, respond, wants

router = APIRouter(prefix="/app", include_in_schema=False)

TOUCHPOINT: Final = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,99}$")


def _filters(request: Request) -> dict[str, Any]:
    """``touchpoint``, ``from`` and ``to`` from the query; a 422 names a bad one."""
    q = request.query_params
    touchpoint = q.get("touchpoint") or None
    if touchpoint is not None and not TOUCHPOINT.match(touchpoint):
        raise invalid(
            "touchpoint",
            N_("Unknown touchpoint %(value)s: choose one from the list."),
            value=touchpoint[:100],
        )
    days = period_days(q)
    return {"touchpoint": touchpoint, "start": days["from"], "end": days["to"]}


def _form(request: Request) -> dict[str, str]:
    """The filters as typed, to show them again in the form."""
    q = request.query_params
    return {k: q.get(k, "") for k in ("touchpoint", "from", "to")}


def _page(
    request: Request,
    user: CurrentUser,
    template: str,
    build: Any,
    **context: Any,
) -> Response:
    """The page from ``build(filters)``; on bad filters, the page with the error (HTML)."""
    lang = user.lang
    ctx = {
        "form": _form(request),
        "touchpoints": service.touchpoint_tasks(
            request.app.state.sessions, user.workspace_id, lang
        ),
        # What a person reads: cut to the scale or to 0–100, none under five answers.
        "ci": lambda c, n: ci_text(lang, c, 1, bounds=EFFORT_INDEX_BOUNDS, n=n),
        "mean_ci": lambda c, n, scale: ci_text(lang, c, 2, bounds=scale_bounds_of(scale), n=n),
        **context,
    }
    try:
        data = build(_filters(request))
    except ServiceError as exc:
        if wants(request) == "json" or exc.status not in (404, 409, 422):
            raise
        message = (
            gettext(lang, exc.message, **exc.params) if exc.params else gettext(lang, exc.message)
        )
        page = respond(request, user, template, {}, error=message, **ctx)
        page.status_code = exc.status
        return page
    return respond(request, user, template, data, error=None, **ctx)


@router.get("/agents")
def agents(request: Request, user: UserDep) -> Response:
    if not user.sees_all:
        if user.agent_id:
            target = f"/app/agents/{quote(user.agent_id, safe='')}"
            if request.url.query:
                target += "?" + request.url.query
            return RedirectResponse(target, status_code=303, headers=HEADERS)
        message = gettext(
            user.lang,
            "Your account is not linked to an agent id yet, so there are no scores to show. "
            "Ask an admin to set your agent id (the one your tools send with each ticket).",
        )
        return respond(request, user, "agent.html.j2", {"agent": None, "message": message})

    def build(filters: dict[str, Any]) -> dict[str, Any]:
        return service.agent_table(
            request.app.state.sessions, user.workspace_id, lang=user.lang, **filters
        )

    return _page(request, user, "agents.html.j2", build, chart=_chart)


@router.get("/agents/{agent_id:path}")
def agent(request: Request, user: UserDep, agent_id: str) -> Response:
    if not user.sees_all and agent_id != user.agent_id:
        raise Forbidden

    def build(filters: dict[str, Any]) -> dict[str, Any]:
        return service.agent_page(
            request.app.state.sessions, user.workspace_id, agent_id, lang=user.lang, **filters
        )

    def trend(data: dict[str, Any]) -> dict[str, Any] | None:
        return trend_section(user.lang, data)

    return _page(request, user, "agent.html.j2", build, trend=trend, agent_id=agent_id)


def _chart(lang: str, data: dict[str, Any]) -> Markup | None:
    """Raw and shrunk effort index of each ranked agent, dots with their intervals."""
    rows: Sequence[dict[str, Any]] = [r for r in data.get("agents", []) if r["rank"] is not None]
    if not rows:
        return None
    left, right, top, step, width = 170.0, 20.0, 34.0, 30.0, 760
    plot_w = width - left - right
    height = top + step * len(rows) + 56

    def x(v: float) -> float:
        return left + plot_w * min(max(v, 0.0), 100.0) / 100

    title = gettext(lang, "Raw and shrunk effort index per agent")
    desc = gettext(
        lang,
        "Hollow dot and thin line: the agent's own effort index and its 95% interval; "
        "filled dot and thick line: the shrunk estimate used for the ranking. "
        "Lower = easier.",
    )
    out = [
        Markup(
            '<svg class="chart dots" role="img" aria-label="{t}" viewBox="0 0 {w} {h:.0f}" '
            'width="100%" font-family="inherit" font-size="11"><title>{t}</title>'
            "<desc>{d}</desc>"
        ).format(t=title, d=desc, w=width, h=height),
        Markup('<text x="{x}" y="14" fill="{c}">{t}</text>').format(
            x=left, c=MUTED, t=gettext(lang, "Effort index (lower = easier)")
        ),
    ]
    base = top + step * len(rows)
    for v in (0, 25, 50, 75, 100):
        out.append(
            Markup(
                '<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y1:.1f}" stroke="{c}"/>'
                '<text x="{x:.1f}" y="{ty:.1f}" text-anchor="middle" fill="{m}">{v}</text>'
            ).format(x=x(v), y0=top - 8, y1=base, c=GRID, ty=base + 14, m=MUTED, v=fmt_int(lang, v))
        )
    target = data.get("ranking", {}).get("target")
    if target is not None:
        out.append(
            Markup(
                '<g class="team"><title>{tip}</title><line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" '
                'y2="{y1:.1f}" stroke="{c}" stroke-dasharray="4 3"/></g>'
            ).format(
                tip=gettext(
                    lang, "Level of a typical agent: %(value)s", value=fmt_number(lang, target, 1)
                ),
                x=x(target),
                y0=top - 8,
                y1=base,
                c=INK,
            )
        )
    for i, r in enumerate(rows):
        y = top + step * i + step / 2
        out.append(_chart_row(lang, r, y, x))
    legend = Markup(
        '<g class="legend" transform="translate({l},{y:.1f})">'
        '<circle cx="6" cy="0" r="4.5" fill="#fff" stroke="{muted}" stroke-width="1.5"/>'
        '<text x="16" y="4">{raw}</text>'
        '<circle cx="206" cy="0" r="5" fill="{line}"/><text x="216" y="4">{shrunk}</text>'
        '<line x1="420" y1="-6" x2="420" y2="6" stroke="{ink}" stroke-dasharray="4 3"/>'
        '<text x="428" y="4">{team}</text></g>'
    ).format(
        l=left,
        y=base + 36,
        muted=MUTED,
        line=LINE,
        ink=INK,
        raw=gettext(lang, "own figure"),
        shrunk=gettext(lang, "shrunk estimate"),
        team=gettext(lang, "typical agent"),
    )
    out.extend([legend, Markup("</svg>")])
    return Markup("").join(out)


def _chart_row(lang: str, r: dict[str, Any], y: float, x: Any) -> Markup:
    label = gettext(lang, "%(name)s (n = %(n)s)", name=r["name"][:28], n=fmt_int(lang, r["n"]))
    raw, shrunk = r["effort_index"], r["shrunk"]
    tip = gettext(
        lang,
        "%(name)s: effort index %(raw)s %(raw_ci)s, shrunk %(shrunk)s %(shrunk_ci)s, rank %(rank)s",
        name=r["name"],
        raw=fmt_number(lang, raw, 1),
        raw_ci=ci_text(lang, r["effort_index_ci"], 1, bounds=EFFORT_INDEX_BOUNDS, n=r["n"]),
        shrunk=fmt_number(lang, shrunk, 1),
        shrunk_ci=ci_text(lang, r["shrunk_ci"], 1, bounds=EFFORT_INDEX_BOUNDS, n=r["n"]),
        rank=fmt_int(lang, r["rank"]),
    )
    parts = [
        Markup('<text x="{x}" y="{y:.1f}" text-anchor="end" fill="{c}">{t}</text>').format(
            x=x(0) - 8, y=y + 4, c=INK, t=label
        )
    ]
    whisker = Markup(
        '<line x1="{a:.1f}" y1="{y:.1f}" x2="{b:.1f}" y2="{y:.1f}" stroke="{c}" '
        'stroke-width="{w}"/>'
    )
    raw_ci = shown_ci(r["effort_index_ci"], EFFORT_INDEX_BOUNDS, r["n"])
    if raw_ci:
        lo, hi = raw_ci
        parts.append(whisker.format(a=x(lo), b=x(hi), y=y - 5, c=MUTED, w=1.5))
    if raw is not None:
        parts.append(
            Markup(
                '<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#fff" stroke="{c}" '
                'stroke-width="1.5"/>'
            ).format(x=x(raw), y=y - 5, c=MUTED)
        )
    shrunk_ci = shown_ci(r["shrunk_ci"], EFFORT_INDEX_BOUNDS, r["n"])
    if shrunk_ci:
        lo, hi = shrunk_ci
        parts.append(whisker.format(a=x(lo), b=x(hi), y=y + 5, c=BAND, w=5))
    parts.append(
        Markup('<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{c}"/>').format(
            x=x(shrunk), y=y + 5, c=LINE
        )
    )
    return Markup('<g class="agent"><title>{tip}</title>{body}</g>').format(
        tip=tip, body=Markup("").join(parts)
    )
