"""The public survey page: ``/s/{token}``, in the customer's language, without JavaScript.

- ``GET /s/{token}``: the question, the scale with its end labels, the free field.
- ``GET /s/{token}?score=N`` (the score links of an e-mail or a chat post):
  shows the page with N selected and **records nothing**: a mail scanner
  fetching every link must not answer. A one-button form posts N; a small
  script (allowed by its hash in the CSP) submits it once a person sees the
  page, so one click still answers. That post (``from_link=1``) only records
  a first answer: a reload or a second post never overwrites the answer.
  Once answered, the page offers to change the score to N instead.
- ``POST /s/{token}`` (form: ``score``, ``comment``, ``csrf``): records, then
  redirects to ``GET /s/{token}?thanks=1`` (POST/redirect/GET). A form
  without a ``comment`` field keeps the recorded comment; an empty comment
  box erases it only if it showed a comment (``comment_prefilled=1``), that
  is, if the person cleared it.

- ``GET /s/{token}/logo``: the workspace's uploaded logo (services.branding), with its
  checked image type; the page shows it beside the workspace's name.

The call-back box shows the consent on record: ticked once given; unticking it
and saving withdraws it (the main form says it showed the box with
``consent_shown=1``; a form without it, the score link's, leaves consent as is).

An unknown or altered link gets a 404 page in French and English, an expired
one a 410 page in the invitation's language, a form without its CSRF field a
403 page: never a 500, never a stack trace.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.deps import FactoryDep, SettingsDep
from fluide.api.pages import (
    SCORE_LINK_SCRIPT,
    SECURITY_HEADERS,
    FormDep,
    csrf_ok,
    csrf_token,
    page,
    render,
)
from fluide.i18n import SUPPORTED_LANGS, fmt_int, gettext
from fluide.services import responses as service
from fluide.services.errors import ServiceError
from fluide.services.survey import SurveyView, link_point, survey_logo, survey_view
from fluide.settings import Settings

router = APIRouter(tags=["survey"], include_in_schema=False)


def _not_found() -> HTMLResponse:
    """No language is known for a link we cannot read: French, then English."""
    blocks = [
        {
            "lang": lang,
            "heading": gettext(lang, "This survey link is not valid"),
            "paragraphs": [
                gettext(
                    lang,
                    "Check that the whole link was copied from the message you received: "
                    "a link cut short or altered cannot be opened.",
                ),
            ],
        }
        for lang in SUPPORTED_LANGS
    ]
    title = " · ".join(gettext(lang, "This survey link is not valid") for lang in SUPPORTED_LANGS)
    return page(render("message.html.j2", "fr", title=title, blocks=blocks), 404)


def _expired(view: SurveyView) -> HTMLResponse:
    lang = view.lang
    paragraphs = [
        gettext(
            lang,
            "Thank you for your interest. Answers to this question are no longer collected: "
            "we ask right after the action, while it is still fresh.",
        )
    ]
    if view.answered:
        paragraphs.append(gettext(lang, "Your answer was recorded and is kept."))
    heading = gettext(lang, "This question has expired")
    blocks = [{"lang": lang, "heading": heading, "paragraphs": paragraphs}]
    return page(render("message.html.j2", lang, title=heading, blocks=blocks), 410)


def _forbidden(view: SurveyView, token: str) -> HTMLResponse:
    lang = view.lang
    heading = gettext(lang, "This form could not be verified")
    blocks = [
        {
            "lang": lang,
            "heading": heading,
            "paragraphs": [
                gettext(
                    lang,
                    "For your security, the answer was not recorded: it did not come from "
                    "the question's page. Please go back to the question and answer again.",
                )
            ],
            "link_href": token,
            "link_text": gettext(lang, "Back to the question"),
        }
    ]
    return page(render("message.html.j2", lang, title=heading, blocks=blocks), 403)


def _survey(
    view: SurveyView,
    token: str,
    settings: Settings,
    *,
    status: int = 200,
    note: str | None = None,
    error: ServiceError | None = None,
    selected: object = None,
    comment_text: str | None = None,
    extra_values: dict[str, Any] | None = None,
    callback: bool = False,
    link_score: int | None = None,
    comment_prefilled: bool = False,
) -> HTMLResponse:
    lang = view.lang
    message = None
    if error is not None:
        message = gettext(lang, error.message, **error.params)
    auto = link_score is not None and not view.answered
    html = render(
        "survey.html.j2",
        lang,
        view=view,
        token=token,
        csrf=csrf_token(settings.secret, view.invitation_id),
        note=note,
        error=message,
        selected=selected,
        comment_text=comment_text,
        extra_values=extra_values or {},
        callback=callback,
        max_comment=fmt_int(lang, view.max_comment),
        comment_prefilled=comment_prefilled,
        scored=note == "scored",
        link_score=link_score,
        link_label=_point_label(view, link_score),
        recorded_label=_point_label(view, view.score),
        auto=auto,
        script=SCORE_LINK_SCRIPT,
    )
    return page(html, status, script=auto)


def _point_label(view: SurveyView, value: int | None) -> str:
    """A point as a sentence names it: ``6``, ``7 (Strongly agree)``, ``🙂 Easy``."""
    p = next((p for p in view.points if p.value == value), None)
    if p is None:
        return ""
    if p.face:
        return p.label
    return f"{p.value} ({p.word})" if p.word else str(p.value)


def _view(factory: sessionmaker[Session], settings: Settings, token: str) -> SurveyView | None:
    try:
        with factory() as s:
            return survey_view(s, settings, token)
    except ServiceError:
        return None


def _current_extras(view: SurveyView) -> dict[str, Any]:
    return {q.key: q.answer for q in view.extra_questions if q.answer is not None}


@router.get("/s/{token}", response_class=HTMLResponse)
def survey_page(
    token: str,
    factory: FactoryDep,
    settings: SettingsDep,
    score: str | None = None,
    thanks: str | None = None,
) -> Response:
    """The question page; ``?score=N`` selects N and offers to record it (never records)."""
    if service.invitation_id_of(settings, token) is None:
        return _not_found()
    view = _view(factory, settings, token)
    if view is None:
        return _not_found()
    if view.expired:
        return _expired(view)
    problem: ServiceError | None = None
    note = None
    if view.answered and thanks:
        note = "scored" if thanks == "score" else "thanks"
    link_score: int | None = None
    if score is not None and score.strip():
        try:
            with factory() as s:
                link_score = link_point(s, settings, token, score)
        except ServiceError as exc:
            problem = exc
    if link_score is not None and link_score == view.score:
        note, link_score = note or "thanks", None  # this very score is recorded: nothing to offer
    return _survey(
        view,
        token,
        settings,
        status=problem.status if problem else 200,
        note=note,
        error=problem,
        selected=view.score if view.answered or link_score is None else link_score,
        comment_text=view.comment,
        extra_values=_current_extras(view),
        callback=view.callback,
        link_score=link_score,
    )


LOGO_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, max-age=300",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@router.get("/s/{token}/logo")
def survey_logo_image(token: str, factory: FactoryDep, settings: SettingsDep) -> Response:
    """The workspace's logo for the page of a valid link; 404 without one."""
    if service.invitation_id_of(settings, token) is None:
        return _not_found()
    try:
        with factory() as s:
            kind, data = survey_logo(s, settings, token)
    except ServiceError:
        return Response(status_code=404, headers=dict(SECURITY_HEADERS))
    return Response(data, media_type=kind, headers=LOGO_HEADERS)


@router.post("/s/{token}", response_class=HTMLResponse)
def survey_submit(
    token: str, form: FormDep, factory: FactoryDep, settings: SettingsDep
) -> Response:
    """Record the form's answer, then show the page again with a thank-you note."""
    invitation_id = service.invitation_id_of(settings, token)
    if invitation_id is None:
        return _not_found()
    view = _view(factory, settings, token)
    if view is None:
        return _not_found()
    if view.expired:
        return _expired(view)
    if not csrf_ok(settings.secret, invitation_id, form.get("csrf")):
        return _forbidden(view, token)
    extras = {
        q.key: form[f"extra-{q.key}"] for q in view.extra_questions if f"extra-{q.key}" in form
    }
    score = form.get("score") or None
    # Ticked: consent to be contacted (a follow-up opens on a high-effort answer).
    # The main form shows the consent on record, so unticking it there withdraws it;
    # a form without the box (the score link's) says nothing about it.
    callback = form.get("callback") == "1"
    consent: bool | None = callback if form.get("consent_shown") == "1" else (callback or None)
    from_link = form.get("from_link") == "1"
    comment = form.get("comment")
    # No comment field (the score link's button), or an empty box that showed no
    # comment (one written elsewhere since): keep the recorded comment. A box the
    # person emptied erases it.
    keep_comment = comment is None or (not comment.strip() and form.get("comment_prefilled") != "1")
    try:
        recorded = service.record(
            factory,
            settings,
            token,
            score,
            comment,
            extra_answers=extras,
            callback=consent,
            keep_comment=keep_comment,
            first_only=from_link,
        )
    except ServiceError as exc:
        if exc.code == "invalid_token":
            return _not_found()
        if exc.code == "expired":
            fresh = _view(factory, settings, token)
            return _expired(fresh or view)
        # Show the page again with what the person wrote, so that nothing is lost.
        return _survey(
            view,
            token,
            settings,
            status=exc.status,
            error=exc,
            selected=score,
            comment_text=comment,
            extra_values={**_current_extras(view), **extras},
            callback=callback,
            comment_prefilled=form.get("comment_prefilled") == "1",
        )
    thanks = "score" if from_link and recorded.created else "1"
    return RedirectResponse(
        f"{token}?thanks={thanks}", status_code=303, headers=dict(SECURITY_HEADERS)
    )
