"""The workspace's single sign-on: ``/v1/workspace/sso`` (OpenID Connect provider)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from fluide.api.deps import FactoryDep, SessionDep, SettingsDep, WorkspaceDep
from fluide.services import sso as service
from fluide.services.sso import SsoSettings

router = APIRouter(prefix="/v1/workspace/sso", tags=["workspace"])


@router.get(
    "",
    summary="The single sign-on setting and the redirect URI to register (never the secret)",
)
def get(ws: WorkspaceDep, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    return service.get(session, settings, ws.id)


@router.put(
    "",
    summary="Set the OpenID Connect provider: issuer, client, e-mail domains, new users, "
    "password sign-in",
)
def put(
    body: SsoSettings,
    ws: WorkspaceDep,
    factory: FactoryDep,
    settings: SettingsDep,
    response: Response,
) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"
    return service.put(factory, settings, ws.id, body)


@router.delete("", summary="Remove single sign-on: password sign-in is on again for everyone")
def delete(ws: WorkspaceDep, factory: FactoryDep) -> dict[str, Any]:
    return service.delete(factory, ws.id)
