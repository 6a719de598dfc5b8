"""PostgreSQL transport: procrastinate jobs carrying delivery ids to `fluide worker`.

A job is deferred right after the invitation commits, with a queueing lock on
the delivery id (never two queued jobs for one delivery). Temporary failures
are retried by procrastinate with exponential back-off; a periodic sweep
re-queues deliveries whose job was lost (a worker killed mid-send, a defer
that failed after the commit), so nothing is ever forgotten.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any

import procrastinate
from sqlalchemy.orm import Session, sessionmaker

from fluide.jobs import deliveries, weekly_report
from fluide.settings import Settings
from fluide.storage.types import utcnow

log = logging.getLogger("fluide.jobs")
QUEUE = "deliveries"
TAGGING_QUEUE = "verbatims"
"""Tagging comments and computing topics: the model loads in the worker that runs them."""


class RetryLater(Exception):
    """Raised by the job so that procrastinate schedules the next attempt."""


def conninfo(settings: Settings) -> str:
    return settings.sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def build_app(
    settings: Settings, factory: sessionmaker[Session], senders: dict[str, Any]
) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(settings)))

    @app.task(
        name="fluide.deliver",
        queue=QUEUE,
        retry=procrastinate.RetryStrategy(
            max_attempts=deliveries.MAX_ATTEMPTS, exponential_wait=2, retry_exceptions={RetryLater}
        ),
    )
    def deliver(delivery_id: str) -> str:
        lease = timedelta(seconds=settings.delivery_lease_seconds)
        outcome = deliveries.deliver(factory, settings, delivery_id, senders, lease=lease)
        if outcome.status == "retry":
            raise RetryLater(outcome.detail)
        return outcome.status

    @app.periodic(cron="* * * * *", periodic_id="fluide-sweep")
    @app.task(name="fluide.sweep", queue=QUEUE, queueing_lock="fluide.sweep")
    def sweep(timestamp: int) -> int:
        lease = timedelta(seconds=settings.delivery_lease_seconds)
        ids = deliveries.due(factory, utcnow(), limit=500, lease=lease)
        for delivery_id in ids:
            defer(app, delivery_id)
        weekly_report.send_due_reports(factory, settings, utcnow())
        return len(ids)

    @app.periodic(cron="* * * * *", periodic_id="fluide-follow-ups")
    @app.task(name="fluide.follow_ups", queue=QUEUE, queueing_lock="fluide.follow_ups")
    def follow_ups(timestamp: int | None = None) -> int:
        from fluide.jobs.follow_ups import notify_pending
        from fluide.services.contact_follow_ups import open_missed_promises

        # Promises about to be missed open their follow-ups first: notified in this run.
        open_missed_promises(factory, utcnow())
        return notify_pending(factory, settings, utcnow())

    @app.periodic(cron="* * * * *", periodic_id="fluide-helpdesk")
    @app.task(name="fluide.helpdesk", queue=QUEUE, queueing_lock="fluide.helpdesk")
    def helpdesk(timestamp: int | None = None) -> int:
        from fluide.jobs.helpdesk import push_pending

        return push_pending(factory, settings, utcnow())

    @app.periodic(cron="* * * * *", periodic_id="fluide-verbatims")
    @app.task(name="fluide.verbatims", queue=TAGGING_QUEUE, queueing_lock="fluide.verbatims")
    def verbatims(timestamp: int | None = None) -> int:
        from fluide.jobs.model_state import process_loader
        from fluide.jobs.tagging import run_due

        # The worker's model loads in the background (fluide worker): rules meanwhile.
        done = run_due(factory, settings, model=process_loader())
        return done.tagged + done.topics

    @app.periodic(cron="*/10 * * * *", periodic_id="fluide-retention")
    @app.task(name="fluide.retention", queue=QUEUE, queueing_lock="fluide.retention")
    def retention(timestamp: int | None = None) -> int:
        # On the deliveries queue, which every worker runs (--no-tagging ones too):
        # retention must never be skipped. It runs once a day, from 03:00 local.
        from fluide.jobs.retention import run_due

        return run_due(factory, utcnow())

    return app


def defer_verbatims(app: procrastinate.App) -> None:
    """Wake a worker for pending comments or topics (one queued job at a time is enough)."""
    with contextlib.suppress(procrastinate.exceptions.AlreadyEnqueued):
        app.configure_task("fluide.verbatims").defer()


def wake_on_commit(factory: sessionmaker[Session], app: procrastinate.App) -> None:
    """After a commit that left tagging or topics to do, defer the verbatims job.

    The storage marks such transactions (:data:`fluide.storage.tags.WAKE`);
    the job itself reads the queue from the database, so a lost wake-up only
    waits for the next periodic run.
    """
    from sqlalchemy import event

    from fluide.storage.tags import WAKE

    @event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.info.pop(WAKE, None):
            try:
                defer_verbatims(app)
            except Exception:  # the periodic run will pick the work up
                log.warning("could not defer the verbatims job", exc_info=True)

    @event.listens_for(factory, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(WAKE, None)


def defer(app: procrastinate.App, delivery_id: str) -> None:
    # A job for this delivery already waiting is fine: it will run.
    with contextlib.suppress(procrastinate.exceptions.AlreadyEnqueued):
        app.configure_task("fluide.deliver", queueing_lock=delivery_id).defer(
            delivery_id=delivery_id
        )


def defer_all(app: procrastinate.App, delivery_ids: list[str]) -> None:
    """A job per delivery, deferred in one statement (a batch of events makes hundreds).

    Each job keeps its delivery's queueing lock; if one is already waiting
    (the sweep got there first), the batch is refused whole and each is
    deferred on its own.
    """
    jobs = [
        app.configure_task("fluide.deliver", queueing_lock=d).make_new_job(delivery_id=d)
        for d in delivery_ids
    ]
    try:
        app.job_manager.batch_defer_jobs(jobs=jobs)
    except procrastinate.exceptions.AlreadyEnqueued:
        for delivery_id in delivery_ids:
            defer(app, delivery_id)


def ensure_schema(app: procrastinate.App) -> None:
    """Create procrastinate's tables once (its own schema, beside ours)."""
    connector = app.connector.get_sync_connector()
    row = connector.execute_query_one("SELECT to_regclass('procrastinate_jobs') AS t")
    if row["t"] is None:
        app.schema_manager.apply_schema()
