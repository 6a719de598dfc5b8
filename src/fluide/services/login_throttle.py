"""The login throttle, shared by every server process through the database.

An attempt takes its slot *before* the (slow, Argon2) password check, in one
atomic statement (:func:`fluide.storage.security.reserve_attempt`): forty
simultaneous guesses, on one process or several, get at most five password
checks per e-mail and address in 15 minutes; the others are paused (429)
without a check. A correct password ends the count; a pause lasts until its
window ends, whatever is typed meanwhile. The same table counts single
sign-on starts per client address, under keys of their own
(:func:`sso_start_key`).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import threading
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.throttle import LOGIN, ThrottleRule
from fluide.storage import security as store
from fluide.storage.db import write_session
from fluide.storage.types import utcnow

PURGE_EVERY: Final = timedelta(minutes=5)
_PURPOSE: Final = b"fluide-login-throttle-v1:"
_SSO_START: Final = b"fluide-sso-start-throttle-v1:"


def throttle_key(secret: bytes, email: str, address: str, *, purpose: bytes = _PURPOSE) -> str:
    """64 hex characters naming an (e-mail, client address) pair, never the e-mail in clear.

    An HMAC-SHA-256 keyed with the instance secret rather than a bare SHA-256:
    someone who reads the table cannot test guessed addresses against it.
    ``purpose`` keeps the counts of other throttles in the same table apart.
    """
    try:
        ip = ipaddress.ip_address(address.strip())
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        address = str(mapped or ip)  # one spelling per address (::ffff:1.2.3.4 is 1.2.3.4)
    except ValueError:
        address = address.strip().lower()
    message = purpose + f"{email.strip().lower()}\n{address}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sso_start_key(secret: bytes, address: str) -> str:
    """The key counting single sign-on starts from a client address
    (:data:`fluide.domain.throttle.SSO_START`)."""
    return throttle_key(secret, "", address, purpose=_SSO_START)


class _Purger:
    """Expired rows go at most every :data:`PURGE_EVERY` per process, when a login comes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: datetime | None = None

    def due(self, now: datetime) -> bool:
        with self._lock:
            if self._next is not None and now < self._next:
                return False
            self._next = now + PURGE_EVERY
            return True


_purger = _Purger()


def reserve(
    factory: sessionmaker[Session],
    key: str,
    now: datetime | None = None,
    rule: ThrottleRule = LOGIN,
) -> timedelta:
    """Take one attempt for ``key``: zero if it may go on, else how long it must wait."""
    now = now or utcnow()
    if _purger.due(now):
        # The purge spans every throttle's rows: by the longest window, never a shorter
        # rule's (a one-minute rule must not end a login pause of fifteen).
        purge_expired(factory, now, max(rule, LOGIN, key=lambda r: r.window))
    with write_session(factory) as s:
        start, attempts = store.reserve_attempt(s, key, now, rule.cutoff(now))
    return rule.wait(start, attempts, now)


def clear(factory: sessionmaker[Session], key: str) -> None:
    """The right password was given: the count starts again from zero."""
    with write_session(factory) as s:
        store.forget_attempts(s, key)


def purge_expired(
    factory: sessionmaker[Session], now: datetime | None = None, rule: ThrottleRule = LOGIN
) -> int:
    """Remove the counts whose window is over; how many."""
    with write_session(factory) as s:
        return store.purge_attempts(s, rule.cutoff(now or utcnow()))
