"""Measure the decision path in-process: batch events/s, single-event time, statements.

Runs ``POST /v1/events`` through FastAPI's TestClient (auth, parsing and the
decision, no network) on SQLite and on a throw-away PostgreSQL (tests/pg.py,
durability off), alternating rounds:

- a batch of 1,000 events (500 users, two events each, half of them triggering)
  → events/s;
- single events, one request each → mean milliseconds per request;
- the SQL statements one single invited event costs (auth included).

The HTTP load benchmark is ``make bench-ingest``; this one isolates the
decisions. Timings are noisy on a shared machine: compare runs made together.

    .venv/bin/python bench/decisions.py [--rounds 3] [--singles 200] [--no-pg]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import event  # noqa: E402

from fluide.api.app import create_app  # noqa: E402
from fluide.services.workspaces import create_workspace  # noqa: E402
from fluide.settings import load_settings  # noqa: E402

TOUCHPOINT = {
    "key": "payer",
    "task": "payer",
    "question": {"fr": "J'ai pu payer facilement", "en": "I could pay easily"},
    "scale": "1-7",
    "polarity": "ease",
    "triggers": [{"event": "payment_succeeded"}],
    "channels": ["email", "in_app"],
}


SHOW = False


def _event(event_id: str, user: str, triggering: bool) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "payment_succeeded" if triggering else "login",
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "user": {
            "id": user,
            "email": f"{user}@example.com",
            "locale": "fr",
            "attributes": {"plan": "pro"},
        },
        "properties": {"ticket_id": "T-1"},
    }


@contextmanager
def _client(url: str, data: Path) -> Iterator[tuple[TestClient, dict[str, str], Any]]:
    settings = load_settings(
        database_url=url,
        secret_key="bench-" + "x" * 40,
        data_dir=data,
        public_url="http://b",
        worker="external",  # no delivery thread: its statements would be counted
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            ws = create_workspace(app.state.sessions, "Bench")
            auth = {"Authorization": f"Bearer {ws.api_key}"}
            r = client.post("/v1/touchpoints", headers=auth, json=TOUCHPOINT)
            assert r.status_code == 201, r.text
            yield client, auth, app.state.engine
    finally:
        app.state.engine.dispose()


def _batch(client: TestClient, auth: dict[str, str], tag: str) -> float:
    events = [_event(f"{tag}-{i}", f"{tag}-u{i % 500}", i % 2 == 0) for i in range(1000)]
    started = time.perf_counter()
    r = client.post("/v1/events", headers=auth, json={"events": events})
    elapsed = time.perf_counter() - started
    assert r.status_code == 200, r.text
    return 1000 / elapsed


def _singles(client: TestClient, auth: dict[str, str], tag: str, n: int) -> float:
    times = []
    for i in range(n):
        body = _event(f"{tag}-s{i}", f"{tag}-s{i % 50}", True)
        started = time.perf_counter()
        r = client.post("/v1/events", headers=auth, json=body)
        times.append(time.perf_counter() - started)
        assert r.status_code == 200, r.text
    return statistics.mean(times) * 1000


def _statements(client: TestClient, auth: dict[str, str], engine: Any, tag: str) -> int:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    client.post("/v1/events", headers=auth, json=_event(f"{tag}-warm", f"{tag}-w", True))
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = client.post("/v1/events", headers=auth, json=_event(f"{tag}-count", f"{tag}-c", True))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.json()["decision"] == "invited", r.text
    if SHOW:
        print("\n".join(seen))
    return len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--singles", type=int, default=200)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--show", action="store_true", help="print the counted statements")
    args = parser.parse_args()
    global SHOW
    SHOW = args.show
    with tempfile.TemporaryDirectory() as tmp:
        urls = {"sqlite": f"sqlite:///{tmp}/bench.db"}
        pg = None
        if not args.no_pg:
            from tests.pg import TempPostgres

            pg = TempPostgres()
            urls["postgresql"] = pg.start()
        try:
            results: dict[str, dict[str, list[float]]] = {
                k: {"batch": [], "single": []} for k in urls
            }
            statements: dict[str, int] = {}
            with (
                _client(urls["sqlite"], Path(tmp)) as lite,
                _client(urls["postgresql"], Path(tmp)) if pg else _none() as post,
            ):
                clients = {"sqlite": lite, **({"postgresql": post} if post else {})}
                for name, (client, auth, engine) in clients.items():
                    statements[name] = _statements(client, auth, engine, "st")
                for r in range(args.rounds):
                    for name, (client, auth, _engine) in clients.items():
                        results[name]["batch"].append(_batch(client, auth, f"b{r}"))
                        results[name]["single"].append(
                            _singles(client, auth, f"s{r}", args.singles)
                        )
            for name, res in results.items():
                print(
                    f"{name:10} batch of 1000: {statistics.median(res['batch']):7.0f} events/s "
                    f"(rounds {', '.join(f'{v:.0f}' for v in res['batch'])}); "
                    f"single: {statistics.median(res['single']):6.2f} ms mean "
                    f"(rounds {', '.join(f'{v:.2f}' for v in res['single'])}); "
                    f"statements per single invited event: {statements[name]}"
                )
        finally:
            if pg is not None:
                pg.stop()


@contextmanager
def _none() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
