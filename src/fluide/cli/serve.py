"""``fluide serve``: the collection service, in one process or in ``--workers N``.

Several processes use uvicorn's own supervisor (``workers=N``): the parent
binds the port, starts N server processes (spawned, each importing
:func:`worker_app`), restarts one that dies, and on SIGTERM or SIGINT stops
them gracefully. What must happen once happens in the parent before they
start: migrations, the demo-database check, the warning about unreadable
secrets, procrastinate's schema; and while they run: the tagging child and,
where deliveries run inline, the delivery loop. The server processes read
their settings from the environment, where the parent exported what it
computed (the public URL).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fluide.cli.app import EXIT_BAD_INPUT, LangOpt, _check_lang, app
from fluide.cli.service import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    HostOpt,
    PortOpt,
    _demo_refused,
    _env_has,
    _load,
    _opened,
    _public_url,
)
from fluide.i18n import DEFAULT_LANG, N_
from fluide.i18n import gettext as _t

if TYPE_CHECKING:
    import subprocess

    from fastapi import FastAPI
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from fluide.demo.inbox import DemoInbox
    from fluide.settings import Settings

WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        max=64,
        help="Server processes (PostgreSQL only above 1; uvicorn's supervisor runs them).",
    ),
]
EXIT_WORKER_FAILED = 1
ONE_WRITER = N_(
    "--workers %(workers)s needs PostgreSQL: SQLite has a single writer, so Fluide serves it "
    "from one process. Run without --workers, or set FLUIDE_DATABASE_URL to a PostgreSQL "
    "database."
)
WORKER_FAILED = N_("A server process could not start: see the messages above.")
SERVES = N_("Fluide serves on %(url)s (API documentation: %(docs)s).")
WORKER_APP = "fluide.cli.serve:worker_app"


@app.command()
def serve(
    host: HostOpt = DEFAULT_HOST,
    port: PortOpt = DEFAULT_PORT,
    workers: WorkersOpt = 1,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Run the collection service (HTTP API, survey pages, dashboard).

    GET /readyz answers when ready, GET /healthz while alive.
    """
    lang = _check_lang(lang)
    overrides = {} if _env_has("FLUIDE_PUBLIC_URL") else {"public_url": _public_url(host, port)}
    settings = _load(lang, **overrides)
    if workers == 1:
        _serve(lang, settings, host, port)
        return
    if not settings.sqlalchemy_url.startswith("postgresql"):
        typer.echo(_t(lang, ONE_WRITER, workers=workers), err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    for name, value in overrides.items():  # the server processes load the same settings
        os.environ["FLUIDE_" + name.upper()] = str(value)
    _serve_workers(lang, settings, host, port, workers)


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What both process models pass to uvicorn: the graceful-stop wait, the log set-up."""
    import math

    from fluide.api.logs import uvicorn_log_config

    return {
        "timeout_graceful_shutdown": math.ceil(settings.shutdown_timeout),
        "log_config": uvicorn_log_config(settings),
    }


def _announce(lang: str, host: str, port: int) -> None:
    url = _public_url(host, port)
    typer.echo(_t(lang, SERVES, url=url, docs=url + "/docs"), err=True)


def _serve(
    lang: str, settings: Settings, host: str, port: int, inbox: DemoInbox | None = None
) -> None:
    """One process: the app, its delivery thread, and the tagging child (where inline)."""
    import uvicorn

    from fluide.api.app import create_app
    from fluide.cli.lifeline import Stopped, stopped_by_signals
    from fluide.services.demo_mode import DemoDatabaseRequired

    try:
        application = _opened(lang, settings, lambda: create_app(settings))
    except DemoDatabaseRequired as exc:
        _demo_refused(lang, exc)
    if inbox is not None:
        application.state.demo_inbox = inbox
    _announce(lang, host, port)
    child = _tagging_child(lang, settings, application.state.sessions)
    try:
        with stopped_by_signals():
            uvicorn.run(application, host=host, port=port, **_uvicorn_options(settings))
    except Stopped:
        pass  # SIGTERM: uvicorn has finished the requests in flight; a clean stop
    finally:
        if child is not None:
            _stop_child(child)


def _serve_workers(lang: str, settings: Settings, host: str, port: int, workers: int) -> None:
    """N server processes under uvicorn's supervisor; what runs once stays in this one."""
    import shutil
    import tempfile

    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    from fluide.cli.lifeline import Stopped, stopped_by_signals
    from fluide.services.demo_mode import DemoDatabaseRequired
    from fluide.storage.db import session_factory

    try:
        engine = _opened(lang, settings, lambda: _prepared(settings))
    except DemoDatabaseRequired as exc:
        _demo_refused(lang, exc)
    loop = _delivery_loop(settings, engine)
    metrics_dir = None
    if settings.metrics:
        # One folder for the workers' metric files; mkdtemp makes it 0700.
        metrics_dir = tempfile.mkdtemp(prefix="fluide-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    child = _tagging_child(lang, settings, session_factory(engine))
    failed = False
    try:
        with stopped_by_signals():
            if loop is not None:
                loop.start()
            config = uvicorn.Config(
                WORKER_APP,
                factory=True,
                host=host,
                port=port,
                workers=workers,
                **_uvicorn_options(settings),
            )
            _announce(lang, host, port)
            supervisor = Multiprocess(config, sockets=[config.bind_socket()])
            supervisor.run()  # until SIGTERM or SIGINT: the workers have then stopped
            failed = any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes)
    except Stopped:
        pass  # stopped before the workers started
    finally:
        if loop is not None:
            loop.stop()
        if child is not None:
            _stop_child(child)
        engine.dispose()
        if metrics_dir is not None:
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
            shutil.rmtree(metrics_dir, ignore_errors=True)
    if failed:
        typer.echo(_t(lang, WORKER_FAILED), err=True)
        raise typer.Exit(EXIT_WORKER_FAILED)


def _prepared(settings: Settings) -> Engine:
    """This process's engine, once migrations and start-up checks have run."""
    from fluide.api.app import open_database, prepare_database

    engine = open_database(settings)
    try:
        prepare_database(settings, engine)
        if not _inline(settings):
            _queue_schema(settings, engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _inline(settings: Settings) -> bool:
    from fluide.jobs.runner import inline_wanted

    return inline_wanted(settings)


def _queue_schema(settings: Settings, engine: Engine) -> None:
    """procrastinate's tables, made here once: N workers at once would race to make them."""
    from fluide.jobs import queue
    from fluide.storage.db import session_factory

    queue_app = queue.build_app(settings, session_factory(engine), {})
    with queue_app.open():
        queue.ensure_schema(queue_app)


def _delivery_loop(settings: Settings, engine: Engine) -> Any:
    """The inline delivery loop, run here once (the workers only write the rows)."""
    if not _inline(settings):
        return None
    from fluide.jobs.runner import InlineWorker
    from fluide.jobs.senders import default_senders
    from fluide.storage.db import session_factory

    return InlineWorker(session_factory(engine), settings, default_senders())


def worker_app() -> FastAPI:
    """The app of one server process of ``--workers N`` (uvicorn imports and calls it)."""
    from multiprocessing import parent_process

    from fluide.api.app import create_app
    from fluide.cli.lifeline import stop_with_parent
    from fluide.settings import load_settings

    parent = parent_process()
    if parent is not None and parent.pid is not None:
        stop_with_parent(parent.pid)
    try:
        return create_app(load_settings(), migrate=False, deliveries=False)
    except Exception:
        # uvicorn would restart a crashed worker forever; a start-up failure stops the
        # supervisor instead, which then exits 1 (the same failure would recur).
        import logging
        import sys

        from uvicorn.config import STARTUP_FAILURE

        logging.getLogger("uvicorn.error").exception("The server process could not start")
        sys.exit(STARTUP_FAILURE)


def _tagging_child(
    lang: str, settings: Settings, factory: sessionmaker[Session]
) -> subprocess.Popen[bytes] | None:
    """Where this server runs deliveries itself, a child process tags the comments.

    The tagging model (about 70 MB) is loaded there, never in the server process,
    which stays small and answers while comments are tagged. The child's model
    is announced as loading at once: pages say so from the first request.
    """
    import subprocess
    import sys

    from fluide.jobs.model_state import announce
    from fluide.storage.types import new_id

    if not _inline(settings):
        return None  # `fluide worker` processes tag the comments
    env = dict(os.environ)
    env["FLUIDE_DATABASE_URL"] = settings.sqlalchemy_url
    env["FLUIDE_DEMO"] = "true" if settings.demo else "false"
    if settings.secret_key is not None:
        env["FLUIDE_SECRET_KEY"] = settings.secret_key.get_secret_value()
    # The child ends with this process however it ends (fluide.cli.lifeline); Linux ties
    # it to the thread that starts it, the main thread here, which lives as long as the server.
    command = [sys.executable, "-m", "fluide", "worker", "--tagging-only"]
    command += ["--exit-with-parent", "--parent-pid", str(os.getpid()), "--lang", lang]
    state_id = new_id("tgw")
    command += ["--state-id", state_id]
    child = subprocess.Popen(command, env=env)  # noqa: S603 - our own command
    announce(factory, state_id, child.pid)
    return child


def _stop_child(child: subprocess.Popen[bytes]) -> None:
    import subprocess

    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=5)
