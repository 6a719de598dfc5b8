"""Process lifetimes of ``fluide serve`` and its tagging child: the child never outlives it.

The child's work is transactional (a batch of tags is stored in one
transaction), so ending it at any instant loses nothing: a batch cut short
stays pending and is tagged again later. It therefore ends at once:

- on SIGTERM, SIGINT or SIGHUP (the default action, even in the middle of a
  model computation, where a Python handler would wait for it to finish);
- when the parent ends, however it ends (SIGKILL included): on Linux the
  kernel sends it SIGKILL (``prctl(PR_SET_PDEATHSIG)``); elsewhere, and as a
  second guard, a thread sees the parent process change within a second.

The server processes of ``fluide serve --workers N`` (uvicorn's supervisor is
their parent) are tied the same way, but with SIGTERM: one whose parent dies
finishes its requests in flight, then exits, rather than serving on alone.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal this process gets when its parent ends (linux/prctl.h)."""
WATCH_EVERY = 0.5
"""Seconds between two looks at the parent process."""
ENDING = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n))


def _kernel_guard(sig: int = signal.SIGKILL) -> bool:
    """Ask Linux for ``sig`` when the parent ends; whether it was granted."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int, sig: int = signal.SIGKILL) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY)
    os.kill(os.getpid(), sig)


def end_with_parent(parent: int) -> None:
    """Make this process end with ``parent`` (its parent's pid when it was started)."""
    for sig in ENDING:
        signal.signal(sig, signal.SIG_DFL)
    _kernel_guard()
    if os.getppid() != parent:  # the parent ended before the guard was set
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=_watch, args=(parent,), name="fluide-parent", daemon=True).start()


def stop_with_parent(parent: int) -> None:
    """Make this server process stop gracefully (SIGTERM, its server's own handler) when
    ``parent`` ends; signal handlers are left as they are."""
    _kernel_guard(signal.SIGTERM)
    if os.getppid() != parent:  # the parent ended before the guard was set
        os.kill(os.getpid(), signal.SIGTERM)
    watcher = threading.Thread(
        target=_watch, args=(parent, signal.SIGTERM), name="fluide-parent", daemon=True
    )
    watcher.start()


class Stopped(SystemExit):
    """The server was asked to stop by a signal (exit status 128 + its number)."""


def _stop(sig: int, _frame: FrameType | None) -> None:
    raise Stopped(128 + sig)


def _graceful(_sig: int, _frame: FrameType | None) -> None:
    # SIGHUP stops the server as SIGTERM does: through uvicorn's own shutdown.
    signal.raise_signal(signal.SIGTERM)


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Run the server so that SIGTERM and SIGHUP end it with an exception, not on the spot.

    uvicorn handles SIGTERM (a graceful shutdown) then raises it again once done:
    with the default action the process would vanish there, before the code that
    stops the tagging child; :class:`Stopped` lets that code run. (With several
    workers, uvicorn's supervisor replaces these handlers while it runs: SIGTERM
    and SIGINT stop the workers gracefully and return, SIGHUP restarts them.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only (uvicorn leaves them alone there too)
        return
    before = {signal.SIGTERM: signal.signal(signal.SIGTERM, _stop)}
    if hasattr(signal, "SIGHUP"):  # not on Windows
        before[signal.SIGHUP] = signal.signal(signal.SIGHUP, _graceful)
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
