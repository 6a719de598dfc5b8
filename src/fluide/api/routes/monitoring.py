"""``GET /metrics``: Prometheus text format, when ``FLUIDE_METRICS=true``."""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import Metric

from fluide.api import telemetry
from fluide.api.deps import SettingsDep
from fluide.services import monitoring
from fluide.services.errors import ServiceError
from fluide.storage.types import utcnow

router = APIRouter(tags=["health"])
log = logging.getLogger("fluide.monitoring")


def _check_token(request: Request, expected: str) -> None:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    ok = scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    )
    if not ok:
        raise ServiceError(
            "unauthorized", "Send the metrics token as: Authorization: Bearer TOKEN.", status=401
        )


def database_families(request: Request) -> list[Metric]:
    """The database's figures, and ``fluide_scrape_database_up`` (0 when it failed)."""
    up = telemetry.gauge("fluide_scrape_database_up", "1 when this scrape could read the database.")
    try:
        now = utcnow()
        work = monitoring.backlog(request.app.state.sessions, now)
    except Exception as exc:  # any failure: the process metrics still go out
        log.warning("metrics: the database could not be read (%s)", type(exc).__name__)
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    states = telemetry.gauge("fluide_deliveries", "Deliveries by state.", ["state"])
    for state, count in work.deliveries.items():
        states.add_metric([state], count)
    depth = telemetry.gauge(
        "fluide_queue_depth",
        "Work due now: delivery rows (source=table), procrastinate jobs (source=procrastinate).",
        ["source", "queue"],
    )
    oldest = telemetry.gauge(
        "fluide_queue_oldest_seconds",
        "Age of the oldest due item since it became due.",
        ["source", "queue"],
    )
    depth.add_metric(["table", "deliveries"], work.due)
    oldest.add_metric(["table", "deliveries"], work.due_oldest_seconds)
    for queue, (count, age) in sorted(work.jobs.items()):
        depth.add_metric(["procrastinate", queue], count)
        oldest.add_metric(["procrastinate", queue], age)
    tagging = telemetry.gauge("fluide_tagging_backlog", "Comments waiting to be tagged.")
    tagging.add_metric([], work.tagging)
    return [up, states, depth, oldest, tagging]


@router.get(
    "/metrics",
    summary="Prometheus metrics (FLUIDE_METRICS=true; FLUIDE_METRICS_TOKEN as a Bearer token)",
    include_in_schema=False,
)
def metrics(request: Request, settings: SettingsDep) -> Response:
    if not settings.metrics:
        raise HTTPException(status_code=404)
    if settings.metrics_token is not None:
        _check_token(request, settings.metrics_token.get_secret_value())
    body = telemetry.render(request.app.state.engine, database_families(request))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
