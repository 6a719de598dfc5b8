"""A small OpenID Connect provider on loopback, for the single sign-on tests.

A real HTTP server (a thread): the discovery document, a JWKS with a freshly
generated RSA key, ``/authorize`` that signs in :attr:`FakeIssuer.user` at once
and redirects back with a code, and ``/token`` that checks the client's secret
and the PKCE verifier, then returns an ID token signed with the key.
:attr:`FakeIssuer.mode` makes it misbehave: ``bad_signature`` (signed with
another key), ``unknown_kid`` (signed with a key the JWKS never holds),
``wrong_audience``, ``wrong_nonce``, ``expired``, ``wrong_issuer``. Replacing
:attr:`FakeIssuer.key` rotates the keys.

The ``issuer`` fixture serves one for a test; :func:`sso_settings` are Fluide's settings
that may reach it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from fluide.channels.oidc_cache import PROVIDERS
from fluide.settings import Settings, load_settings
from tests.service.conftest import SECRET

CLIENT_ID = "fluide-test-client"
CLIENT_SECRET = "s3cret-of-the-test-client"


def rsa_key(name: str, kid: str = "k1") -> RSAKey:
    """One generated key per name and test process (generating takes a while)."""
    return _rsa_key(name, kid)  # one cache entry whether kid is given or not


@functools.cache
def _rsa_key(name: str, kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})


@dataclass
class User:
    sub: str = "idp-user-1"
    email: str = "ada@acme.test"
    email_verified: Any = True
    name: str = "Ada Lovelace"


@dataclass
class FakeIssuer:
    """The provider's state; its ``url`` is its issuer."""

    url: str = ""
    mode: str = "ok"
    user: User = field(default_factory=User)
    key: RSAKey = field(default_factory=lambda: rsa_key("good"))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    token_calls: int = 0

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url + ("/other" if self.mode == "wrong_issuer" else ""),
            "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token",
            "jwks_uri": self.url + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Where ``/authorize`` sends the browser back."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = query
        back = {"code": code, "state": query.get("state", "")}
        return query["redirect_uri"] + "?" + urlencode(back)

    def id_token(self, asked: dict[str, str]) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "sub": self.user.sub,
            "aud": "someone-else" if self.mode == "wrong_audience" else CLIENT_ID,
            "iat": now - (7200 if self.mode == "expired" else 0),
            "exp": now + (-3600 if self.mode == "expired" else 300),
            "nonce": "not-the-nonce" if self.mode == "wrong_nonce" else asked.get("nonce", ""),
            "email": self.user.email,
            "name": self.user.name,
        }
        if self.user.email_verified is not None:
            claims["email_verified"] = self.user.email_verified
        key = self.key
        if self.mode == "bad_signature":
            key = rsa_key("other")  # same kid, another key: only the signature tells
        elif self.mode == "unknown_kid":
            key = rsa_key("stranger", "k-unknown")  # a key the JWKS never holds
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_calls += 1
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        asked = self.codes.pop(form.get("code", ""), None)
        if asked is None or form.get("redirect_uri") != asked.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        if challenge != asked.get("code_challenge") or asked.get("code_challenge_method") != "S256":
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        return 200, {"access_token": "at", "token_type": "Bearer", "id_token": self.id_token(asked)}


def _handler(issuer: FakeIssuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            issuer.requests.append(parts.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, issuer.discovery())
            elif parts.path == "/jwks":
                self._json(200, {"keys": [issuer.key.as_dict(private=False)]})
            elif parts.path == "/authorize":
                self.send_response(302)
                self.send_header("Location", issuer.authorize(query))
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            issuer.requests.append(urlsplit(self.path).path)
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path != "/token":
                self._json(404, {"error": "not_found"})
                return
            status, body = issuer.token(form, self.headers.get("Authorization", ""))
            self._json(status, body)

    return Handler


class RunningIssuer:
    """``with RunningIssuer() as issuer:`` serves :class:`FakeIssuer` on 127.0.0.1."""

    def __init__(self) -> None:
        # A new issuer may get the port of an earlier one: nothing cached for that one serves it.
        PROVIDERS.clear()
        self.issuer = FakeIssuer()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.issuer))
        self.issuer.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeIssuer:
        self.thread.start()
        return self.issuer

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def issuer() -> Iterator[FakeIssuer]:
    """A running issuer for one test (import it as a fixture)."""
    with RunningIssuer() as running:
        yield running


def sso_settings(database_url: str, data_dir: Path, public_url: str) -> Settings:
    """Settings whose server reaches the issuer on loopback (``FLUIDE_WEBHOOK_ALLOW_PRIVATE``)."""
    return load_settings(
        database_url=database_url,
        secret_key=SECRET,
        data_dir=data_dir,
        public_url=public_url,
        webhook_allow_private=True,
    )
