"""On PostgreSQL, a batch's deliveries become jobs in one statement, each with its lock."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from fluide.api.app import create_app
from fluide.jobs import queue
from fluide.settings import Settings


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_deliveries_are_deferred_together_and_a_waiting_one_is_not_lost(
    settings: Settings,
) -> None:
    app = create_app(settings)
    jobs = queue.build_app(settings, app.state.sessions, {})
    try:
        with TestClient(app):  # creates procrastinate's schema
            pass
        with jobs.open():
            queue.defer_all(jobs, ["dlv_a", "dlv_b", "dlv_c"])
            # dlv_c already waits (the sweep re-queued it): the others still get their job.
            queue.defer_all(jobs, ["dlv_c", "dlv_d"])
        with app.state.sessions() as s:
            rows = s.execute(
                text(
                    "SELECT queueing_lock, args->>'delivery_id' FROM procrastinate_jobs "
                    "WHERE task_name = 'fluide.deliver' AND status = 'todo' ORDER BY 1"
                )
            ).all()
        assert [tuple(r) for r in rows] == [(d, d) for d in ("dlv_a", "dlv_b", "dlv_c", "dlv_d")]
    finally:
        app.state.engine.dispose()
