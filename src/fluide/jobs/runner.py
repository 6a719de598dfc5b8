"""Where deliveries run: a worker thread (SQLite, or on request), or procrastinate.

Both call :func:`fluide.jobs.deliveries.deliver`; only the transport differs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from fluide.jobs import deliveries, follow_ups, helpdesk, retention, weekly_report
from fluide.jobs.deliveries import Sender
from fluide.services import contact_follow_ups
from fluide.settings import Settings
from fluide.storage.types import utcnow
from fluide.storage.write_lock import Overloaded

log = logging.getLogger("fluide.jobs")


def inline_wanted(settings: Settings) -> bool:
    if settings.worker == "auto":
        return settings.sqlalchemy_url.startswith("sqlite")
    return settings.worker == "inline"


class PollingLoop:
    """A thread that runs :meth:`run_once` until stopped: at once again while there was
    work, otherwise after ``poll`` seconds or as soon as :meth:`wake` is called."""

    poll: float = 2.0
    name = "fluide-worker"
    _thread: threading.Thread | None = None

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()

    def _stopping(self) -> bool:
        return self._stop.is_set()

    def run_once(self) -> object:
        """One round of work; a false value means nothing was due."""
        raise NotImplementedError

    def run_forever(self) -> None:
        while not self._stopping():
            try:
                busy = bool(self.run_once())
            except Overloaded:  # the server's requests come first; try again next round
                log.warning("%s loop: no database write turn, retrying", self.name)
                busy = False
            except Exception:  # keep the worker alive; the error is logged and retried
                log.exception("%s loop", self.name)
                busy = False
            if not busy:
                self._wake.wait(self.poll)
                self._wake.clear()

    def wake(self, _ids: list[str] | None = None) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)


class InlineWorker(PollingLoop):
    """Runs due deliveries in a thread; woken at once by new work, polls otherwise."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        senders: dict[str, Sender],
        *,
        poll: float = 2.0,
        lease: timedelta | None = None,
    ) -> None:
        super().__init__()
        self.factory, self.settings, self.senders = factory, settings, senders
        self.poll = poll
        self.lease = lease or timedelta(seconds=settings.delivery_lease_seconds)

    def run_once(self) -> int:
        """Attempt every due delivery once, then notify and push new follow-ups, send due reports
        and apply the day's retention; the number of deliveries attempted."""
        done = 0
        for delivery_id in deliveries.due(self.factory, utcnow(), lease=self.lease):
            if self._stop.is_set():
                break
            deliveries.deliver(
                self.factory, self.settings, delivery_id, self.senders, lease=self.lease
            )
            done += 1
        if not self._stop.is_set():
            contact_follow_ups.open_missed_promises(self.factory, utcnow())
            follow_ups.notify_pending(self.factory, self.settings, utcnow())
            helpdesk.push_pending(self.factory, self.settings, utcnow())
            weekly_report.send_due_reports(self.factory, self.settings, utcnow())
            retention.run_due(self.factory, utcnow())
        return done


Dispatch = Callable[[list[str]], None]
