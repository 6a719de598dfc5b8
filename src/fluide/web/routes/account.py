"""Each user's own account page (``/app/account``): who they are, and a new password.

Every role has it. Changing the password asks for the current one (checked
behind the login throttle), the new one twice, and the page's CSRF token; the
user's other sessions end, this one goes on. Passwords are never sent back
into the page.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fluide.api.pages import FormDep
from fluide.domain.passwords import MIN_PASSWORD
from fluide.i18n import gettext
from fluide.services import accounts
from fluide.services.accounts import CurrentUser
from fluide.services.errors import ServiceError
from fluide.web.auth import UserDep, check_csrf, settings_of
from fluide.web.render import HEADERS, render_page
from fluide.web.routes.session import client_address

router = APIRouter(prefix="/app", include_in_schema=False)
FIELDS: Final = ("current", "new", "repeated")


def _page(
    request: Request,
    user: CurrentUser,
    *,
    done: bool = False,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render_page(
        request,
        user,
        "account.html.j2",
        status=status,
        done=done,
        errors=errors or {},
        min_password=MIN_PASSWORD,
    )


@router.get("/account")
def account_page(request: Request, user: UserDep, done: str | None = None) -> Response:
    return _page(request, user, done=done == "password")


@router.post("/account/password")
def change_password(request: Request, user: UserDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    try:
        accounts.change_password(
            request.app.state.sessions,
            settings_of(request).secret,
            user,
            client_address(request),
            current=form.get("current", ""),
            new=form.get("new", ""),
            repeated=form.get("repeated", ""),
        )
    except ServiceError as exc:
        details = exc.details if isinstance(exc.details, list) else []
        field = str(details[0].get("field")) if details else "form"
        text = gettext(user.lang, exc.message, **exc.params)
        errors = {field if field in FIELDS else "form": text}
        return _page(request, user, errors=errors, status=exc.status)
    return RedirectResponse("/app/account?done=password", status_code=303, headers=HEADERS)
