"""Talking to an OpenID Connect provider: the SSRF guard on every request, and the ID token
check (a real test issuer on loopback)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey

from fluide.channels import oidc
from fluide.channels.outbound import PUBLIC_ONLY, Policy
from tests.oidc_issuer import CLIENT_ID, FakeIssuer, RunningIssuer, rsa_key

PRIVATE = Policy(allow_private=True)


@pytest.fixture
def issuer() -> Iterator[FakeIssuer]:
    with RunningIssuer() as running:
        yield running


def test_discovery_reads_the_endpoints(issuer: FakeIssuer) -> None:
    provider = oidc.discover(issuer.url, PRIVATE)
    assert provider.issuer == issuer.url and provider.basic_auth
    assert provider.token_endpoint == issuer.url + "/token"


def test_a_loopback_provider_is_refused_without_the_private_setting(issuer: FakeIssuer) -> None:
    with pytest.raises(oidc.OidcError) as caught:
        oidc.discover(issuer.url, PUBLIC_ONLY)
    assert caught.value.code == "refused"
    assert issuer.requests == []  # nothing was sent


def test_a_public_name_resolving_to_a_private_address_is_refused(issuer: FakeIssuer) -> None:
    port = int(issuer.url.rsplit(":", 1)[1])

    def rebinding(host: str, *_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]

    with pytest.raises(oidc.OidcError) as caught:
        oidc.discover("https://idp.example.com", PUBLIC_ONLY, resolver=rebinding)
    assert caught.value.code == "refused"


def test_a_metadata_address_is_refused_even_with_the_private_setting() -> None:
    with pytest.raises(oidc.OidcError) as caught:
        oidc.discover("http://169.254.169.254", PRIVATE)
    assert caught.value.code == "refused"


def test_an_answer_under_another_issuer_is_refused(issuer: FakeIssuer) -> None:
    issuer.mode = "wrong_issuer"
    with pytest.raises(oidc.OidcError) as caught:
        oidc.discover(issuer.url, PRIVATE)
    assert caught.value.code == "wrong_issuer"


def claims(issuer: FakeIssuer, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    out = {"iss": issuer.url, "sub": "s", "aud": CLIENT_ID, "iat": now, "exp": now + 60}
    return out | {"nonce": "n"} | overrides


def keys(issuer: FakeIssuer) -> KeySet:
    return KeySet.import_key_set({"keys": [issuer.key.as_dict(private=False)]})  # type: ignore[list-item]


def check(issuer: FakeIssuer, token: str) -> dict[str, Any]:
    return oidc.check_id_token(
        token, keys(issuer), issuer=issuer.url, client_id=CLIENT_ID, nonce="n"
    )


def test_a_good_token_gives_its_claims(issuer: FakeIssuer) -> None:
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims(issuer), issuer.key)
    assert check(issuer, token)["sub"] == "s"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"iss": "https://evil.example"}, "wrong_issuer"),
        ({"aud": "other"}, "wrong_audience"),
        ({"aud": [CLIENT_ID, "other"]}, "wrong_audience"),  # several audiences: azp needed
        ({"nonce": "replayed"}, "wrong_nonce"),
        ({"exp": int(time.time()) - 3600}, "expired"),
    ],
)
def test_a_wrong_claim_is_refused(issuer: FakeIssuer, overrides: dict[str, Any], code: str) -> None:
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims(issuer, **overrides), issuer.key)
    with pytest.raises(oidc.OidcError) as caught:
        check(issuer, token)
    assert caught.value.code == code


def test_a_token_signed_by_another_key_is_refused(issuer: FakeIssuer) -> None:
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims(issuer), rsa_key("other"))
    with pytest.raises(oidc.OidcError) as caught:
        check(issuer, token)
    assert caught.value.code == "bad_signature"


def test_an_hmac_signed_token_is_refused_whatever_its_key(issuer: FakeIssuer) -> None:
    secret = OctKey.import_key("a-shared-secret-of-enough-length-0123456789")
    token = jwt.encode({"alg": "HS256"}, claims(issuer), secret)
    with pytest.raises(oidc.OidcError) as caught:
        check(issuer, token)
    assert caught.value.code == "bad_signature"
