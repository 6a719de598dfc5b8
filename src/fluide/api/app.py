"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from fluide import __version__
from fluide.api import errors, logs
from fluide.api.body_limit import BodyLimit
from fluide.api.routes import (
    actions,
    agents,
    backlog,
    demo_inbox,
    demo_shop,
    email_templates,
    events,
    follow_ups,
    frictions,
    health,
    metrics,
    optout,
    responses,
    survey,
    tags,
    topics,
    touchpoints,
    users,
    verbatims,
    widget,
    workspace,
)
from fluide.jobs import queue
from fluide.jobs.runner import InlineWorker, inline_wanted
from fluide.jobs.senders import default_senders
from fluide.services import stored_secrets
from fluide.services.demo_mode import check_demo_mode
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
    migrate(engine)
    sessions = session_factory(engine)
    try:
        check_demo_mode(settings, sessions)  # demo mode on `fluide demo`'s database only
    except BaseException:
        engine.dispose()
        raise
    stored_secrets.warn_if_undecryptable(sessions, settings)  # a key changed without its former
    senders = default_senders()
    worker = InlineWorker(sessions, settings, senders) if inline_wanted(settings) else None
    # On SQLite without the inline thread, a separate `fluide worker` polls the table.
    on_postgres = settings.sqlalchemy_url.startswith("postgresql")
    queue_app = (
        queue.build_app(settings, sessions, senders) if on_postgres and worker is None else None
    )

    if queue_app is not None:
        # Comments to tag and topics to compute wake a `fluide worker` (the model
        # loads there, never in this process).
        queue.wake_on_commit(sessions, queue_app)

    def dispatch(delivery_ids: list[str]) -> None:
        """Wake whoever sends: the thread here, or a `fluide worker` through a job."""
        if worker is not None:
            worker.wake()
        elif queue_app is not None:
            queue.defer_all(queue_app, delivery_ids)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        if queue_app is not None:
            queue_app.open()
            queue.ensure_schema(queue_app)
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            if queue_app is not None:
                queue_app.close()
            engine.dispose()

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
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.dispatch = dispatch
    errors.install(app)
    logs.install()
    for module in (
        health,
        workspace,
        touchpoints,
        events,
        users,
        responses,
        metrics,
        email_templates,
        survey,
        optout,
        widget,
        tags,
        verbatims,
        frictions,
        topics,
        actions,
        backlog,
        agents,
        follow_ups,
    ):
        app.include_router(module.router)
    from fluide.web import errors as web_errors
    from fluide.web.routes import ROUTERS

    web_errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    if settings.demo:  # and the database is the demo's (checked above)
        app.include_router(demo_shop.router)  # signs any user: demo mode only
        app.include_router(demo_inbox.router)
    return app


def errors_model() -> type:
    from fluide.api.schemas import ErrorOut

    return ErrorOut
