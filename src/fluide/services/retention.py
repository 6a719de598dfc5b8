"""Retention: a workspace's comments and inactive customers removed after its periods.

``comment_retention_days = N``: an answer given (``responded_at``) more than
N days ago loses its comment and its free-text answers, with their tagging
state, search text, embedding and the tag examples made from them. Its score,
its scale answers and its friction tags stay, so figures and friction counts
do not change.

``personal_data_retention_days = N``: a customer with no sign of life for N
days (no event received, no answer given or changed, no opt-out in the last
N days) is erased entirely, exactly as by ``DELETE
/v1/users/{id}``, with an audit row of reason ``retention``. The clock runs
from the last contact, as for any customer file: an active customer's
history serves the measure (fatigue, follow-ups, before/after) while the
relationship lasts; they may ask for erasure at any time.

``None`` keeps data until erased. The worker applies both once a day
(:mod:`fluide.jobs.retention`); :func:`apply_retention` takes the time, for
tests and for running it by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.services.erasure import RETENTION, erase_user, erased_tables, purge_files
from fluide.services.errors import ServiceError
from fluide.services.workspaces import workspace_of
from fluide.storage import erasure as store
from fluide.storage.db import write_session

log = logging.getLogger("fluide")

BATCH: Final = 200
COMMENT_TABLES: Final = ("responses", "verbatim_states", "tag_examples")


@dataclass
class RetentionRun:
    """What one retention run removed in a workspace."""

    comments: int = 0
    free_text_answers: int = 0
    customers_erased: int = 0
    tables: list[str] = field(default_factory=list)
    files_purged: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "comments": self.comments,
            "free_text_answers": self.free_text_answers,
            "customers_erased": self.customers_erased,
            "files_purged": self.files_purged,
        }


def apply_retention(
    factory: sessionmaker[Session], ws_id: str, now: datetime, *, purge: bool = True
) -> RetentionRun:
    """Apply the workspace's retention periods as of ``now``; what went.

    Without ``purge`` the caller purges :attr:`RetentionRun.tables` itself.
    """
    ws = workspace_of(factory, ws_id)
    run = RetentionRun()
    if ws.comment_retention_days:
        _remove_old_comments(factory, ws_id, now - timedelta(days=ws.comment_retention_days), run)
    if ws.personal_data_retention_days:
        before = now - timedelta(days=ws.personal_data_retention_days)
        _erase_inactive(factory, ws_id, before, now, run)
    if purge and run.tables:
        run.files_purged = purge_files(factory, run.tables)
    return run


def _remove_old_comments(
    factory: sessionmaker[Session], ws_id: str, before: datetime, run: RetentionRun
) -> None:
    after = ""
    while True:
        with write_session(factory) as s:
            rows = store.old_comments(s, ws_id, before, after, BATCH)
            counts = store.remove_comments(s, ws_id, rows) if rows else {}
        if not rows:
            return
        run.comments += counts["comments"]
        run.free_text_answers += counts["free_text_answers"]
        run.tables = list(dict.fromkeys([*run.tables, *COMMENT_TABLES]))
        after = rows[-1][0]
        if len(rows) < BATCH:
            return


def _erase_inactive(
    factory: sessionmaker[Session],
    ws_id: str,
    before: datetime,
    now: datetime,
    run: RetentionRun,
) -> None:
    after = ""
    while True:
        with factory() as s:
            batch = store.inactive_users(s, ws_id, before, after, BATCH)
        for _, external_id in batch:
            try:
                done = erase_user(
                    factory,
                    ws_id,
                    external_id,
                    erased_by=RETENTION,
                    reason=RETENTION,
                    now=now,
                    inactive_before=before,
                    purge=False,
                )
            except ServiceError:  # erased meanwhile (an API call): nothing left to do
                continue
            if done is not None:
                run.customers_erased += 1
                run.tables = list(dict.fromkeys([*run.tables, *erased_tables([done.counts])]))
        if len(batch) < BATCH:
            return
        after = batch[-1][0]
