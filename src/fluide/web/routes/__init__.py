"""Dashboard pages, one module per resource; ``ROUTERS`` lists them for the app."""

from __future__ import annotations

from fastapi import APIRouter

from fluide.web.routes import (
    account,
    actions,
    admin,
    agents,
    follow_ups,
    frictions,
    helpdesk,
    overview,
    recontacts,
    report,
    session,
    sso,
    topics,
    touchpoint,
    touchpoint_editor,
    verbatims,
)

ROUTERS: list[APIRouter] = [
    session.router,
    sso.router,
    overview.router,
    touchpoint.router,
    verbatims.router,
    frictions.router,
    topics.router,
    actions.router,
    follow_ups.router,
    agents.router,
    recontacts.router,
    report.router,
    touchpoint_editor.router,
    admin.router,
    helpdesk.router,
    account.router,
]
