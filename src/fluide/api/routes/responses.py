"""Answers from a host's own widget: ``POST /v1/responses``.

No API key: the signed token of the invitation link is the credential. It
names one invitation, cannot be forged, and lets its holder answer that one
question only (answering again updates the answer) until it expires.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from fluide.api.deps import FactoryDep, SettingsDep
from fluide.api.schemas import ErrorOut, ResponseIn
from fluide.services import responses as service

router = APIRouter(prefix="/v1/responses", tags=["responses"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary=(
        "Record the answer to an invitation; answering again updates it "
        "(no API key: the signed token of the invitation link is the credential)"
    ),
    responses={
        200: {"description": "The invitation was already answered: its answer was updated"},
        201: {"description": "The first answer to the invitation was recorded"},
        404: {"model": ErrorOut, "description": "Unknown or altered token (invalid_token)"},
        410: {"model": ErrorOut, "description": "The invitation has expired (expired)"},
        422: {
            "model": ErrorOut,
            "description": "Score outside the scale (score_out_of_scale), comment too long",
        },
    },
    openapi_extra={"security": []},
)
def post_response(body: ResponseIn, factory: FactoryDep, settings: SettingsDep) -> JSONResponse:
    recorded = service.record(
        factory,
        settings,
        body.token,
        body.score,
        body.comment,
        extra_answers=body.extra_answers or None,
        keep_comment="comment" not in body.model_fields_set,
    )
    return JSONResponse(
        recorded.response,
        status_code=status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK,
    )
