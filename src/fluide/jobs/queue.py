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

from fluide.jobs import deliveries
from fluide.settings import Settings
from fluide.storage.types import utcnow

log = logging.getLogger("fluide.jobs")
QUEUE = "deliveries"


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
        return len(ids)

    return app


def defer(app: procrastinate.App, delivery_id: str) -> None:
    # A job for this delivery already waiting is fine: it will run.
    with contextlib.suppress(procrastinate.exceptions.AlreadyEnqueued):
        app.configure_task("fluide.deliver", queueing_lock=delivery_id).defer(
            delivery_id=delivery_id
        )


def ensure_schema(app: procrastinate.App) -> None:
    """Create procrastinate's tables once (its own schema, beside ours)."""
    connector = app.connector.get_sync_connector()
    row = connector.execute_query_one("SELECT to_regclass('procrastinate_jobs') AS t")
    if row["t"] is None:
        app.schema_manager.apply_schema()
