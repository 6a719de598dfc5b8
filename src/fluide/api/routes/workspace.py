"""The caller's workspace: ``/v1/workspace`` (settings, chat webhook, secrets)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Response

from fluide.api.deps import FactoryDep, SessionDep, SettingsDep, WorkspaceDep
from fluide.channels.outbound import Policy
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
        "Change the name, time zone, fatigue, sender name, chat webhook URL or retention "
        "periods (null keeps data until erased)"
    ),
)
def patch(
    body: WorkspacePatch, ws: WorkspaceDep, factory: FactoryDep, settings: SettingsDep
) -> dict[str, Any]:
    return service.update(factory, ws.id, body, policy=Policy.of(settings))


@router.post(
    "/secrets/{kind}",
    summary="Make a new webhook or widget secret; it is shown this once",
)
def rotate_secret(
    ws: WorkspaceDep,
    factory: FactoryDep,
    response: Response,
    kind: SecretKind = KindPath,
) -> dict[str, str]:
    response.headers["Cache-Control"] = "no-store"
    return service.rotate_secret(factory, ws.id, kind)
