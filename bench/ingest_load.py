"""The load of ``bench/ingest.py``: wrk rounds of single events, a Python driver for batches."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
LUA = HERE / "wrk" / "events.lua"
USERS = 20_000
TIMEOUT_S = 5
BATCH_SIZE = 1000
BATCH_TIMEOUT_S = 120.0
# The mix of wrk/events.lua: 7 in 10 trigger the in-app touchpoint, 2 the e-mail one.
EVENT_TYPES = (
    *("payment_succeeded",) * 4,
    "payment_failed",
    *("payment_succeeded",) * 2,
    *("ticket_resolved",) * 2,
    "page_viewed",
)


class WrkMissing(RuntimeError):
    pass


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkMissing(
            "wrk is not installed: `apt-get install wrk` (Debian/Ubuntu), then run again."
        )
    return found


def occurred_at() -> str:
    """A moment a minute ago: inside every touchpoint's 24 h window, never in the future."""
    return (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_wrk(
    url: str, key: str, tag: str, connections: int, seconds: float, seed: int
) -> tuple[str, float]:
    """wrk's whole output for one round of single events, and the wall time it took."""
    threads = 1 if connections < 4 else 2
    command = [
        wrk_path(),
        *("-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"),
        *("--timeout", f"{TIMEOUT_S}s", "-s", str(LUA), url),
        *("--", key or "-", tag, str(USERS), occurred_at(), str(seed), str(TIMEOUT_S * 1000)),
    ]
    started = time.monotonic()
    proc = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    return proc.stdout + proc.stderr, time.monotonic() - started


def _batch_body(tag: str, number: int, rng: random.Random, when: str) -> bytes:
    events = []
    for i in range(BATCH_SIZE):
        user = rng.randint(1, USERS)
        events.append(
            {
                "id": f"{tag}-{number}-{i}",
                "type": EVENT_TYPES[i % len(EVENT_TYPES)],
                "occurred_at": when,
                "user": {"id": f"u-{user}", "email": f"u-{user}@example.com", "locale": "fr"},
                "properties": {"amount": i % 500},
            }
        )
    return json.dumps({"events": events}).encode()


def run_batches(url: str, key: str, tag: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` threads post batches of 1,000 events for ``seconds``; events/s acknowledged.

    A batch started before the end is waited for (up to its timeout): the rate is
    events acknowledged over the time from the first post to the last answer.
    """
    lock = threading.Lock()
    acked = ok = failed = 0
    statuses: dict[str, int] = {}
    build_s = 0.0
    started = time.monotonic()
    end = started + seconds
    last_answer = started
    when = occurred_at()
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"

    def client(n: int) -> None:
        nonlocal acked, ok, failed, last_answer, build_s
        rng = random.Random(n)
        with httpx.Client(timeout=BATCH_TIMEOUT_S, headers=headers) as http:
            number = 0
            while time.monotonic() < end:
                t0 = time.monotonic()
                body = _batch_body(f"{tag}-c{n}", number, rng, when)
                number += 1
                t1 = time.monotonic()
                try:
                    r = http.post(url + "/v1/events", content=body)
                    status = str(r.status_code)
                    count = len(r.json().get("decisions", [])) if r.status_code < 300 else 0
                except httpx.HTTPError as exc:
                    status, count = type(exc).__name__, 0
                with lock:
                    build_s += t1 - t0
                    statuses[status] = statuses.get(status, 0) + 1
                    last_answer = max(last_answer, time.monotonic())
                    if count:
                        acked += count
                        ok += 1
                    else:
                        failed += 1

    workers = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=seconds + BATCH_TIMEOUT_S + 10)
    elapsed = max(last_answer - started, 1e-9)
    return {
        "clients": clients,
        "events_acked": acked,
        "seconds": round(elapsed, 2),
        "events_per_s": round(acked / elapsed, 1),
        "batches_2xx": ok,
        "batches_failed": failed,
        "statuses": statuses,
        "driver_build_s": round(build_s, 2),
    }
