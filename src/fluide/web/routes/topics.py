"""Dashboard page: emerging topics, made a tag or dismissed by the CSM.

The list is ``GET /v1/topics``'s own use case (every status); accepting and
dismissing are its use cases too. After accepting, the page says how many of
the topic's comments now carry the tag, and every accepted topic how many
comments the tagger gave its tag later.
"""

from __future__ import annotations

import re
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fluide.api.pages import FormDep
from fluide.i18n import N_
from fluide.services import topics as service
from fluide.services.errors import ServiceError, invalid
from fluide.services.tags import TAG_KEY, list_tags
from fluide.services.topics import AcceptIn
from fluide.web.auth import AnalystDep, check_csrf
from fluide.web.render import HEADERS, respond_or_fail

router = APIRouter(prefix="/app", include_in_schema=False)

TEMPLATE: Final = "topics.html.j2"
NAME_MAX: Final = 100
_KEY = re.compile(TAG_KEY)


def _accept_body(form: dict[str, str]) -> AcceptIn:
    """The form's key and name as the API's body; a bad one names its field."""
    key = form.get("key", "").strip()
    name = " ".join(form.get("name", "").split())
    if not _KEY.match(key):
        raise invalid(
            "key",
            N_(
                "The tag key %(value)s is not allowed: use 1 to 40 lower-case letters, "
                "digits or _, starting with a letter (for example dark_theme)."
            ),
            value=key[:60] or "—",
        )
    if not 1 <= len(name) <= NAME_MAX:
        raise invalid("name", N_("The tag name needs 1 to %(max)s characters."), max=NAME_MAX)
    return AcceptIn.model_validate({"key": key, "names": {"fr": name, "en": name}})


def _page(request: Request, user: AnalystDep, *, failure: ServiceError | None = None) -> Response:
    factory = request.app.state.sessions
    data = service.list_topics(factory, user.workspace_id, "all")
    tags = {t["key"]: t["names"] for t in list_tags(factory, user.workspace_id)["tags"]}
    for t in data["topics"]:
        if t["tagging"] is not None:
            names = tags.get(t["tagging"]["tag"], {})
            t["tagging"]["name"] = names.get(user.lang) or t["tagging"]["tag"]
    accepted_id = request.query_params.get("accepted", "")
    context: dict[str, Any] = {
        "just_accepted": next(
            (t for t in data["topics"] if t["id"] == accepted_id and t["tagging"]), None
        ),
        "dismissed": request.query_params.get("dismissed") == "1",
        "name_max": NAME_MAX,
    }
    return respond_or_fail(request, user, TEMPLATE, data, failure, **context)


@router.get("/topics")
def topics_page(request: Request, user: AnalystDep) -> Response:
    return _page(request, user)


@router.post("/topics/refresh")
def refresh(request: Request, user: AnalystDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    service.request_refresh(request.app.state.sessions, user.workspace_id)
    return RedirectResponse("/app/topics", status_code=303, headers=HEADERS)


@router.post("/topics/{topic_id}/accept")
def accept(request: Request, user: AnalystDep, form: FormDep, topic_id: str) -> Response:
    check_csrf(request, user, form)
    try:
        body = _accept_body(form)
        service.accept(request.app.state.sessions, user.workspace_id, topic_id, body)
    except ServiceError as exc:
        return _page(request, user, failure=exc)
    location = f"/app/topics?accepted={topic_id}#topic-{topic_id}"
    return RedirectResponse(location, status_code=303, headers=HEADERS)


@router.post("/topics/{topic_id}/dismiss")
def dismiss(request: Request, user: AnalystDep, form: FormDep, topic_id: str) -> Response:
    check_csrf(request, user, form)
    try:
        service.dismiss(request.app.state.sessions, user.workspace_id, topic_id)
    except ServiceError as exc:
        return _page(request, user, failure=exc)
    return RedirectResponse("/app/topics?dismissed=1", status_code=303, headers=HEADERS)
