"""The shared login throttle: each attempt takes its slot in the database before the
password is checked, so simultaneous guesses on several servers get five checks (both DBs)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fluide.api.app import create_app
from fluide.domain.throttle import LOGIN, SSO_START
from fluide.services import accounts, login_throttle
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from fluide.storage.security_models import LoginThrottle
from tests.service.conftest import LiveServer
from tests.web.conftest import PASSWORD, csrf_of, make_account

T0 = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
WRONG = "wrong password!"
ATTEMPTS = 40


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password check (Argon2 verification) made, counted around the real one."""
    made: list[str] = []
    lock = threading.Lock()
    real: Callable[[str, str], bool] = accounts._verify

    def counted(password_hash: str, password: str) -> bool:
        with lock:
            made.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", counted)
    return made


def attempt(
    app: FastAPI, email: str, password: str, at: datetime, address: str = "10.0.0.1"
) -> accounts.LoginResult:
    return accounts.attempt_login(
        app.state.sessions, app.state.settings.secret, email, password, address, now=at
    )


def test_forty_simultaneous_wrong_passwords_on_two_servers_get_five_password_checks(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, checks: list[str]
) -> None:
    _, email = make_account(app, workspace.id)
    # A second server on the same database: two processes share nothing but it.
    other = create_app(settings)
    clients: list[tuple[httpx.Client, str]] = []
    statuses: list[int] = []
    try:
        with LiveServer(app) as first_url, LiveServer(other) as second_url:
            for i in range(ATTEMPTS):
                client = httpx.Client(base_url=(first_url, second_url)[i % 2], timeout=60)
                clients.append((client, csrf_of(client.get("/app/login").text)))
            start = threading.Barrier(ATTEMPTS)

            def post(client: httpx.Client, token: str) -> None:
                start.wait(timeout=30)
                r = client.post(
                    "/app/login", data={"email": email, "password": WRONG, "csrf": token}
                )
                statuses.append(r.status_code)

            threads = [threading.Thread(target=post, args=pair) for pair in clients]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
    finally:
        for client, _ in clients:
            client.close()
        other.state.engine.dispose()
    assert len(checks) == 5
    assert Counter(statuses) == {401: 5, 429: ATTEMPTS - 5}


def test_a_right_password_during_the_pause_waits_for_the_window_to_end(
    app: FastAPI, workspace: NewWorkspace, checks: list[str]
) -> None:
    _, email = make_account(app, workspace.id)
    for minute in range(5):
        result = attempt(app, email, WRONG, T0 + timedelta(minutes=minute))
        assert result.token is None and result.wait == timedelta(0)
    paused = attempt(app, email, PASSWORD, T0 + timedelta(minutes=5))
    assert paused.token is None and paused.wait == timedelta(minutes=10)
    late = attempt(app, email, PASSWORD, T0 + timedelta(minutes=14, seconds=59))
    assert late.token is None and late.wait == timedelta(seconds=1)
    assert len(checks) == 5  # the paused attempts were never checked
    after = attempt(app, email, PASSWORD, T0 + timedelta(minutes=15))
    assert after.token is not None


def test_a_right_password_starts_the_count_again(app: FastAPI, workspace: NewWorkspace) -> None:
    _, email = make_account(app, workspace.id)
    for minute in range(4):
        attempt(app, email, WRONG, T0 + timedelta(minutes=minute))
    assert attempt(app, email, PASSWORD, T0 + timedelta(minutes=4)).token is not None
    results = [attempt(app, email, WRONG, T0 + timedelta(minutes=5)) for _ in range(5)]
    assert all(r.wait == timedelta(0) for r in results)
    assert attempt(app, email, WRONG, T0 + timedelta(minutes=5)).wait > timedelta(0)


def test_keys_for_different_addresses_and_e_mails_are_independent(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    _, email = make_account(app, workspace.id)
    _, other_email = make_account(app, workspace.id)
    for _ in range(6):
        attempt(app, email, WRONG, T0, address="10.0.0.1")
    assert attempt(app, email, PASSWORD, T0, address="10.0.0.1").wait > timedelta(0)
    assert attempt(app, email, PASSWORD, T0, address="10.0.0.2").token is not None
    assert attempt(app, other_email, PASSWORD, T0, address="10.0.0.1").token is not None


def test_the_key_is_a_hash_of_the_normalised_e_mail_and_address(app: FastAPI) -> None:
    secret = app.state.settings.secret
    key = login_throttle.throttle_key(secret, "ana@example.com", "127.0.0.1")
    assert len(key) == 64 and int(key, 16) >= 0 and "ana" not in key
    assert key == login_throttle.throttle_key(secret, " Ana@Example.COM ", "::ffff:127.0.0.1")
    assert key != login_throttle.throttle_key(secret, "ana@example.com", "127.0.0.2")
    assert key != login_throttle.throttle_key(b"another secret", "ana@example.com", "127.0.0.1")
    assert login_throttle.throttle_key(secret, "a@x.fr", "2001:DB8::1") == (
        login_throttle.throttle_key(secret, "a@x.fr", "2001:db8:0:0::1")
    )


def test_only_hashes_are_stored_never_the_e_mail(app: FastAPI, workspace: NewWorkspace) -> None:
    _, email = make_account(app, workspace.id)
    attempt(app, email, WRONG, T0)
    with app.state.sessions() as s:
        rows = s.scalars(select(LoginThrottle)).all()
    assert len(rows) == 1
    assert rows[0].attempts == 1 and rows[0].window_start == T0
    assert email not in rows[0].key and len(rows[0].key) == 64


def test_counts_whose_window_is_over_are_removed(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(login_throttle, "_purger", login_throttle._Purger())
    factory = app.state.sessions
    for n in range(3):
        login_throttle.reserve(factory, f"{n:064x}", T0)
    login_throttle.reserve(factory, "f" * 64, T0 + timedelta(minutes=10))

    def keys() -> set[str]:
        with factory() as s:
            return set(s.scalars(select(LoginThrottle.key)))

    assert len(keys()) == 4
    # The next attempt after the windows ended clears them on the way.
    login_throttle.reserve(factory, "e" * 64, T0 + timedelta(minutes=16))
    assert keys() == {"f" * 64, "e" * 64}
    assert login_throttle.purge_expired(factory, T0 + timedelta(minutes=40)) == 2
    assert keys() == set()


def test_a_shorter_throttle_never_purges_a_login_pause(
    app: FastAPI, workspace: NewWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, email = make_account(app, workspace.id)
    for _ in range(LOGIN.max_attempts + 1):
        attempt(app, email, WRONG, T0)
    # A single sign-on start (a one-minute window) purges the table on its way.
    monkeypatch.setattr(login_throttle, "_purger", login_throttle._Purger())
    key = login_throttle.sso_start_key(app.state.settings.secret, "10.0.0.9")
    login_throttle.reserve(app.state.sessions, key, T0 + timedelta(minutes=2), SSO_START)
    assert attempt(app, email, PASSWORD, T0 + timedelta(minutes=3)).wait > timedelta(0)
