"""The admin page (``/app/admin``): the team's accounts, the workspace's settings, touchpoints.

Admins only (analysts and agents get 403). Every form posts with its CSRF token
and comes back (303) with a notice; a refused form comes back with the message
next to it and the entered values kept. A new account's password is shown once,
on the page that answers the creation, and never again.
"""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from fluide.api.pages import FormDep
from fluide.api.schemas import TouchpointPatch
from fluide.i18n import N_, SUPPORTED_LANGS, gettext
from fluide.services import branding, contacts, outcomes, team, touchpoints, workspace_settings
from fluide.services.accounts import ROLE_NAMES, ROLES, CurrentUser
from fluide.services.errors import ServiceError
from fluide.services.workspace_settings import RETENTION_FIELDS
from fluide.web.auth import AdminDep, check_csrf, settings_of
from fluide.web.render import HEADERS, json_response, render_page, respond, wants

router = APIRouter(prefix="/app", include_in_schema=False)
CONTACT_FIELDS: Final = ("contact_event_types", "promise_alert_hours", "outcome_event_types")
CREATE_FIELDS: Final = ("email", "name", "role", "agent_id", "lang")
SETTINGS_FIELDS: Final = (
    "name",
    "timezone",
    "fatigue_days",
    "sender_name",
    *RETENTION_FIELDS,
    "brand_color",
    *CONTACT_FIELDS,
    "benchmark_opt_in",
)
DONE: Final = (
    "updated",
    "disabled",
    "enabled",
    "settings",
    "touchpoint_on",
    "touchpoint_off",
    "logo",
    "logo_removed",
)


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


@functools.cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def _field_of(exc: ServiceError, allowed: tuple[str, ...]) -> str:
    details = exc.details
    if isinstance(details, list) and details and isinstance(details[0], dict):
        field = str(details[0].get("field") or "form")
        return field if field in allowed else "form"
    return "form"


def _page(
    request: Request,
    user: CurrentUser,
    *,
    done: str | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    data = team.admin_page(_factory(request), user.workspace_id)
    settings = data["settings"]
    context: dict[str, Any] = {
        "done": done if done in DONE else None,
        "errors": errors or {},
        "values": {
            "create": dict.fromkeys(CREATE_FIELDS, "") | {"role": "analyst", "lang": user.lang},
            "settings": {k: _shown(settings[k]) for k in SETTINGS_FIELDS},
            **(values or {}),
        },
        "roles": [(r, gettext(user.lang, ROLE_NAMES[r])) for r in ROLES],
        "langs": SUPPORTED_LANGS,
        "zones": _zones(),
    }
    if status != 200:
        return render_page(request, user, "admin.html.j2", status=status, data=data, **context)
    return respond(request, user, "admin.html.j2", data, **context)


def _refused(
    request: Request,
    user: CurrentUser,
    exc: ServiceError,
    form_name: str,
    fields: tuple[str, ...],
    values: dict[str, str] | None = None,
    field: str | None = None,
) -> Response:
    """The page again with the message next to the form (or the JSON error)."""
    if exc.status not in (409, 422):
        raise exc
    text = gettext(user.lang, exc.message, **exc.params)
    if wants(request) == "json":
        body = {"error": {"code": exc.code, "message": text, "details": exc.details}}
        return json_response(body, exc.status)
    errors = {form_name: {field or _field_of(exc, fields): text}}
    kept = {form_name: values} if values is not None else None
    return _page(request, user, errors=errors, values=kept, status=exc.status)


def _back(request: Request, done: str, anchor: str, data: dict[str, Any]) -> Response:
    if wants(request) == "json":
        return json_response(data)
    return RedirectResponse(f"/app/admin?done={done}#{anchor}", status_code=303, headers=HEADERS)


@router.get("/admin")
def admin_page(request: Request, user: AdminDep, done: str | None = None) -> Response:
    return _page(request, user, done=done)


@router.post("/admin/accounts")
def create_account(request: Request, user: AdminDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    values = {k: form.get(k, "").strip() for k in CREATE_FIELDS}
    try:
        account, password = team.add_member(
            _factory(request),
            user.workspace_id,
            email=values["email"],
            name=values["name"],
            role=values["role"],
            agent_id=values["agent_id"],
            lang=values["lang"] or user.lang,
        )
    except ServiceError as exc:
        return _refused(request, user, exc, "create", CREATE_FIELDS, values, _create_field(exc))
    if wants(request) == "json":
        return json_response({"account": account, "password": password}, 201)
    return render_page(
        request,
        user,
        "admin_created.html.j2",
        status=201,
        account=account,
        password=password,
        login_url=str(request.base_url).rstrip("/") + "/app/login",
    )


def _create_field(exc: ServiceError) -> str | None:
    """The field a refusal of :func:`accounts.create_account` is about (it names none)."""
    if exc.details:
        return None
    if exc.message.startswith("Unknown role"):
        return "role"
    if exc.message.startswith("Unknown language"):
        return "lang"
    return "email"


@router.post("/admin/accounts/{account_id}")
def change_account(request: Request, user: AdminDep, form: FormDep, account_id: str) -> Response:
    """One of a row's forms: ``edit`` (role, agent id), ``disable`` or ``enable``."""
    check_csrf(request, user, form)
    action = form.get("action", "edit")
    factory = _factory(request)
    try:
        if action in ("disable", "enable"):
            account = team.set_disabled(factory, user, account_id, action == "disable")
            return _back(request, f"{action}d", "team", account)
        account = team.update_member(
            factory,
            user,
            account_id,
            role=form.get("role") or None,
            agent_id=form.get("agent_id") if "agent_id" in form else None,
        )
    except ServiceError as exc:
        return _refused(request, user, exc, f"account:{account_id}", ("role", "agent_id"))
    return _back(request, "updated", "team", account)


@router.post("/admin/settings")
def change_settings(request: Request, user: AdminDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    values = {k: form.get(k, "").strip() for k in SETTINGS_FIELDS}
    try:
        optional = {k for k in (*RETENTION_FIELDS, "brand_color", *CONTACT_FIELDS) if k in form}
        if "benchmark_shown" in form:  # an unticked box sends nothing: the page says it had one
            optional.add("benchmark_opt_in")
        patch = _settings_patch(values, optional)
        saved = workspace_settings.update(
            _factory(request), settings_of(request), user.workspace_id, patch
        )
    except ServiceError as exc:
        return _refused(request, user, exc, "settings", SETTINGS_FIELDS, values)
    return _back(request, "settings", "settings", saved)


def _shown(value: Any) -> str:
    """A setting as the form shows it (a list as comma-separated names)."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def _contact_patch(values: dict[str, str], sent: set[str]) -> dict[str, Any]:
    """Contact event types (comma-separated; empty returns to the defaults) and alert hours."""
    out: dict[str, Any] = {}
    if "contact_event_types" in sent:
        text = values["contact_event_types"]
        names = [n for n in (p.strip() for p in text.split(",")) if n]
        out["contact_event_types"] = contacts.check_contact_types(names) if text else None
    if "outcome_event_types" in sent:
        text = values["outcome_event_types"]
        names = [n for n in (p.strip() for p in text.split(",")) if n]
        out["outcome_event_types"] = outcomes.check_outcome_types(names) if text else None
    if "promise_alert_hours" in sent:
        text = values["promise_alert_hours"]
        hours = int(text) if text.isdigit() else 0
        if text and not 1 <= hours <= contacts.MAX_PROMISE_ALERT_HOURS:
            raise ServiceError(
                "invalid",
                N_("The promise alert is a whole number of hours from 1 to %(max)s."),
                details=[{"field": "promise_alert_hours"}],
                max=contacts.MAX_PROMISE_ALERT_HOURS,
            )
        out["promise_alert_hours"] = hours or None
    return out


def _retention_days(values: dict[str, str], field: str) -> int | None:
    """A retention period from the form: empty keeps data until erased."""
    text = values[field]
    if not text:
        return None
    days = int(text) if text.isdigit() else 0
    if not 1 <= days <= 3650:
        raise ServiceError(
            "invalid",
            "A retention period is a whole number of days from 1 to 3650, or empty to keep "
            "data until erased.",
            details=[{"field": field}],
        )
    return days


def _settings_patch(
    values: dict[str, str], sent: set[str] | None = None
) -> workspace_settings.WorkspacePatch:
    """The form's strings as the API's patch; a bad value names its field.

    A retention or colour field absent from the form (an older page) is left as it is;
    an empty colour returns to Fluide's own.
    """
    sent = sent or set()
    retention = {f: _retention_days(values, f) for f in sorted(sent & set(RETENTION_FIELDS))}
    brand: dict[str, str | None] = {}
    if "brand_color" in sent:
        color = values["brand_color"]
        brand["brand_color"] = branding.check_color(color) if color else None
    try:
        days = int(values["fatigue_days"])
    except ValueError:
        days = 0
    if not 1 <= days <= 365:
        raise ServiceError(
            "invalid",
            "Fatigue days must be a whole number from 1 to 365.",
            details=[{"field": "fatigue_days"}],
        )
    if not values["name"] or len(values["name"]) > team.MAX_NAME:
        raise ServiceError(
            "invalid",
            "The workspace name needs 1 to %(max)s characters.",
            details=[{"field": "name"}],
            max=team.MAX_NAME,
        )
    if len(values["sender_name"]) > team.MAX_NAME:
        raise ServiceError(
            "invalid",
            "The sender name is too long: at most %(max)s characters.",
            details=[{"field": "sender_name"}],
            max=team.MAX_NAME,
        )
    if not values["timezone"] or len(values["timezone"]) > 64:
        raise ServiceError(
            "invalid",
            "Choose a time zone by its IANA name, such as Europe/Paris or UTC.",
            details=[{"field": "timezone"}],
        )
    return workspace_settings.WorkspacePatch.model_validate(
        {
            "name": values["name"],
            "timezone": values["timezone"],
            "fatigue_days": days,
            "sender_name": values["sender_name"] or None,
            **retention,
            **brand,
            **_contact_patch(values, sent),
            **(
                {"benchmark_opt_in": bool(values["benchmark_opt_in"])}
                if "benchmark_opt_in" in sent
                else {}
            ),
        }
    )


@router.get("/admin/logo")
def logo_image(request: Request, user: AdminDep) -> Response:
    """The uploaded logo, for the preview on this page."""
    with _factory(request)() as s:
        kind, data = branding.logo_of(s, user.workspace_id)
    return Response(data, media_type=kind, headers={**HEADERS, "Cache-Control": "no-store"})


@router.post("/admin/logo")
async def change_logo(request: Request, user: AdminDep, form: FormDep) -> Response:
    """Upload the survey page's logo (a multipart ``logo`` file), or ``action=remove`` it."""
    check_csrf(request, user, form)
    factory = _factory(request)
    try:
        if form.get("action") == "remove":
            await run_in_threadpool(branding.remove_logo, factory, user.workspace_id)
            return _back(request, "logo_removed", "branding", {"logo": None})
        upload = (await request.form()).get("logo")
        data = (
            await upload.read(branding.MAX_LOGO_BYTES + 1)
            if isinstance(upload, UploadFile)
            else b""
        )
        saved = await run_in_threadpool(branding.set_logo, factory, user.workspace_id, data)
    except ServiceError as exc:
        return await run_in_threadpool(_refused, request, user, exc, "logo", ("logo",))
    return _back(request, "logo", "branding", {"logo": saved})


@router.post("/admin/touchpoints/{key}")
def toggle_touchpoint(request: Request, user: AdminDep, form: FormDep, key: str) -> Response:
    """Activate (``active=1``) or deactivate (``active=0``) a touchpoint."""
    check_csrf(request, user, form)
    active = form.get("active") == "1"
    done = touchpoints.update(
        _factory(request), user.workspace_id, key, TouchpointPatch(active=active)
    )
    return _back(request, "touchpoint_on" if active else "touchpoint_off", "touchpoints", done)
