"""The caller's workspace: ``/v1/workspace`` (settings, chat webhook, secrets, API keys)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from fluide.api.deps import CallerDep, FactoryDep, SessionDep, SettingsDep, WorkspaceDep
from fluide.services import api_keys, branding
from fluide.services import workspace_settings as service
from fluide.services.workspace_settings import SecretKind, WorkspacePatch

router = APIRouter(prefix="/v1/workspace", tags=["workspace"])
KindPath = Path(
    description="webhook: signs what Fluide posts; widget: signs user ids for the widget's users"
)


@router.get("", summary="The workspace's settings (secrets are never shown, only whether set)")
def get(ws: WorkspaceDep, session: SessionDep) -> dict[str, Any]:
    return service.get(session, ws.id)


@router.patch(
    "",
    summary=(
        "Change the name, time zone, fatigue, sender name, chat webhook URL, retention "
        "periods (null keeps data until erased) or brand colour (#rrggbb)"
    ),
)
def patch(
    body: WorkspacePatch, ws: WorkspaceDep, factory: FactoryDep, settings: SettingsDep
) -> dict[str, Any]:
    return service.update(factory, settings, ws.id, body)


@router.put(
    "/logo",
    summary="Upload the survey page's logo: the raw bytes of a PNG, JPEG or WebP, at most 100 KB",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                t: {
                    "schema": {"type": "string", "format": "binary"},
                    "example": "(the image's bytes, e.g. curl --data-binary @logo.png)",
                }
                for t in branding.LOGO_TYPES
            },
        }
    },
)
async def put_logo(request: Request, ws: WorkspaceDep, factory: FactoryDep) -> dict[str, Any]:
    """The type is read from the image's first bytes (SVG and anything else are refused);
    the answer gives the stored type and size."""
    data = await request.body()
    return await run_in_threadpool(branding.set_logo, factory, ws.id, data)


@router.get(
    "/logo",
    summary="The survey page's logo as uploaded",
    response_class=Response,
    responses={200: {"content": {t: {} for t in branding.LOGO_TYPES}}},
)
def get_logo(ws: WorkspaceDep, session: SessionDep) -> Response:
    kind, data = branding.logo_of(session, ws.id)
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    return Response(data, media_type=kind, headers=headers)


@router.delete(
    "/logo", status_code=status.HTTP_204_NO_CONTENT, summary="Remove the survey page's logo"
)
def delete_logo(ws: WorkspaceDep, factory: FactoryDep) -> Response:
    branding.remove_logo(factory, ws.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/secrets/{kind}",
    summary="Make a new webhook or widget secret; it is shown this once",
)
def rotate_secret(
    ws: WorkspaceDep,
    factory: FactoryDep,
    settings: SettingsDep,
    response: Response,
    kind: SecretKind = KindPath,
) -> dict[str, str]:
    response.headers["Cache-Control"] = "no-store"
    return service.rotate_secret(factory, settings, ws.id, kind)


# --- API keys ---------------------------------------------------------------------------------

KeyRef = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="The key's prefix (flk_ and 8 characters, as listed), or its id",
    ),
]


@router.get("/api-keys", summary="The workspace's API keys: prefixes, labels, dates (never a key)")
def list_keys(caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """``current: true`` marks the key of this call; ``valid: false`` a revoked or expired one."""
    return api_keys.list_keys(session, caller.workspace.id, caller.key_id)


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    summary="Make a new API key, shown this once; the key of this call ends (after ?grace=)",
)
def rotate_key(
    caller: CallerDep,
    factory: FactoryDep,
    response: Response,
    grace: Annotated[
        int,
        Query(
            ge=0,
            le=api_keys.MAX_GRACE_SECONDS,
            description="Seconds the key of this call still works (0: ends at once; "
            "at most 604800, 7 days)",
        ),
    ] = 0,
    label: Annotated[
        str | None, Query(max_length=200, description="A note for the new key")
    ] = None,
) -> dict[str, Any]:
    """``api_key`` is the new key (keep it: only its hash is stored); ``revokes`` the prefix
    of the key of this call; ``old_key_valid_until`` when that one stops working."""
    response.headers["Cache-Control"] = "no-store"
    return api_keys.rotate(
        factory,
        caller.workspace.id,
        replacing=caller.key_id,
        grace_seconds=grace,
        label=(label or "").strip() or None,
    )


@router.delete(
    "/api-keys/{prefix}",
    summary="Revoke an API key now (refused for the workspace's last key without an end date)",
)
def revoke_key(ws: WorkspaceDep, factory: FactoryDep, prefix: KeyRef) -> dict[str, Any]:
    return api_keys.revoke(factory, ws.id, prefix)
