"""Dashboard: the help-desk connection (``/app/admin/helpdesk``, admins) and pushing a
follow-up by hand (``POST /app/follow-ups/{id}/push``, admins and analysts).

Every form posts with its CSRF token. Tokens are write-only: the page says whether
one is set, never what it is; a signed webhook's secret is shown once, on the page
that answers its creation.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fluide.api.pages import FormDep
from fluide.domain import helpdesk as rules
from fluide.i18n import N_
from fluide.services import helpdesk as service
from fluide.services.errors import ServiceError
from fluide.web.auth import AdminDep, AnalystDep, check_csrf, settings_of
from fluide.web.render import HEADERS, error_text, json_response, render_page, wants
from fluide.web.routes.follow_ups import PAGE as FOLLOW_UPS
from fluide.web.routes.follow_ups import _back as follow_ups_back

router = APIRouter(prefix="/app", include_in_schema=False)
PAGE: Final = "/app/admin/helpdesk"
TEXT_FIELDS: Final = (
    "provider",
    "subdomain",
    "email",
    "object",
    "pipeline",
    "pipeline_stage",
    "portal_id",
    "url",
    "lang",
)
DONE: Final = {
    "saved": N_("The help-desk connection was saved."),
    "deleted": N_("The help desk was disconnected."),
}


def _page(
    request: Request,
    user: AdminDep,
    *,
    done: str | None = None,
    error: ServiceError | None = None,
    values: dict[str, Any] | None = None,
    secret: str | None = None,
    test: dict[str, Any] | None = None,
) -> Response:
    factory = request.app.state.sessions
    settings = settings_of(request)
    current = service.get_connection(factory, settings, user.workspace_id)
    shown = values
    if shown is None:
        shown = {"provider": "zendesk", "lang": user.lang, "push_on_create": True, "mapping": {}}
        if current is not None:
            shown = {
                "provider": current["provider"],
                **current["config"],
                "mapping": current["mapping"],
                "push_on_create": current["push_on_create"],
            }
    shown = {**dict.fromkeys(TEXT_FIELDS), "mapping": {}, "push_on_create": False, **shown}
    field = None
    if error is not None and isinstance(error.details, list) and error.details:
        field = str(error.details[0].get("field") or "")
    data = {"connection": current, "test": test}
    if wants(request) == "json" and error is None:
        return json_response(data | ({"secret": secret} if secret else {}))
    return render_page(
        request,
        user,
        "helpdesk.html.j2",
        status=error.status if error is not None else 200,
        data=data,
        values=shown,
        done=DONE.get(done or ""),
        error=error_text(user.lang, error) if error is not None else None,
        error_field=field,
        secret=secret,
        providers=[(p, rules.PROVIDER_NAMES[p]) for p in rules.PROVIDERS],
        fields=[(f, rules.FIELD_NAMES[f]) for f in rules.FIELDS],
    )


@router.get("/admin/helpdesk")
def helpdesk_page(request: Request, user: AdminDep, done: str | None = None) -> Response:
    return _page(request, user, done=done)


def _values(form: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {k: form.get(k, "").strip() for k in TEXT_FIELDS}
    values["object"] = values["object"] or None
    values["mapping"] = {
        f: form[f"map_{f}"].strip() for f in rules.FIELDS if form.get(f"map_{f}", "").strip()
    }
    values["push_on_create"] = form.get("push_on_create") == "1"
    for secret in ("token", "signing_secret"):
        if form.get(secret, "").strip():
            values[secret] = form[secret].strip()
    values["rotate_secret"] = form.get("rotate_secret") == "1"
    return values


@router.post("/admin/helpdesk")
def save(request: Request, user: AdminDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    values = _values(form)
    try:
        saved = service.put_connection(
            request.app.state.sessions, settings_of(request), user.workspace_id, values
        )
    except ServiceError as exc:
        if exc.status not in (409, 422):
            raise
        kept = {k: v for k, v in values.items() if k not in ("token", "signing_secret")}
        return _page(request, user, error=exc, values=kept)
    if saved.get("secret"):
        return _page(request, user, done="saved", secret=str(saved["secret"]))
    return RedirectResponse(f"{PAGE}?done=saved", status_code=303, headers=HEADERS)


@router.post("/admin/helpdesk/test")
def test(request: Request, user: AdminDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    result = service.test_connection(
        request.app.state.sessions, settings_of(request), user.workspace_id
    )
    return _page(request, user, test=result)


@router.post("/admin/helpdesk/delete")
def delete(request: Request, user: AdminDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    service.delete_connection(request.app.state.sessions, user.workspace_id)
    return RedirectResponse(f"{PAGE}?done=deleted", status_code=303, headers=HEADERS)


@router.post("/follow-ups/{follow_up_id}/push")
def push(request: Request, user: AnalystDep, form: FormDep, follow_up_id: str) -> Response:
    """Queue the follow-up for the help desk; back to the list, at its row."""
    check_csrf(request, user, form)
    service.push_follow_up(request.app.state.sessions, user.workspace_id, follow_up_id)
    target = f"{follow_ups_back(form.get('back')) or FOLLOW_UPS}#fu-{follow_up_id}"
    return RedirectResponse(target, status_code=303, headers=HEADERS)
