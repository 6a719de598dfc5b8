"""The daily retention run: each workspace's periods applied once a day, from 03:00.

A workspace's retention day starts at :data:`RUN_AT` in its time zone; the
first worker round of that day claims it (:func:`fluide.storage.retention.claim_day`)
and applies :func:`fluide.services.retention.apply_retention`, so with two
workers it still runs once. A run that fails is logged and waits for the
next day. Each round also does the file purges that erasures left pending.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide.services.erasure import purge_files
from fluide.services.retention import apply_retention
from fluide.storage import retention as store
from fluide.storage.db import write_session

log = logging.getLogger("fluide.jobs")

RUN_AT: Final = time(3, 0)
"""Outside working hours: on PostgreSQL the purge rewrites tables under a lock."""


def retention_day(tz: str, now: datetime) -> str:
    """The retention day (ISO date) at ``now`` in ``tz``: it starts at 03:00 local.

    >>> from datetime import UTC
    >>> retention_day("Europe/Paris", datetime(2026, 5, 4, 0, 59, tzinfo=UTC))
    '2026-05-03'
    >>> retention_day("Europe/Paris", datetime(2026, 5, 4, 1, 0, tzinfo=UTC))
    '2026-05-04'
    """
    local = now.astimezone(ZoneInfo(tz))
    opens = timedelta(hours=RUN_AT.hour, minutes=RUN_AT.minute)
    return (local - opens).date().isoformat()


def run_due(factory: sessionmaker[Session], now: datetime) -> int:
    """Apply retention in each workspace whose day has come, then purge; how many ran.

    Cheap when nothing is due: two reads.
    """
    with factory() as s:
        candidates = store.workspaces_with_retention(s)
        done_days = store.last_days(s) if candidates else {}
    ran, tables = 0, []
    for ws_id, tz in candidates:
        day = retention_day(tz, now)
        if done_days.get(ws_id, "") >= day:
            continue
        with write_session(factory) as s:
            if not store.claim_day(s, ws_id, day, now):
                continue
        try:
            run = apply_retention(factory, ws_id, now, purge=False)
        except Exception:  # one workspace's trouble never stops the others'
            log.exception("retention of %s", ws_id)
            continue
        ran += 1
        tables.extend(run.tables)
        log.info("retention of %s on %s: %s", ws_id, day, run.to_json())
    purge_files(factory, tables)
    return ran
