"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine
from starlette.routing import BaseRoute

from fluide import __version__
from fluide.api import docs_pages, errors, logs, observe
from fluide.api.admission import Admission
from fluide.api.body_limit import BodyLimit
from fluide.api.routes import (
    actions,
    agents,
    backlog,
    benchmark,
    demo_inbox,
    demo_shop,
    email_templates,
    events,
    follow_ups,
    frictions,
    health,
    helpdesk,
    metrics,
    monitoring,
    optout,
    recontacts,
    responses,
    sso,
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
from fluide.services import events as events_service
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


def open_database(settings: Settings) -> Engine:
    """This process's engine, its pool sized by the ``FLUIDE_DB_POOL_*`` settings."""
    return make_engine(
        settings.sqlalchemy_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )


def prepare_database(settings: Settings, engine: Engine) -> None:
    """What runs once before serving: migrations, the demo-database check, and the
    warning about secrets the key cannot read. (``fluide serve --workers N`` runs it
    in the parent, and its workers skip it.)"""
    migrate(engine)
    sessions = session_factory(engine)
    check_demo_mode(settings, sessions)  # demo mode on `fluide demo`'s database only
    stored_secrets.warn_if_undecryptable(sessions, settings)  # a key changed without its former


def create_app(
    settings: Settings | None = None, *, migrate: bool = True, deliveries: bool = True
) -> FastAPI:
    """The application; ``migrate=False`` skips :func:`prepare_database` (done by a parent),
    ``deliveries=False`` leaves the inline delivery loop to another process."""
    settings = settings or load_settings()
    engine = open_database(settings)
    if migrate:
        try:
            prepare_database(settings, engine)
        except BaseException:
            engine.dispose()
            raise
    sessions = session_factory(engine)
    senders = default_senders()
    inline = inline_wanted(settings)
    worker = InlineWorker(sessions, settings, senders) if inline and deliveries else None
    # On SQLite without the inline thread, a separate `fluide worker` polls the table;
    # with an inline loop in the parent process, that loop polls it.
    on_postgres = settings.sqlalchemy_url.startswith("postgresql")
    queue_app = queue.build_app(settings, sessions, senders) if on_postgres and not inline else None

    if queue_app is not None:
        # Comments to tag and topics to compute wake a `fluide worker` (the model
        # loads there, never in this process).
        queue.wake_on_commit(sessions, queue_app)

    def dispatch(delivery_ids: list[str]) -> None:
        """Wake whoever sends: the thread here, or a `fluide worker` through a job (an
        inline loop in a parent process finds the new rows at its next poll)."""
        if worker is not None:
            worker.wake()
        elif queue_app is not None:
            queue.defer_all(queue_app, delivery_ids)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Admitted requests run at once: the admission limit is the only line to wait in.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(limiter.total_tokens, settings.max_concurrent_requests)
        if worker is not None:
            worker.start()
        if queue_app is not None:
            queue_app.open()
            queue.ensure_schema(queue_app)
        try:
            yield
        finally:
            # Requests in flight are answered by now (uvicorn waited for them): the
            # writer has nothing left to write, or writes it before it ends.
            app.state.event_groups.stop()
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
        # Served by docs_pages from Fluide's own assets (FastAPI's load them from a CDN).
        docs_url=None,
        redoc_url=None,
        responses=error_responses(),
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Outermost: a request waits for its turn before anything else reads it.
    app.add_middleware(
        Admission, limit=settings.max_concurrent_requests, wait=settings.queue_timeout
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.dispatch = dispatch
    # Events of requests arriving together share a transaction (see services.event_groups).
    app.state.event_groups = events_service.group_commit(sessions, settings, dispatch)
    errors.install(app)
    docs_pages.install(app)
    logs.install()
    app.router.routes.extend(api_routes())
    from fluide.web import errors as web_errors

    web_errors.install(app)
    app.router.routes.extend(dashboard_routes())
    if settings.demo:  # and the database is the demo's (checked above)
        app.include_router(demo_shop.router)  # signs any user: demo mode only
        app.include_router(demo_inbox.router)
    observe.install(app, settings, engine)  # last middleware added: it wraps all the others
    return app


def error_responses() -> dict[int | str, dict[str, Any]]:
    """The error answers every API operation documents (one error shape)."""
    return {
        401: {"model": errors_model(), "description": "Missing or unknown API key"},
        404: {"model": errors_model(), "description": "Not found in this workspace"},
        409: {
            "model": errors_model(),
            "description": "Conflict, e.g. mixed question versions",
        },
        422: {"model": errors_model(), "description": "Invalid request"},
    }


@functools.cache
def api_routes() -> list[BaseRoute]:
    """The API's routes, as ``app.include_router`` would add them, made once per process.

    FastAPI builds an included router's routes (dependencies, models) at the first
    requests of each application, about 0.2 s of work: a server makes one
    application, but the test suite makes thousands, so they share one tree.
    """
    root = APIRouter(responses=error_responses())
    for module in (
        health,
        workspace,
        sso,
        touchpoints,
        events,
        users,
        responses,
        metrics,
        recontacts,
        monitoring,
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
        helpdesk,
        benchmark,
    ):
        root.include_router(module.router)
    return list(root.routes)


@functools.cache
def dashboard_routes() -> list[BaseRoute]:
    """The dashboard's pages, made once per process like :func:`api_routes`."""
    from fluide.web.routes import ROUTERS

    root = APIRouter(responses=error_responses())
    for router in ROUTERS:
        root.include_router(router)
    return list(root.routes)


def errors_model() -> type:
    from fluide.api.schemas import ErrorOut

    return ErrorOut
