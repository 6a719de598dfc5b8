"""The floor for ``POST /v1/events``: FastAPI parsing Fluide's own body model, nothing else.

It validates the request with ``fluide.api.schemas.EventsBody`` and answers a
decision-shaped JSON through the same response model, in a plain ``def``
route (run in the thread pool, as Fluide's is). No database, no API key. Run
under uvicorn with the settings ``fluide serve`` uses (``uvicorn.run`` defaults:
loop and HTTP parser "auto", access log on)::

    .venv/bin/python bench/bare_app.py --port 8100 --workers 2
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from fluide.api.schemas import DecisionOut, DecisionsOut, EventBatch, EventIn, EventsBody

TRIGGERS = {
    "payment_succeeded": ("payer", "in_app"),
    "payment_failed": ("payer", "in_app"),
    "ticket_resolved": ("support", "email"),
}

app = FastAPI(title="bare")


def _decision(e: EventIn) -> dict[str, Any]:
    hit = TRIGGERS.get(e.type)
    if hit is None:
        return {"event_id": e.id, "decision": "no_trigger", "invitation": None, "reason": {}}
    key, channel = hit
    invitation = {
        "id": "inv_000000000000000000000000",
        "url": "http://127.0.0.1/s/inv_000000000000000000000000.signature",
        "channel": channel,
        "expires_at": e.occurred_at.isoformat(),
    }
    return {"event_id": e.id, "decision": "invited", "invitation": invitation, "touchpoint": key}


@app.post("/v1/events", response_model=DecisionOut | DecisionsOut)
def post_events(body: EventsBody) -> dict[str, Any]:
    if isinstance(body, EventBatch):
        return {"decisions": [_decision(e) for e in body.events]}
    return _decision(body)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bare_app:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        app_dir=str(Path(__file__).resolve().parent),
    )


if __name__ == "__main__":
    main()
