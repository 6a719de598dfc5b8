"""One data function, several renderers: a page's data as HTML, JSON or CSV.

A page handler computes one plain ``dict`` (the same the JSON API would give)
and calls :func:`respond`; ``?format=json`` returns that dict as it is, so the
charts and tables on the page are drawn from exactly what a script would get.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from fluide.domain.task_names import task_in
from fluide.i18n import fmt_date, fmt_datetime, fmt_int, fmt_number, fmt_percent, gettext
from fluide.messages import channel_names
from fluide.render.svg import effort_colour
from fluide.services.accounts import CurrentUser
from fluide.services.errors import ServiceError
from fluide.templating import environment
from fluide.web.auth import csrf_token, settings_of

HEADERS: Final = {
    # No script runs on dashboard pages; styles are inline; charts are inline SVG.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

NAV: Final = (
    # (page key, path, msgid, roles that see it)
    ("overview", "/app", "Overview", ("admin", "analyst")),
    ("verbatims", "/app/verbatims", "Verbatims", ("admin", "analyst")),
    ("frictions", "/app/frictions", "Frictions", ("admin", "analyst")),
    ("topics", "/app/topics", "Topics", ("admin", "analyst")),
    ("actions", "/app/actions", "Actions", ("admin", "analyst")),
    ("follow_ups", "/app/follow-ups", "Follow-ups", ("admin", "analyst", "agent")),
    ("agents", "/app/agents", "Agents", ("admin", "analyst", "agent")),
    ("recontacts", "/app/recontacts", "Recontacts and delays", ("admin", "analyst")),
    ("report", "/app/report", "Weekly report", ("admin", "analyst")),
    ("admin", "/app/admin", "Administration", ("admin",)),
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def json_response(data: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(_jsonable(data), ensure_ascii=False, allow_nan=False)
    return Response(body, status_code=status, media_type="application/json", headers=HEADERS)


def csv_response(rows: Sequence[dict[str, Any]], columns: Sequence[str], filename: str) -> Response:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(row.get(k)) for k in columns})
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _csv_cell(value: Any) -> Any:
    # A cell starting with = + - @ is a formula in a spreadsheet: customers write
    # verbatims, so neutralise it.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    return value


def wants(request: Request) -> str:
    """``html``, ``json`` or ``csv``, from ``?format=``."""
    fmt = request.query_params.get("format", "html")
    return fmt if fmt in ("json", "csv") else "html"


def template_context(request: Request, user: CurrentUser | None, lang: str) -> dict[str, Any]:
    secret = settings_of(request).secret
    nav = [
        {"key": k, "path": p, "label": gettext(lang, m)}
        for k, p, m, roles in NAV
        if user is not None and user.role in roles
    ]
    return {
        "lang": lang,
        "user": user,
        "csrf": csrf_token(secret, user.session_id) if user is not None else "",
        "nav": nav,
        "path": request.url.path,
        "num": lambda x, digits=1: fmt_number(lang, x, digits),
        "pct": lambda x, digits=0: fmt_percent(lang, x, digits),
        "int": lambda n: fmt_int(lang, n),
        "day": lambda d: fmt_date(lang, d),
        "moment": lambda d: fmt_datetime(lang, d),
        "effort_colour": effort_colour,
        "channel_names": lambda channels: channel_names(lang, channels),
        "task_name": lambda names, task: task_in(names, lang, task),
    }


def render_page(
    request: Request,
    user: CurrentUser | None,
    template: str,
    *,
    lang: str | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = lang or (user.lang if user is not None else "fr")
    env = environment("fluide.web", lang)
    html = env.get_template(template).render(**template_context(request, user, lang), **context)
    return HTMLResponse(html, status_code=status, headers=dict(HEADERS))


def respond(
    request: Request,
    user: CurrentUser,
    template: str,
    data: dict[str, Any],
    **context: Any,
) -> Response:
    """``data`` as JSON with ``?format=json``, else the page drawn from it."""
    if wants(request) == "json":
        return json_response(data)
    return render_page(request, user, template, data=data, **context)


def svg(markup: str) -> Markup:
    """A chart made by :mod:`fluide.render.svg` (its texts are escaped there)."""
    return Markup(markup)  # noqa: S704 - built from escaped parts


def error_text(lang: str, exc: ServiceError) -> str:
    """A use case's error as the person reads it, in their language."""
    return gettext(lang, exc.message, **exc.params) if exc.params else gettext(lang, exc.message)


def respond_or_fail(
    request: Request,
    user: CurrentUser,
    template: str,
    data: dict[str, Any],
    failure: ServiceError | None,
    **context: Any,
) -> Response:
    """The page (or its JSON) drawn from ``data``; with ``failure``, the page again with the
    error shown and its status."""
    if failure is None:
        return respond(request, user, template, data, error=None, **context)
    return render_page(
        request,
        user,
        template,
        status=failure.status,
        data=data,
        error=error_text(user.lang, failure),
        **context,
    )
