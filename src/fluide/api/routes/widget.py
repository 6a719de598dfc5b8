"""The in-app widget: ``GET /widget.js`` and the ``/w/v1`` calls it makes from the host's page.

Every ``/w/v1`` call carries the workspace's public key, the user's id and
the HMAC of that id computed by the host's server (``key``, ``user``,
``sig``): a wrong or missing signature is a 403. These calls come from the
host's origin: they answer ``Access-Control-Allow-Origin: *`` (no cookies,
the signature is the credential), errors included, and the ``OPTIONS``
preflight is answered here.

Also ``GET /v1/funnel`` (API key): eligible → invited → shown → answered.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import ConfigDict, Field, JsonValue, StringConstraints
from starlette.exceptions import HTTPException as StarletteHTTPException

from fluide.api import telemetry
from fluide.api.deps import FactoryDep, SessionDep, SettingsDep, WorkspaceDep
from fluide.api.schemas import COMMENT_RULE, Day, ErrorOut, Input, Properties, ScoreOrSymbol
from fluide.services import funnel as funnel_service
from fluide.services import widget as service
from fluide.services.browser_events import TooManyEvents
from fluide.services.errors import ServiceError

CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept-Language",
    "Access-Control-Max-Age": "600",
}
SCRIPT_MAX_AGE = 300

PublicKey = Annotated[str, StringConstraints(max_length=64)]
UserId = Annotated[str, StringConstraints(max_length=200)]
Signature = Annotated[str, StringConstraints(max_length=128)]
InvitationId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]


class CorsRoute(APIRoute):
    """A route whose every answer, errors included, may be read by any origin."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_cors(request: Request) -> Response:
            try:
                response = await handler(request)
            except (ServiceError, RequestValidationError, StarletteHTTPException) as exc:
                response = await _handled(request, exc)
                if isinstance(exc, TooManyEvents):
                    response.headers["Retry-After"] = str(exc.retry_after)
                    response.headers["Access-Control-Expose-Headers"] = "Retry-After"
            response.headers.update(CORS_HEADERS)
            return response

        return with_cors


async def _handled(request: Request, exc: Exception) -> Response:
    """The app's own answer to ``exc``: the one error shape, in the caller's language."""
    handlers = request.app.exception_handlers
    for cls in type(exc).__mro__:
        if cls in handlers:
            result = handlers[cls](request, exc)
            response: Response = await result if inspect.isawaitable(result) else result
            return response
    raise exc  # pragma: no cover - the app installs a handler for each of these


_widget = APIRouter(tags=["widget"], route_class=CorsRoute)
_api = APIRouter(tags=["funnel"])


# --- Bodies ---------------------------------------------------------------------------------

_SIGNED_EXAMPLE: dict[str, JsonValue] = {
    "key": "pk_AbCdEf0123456789",
    "user": "u-42",
    "sig": "9f2c…(64 hex)",
}


class Signed(Input):
    """Who is calling: the public key, the user's id, and its HMAC by the host's server."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_SIGNED_EXAMPLE]})
    key: PublicKey = ""
    user: UserId = ""
    sig: Signature = ""


class TrackIn(Signed):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    **_SIGNED_EXAMPLE,
                    "type": "help_article_read",
                    "properties": {"article": "trouver-ma-facture"},
                    "locale": "fr",
                }
            ]
        },
    )
    type: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    properties: Properties = Field(default_factory=dict)
    locale: Annotated[str, StringConstraints(max_length=16)] | None = None


class WidgetAnswerIn(Signed):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {**_SIGNED_EXAMPLE, "token": "inv_….signature", "score": 6, "comment": "Rapide"}
            ]
        },
    )
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    score: ScoreOrSymbol
    comment: Annotated[str, StringConstraints(max_length=5000)] | None = Field(
        default=None, description=COMMENT_RULE
    )


SIGNATURE_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "Unknown public key, or wrong user signature"},
    503: {"model": ErrorOut, "description": "The widget secret cannot be decrypted: see message"},
}


# --- The script -----------------------------------------------------------------------------


@functools.cache
def widget_script() -> str:
    """The widget's source, as shipped in the package (no build step)."""
    return (resources.files("fluide") / "widget" / "widget.js").read_text(encoding="utf-8")


@_widget.get("/widget.js", include_in_schema=False)
def script() -> Response:
    return Response(
        widget_script(),
        media_type="application/javascript; charset=utf-8",
        headers={
            "Cache-Control": f"public, max-age={SCRIPT_MAX_AGE}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@_widget.options("/w/v1/{rest:path}", include_in_schema=False)
def preflight(rest: str) -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=PREFLIGHT_HEADERS)


# --- Widget calls ---------------------------------------------------------------------------


@_widget.get(
    "/w/v1/pending",
    summary="The signed user's open in-app question, or null (what the card shows)",
    responses=SIGNATURE_ERRORS,
    openapi_extra={"security": []},
)
def get_pending(
    session: SessionDep,
    settings: SettingsDep,
    key: Annotated[PublicKey, Query(description="The workspace's public key, pk_…")] = "",
    user: Annotated[UserId, Query(description="The host's id for the user")] = "",
    sig: Annotated[Signature, Query(description="hex HMAC-SHA256 of user by the secret")] = "",
) -> JSONResponse:
    card = service.pending(session, settings, key, user, sig)
    return JSONResponse({"invitation": card}, headers={"Cache-Control": "no-store"})


@_widget.post(
    "/w/v1/invitations/{invitation_id}/{what}",
    summary="Record that the card was shown, or dismissed (never offered again); idempotent",
    responses={
        **SIGNATURE_ERRORS,
        404: {"model": ErrorOut, "description": "No such invitation for this user"},
    },
    openapi_extra={"security": []},
)
def post_mark(
    body: Signed,
    invitation_id: InvitationId,
    what: Literal["shown", "dismissed"],
    factory: FactoryDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    return service.mark(factory, settings, body.key, body.user, body.sig, invitation_id, what)


@_widget.post(
    "/w/v1/track",
    summary="An event from the browser for the signed user; its decision and card",
    description=(
        "Only event types a touchpoint allows for the browser (`browser_events`; by default "
        "its trigger events when it has the `in_app` or `popover` channel). Properties never "
        "carry `agent_id`, `ticket_id` or `outcome`: only the host's server may send them. "
        "At most `FLUIDE_BROWSER_EVENTS_PER_MINUTE` events per user per minute."
    ),
    responses={
        403: {
            "model": ErrorOut,
            "description": "Unknown public key, wrong user signature, an event type no "
            "touchpoint allows for the browser (event_not_allowed), or a reserved property "
            "(property_not_allowed)",
        },
        422: {"model": ErrorOut, "description": "Properties too many or too large"},
        429: {
            "model": ErrorOut,
            "description": "Too many events from this user (too_many_events); see Retry-After",
        },
    },
    openapi_extra={"security": []},
)
def post_track(
    request: Request, body: TrackIn, factory: FactoryDep, settings: SettingsDep
) -> dict[str, Any]:
    decided = service.track(
        factory,
        settings,
        body.key,
        body.user,
        body.sig,
        body.type,
        body.properties,
        body.locale,
        dispatch=getattr(request.app.state, "dispatch", None),
    )
    telemetry.count_decisions([decided])
    return decided


@_widget.post(
    "/w/v1/responses",
    status_code=status.HTTP_201_CREATED,
    summary="The signed user's answer to their own invitation; answering again updates it",
    responses={
        **SIGNATURE_ERRORS,
        200: {"description": "The invitation was already answered: its answer was updated"},
        404: {"model": ErrorOut, "description": "Unknown token, or another user's invitation"},
        410: {"model": ErrorOut, "description": "The invitation has expired"},
    },
    openapi_extra={"security": []},
)
def post_answer(body: WidgetAnswerIn, factory: FactoryDep, settings: SettingsDep) -> JSONResponse:
    recorded = service.respond(
        factory,
        settings,
        body.key,
        body.user,
        body.sig,
        body.token,
        body.score,
        body.comment,
        keep_comment="comment" not in body.model_fields_set,
    )
    return JSONResponse(
        recorded.response,
        status_code=status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK,
    )


# --- The funnel -----------------------------------------------------------------------------


@_api.get(
    "/v1/funnel",
    summary="Response-rate funnel per touchpoint and outcome: eligible, invited, shown, answered",
    description=funnel_service.__doc__,
    responses={404: {"model": ErrorOut, "description": "Unknown touchpoint"}},
)
def get_funnel(
    ws: WorkspaceDep,
    session: SessionDep,
    touchpoint: Annotated[
        str | None,
        Query(pattern=r"^[a-z0-9][a-z0-9_\-]{0,99}$", description="Only this touchpoint"),
    ] = None,
    start: Annotated[
        Day | None, Query(alias="from", description="First local date of the action, inclusive")
    ] = None,
    end: Annotated[
        Day | None, Query(alias="to", description="Last local date of the action, inclusive")
    ] = None,
) -> dict[str, Any]:
    return funnel_service.funnel(session, ws, touchpoint=touchpoint, start=start, end=end)


router = APIRouter()
router.include_router(_widget)
router.include_router(_api)
