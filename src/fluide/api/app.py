"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from fluide import __version__
from fluide.api import errors, logs
from fluide.api.routes import events, health, metrics, responses, survey, touchpoints, users
from fluide.settings import Settings, load_settings
from fluide.storage.db import make_engine, migrate, session_factory

DESCRIPTION = """
Fluide collects the Customer Effort Score right after a precise action, on the
channel nearest to it, never too often, and computes it honestly.

Every `/v1` call takes `Authorization: Bearer KEY` (see `fluide workspace
create`); a key sees its own workspace only. Every error has one shape:
`{"error": {"code", "message", "details"}}`, in French or English
(`Accept-Language`).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    engine = make_engine(settings.sqlalchemy_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    migrate(engine)
    app = FastAPI(
        title="Fluide",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses={
            401: {"model": errors_model(), "description": "Missing or unknown API key"},
            404: {"model": errors_model(), "description": "Not found in this workspace"},
            409: {
                "model": errors_model(),
                "description": "Conflict, e.g. mixed question versions",
            },
            422: {"model": errors_model(), "description": "Invalid request"},
        },
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    errors.install(app)
    logs.install()
    for module in (health, touchpoints, events, users, responses, metrics, survey):
        app.include_router(module.router)
    return app


def errors_model() -> type:
    from fluide.api.schemas import ErrorOut

    return ErrorOut
