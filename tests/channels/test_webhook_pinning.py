"""Posting to real receivers on 127.0.0.1: the connection goes to the address that was
checked (a name is resolved once), TLS still checks the name, the whole exchange is
bounded, and nothing the receiver answers beyond its status code is kept.

Every wait is bounded; receivers answer on 127.0.0.1 only.
"""

from __future__ import annotations

import datetime as dt
import queue
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fluide.channels import DeliveryResult
from fluide.channels.outbound import Policy
from fluide.channels.webhook import post_webhook

WAIT = 5.0
NAME = "hooks.fluide.test"  # resolvable only through the resolver the tests pass
PRIVATE = Policy(allow_private=True)
SECRET_BODY = "Traceback: aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@dataclass(frozen=True)
class Seen:
    host: str
    path: str
    sni: str | None


class Receiver:
    """An HTTP (or HTTPS) receiver on 127.0.0.1 that records what reaches it."""

    def __init__(
        self,
        status: int = 200,
        *,
        reason: str | None = None,
        body: str = "ok",
        headers: dict[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.seen: queue.Queue[Seen] = queue.Queue()
        self.sni: list[str | None] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sni = receiver.sni[-1] if receiver.sni else None
                receiver.seen.put(Seen(self.headers.get("Host", ""), self.path, sni))
                data = body.encode()
                self.send_response(status, reason)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            tls.sni_callback = lambda sock, name, ctx: self.sni.append(name)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=WAIT)

    def one(self) -> Seen:
        return self.seen.get(timeout=WAIT)

    def nothing(self) -> bool:
        time.sleep(0.2)
        return self.seen.empty()


class Resolver:
    """Answers ``first`` to the first lookup and ``later`` to any other (DNS rebinding)."""

    def __init__(self, first: list[str], later: list[str] | None = None) -> None:
        self.first, self.later = first, later or ["169.254.169.254"]
        self.calls: list[str] = []

    def __call__(self, host: str, port: int, family: int = 0, type: int = 0) -> list[Any]:
        self.calls.append(host)
        addresses = self.first if len(self.calls) == 1 else self.later
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]


def post(url: str, **kwargs: Any) -> DeliveryResult:
    return post_webhook(url, "s3cret", {"text": "hé"}, idempotency_key="k-1", **kwargs)


# --- pinning ---------------------------------------------------------------------


def test_the_post_goes_to_the_vetted_address_with_the_name_as_host() -> None:
    resolver = Resolver(["127.0.0.1"])  # then 169.254.169.254: never asked again
    with Receiver() as receiver:
        result = post(f"http://{NAME}:{receiver.port}/hook", policy=PRIVATE, resolver=resolver)
        seen = receiver.one()
    assert result == DeliveryResult("sent", "HTTP 200 OK")
    assert seen.host == f"{NAME}:{receiver.port}" and seen.path == "/hook"
    assert resolver.calls == [NAME]


def test_a_name_resolving_to_this_machine_is_refused_without_the_setting() -> None:
    resolver = Resolver(["127.0.0.1"])
    with Receiver() as receiver:
        result = post(f"https://{NAME}:{receiver.port}/hook", resolver=resolver)
        assert receiver.nothing()
    assert result.status == "failed" and "after DNS, nothing sent" in result.detail
    assert "127.0.0.0/8" in result.detail


def test_the_next_address_is_tried_when_the_first_refuses_the_connection() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]
    with Receiver() as receiver:
        # 127.0.0.2 is loopback too, and nothing listens there on the receiver's port.
        resolver = Resolver(["127.0.0.2", "127.0.0.1"])
        result = post(f"http://{NAME}:{receiver.port}/hook", policy=PRIVATE, resolver=resolver)
        assert receiver.one().host == f"{NAME}:{receiver.port}"
    assert result.status == "sent"
    down = post(f"http://{NAME}:{dead}/hook", policy=PRIVATE, resolver=Resolver(["127.0.0.1"]))
    assert down.status == "retry" and down.detail.startswith("connection error (ConnectError)")


# --- TLS checks the name, not the address ----------------------------------------------


@dataclass(frozen=True)
class Pki:
    trust: ssl.SSLContext
    server: ssl.SSLContext


def make_pki(tmp_path: Path, name: str) -> Pki:
    """A CA the client trusts, and a server certificate it signed for ``name`` only."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fluide test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = tmp_path / "server.pem"
    pem.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(pem)
    trust = ssl.create_default_context(
        cadata=ca.public_bytes(serialization.Encoding.PEM).decode("ascii")
    )
    return Pki(trust, server)


@pytest.fixture
def trusting(tmp_path: Path) -> Iterator[tuple[Pki, httpx.Client]]:
    pki = make_pki(tmp_path, NAME)
    with httpx.Client(verify=pki.trust, trust_env=False) as client:
        yield pki, client


def test_tls_speaks_to_the_name_and_checks_its_certificate(
    trusting: tuple[Pki, httpx.Client],
) -> None:
    pki, client = trusting
    with Receiver(tls=pki.server) as receiver:
        url = f"https://{NAME}:{receiver.port}/hook"
        result = post(url, policy=PRIVATE, resolver=Resolver(["127.0.0.1"]), client=client)
        seen = receiver.one()
    assert result.status == "sent", result
    assert seen.sni == NAME and seen.host == f"{NAME}:{receiver.port}"


def test_a_certificate_for_another_name_is_refused_and_nothing_is_posted(
    trusting: tuple[Pki, httpx.Client],
) -> None:
    pki, client = trusting
    with Receiver(tls=pki.server) as receiver:
        url = f"https://other.fluide.test:{receiver.port}/hook"
        result = post(url, policy=PRIVATE, resolver=Resolver(["127.0.0.1"]), client=client)
        assert receiver.nothing()
    assert result.status == "retry" and result.detail.startswith("TLS handshake failed")
    assert "other.fluide.test" not in result.detail


# --- what is kept of the answer ----------------------------------------------------------


def test_a_500_keeps_the_status_and_its_standard_phrase_only() -> None:
    with Receiver(500, reason="Oops wJalrXUtnFEMI", body=SECRET_BODY) as receiver:
        result = post(f"http://127.0.0.1:{receiver.port}/hook", policy=PRIVATE)
        receiver.one()
    assert result == DeliveryResult("retry", "HTTP 500 Internal Server Error")


def test_a_redirect_is_not_followed_even_to_an_allowed_receiver() -> None:
    with Receiver() as elsewhere:
        moved = {"Location": f"http://127.0.0.1:{elsewhere.port}/stolen"}
        with Receiver(302, body=SECRET_BODY, headers=moved) as receiver:
            result = post(f"http://127.0.0.1:{receiver.port}/hook", policy=PRIVATE)
            assert receiver.one().path == "/hook"
        assert elsewhere.nothing()
    assert result.status == "failed"
    assert result.detail.startswith("HTTP 302 Found: redirects are not followed")
    assert str(elsewhere.port) not in result.detail and "wJalrXUtnFEMI" not in result.detail


def test_retry_after_is_kept_as_seconds() -> None:
    headers = {"Retry-After": "42"}
    with Receiver(429, body=SECRET_BODY, headers=headers) as receiver:
        result = post(f"http://127.0.0.1:{receiver.port}/hook", policy=PRIVATE)
    assert result == DeliveryResult("retry", "HTTP 429 Too Many Requests; Retry-After: 42")


# --- bounded in time -----------------------------------------------------------------------


def test_a_receiver_trickling_its_answer_is_cut_at_the_deadline() -> None:
    stop = threading.Event()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(WAIT)
        port = listener.getsockname()[1]

        def trickle() -> None:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Pad: ")
                for _ in range(200):  # one byte every 0.1 s, each read well within 0.3 s
                    if stop.wait(0.1):
                        return
                    try:
                        conn.sendall(b"a")
                    except OSError:
                        return

        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        started = time.monotonic()
        result = post(f"http://127.0.0.1:{port}/hook", policy=PRIVATE, timeout=0.3)
        elapsed = time.monotonic() - started
        stop.set()
        thread.join(timeout=WAIT)
    assert result.status == "retry" and result.detail.startswith("timeout: no complete answer")
    assert elapsed < 3
