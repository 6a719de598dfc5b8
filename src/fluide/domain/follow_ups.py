"""Follow-ups, the pure part: why one opens, when it is late, where its notification stands.

>>> reason("high", "Trop long", callback=False), reason("moderate", "Trop long", callback=True)
('comment', None)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from fluide.domain.periods import local_day_bounds
from fluide.domain.scales import EffortGroups, Question, polarity_by_key, scale_by_key
from fluide.i18n import N_

DEFAULT_SLA_HOURS: Final = 48
MAX_NOTE: Final = 2000
STATUSES: Final = ("open", "in_progress", "closed")
ACTIVE: Final = ("open", "in_progress")
STATUS_NAMES: Final = {
    "open": N_("To do"),
    "in_progress": N_("In progress"),
    "closed": N_("Closed"),
}
OUTCOMES: Final = ("resolved", "explained", "no_answer", "not_needed", "other")
OUTCOME_NAMES: Final = {
    "resolved": N_("Problem resolved"),
    "explained": N_("Explained to the customer"),
    "no_answer": N_("Customer could not be reached"),
    "not_needed": N_("No call-back needed"),
    "other": N_("Other"),
}
REASONS: Final = ("comment", "callback", "both")
CONTACT_REASONS: Final = ("recontact", "delay")
"""Opened by a customer's contacts, before any survey: a second contact within the
window, or a promise about to be missed (services.contact_follow_ups)."""
REASON_NAMES: Final = {
    "comment": N_("Comment"),
    "callback": N_("Call-back requested"),
    "both": N_("Comment and call-back requested"),
    "recontact": N_("Recontact: the customer came back within the window"),
    "delay": N_("Promise about to be missed"),
}

NOTIFY_BACKOFF: Final = (
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
"""The wait after each failed notification attempt before the next one."""
MAX_ATTEMPTS: Final = len(NOTIFY_BACKOFF) + 1
SENDING: Final = "sending"
"""``notify_error`` while an attempt is under way (a crash mid-send is retried later)."""
NOTIFICATION_NAMES: Final = {
    "pending": N_("Notification waiting"),
    "sending": N_("Notification being sent"),
    "retrying": N_("Notification failed, will be retried"),
    "sent": N_("Assignee notified"),
    "failed": N_("Notification failed"),
    "skipped": N_("Not notified (opened from past answers)"),
}


def reason(group: str, comment: str | None, *, callback: bool) -> str | None:
    """``comment``, ``callback`` or ``both`` when an answer calls for a follow-up, else ``None``.

    Only high-effort answers do, and only with something to act on: a comment,
    or the customer's consent to be contacted.

    >>> reason("high", None, callback=True), reason("high", " ", callback=False)
    ('callback', None)
    >>> reason("high", "Le code n'arrive pas", callback=True)
    'both'
    """
    if group != "high":
        return None
    has_comment = bool((comment or "").strip())
    if has_comment and callback:
        return "both"
    if has_comment:
        return "comment"
    return "callback" if callback else None


def widened(current: str, new: str | None) -> str:
    """The reason once the answer changed: it only ever grows (a struggle did happen).

    >>> widened("comment", "callback"), widened("both", None), widened("callback", "callback")
    ('both', 'both', 'callback')
    """
    if new is None or new == current:
        return current
    return "both"


def without_callback(current: str) -> str | None:
    """The reason once the customer withdrew their consent to be contacted: the call-back
    part goes; ``None`` when nothing is left to act on.

    >>> without_callback("both"), without_callback("callback"), without_callback("comment")
    ('comment', None, 'comment')
    """
    if current == "both":
        return "comment"
    return None if current == "callback" else current


@dataclass(frozen=True)
class Timing:
    overdue: bool
    due_in_seconds: int | None
    """Seconds left before the due moment (negative: late); ``None`` once closed."""
    closed_late: bool


def timing(status: str, due_at: datetime, closed_at: datetime | None, now: datetime) -> Timing:
    """Where a follow-up stands against its due moment, at ``now``.

    >>> from datetime import UTC
    >>> due = datetime(2026, 3, 4, 12, tzinfo=UTC)
    >>> timing("open", due, None, datetime(2026, 3, 4, 15, tzinfo=UTC))
    Timing(overdue=True, due_in_seconds=-10800, closed_late=False)
    >>> timing("closed", due, datetime(2026, 3, 4, 13, tzinfo=UTC), due).closed_late
    True
    """
    if status == "closed":
        late = closed_at is not None and closed_at > due_at
        return Timing(False, None, late)
    left = round((due_at - now).total_seconds())
    return Timing(now > due_at, left, False)


def notification_state(notified_at: datetime | None, attempts: int, error: str | None) -> str:
    """``pending``, ``sending``, ``retrying``, ``sent``, ``failed`` or ``skipped``.

    ``notified_at`` is the moment of the last attempt (or of deciding not to
    notify); ``error`` is ``None`` once settled.

    >>> from datetime import UTC
    >>> at = datetime(2026, 3, 4, tzinfo=UTC)
    >>> notification_state(None, 0, None), notification_state(at, 1, None)
    ('pending', 'sent')
    >>> notification_state(at, 0, None), notification_state(at, 2, "550 no such user")
    ('skipped', 'retrying')
    >>> notification_state(at, MAX_ATTEMPTS, "550 no such user")
    'failed'
    """
    if notified_at is None:
        return "pending"
    if error is None:
        return "sent" if attempts else "skipped"
    if error == SENDING:
        return "sending"
    return "failed" if attempts >= MAX_ATTEMPTS else "retrying"


@functools.cache
def question(scale: str, polarity: str, low_max: int, high_min: int) -> Question:
    """The question an answer was given on, with its version's own effort groups.

    >>> question("1-7", "ease", 2, 5).group_of(2)
    'high'
    """
    return Question(scale_by_key(scale), polarity_by_key(polarity), EffortGroups(low_max, high_min))


def week_start(now: datetime, tz: str) -> datetime:
    """Monday 00:00 of ``now``'s week, in the time zone ``tz``, as a UTC instant.

    >>> from datetime import UTC
    >>> week_start(datetime(2026, 3, 4, 12, tzinfo=UTC), "Europe/Paris").isoformat()
    '2026-03-01T23:00:00+00:00'
    """
    today: date = now.astimezone(ZoneInfo(tz)).date()
    start = local_day_bounds(today - timedelta(days=today.weekday()), None, tz)[0]
    assert start is not None
    return start
