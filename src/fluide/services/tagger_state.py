"""What the tags on a page come from: the model, the keyword rules, or rules while it loads.

The model lives in the worker processes; each one records its state with a
heartbeat (:mod:`fluide.jobs.model_state`). This module reads those states
and gives the ``tagger`` value of ``GET /v1/frictions``, the pages and the
weekly report:

- ``loading``: a worker is loading the model and none has it yet; the keyword
  rules tag the comments meanwhile and the model tags them again once ready;
- ``model``: a worker has the model (or no worker runs and no comment waits
  for the model);
- ``rules``: the model could not be loaded and comments carry the rules' tags.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.storage import tagger_runtime as store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.tagger_runtime import FAILED, LOADING, MODEL, STALE
from fluide.storage.types import utcnow

UNKNOWN: Final = "unknown"
"""No worker process said anything recently (none runs, or all died)."""


def fleet(s: Session, now: datetime | None = None) -> str:
    """The model's state across the live worker processes: the most advanced one wins."""
    states = {doc.get("state") for doc in store.live(s, (now or utcnow()) - STALE).values()}
    for state in (MODEL, LOADING, FAILED):
        if state in states:
            return state
    return UNKNOWN


def label(state: str, statuses: Collection[str]) -> str:
    """The ``tagger`` value for comments in ``statuses`` (``pending``, ``rules``, ``done``),
    given the workers' ``state``."""
    if state in (LOADING, MODEL):
        return "loading" if state == LOADING else "model"
    waiting = queue_store.RULES in statuses or "pending" in statuses
    if state == FAILED:
        # New comments get the rules' tags; earlier ones may still carry the model's.
        return "rules" if waiting or not statuses else "model"
    return "rules" if queue_store.RULES in statuses else "model"


def of_workspace(factory: sessionmaker[Session], ws_id: str) -> str:
    """The ``tagger`` value of a workspace's pages (a few indexed reads)."""
    with factory() as s:
        state = fleet(s)
        statuses = queue_store.statuses_in(s, ws_id, (queue_store.RULES, "pending", "done"))
    return label(state, statuses)
