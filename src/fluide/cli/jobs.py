"""Commands of the background work: ``fluide worker`` and ``fluide jobs``."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from typing import Annotated, Any

import typer

from fluide.cli.app import Group, LangOpt, _check_lang, app
from fluide.cli.service import _check_demo, _engine, _load
from fluide.i18n import DEFAULT_LANG, fmt_datetime
from fluide.i18n import gettext as _t

jobs_app = typer.Typer(
    cls=Group,
    help="Background jobs: deliveries of invitations. / Tâches de fond : envois des invitations.",
    no_args_is_help=True,
)
app.add_typer(jobs_app, name="jobs")


def _say(settings: Any, text: str) -> None:
    """A message of the running worker on stderr: a JSON log line when logs are JSON."""
    if settings.log_format == "json":
        import logging

        logging.getLogger("fluide.worker").info(text)
    else:
        typer.echo(text, err=True)


@app.command()
def worker(
    lang: LangOpt = DEFAULT_LANG,
    poll: Annotated[
        float, typer.Option("--poll", min=0.1, help="Seconds between looks for due work (SQLite).")
    ] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="Run what is due now, then exit.")] = False,
    tagging: Annotated[
        bool,
        typer.Option(
            "--tagging/--no-tagging", help="Also tag comments and compute topics (the default)."
        ),
    ] = True,
    tagging_only: Annotated[
        bool,
        typer.Option("--tagging-only", help="Only tag comments and compute topics."),
    ] = False,
    exit_with_parent: Annotated[
        bool, typer.Option("--exit-with-parent", hidden=True, help="Stop when the parent stops.")
    ] = False,
    parent_pid: Annotated[
        int | None, typer.Option("--parent-pid", hidden=True, help="The parent's process id.")
    ] = None,
    state_id: Annotated[
        str | None,
        typer.Option(
            "--state-id",
            hidden=True,
            help="The id under which the parent announced this process's model state.",
        ),
    ] = None,
) -> None:
    """Send invitations and tag comments: procrastinate jobs on PostgreSQL (run as many as
    you like), the deliveries and verbatims tables on SQLite."""
    parent = parent_pid or os.getppid()
    if exit_with_parent:
        # First thing: a server stopped while this child still starts must not leave it behind.
        from fluide.cli.lifeline import end_with_parent

        end_with_parent(parent)
    from fluide.api.logs import configure_worker_logging
    from fluide.jobs import queue
    from fluide.jobs.model_state import ModelLoader, process_loader, start_process_loader
    from fluide.jobs.runner import InlineWorker
    from fluide.jobs.senders import default_senders
    from fluide.jobs.tagging import TaggingWorker
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    settings = _load(lang)
    configure_worker_logging(settings)  # FLUIDE_LOG_FORMAT=json: JSON lines like the server
    engine = _engine(lang, settings)
    sessions = session_factory(engine)
    _check_demo(lang, settings, sessions)
    senders = default_senders()
    orphaned = (lambda: os.getppid() != parent) if exit_with_parent else (lambda: False)
    # A worker that runs on tags at once with the keyword rules while its model loads;
    # --once waits for the model instead (it has one pass to do).
    model = None if once else ModelLoader(worker_id=state_id)
    tagger = TaggingWorker(sessions, settings, poll=poll, stop_when=orphaned, model=model)
    if tagging_only:
        # The tagging child of `fluide serve`: polls the verbatims table, whatever the database.
        if once:
            typer.echo(
                _t(lang, "Comments tagged: %(count)s.", count=tagger.run_once().tagged), err=True
            )
            return
        if not exit_with_parent:  # the child of `fluide serve` ends at once instead
            signal.signal(signal.SIGTERM, lambda *_: tagger.stop(timeout=0))
        _say(settings, _t(lang, "Tagging worker started: tagging comments as they arrive."))
        with contextlib.suppress(KeyboardInterrupt):
            tagger.run_forever()
        return
    if settings.sqlalchemy_url.startswith("sqlite"):
        runner = InlineWorker(sessions, settings, senders, poll=poll)
        if once:
            typer.echo(
                _t(lang, "%(count)s deliveries attempted.", count=runner.run_once()), err=True
            )
            if tagging:
                typer.echo(
                    _t(lang, "Comments tagged: %(count)s.", count=tagger.run_once().tagged),
                    err=True,
                )
            return

        def stop(*_: object) -> None:
            runner.stop(timeout=0)
            tagger.stop(timeout=0)

        signal.signal(signal.SIGTERM, stop)
        if tagging:
            tagger.start()
        _say(settings, _t(lang, "Worker started (SQLite): sending due invitations."))
        try:
            with contextlib.suppress(KeyboardInterrupt):
                runner.run_forever()
        finally:
            tagger.stop()
        return
    queue_app = queue.build_app(settings, sessions, senders)
    queues = [queue.QUEUE, queue.TAGGING_QUEUE] if tagging else [queue.QUEUE]
    with queue_app.open():
        queue.ensure_schema(queue_app)
        if tagging and not once:
            start_process_loader(sessions, on_ready=lambda: queue.defer_verbatims(queue_app))
        _say(
            settings,
            _t(lang, "Worker started (PostgreSQL, procrastinate): sending due invitations."),
        )
        try:
            # Two at once: a long tagging job never holds an invitation back.
            queue_app.run_worker(
                queues=queues,
                concurrency=len(queues),
                wait=not once,
                install_signal_handlers=True,
            )
        finally:
            loader = process_loader()
            if loader is not None:
                loader.stop()


@app.command("tag-pending")
def tag_pending(
    workspace: Annotated[
        str | None, typer.Option("--workspace", help="Only this workspace id.")
    ] = None,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Tag every comment waiting for tagging, 64 at a time (after a bulk import, say)."""
    from fluide.cli.app import _progress
    from fluide.jobs.tagging import drain
    from fluide.storage import verbatim_queue as queue_store
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    settings = _load(lang)
    engine = _engine(lang, settings)
    try:
        factory = session_factory(engine)
        with factory() as s:
            total = queue_store.pending_count(s, workspace)
        with _progress(total > 0, _t(lang, "Tagging comments")) as bar:
            done = drain(
                factory,
                settings,
                workspace_id=workspace,
                progress=(lambda n: bar(min(n / total, 1.0))) if bar else None,
            )
    finally:
        engine.dispose()
    typer.echo(_t(lang, "Comments tagged: %(count)s.", count=done))


def _delivery_json(d: Any) -> dict[str, Any]:
    return {
        "id": d.id,
        "workspace_id": d.workspace_id,
        "invitation_id": d.invitation_id,
        "channel": d.channel,
        "status": d.status,
        "attempts": d.attempts,
        "last_error": d.last_error,
        "created_at": d.created_at.isoformat(),
    }


@jobs_app.command("failed")
def jobs_failed(
    workspace: Annotated[
        str | None, typer.Option("--workspace", help="Only this workspace id.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Deliveries that failed for good: kept and shown, never lost."""
    from fluide.jobs.deliveries import failed
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    settings = _load(lang)
    with session_factory(_engine(lang, settings))() as s:
        rows = failed(s, workspace)
    if fmt == "json":
        typer.echo(json.dumps([_delivery_json(d) for d in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(_t(lang, "No failed delivery."))
        return
    for d in rows:
        typer.echo(
            f"{d.id}  {d.channel:5}  {fmt_datetime(lang, d.created_at)}  "
            + _t(lang, "attempts: %(count)s", count=d.attempts)
            + f"  {d.last_error or ''}"
        )


@jobs_app.command("retry")
def jobs_retry(
    delivery_id: Annotated[
        str, typer.Argument(help="The failed delivery's id (see `fluide jobs failed`).")
    ],
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Put a failed delivery back in line, once what made it fail is fixed."""
    from fluide.jobs.deliveries import retry_failed
    from fluide.storage.db import session_factory
    from fluide.storage.types import utcnow

    lang = _check_lang(lang)
    settings = _load(lang)
    if not retry_failed(session_factory(_engine(lang, settings)), delivery_id, utcnow()):
        typer.echo(_t(lang, "No failed delivery %(id)s.", id=delivery_id), err=True)
        raise typer.Exit(2)
    typer.echo(_t(lang, "Delivery %(id)s will be tried again.", id=delivery_id))
