"""The opt-out page: ``/o/{token}`` stops every future CES question for one user.

- ``GET /o/{token}``: asks to confirm, in the user's language. Opening the
  link changes nothing (mail scanners open links too).
- ``POST /o/{token}`` with the page's ``csrf`` field: opts out (once; again is
  harmless), then confirms.
- ``POST /o/{token}`` with ``List-Unsubscribe=One-Click``: the one-click
  unsubscribe of mail clients (RFC 8058), which carries no CSRF field; the
  signed token is the credential.

An unknown or altered link gets a 404 page in French and English.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.deps import FactoryDep, SettingsDep
from fluide.api.pages import FormDep, page, render
from fluide.channels.compose import read_opt_out_token
from fluide.i18n import DEFAULT_LANG, SUPPORTED_LANGS, gettext, lang_of
from fluide.settings import Settings
from fluide.storage.db import write_session
from fluide.storage.models import EndUser, Workspace
from fluide.storage.types import utcnow

router = APIRouter(tags=["opt-out"], include_in_schema=False)
log = logging.getLogger("fluide")

_CSRF_PURPOSE = b"fluide-opt-out-form-v1:"


def csrf_token(secret: bytes, workspace_id: str, user_id: str) -> str:
    """The hidden field proving the confirmation comes from the page we served."""
    value = f"{workspace_id}:{user_id}".encode()
    digest = hmac.new(secret, _CSRF_PURPOSE + value, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


@dataclass(frozen=True)
class _Person:
    workspace_id: str
    user_id: str
    lang: str
    workspace: str
    opted_out: bool


def _person(factory: sessionmaker[Session], settings: Settings, token: str) -> _Person | None:
    # Tokens we sign are ASCII (and hmac.compare_digest refuses anything else).
    ids = read_opt_out_token(settings, token) if token.isascii() else None
    if ids is None:
        return None
    workspace_id, user_id = ids
    with factory() as s:
        user = s.get(EndUser, user_id)
        ws = s.get(Workspace, workspace_id)
        if user is None or ws is None or user.workspace_id != ws.id:
            return None
        return _Person(
            workspace_id,
            user_id,
            lang_of(user.locale),
            ws.sender_name or ws.name,
            user.opted_out_at is not None,
        )


def _opt_out(factory: sessionmaker[Session], person: _Person) -> None:
    with write_session(factory) as s:
        user = s.get(EndUser, person.user_id)
        mine = user is not None and user.workspace_id == person.workspace_id
        if mine and user is not None and user.opted_out_at is None:
            user.opted_out_at = utcnow()
            log.info("user %s of workspace %s opted out", user.id, user.workspace_id)


def _not_found() -> HTMLResponse:
    """No language is known for a link we cannot read: French, then English."""
    heading = "This opt-out link is not valid"
    blocks = [
        {
            "lang": lang,
            "heading": gettext(lang, "This opt-out link is not valid"),
            "paragraphs": [
                gettext(
                    lang,
                    "Check that the whole link was copied from the message you received: "
                    "a link cut short or altered cannot be opened.",
                )
            ],
        }
        for lang in SUPPORTED_LANGS
    ]
    title = " · ".join(gettext(lang, heading) for lang in SUPPORTED_LANGS)
    return page(render("message.html.j2", DEFAULT_LANG, title=title, blocks=blocks), 404)


def _done(person: _Person) -> HTMLResponse:
    lang = person.lang
    heading = gettext(lang, "You will no longer receive these questions")
    paragraphs = [
        gettext(
            lang,
            "%(workspace)s will not ask you again whether your actions were easy, on any channel.",
            workspace=person.workspace,
        ),
        gettext(lang, "Thank you for the answers you gave."),
    ]
    blocks = [{"lang": lang, "heading": heading, "paragraphs": paragraphs}]
    return page(render("message.html.j2", lang, title=heading, blocks=blocks))


def _forbidden(person: _Person, token: str) -> HTMLResponse:
    lang = person.lang
    heading = gettext(lang, "This form could not be verified")
    blocks = [
        {
            "lang": lang,
            "heading": heading,
            "paragraphs": [
                gettext(
                    lang,
                    "For your security, nothing was changed: the confirmation did not come "
                    "from our page. Please open the link again and confirm.",
                )
            ],
            "link_href": f"./{token}",
            "link_text": gettext(lang, "Back to the page"),
        }
    ]
    return page(render("message.html.j2", lang, title=heading, blocks=blocks), 403)


@router.get("/o/{token}", response_class=HTMLResponse)
def opt_out_page(token: str, factory: FactoryDep, settings: SettingsDep) -> HTMLResponse:
    """Ask to confirm; nothing changes until the person confirms."""
    person = _person(factory, settings, token)
    if person is None:
        return _not_found()
    if person.opted_out:
        return _done(person)
    html = render(
        "optout.html.j2",
        person.lang,
        token=token,
        workspace=person.workspace,
        csrf=csrf_token(settings.secret, person.workspace_id, person.user_id),
    )
    return page(html)


@router.post("/o/{token}", response_class=HTMLResponse)
def opt_out(token: str, form: FormDep, factory: FactoryDep, settings: SettingsDep) -> HTMLResponse:
    """Opt out, from our page (CSRF field) or from a mail client's one-click button."""
    person = _person(factory, settings, token)
    if person is None:
        return _not_found()
    one_click = form.get("List-Unsubscribe") == "One-Click"
    sent = form.get("csrf") or ""
    expected = csrf_token(settings.secret, person.workspace_id, person.user_id)
    if not one_click and not (sent and hmac.compare_digest(sent.encode(), expected.encode())):
        return _forbidden(person, token)
    _opt_out(factory, person)
    return _done(person)
