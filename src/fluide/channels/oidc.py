"""Talking to an OpenID Connect provider: discovery, the code exchange, the ID token check.

Every request to the provider goes through the same guard as chat webhooks
(:mod:`fluide.channels.outbound`): the host is resolved once, every address
checked against the policy (no loopback or private network unless
``FLUIDE_WEBHOOK_ALLOW_PRIVATE``), and the connection made to a vetted
address. Answers are read up to :data:`MAX_BODY` bytes; redirects are not
followed. PKCE comes from Authlib, the JWT check (signature against the
provider's JWKS, ``iss``, ``aud``, ``exp``, ``nonce``) from joserfc.

Failures raise :class:`OidcError` whose ``code`` says what went wrong in
words fit for a page; nothing the provider wrote and no secret is kept in it.
"""

from __future__ import annotations

import base64
import json
import socket
import time
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import (  # type: ignore[import-untyped]
    create_s256_code_challenge,
)
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from fluide import __version__
from fluide.channels import outbound
from fluide.channels.outbound import PUBLIC_ONLY, Policy
from fluide.channels.pinned import DEADLINE_FACTOR, Deadline, quiet_client
from fluide.channels.webhook import url_problem_code

MAX_BODY: Final = 512 * 1024
TIMEOUT: Final = 10.0
LEEWAY: Final = 60
"""Seconds of clock difference tolerated on ``exp`` and ``iat``."""
ALGORITHMS: Final = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
"""Asymmetric signatures only: an HMAC-signed ID token would be keyed with the client
secret, which the check here never uses as a key."""
SCOPES: Final = "openid email profile"


class OidcError(Exception):
    """A sign-in step failed; ``code`` names which (see :mod:`fluide.services.sso`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Provider:
    """What discovery says about the provider."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    basic_auth: bool
    """Whether the client authenticates with HTTP Basic (else in the form body)."""


@dataclass(frozen=True)
class Pending:
    """The secrets of one sign-in in progress, kept by the browser (sealed) until it returns."""

    state: str
    nonce: str
    verifier: str


def new_pending() -> Pending:
    return Pending(generate_token(43), generate_token(43), generate_token(64))


def authorization_url(
    provider: Provider, client_id: str, redirect_uri: str, pending: Pending, login_hint: str
) -> str:
    """Where the browser goes to sign in (Authorization Code flow with PKCE S256)."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": create_s256_code_challenge(pending.verifier),
        "code_challenge_method": "S256",
    }
    if login_hint:
        query["login_hint"] = login_hint
    separator = "&" if "?" in provider.authorization_endpoint else "?"
    return provider.authorization_endpoint + separator + urlencode(query)


# --- requests to the provider -------------------------------------------------------


def _request(
    method: str,
    url: str,
    policy: Policy,
    *,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    resolver: outbound.Resolver = socket.getaddrinfo,
) -> tuple[int, bytes]:
    """One request to a vetted address of ``url``'s host; the status and the body read."""
    if url_problem_code(url, policy) is not None:
        raise OidcError("refused")
    found = outbound.destination(url, policy, resolver=resolver)
    if isinstance(found, outbound.Blocked):
        raise OidcError("refused" if found.rule is not None else "unreachable")
    target, host = found.url, found.host
    sent = {
        "Host": target.netloc.decode("ascii"),
        "Accept": "application/json",
        "User-Agent": f"Fluide/{__version__}",
        **(headers or {}),
    }
    body = urlencode(form).encode() if form is not None else None
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    with (
        quiet_client(),
        httpx.Client(
            timeout=TIMEOUT, follow_redirects=False, trust_env=False, verify=outbound.tls_context()
        ) as http,
    ):
        for address in found.addresses[:3]:
            with Deadline(TIMEOUT * DEADLINE_FACTOR) as deadline:
                extensions: dict[str, Any] = {"trace": deadline.trace}
                if target.scheme == "https" and outbound.literal_address(host) is None:
                    extensions["sni_hostname"] = host.removesuffix(".")
                request = http.build_request(
                    method,
                    target.copy_with(host=str(address)),
                    content=body,
                    headers=sent,
                    extensions=extensions,
                )
                try:
                    response = http.send(request, stream=True)
                except (httpx.ConnectError, httpx.ConnectTimeout):
                    continue
                except httpx.TransportError:
                    raise OidcError("unreachable") from None
                try:
                    return response.status_code, _read(response)
                except httpx.TransportError:
                    raise OidcError("unreachable") from None
                finally:
                    response.close()
    raise OidcError("unreachable")


def _read(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BODY:
            raise OidcError("bad_answer")
        chunks.append(chunk)
    return b"".join(chunks)


def _json(status: int, body: bytes) -> dict[str, Any]:
    if status != 200:
        raise OidcError("bad_answer")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeError):
        raise OidcError("bad_answer") from None
    if not isinstance(data, dict):
        raise OidcError("bad_answer")
    return data


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def discover(
    issuer: str, policy: Policy = PUBLIC_ONLY, resolver: outbound.Resolver = socket.getaddrinfo
) -> Provider:
    """The provider's endpoints, from ``/.well-known/openid-configuration``.

    The document must name the same issuer (OpenID Connect Discovery §4.3),
    else anyone answering at that address could pose as another provider.
    """
    doc = _json(*_request("GET", discovery_url(issuer), policy, resolver=resolver))
    found = doc.get("issuer")
    if not isinstance(found, str) or found.rstrip("/") != issuer.rstrip("/"):
        raise OidcError("wrong_issuer")
    endpoints = [doc.get(k) for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")]
    if not all(isinstance(e, str) and e for e in endpoints):
        raise OidcError("bad_answer")
    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    basic = not isinstance(methods, list) or "client_secret_basic" in methods
    auth, token, jwks = (str(e) for e in endpoints)
    if url_problem_code(auth, policy) is not None:
        raise OidcError("refused")
    return Provider(found, auth, token, jwks, basic)


def exchange_code(
    provider: Provider,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    pending: Pending,
    policy: Policy = PUBLIC_ONLY,
    resolver: outbound.Resolver = socket.getaddrinfo,
) -> str:
    """The ID token the token endpoint gives for ``code`` (with the PKCE verifier)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": pending.verifier,
    }
    headers: dict[str, str] = {}
    if provider.basic_auth:
        # RFC 6749 §2.3.1: both parts form-encoded before Basic.
        pair = f"{_form_quote(client_id)}:{_form_quote(client_secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form |= {"client_id": client_id, "client_secret": client_secret}
    status, body = _request(
        "POST", provider.token_endpoint, policy, form=form, headers=headers, resolver=resolver
    )
    if status in (400, 401):
        raise OidcError("code_refused")
    token = _json(status, body).get("id_token")
    if not isinstance(token, str) or not token:
        raise OidcError("bad_answer")
    return token


def _form_quote(value: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(value)


def fetch_keys(
    provider: Provider,
    policy: Policy = PUBLIC_ONLY,
    resolver: outbound.Resolver = socket.getaddrinfo,
) -> KeySet:
    doc = _json(*_request("GET", provider.jwks_uri, policy, resolver=resolver))
    try:
        return KeySet.import_key_set(doc)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError):
        raise OidcError("bad_answer") from None


def check_id_token(
    token: str,
    keys: KeySet,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now: int | None = None,
) -> dict[str, Any]:
    """The ID token's claims once its signature, ``iss``, ``aud``, ``azp``, ``exp``,
    ``iat`` and ``nonce`` are right (OpenID Connect Core §3.1.3.7)."""
    try:
        decoded = jwt.decode(token, keys, algorithms=list(ALGORITHMS))
    except BadSignatureError:
        raise OidcError("bad_signature") from None
    except JoseError:
        # No key of the set fits (unknown kid, other algorithm) or not a JWS at all.
        raise OidcError("bad_signature") from None
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        now=int(time.time()) if now is None else now,
        leeway=LEEWAY,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise OidcError("expired") from None
    except (InvalidClaimError, MissingClaimError) as exc:
        claim = str(getattr(exc, "claim", "") or "")
        raise OidcError(_CLAIM_CODES.get(claim, "bad_answer")) from None
    except JoseError:
        raise OidcError("bad_answer") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise OidcError("wrong_audience")
    return dict(claims)


_CLAIM_CODES: Final = {
    "iss": "wrong_issuer",
    "aud": "wrong_audience",
    "nonce": "wrong_nonce",
    "exp": "expired",
    "iat": "expired",
}
