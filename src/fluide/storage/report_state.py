"""The state of an unfinished weekly-report run, kept as JSON in its ``error`` column.

The worker (:mod:`fluide.jobs.weekly_report`) writes it; the admin page reads it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

RETRY_AFTER = timedelta(minutes=10)
"""First wait after a temporary failure; doubled at each attempt, up to :data:`MAX_WAIT`."""
MAX_WAIT = timedelta(hours=6)
STALE = timedelta(minutes=30)
"""A run still ``sending`` after this was left by a worker that died: taken over."""


@dataclass
class RunState:
    """What an unfinished run keeps in its ``error`` column."""

    state: str  # sending | retry | failed
    attempts: int = 1
    sent: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    detail: str = ""
    claim: str = field(default_factory=lambda: secrets.token_hex(8))

    def dump(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def load(cls, text: str) -> RunState:
        try:
            data = json.loads(text)
            return cls(**{k: data[k] for k in ("state", "attempts", "sent", "refused", "detail")})
        except (ValueError, TypeError, KeyError):
            # Not ours (written by hand?): treat it as a temporary failure.
            return cls("retry", detail=text[:500])

    def due_again(self, since: datetime, now: datetime) -> bool:
        if self.state == "sending":
            return now - since >= STALE
        if self.state == "retry":
            wait = min(RETRY_AFTER * (1 << max(self.attempts - 1, 0)), MAX_WAIT)
            return now - since >= wait
        return False
