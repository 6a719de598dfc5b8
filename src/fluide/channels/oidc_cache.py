"""The identity providers' discovery documents and key sets, kept a while in this process.

Without it every sign-in fetched both from the provider: two more round trips
on each sign-in, and a busy hour's worth of requests to a provider that may
rate-limit them. What is kept, per issuer (and outbound policy, so that a
document fetched under a looser policy never serves a stricter one):

- the discovery document, :data:`DISCOVERY_SECONDS` (1 hour);
- the JWKS, :data:`KEYS_SECONDS` (10 minutes). An ID token whose ``kid`` is not
  in the kept set fetches the set again, once, before it is refused: the
  provider has rotated its keys since.

A failed fetch is not kept (the next sign-in tries again). Thread-safe: the
server answers requests in threads; one lock per entry makes concurrent
sign-ins on a cold entry fetch once, without holding up the other issuers'.
Each server process keeps its own copy; an admin who saves the settings makes
this process fetch again (:meth:`ProviderCache.forget`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Final, Generic, TypeVar

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from fluide.channels import oidc
from fluide.channels.outbound import Policy

DISCOVERY_SECONDS: Final = 3600.0
KEYS_SECONDS: Final = 600.0
MAX_ENTRIES: Final = 1000
"""Beyond this many issuers kept, the entries that expire first go (memory stays bounded)."""

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TimedCache(Generic[K, V]):
    """Values kept ``lifetime`` seconds per key; one fetch at a time per key.

    Times are :func:`time.monotonic` seconds (a wall clock set back would not
    keep a value longer); tests pass ``now``.
    """

    def __init__(self, lifetime: float, most: int = MAX_ENTRIES) -> None:
        self.lifetime = lifetime
        self.most = most
        self._lock = threading.Lock()
        self._kept: dict[K, tuple[float, V]] = {}
        self._fetching: dict[K, threading.Lock] = {}

    def get(self, key: K, fetch: Callable[[], V], now: float, *, again: bool = False) -> V:
        """The kept value of ``key`` if still fresh (and not ``again``), else ``fetch()``'s."""
        if not again:
            found = self._fresh(key, now)
            if found is not None:
                return found[0]
        with self._lock:
            lock = self._fetching.setdefault(key, threading.Lock())
        with lock:
            if not again:
                found = self._fresh(key, now)  # fetched by another thread meanwhile
                if found is not None:
                    return found[0]
            value = fetch()  # raises: nothing kept
            with self._lock:
                self._kept[key] = (now + self.lifetime, value)
                self._trim(now)
            return value

    def _fresh(self, key: K, now: float) -> tuple[V] | None:
        with self._lock:
            entry = self._kept.get(key)
        return (entry[1],) if entry is not None and now < entry[0] else None

    def _trim(self, now: float) -> None:
        if len(self._kept) <= self.most:
            return
        for key in [k for k, (expires, _) in self._kept.items() if expires <= now]:
            self._drop(key)
        by_expiry = sorted(self._kept, key=lambda k: self._kept[k][0])
        for key in by_expiry[: max(0, len(self._kept) - self.most)]:
            self._drop(key)

    def _drop(self, key: K) -> None:
        self._kept.pop(key, None)
        self._fetching.pop(key, None)

    def forget(self, keep: Callable[[K], bool]) -> None:
        """Drop every entry whose key ``keep`` refuses."""
        with self._lock:
            for key in [k for k in self._kept if not keep(k)]:
                self._drop(key)

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)


def token_kid(token: str) -> str | None:
    """The ``kid`` an ID token's header names, if any (``None`` too for a token that is no JWS)."""
    try:
        kid = jws.extract_compact(token.encode("ascii")).headers().get("kid")
    except (JoseError, ValueError, UnicodeError):
        return None
    return kid if isinstance(kid, str) else None


class ProviderCache:
    """Discovery documents and key sets of the identity providers, per issuer and policy."""

    def __init__(
        self, discovery_seconds: float = DISCOVERY_SECONDS, keys_seconds: float = KEYS_SECONDS
    ) -> None:
        self._providers: TimedCache[tuple[str, Policy], oidc.Provider] = TimedCache(
            discovery_seconds
        )
        self._keys: TimedCache[tuple[str, str, Policy], KeySet] = TimedCache(keys_seconds)

    def provider(self, issuer: str, policy: Policy, *, now: float | None = None) -> oidc.Provider:
        """:func:`fluide.channels.oidc.discover`, kept for an hour."""
        return self._providers.get(
            (issuer, policy), lambda: oidc.discover(issuer, policy), _now(now)
        )

    def keys_for(
        self, provider: oidc.Provider, token: str, policy: Policy, *, now: float | None = None
    ) -> KeySet:
        """The provider's key set to check ``token`` with; fetched again once if it lacks
        the token's ``kid`` (the provider rotated its keys)."""
        key = (provider.issuer, provider.jwks_uri, policy)
        at = _now(now)

        def fetch() -> KeySet:
            return oidc.fetch_keys(provider, policy)

        keys = self._keys.get(key, fetch, at)
        kid = token_kid(token)
        if kid is not None and kid not in {k.kid for k in keys.keys}:
            keys = self._keys.get(key, fetch, at, again=True)
        return keys

    def forget(self, issuer: str) -> None:
        """Fetch this issuer's documents again at its next sign-in (its settings changed)."""
        name = issuer.rstrip("/")
        self._providers.forget(lambda k: k[0].rstrip("/") != name)
        self._keys.forget(lambda k: k[0].rstrip("/") != name)

    def clear(self) -> None:
        self._providers.forget(lambda _: False)
        self._keys.forget(lambda _: False)


def _now(now: float | None) -> float:
    return time.monotonic() if now is None else now


PROVIDERS: Final = ProviderCache()
"""This process's cache, shared by every sign-in."""
