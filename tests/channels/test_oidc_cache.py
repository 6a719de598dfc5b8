"""The identity providers' documents kept in the process: fetched once, again when they
expire or the keys rotated, never kept when the fetch failed (the loopback test issuer;
time passed explicitly)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from joserfc import jwt

from fluide.channels import oidc
from fluide.channels.oidc_cache import (
    DISCOVERY_SECONDS,
    KEYS_SECONDS,
    ProviderCache,
    TimedCache,
    token_kid,
)
from fluide.channels.outbound import PUBLIC_ONLY, Policy
from tests.channels.test_oidc import claims
from tests.oidc_issuer import CLIENT_ID, FakeIssuer, RunningIssuer, rsa_key

PRIVATE = Policy(allow_private=True)
DISCOVERY = "/.well-known/openid-configuration"
T0 = 1000.0


@pytest.fixture
def issuer() -> Iterator[FakeIssuer]:
    with RunningIssuer() as running:
        yield running


def token(issuer: FakeIssuer, key_name: str = "good", kid: str = "k1") -> str:
    return jwt.encode({"alg": "RS256", "kid": kid}, claims(issuer), rsa_key(key_name, kid))


def check(cache: ProviderCache, issuer: FakeIssuer, signed: str, now: float) -> None:
    provider = cache.provider(issuer.url, PRIVATE, now=now)
    keys = cache.keys_for(provider, signed, PRIVATE, now=now)
    oidc.check_id_token(signed, keys, issuer=issuer.url, client_id=CLIENT_ID, nonce="n")


def test_discovery_is_fetched_once_then_again_when_it_expires(issuer: FakeIssuer) -> None:
    cache = ProviderCache()
    first = cache.provider(issuer.url, PRIVATE, now=T0)
    assert cache.provider(issuer.url, PRIVATE, now=T0 + DISCOVERY_SECONDS - 1) == first
    assert issuer.requests.count(DISCOVERY) == 1
    cache.provider(issuer.url, PRIVATE, now=T0 + DISCOVERY_SECONDS)
    assert issuer.requests.count(DISCOVERY) == 2


def test_the_key_set_is_fetched_once_then_again_when_it_expires(issuer: FakeIssuer) -> None:
    cache = ProviderCache()
    signed = token(issuer)
    check(cache, issuer, signed, T0)
    check(cache, issuer, signed, T0 + KEYS_SECONDS - 1)
    assert issuer.requests.count("/jwks") == 1
    check(cache, issuer, signed, T0 + KEYS_SECONDS)
    assert issuer.requests.count("/jwks") == 2
    assert issuer.requests.count(DISCOVERY) == 1  # discovery lives longer


def test_a_rotated_key_is_fetched_once_and_then_kept(issuer: FakeIssuer) -> None:
    cache = ProviderCache()
    check(cache, issuer, token(issuer), T0)
    issuer.key = rsa_key("rotated", "k2")
    rotated = token(issuer, "rotated", "k2")
    check(cache, issuer, rotated, T0 + 1)  # k2 is not in the kept set: fetched again
    check(cache, issuer, rotated, T0 + 2)
    assert issuer.requests.count("/jwks") == 2


def test_an_unknown_kid_is_refused_after_one_more_fetch(issuer: FakeIssuer) -> None:
    cache = ProviderCache()
    check(cache, issuer, token(issuer), T0)
    with pytest.raises(oidc.OidcError) as caught:
        check(cache, issuer, token(issuer, "stranger", "k-unknown"), T0 + 1)
    assert caught.value.code == "bad_signature"
    assert issuer.requests.count("/jwks") == 2


def test_a_known_kid_with_a_bad_signature_fetches_nothing_more(issuer: FakeIssuer) -> None:
    cache = ProviderCache()
    check(cache, issuer, token(issuer), T0)
    with pytest.raises(oidc.OidcError) as caught:
        check(cache, issuer, token(issuer, "other"), T0 + 1)  # kid k1, another key
    assert caught.value.code == "bad_signature"
    assert issuer.requests.count("/jwks") == 1


def test_a_failed_discovery_is_not_kept(issuer: FakeIssuer) -> None:
    cache = ProviderCache()
    issuer.mode = "wrong_issuer"
    with pytest.raises(oidc.OidcError):
        cache.provider(issuer.url, PRIVATE, now=T0)
    issuer.mode = "ok"
    assert cache.provider(issuer.url, PRIVATE, now=T0 + 1).issuer == issuer.url


def test_a_document_kept_under_one_policy_never_serves_a_stricter_one(issuer: FakeIssuer) -> None:
    cache = ProviderCache()
    cache.provider(issuer.url, PRIVATE, now=T0)
    with pytest.raises(oidc.OidcError) as caught:
        cache.provider(issuer.url, PUBLIC_ONLY, now=T0 + 1)
    assert caught.value.code == "refused"


def test_forgetting_an_issuer_fetches_its_documents_again(issuer: FakeIssuer) -> None:
    cache = ProviderCache()
    check(cache, issuer, token(issuer), T0)
    cache.forget(issuer.url + "/")
    check(cache, issuer, token(issuer), T0 + 1)
    assert issuer.requests.count(DISCOVERY) == 2 and issuer.requests.count("/jwks") == 2


def test_simultaneous_requests_on_a_cold_entry_fetch_once() -> None:
    kept: TimedCache[str, int] = TimedCache(60)
    fetches: list[int] = []
    start = threading.Barrier(8)
    got: list[int] = []

    def fetch() -> int:
        fetches.append(1)
        time.sleep(0.05)  # a slow provider: the others arrive while it answers
        return 42

    def ask() -> None:
        start.wait(timeout=10)
        got.append(kept.get("issuer", fetch, T0))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert got == [42] * 8 and len(fetches) == 1


def test_the_cache_keeps_a_bounded_number_of_entries() -> None:
    kept: TimedCache[str, str] = TimedCache(60, most=2)
    for n, name in enumerate(("a", "b", "c")):
        kept.get(name, lambda name=name: name, T0 + n)  # type: ignore[misc]
    assert len(kept) == 2
    assert kept.get("c", lambda: "fetched again", T0 + 3) == "c"
    assert kept.get("a", lambda: "fetched again", T0 + 3) == "fetched again"


def test_the_kid_is_read_from_the_header_and_garbage_has_none(issuer: FakeIssuer) -> None:
    assert token_kid(token(issuer, "rotated", "k2")) == "k2"
    assert token_kid("not a token") is None
    assert token_kid("é.b.c") is None
