"""The touchpoint editor (admins): create and edit a touchpoint, preview it, send a test event.

- ``GET /app/admin/touchpoints/new``, ``POST /app/admin/touchpoints``: a new touchpoint.
- ``GET|POST /app/admin/touchpoints/{key}/edit``: change one. A change that starts a
  question version is saved only once confirmed (``confirmed=1``): the page says so first.
- ``POST /app/admin/touchpoint-preview``: the preview block for the form's values (the
  page's script swaps it in as the admin types; ``preview=1`` on a save does the same
  without script).
- ``POST /app/admin/touchpoints/{key}/test``: a dry-run test event, its decision and the
  invitation it would make (nothing stored).

Every form carries the session's CSRF token; a refused form comes back with the message
next to its field and the values kept. The same input models and service functions as
``/v1/touchpoints`` decide what is accepted.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.pages import FormDep
from fluide.api.schemas import CHANNELS
from fluide.domain.benchmark import CATEGORIES, category_name
from fluide.i18n import SUPPORTED_LANGS, gettext, lang_of
from fluide.services import touchpoint_form as form_of
from fluide.services import touchpoint_preview as previews
from fluide.services import touchpoints
from fluide.services.accounts import CurrentUser
from fluide.services.errors import ServiceError
from fluide.services.workspaces import workspace_of
from fluide.web import editor_view
from fluide.web.auth import AdminDep, check_csrf, settings_of
from fluide.web.render import HEADERS, error_text, json_response, render_page, wants

router = APIRouter(prefix="/app", include_in_schema=False)
DONE: Final = ("created", "saved", "version")


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def _field(exc: ServiceError) -> str:
    details = exc.details
    if isinstance(details, list) and details and isinstance(details[0], dict):
        return str(details[0].get("field") or "form")
    return "form"


def _refusal(user: CurrentUser, exc: ServiceError) -> dict[str, str]:
    if exc.status not in (404, 409, 422):
        raise exc
    field = "key" if exc.code == "touchpoint_exists" else _field(exc)
    return {field: error_text(user.lang, exc)}


def _preview_block(
    request: Request, user: CurrentUser, values: dict[str, str], key: str | None
) -> dict[str, Any]:
    """The preview's context: the three renderings and the version warning, or the problem."""
    lang = lang_of(values.get("preview_lang") or user.lang)
    factory = _factory(request)
    try:
        body = form_of.body_of(values, with_key=False)
    except ServiceError as exc:
        return {"problem": error_text(user.lang, exc), "preview": None, "next_version": None}
    ws = workspace_of(factory, user.workspace_id)
    channel = next((c for c in body["channels"] if c in ("in_app", "popover")), "in_app")
    with factory() as s:
        shown = previews.preview(
            s, settings_of(request), ws, previews.draft_of(body), lang, channel
        )
        next_version = None
        if key is not None:
            current = touchpoints.get(s, user.workspace_id, key)
            try:
                patch = form_of.patch_input(values, current)
                next_version = touchpoints.next_version(s, user.workspace_id, key, patch)
            except ServiceError:
                next_version = None
    return {
        "problem": None,
        "preview": editor_view.frames(shown, settings_of(request)),
        "next_version": next_version,
    }


def _page(
    request: Request,
    user: CurrentUser,
    values: dict[str, str],
    *,
    current: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
    confirm: bool = False,
    test: dict[str, Any] | None = None,
    test_values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    key = current["key"] if current else None
    block = _preview_block(request, user, values, key)
    response = render_page(
        request,
        user,
        "touchpoint_editor.html.j2",
        status=status,
        current=current,
        values=values,
        errors=errors or {},
        done=done if done in DONE else None,
        confirm=confirm,
        test=test,
        test_values=test_values or editor_view.test_defaults(current, user.lang),
        channels=[(c, gettext(user.lang, form_of.CHANNEL_NAMES[c])) for c in CHANNELS],
        scales=[(k, gettext(user.lang, v)) for k, v in form_of.SCALE_NAMES.items()],
        polarities=[(k, gettext(user.lang, v)) for k, v in form_of.POLARITY_NAMES.items()],
        categories=[(k, category_name(k, user.lang)) for k in CATEGORIES],
        langs=SUPPORTED_LANGS,
        script=editor_view.SCRIPT,
        **block,
    )
    response.headers["Content-Security-Policy"] = editor_view.CSP
    return response


@router.get("/admin/touchpoints/new")
def new_touchpoint(request: Request, user: AdminDep) -> Response:
    return _page(request, user, form_of.blank_values())


@router.post("/admin/touchpoints")
def create_touchpoint(request: Request, user: AdminDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    values = form_of.values_from_form(form) | {"preview_lang": form.get("preview_lang", "")}
    if form.get("preview"):
        return _page(request, user, values)
    try:
        created = touchpoints.create(
            _factory(request), user.workspace_id, form_of.create_input(values)
        )
    except ServiceError as exc:
        return _page(request, user, values, errors=_refusal(user, exc), status=exc.status)
    if wants(request) == "json":
        return json_response(created, 201)
    return RedirectResponse(
        f"/app/admin/touchpoints/{created['key']}/edit?done=created",
        status_code=303,
        headers=HEADERS,
    )


@router.get("/admin/touchpoints/{key}/edit")
def edit_touchpoint(
    request: Request, user: AdminDep, key: str, done: str | None = None
) -> Response:
    with _factory(request)() as s:
        current = touchpoints.get(s, user.workspace_id, key)
    return _page(request, user, form_of.values_of(current), current=current, done=done)


@router.post("/admin/touchpoints/{key}/edit")
def save_touchpoint(request: Request, user: AdminDep, key: str, form: FormDep) -> Response:
    check_csrf(request, user, form)
    factory = _factory(request)
    with factory() as s:
        current = touchpoints.get(s, user.workspace_id, key)
    values = form_of.values_from_form(form) | {
        "key": key,
        "preview_lang": form.get("preview_lang", ""),
    }
    if form.get("preview"):
        return _page(request, user, values, current=current)
    try:
        patch = form_of.patch_input(values, current)
        with factory() as s:
            version = touchpoints.next_version(s, user.workspace_id, key, patch)
        if version is not None and form.get("confirmed") != "1":
            return _page(request, user, values, current=current, confirm=True)
        saved = touchpoints.update(factory, user.workspace_id, key, patch)
    except ServiceError as exc:
        return _page(
            request, user, values, current=current, errors=_refusal(user, exc), status=exc.status
        )
    if wants(request) == "json":
        return json_response(saved)
    done = "version" if version is not None else "saved"
    return RedirectResponse(
        f"/app/admin/touchpoints/{key}/edit?done={done}", status_code=303, headers=HEADERS
    )


@router.post("/admin/touchpoint-preview")
def preview_block(request: Request, user: AdminDep, form: FormDep) -> Response:
    """The preview block alone, for the editor's script to swap in."""
    check_csrf(request, user, form)
    key = form.get("editing") or None
    values = form_of.values_from_form(form) | {"preview_lang": form.get("preview_lang", "")}
    if key is not None:
        values["key"] = key
    block = _preview_block(request, user, values, key)
    response = render_page(request, user, "_touchpoint_preview.html.j2", **block)
    return HTMLResponse(response.body, headers={**HEADERS, "X-Robots-Tag": "noindex"})


@router.post("/admin/touchpoints/{key}/test")
def send_test_event(request: Request, user: AdminDep, key: str, form: FormDep) -> Response:
    """A dry-run test event: the decision and the invitation, nothing stored."""
    check_csrf(request, user, form)
    factory = _factory(request)
    with factory() as s:
        current = touchpoints.get(s, user.workspace_id, key)
    test_values = {k: form.get(k, "").strip() for k in editor_view.TEST_FIELDS}
    event = previews.DryRunEvent(
        event_type=test_values["event_type"],
        outcome=test_values["outcome"] or None,
        user_id=test_values["user_id"] or previews.TEST_USER,
        channel=test_values["channel"] or None,
        lang=lang_of(test_values["lang"] or user.lang),
    )
    values = form_of.values_of(current)
    try:
        result = previews.dry_run(factory, settings_of(request), user.workspace_id, key, event)
    except ServiceError as exc:
        test = {"error": {_field(exc): error_text(user.lang, exc)}}
        return _page(
            request,
            user,
            values,
            current=current,
            test=test,
            test_values=test_values,
            status=exc.status,
        )
    view = editor_view.test_view(result, user.lang, settings_of(request))
    if wants(request) == "json":
        return json_response(editor_view.test_json(result))
    return _page(request, user, values, current=current, test=view, test_values=test_values)
