"""bench/ingest_load.py: what it sends, and a clear stop when wrk is missing."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from fluide.api.schemas import EventBatch, EventsBody
from ingest_load import BATCH_SIZE, WrkMissing, _batch_body, occurred_at, wrk_path


def test_without_wrk_the_benchmark_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(WrkMissing, match="apt-get install wrk"):
        wrk_path()


def test_a_batch_is_what_fluide_accepts_with_unique_ids_and_returning_users() -> None:
    raw = _batch_body("t", 3, random.Random(1), occurred_at())
    body = TypeAdapter(EventsBody).validate_python(json.loads(raw))
    assert isinstance(body, EventBatch) and len(body.events) == BATCH_SIZE
    assert len({e.id for e in body.events}) == BATCH_SIZE
    assert len({e.user.id for e in body.events}) < BATCH_SIZE  # a user may come twice
    assert {e.type for e in body.events} == {
        "payment_succeeded",
        "payment_failed",
        "ticket_resolved",
        "page_viewed",
    }
