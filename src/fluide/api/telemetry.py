"""Prometheus metrics of the service: what each process counts, and what a scrape shows.

Labels never carry a workspace's data: routes are labelled by their template
(``/v1/users/{external_id}``), never by the path asked for. With several
server processes (``PROMETHEUS_MULTIPROC_DIR`` set before the processes
start), each writes its counts to that folder and any of them answers for
all (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from fluide.domain.fatigue import Decision

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Request durations from 1 ms (a cached read) to 10 s (past any timeout we set)."""
DECISIONS = tuple(d.value for d in Decision)
OTHER = "other"

# No `_created` twin of every counter: half the lines, and no use here.
disable_created_metrics()  # type: ignore[no-untyped-call]
LOCAL = CollectorRegistry()
"""This process's metrics (in multiprocess mode their values live in the shared folder)."""

requests_total = Counter(
    "fluide_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=LOCAL,
)
request_seconds = Histogram(
    "fluide_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=BUCKETS,
    registry=LOCAL,
)
decisions_total = Counter(
    "fluide_decisions",
    "Event decisions made (API and widget events), by decision.",
    ["decision"],
    registry=LOCAL,
)
pool_connections = Gauge(
    "fluide_db_pool_connections",
    "Database connections of this process's pool, by state.",
    ["state"],
    registry=LOCAL,
    multiprocess_mode="liveall",
)
pool_size = Gauge(
    "fluide_db_pool_size",
    "Connections this process's pool keeps open (overflow comes on top).",
    registry=LOCAL,
    multiprocess_mode="liveall",
)
for _decision in DECISIONS:
    decisions_total.labels(_decision)  # every kind shows, at 0 until it happens


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


if multiprocess_dir() is None:
    ProcessCollector(registry=LOCAL)
    PlatformCollector(registry=LOCAL)
else:
    # Gauges of a process that ended leave the scrape (counters keep what it counted).
    atexit.register(multiprocess.mark_process_dead, os.getpid())


def count_decisions(results: Iterable[dict[str, Any]]) -> None:
    """Count each result's ``decision`` (as ``record_events`` returns them)."""
    for result in results:
        decision = str(result.get("decision"))
        decisions_total.labels(decision if decision in DECISIONS else OTHER).inc()


def observe_pool(engine: Engine) -> None:
    """This process's pool: connections checked out, idle, and past the pool size."""
    pool: Any = engine.pool
    try:
        out, idle, over, size = (
            pool.checkedout(),
            pool.checkedin(),
            max(pool.overflow(), 0),
            pool.size(),
        )
    except AttributeError:  # a pool without a size (SQLite in memory): nothing to show
        return
    pool_connections.labels("checked_out").set(out)
    pool_connections.labels("idle").set(idle)
    pool_connections.labels("overflow").set(over)
    pool_size.set(size)


class _Families(Collector):
    """Metric families made at scrape time, in the shape ``generate_latest`` reads."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


def render(engine: Engine, database: list[Metric]) -> bytes:
    """The text exposition: this process's (or every process's) metrics, then ``database``."""
    observe_pool(engine)
    folder = multiprocess_dir()
    if folder is None:
        registry = LOCAL
    else:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    return generate_latest(registry) + generate_latest(_Families(database))


def gauge(name: str, documentation: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=labels)
