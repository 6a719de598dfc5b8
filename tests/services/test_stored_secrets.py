"""Widget and webhook secrets at rest: encrypted, readable after a key change through
FLUIDE_PREVIOUS_SECRET_KEYS, rewritten by `reencrypt`; a wrong key is a clear error."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import event, select

from fluide.api.app import create_app
from fluide.channels.webhook import verify
from fluide.jobs.follow_ups import notify_pending
from fluide.services import stored_secrets, workspace_settings
from fluide.services.widget import WidgetKeys, ensure_widget_keys, user_hmac
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings, load_settings
from fluide.storage.dashboard_models import FollowUp
from fluide.storage.db import write_session
from fluide.storage.models import Workspace
from tests.service.test_webhook_delivery import Receiver
from tests.services.test_follow_ups import T0, respond

K1 = "first-secret-key-7Hq2-aZ9x-0p4L-mW3e-Rt6Y"
K2 = "second-secret-key-Bv8n-Qs1k-Jd5u-Xc2o-Gf7I"
K3 = "wrong-secret-key-Ua3r-Ny6t-Pe0w-Lh9m-Zk4D"


def settings_for(
    database_url: str, tmp_path: Path, key: str, previous: str | None = None
) -> Settings:
    return load_settings(
        database_url=database_url,
        secret_key=key,
        previous_secret_keys=previous,
        data_dir=tmp_path,
        public_url="http://testserver",
        worker="inline",  # never started here: the test sends, at moments it chooses
        webhook_allow_private=True,  # the webhook receiver is on 127.0.0.1
    )


@contextmanager
def running(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    try:
        yield app
    finally:
        app.state.engine.dispose()


def widget_call(app: FastAPI, keys: WidgetKeys, user: str = "u-42") -> Response:
    params = {"key": keys.public_key, "user": user, "sig": user_hmac(keys.secret, user)}
    return TestClient(app).get("/w/v1/pending", params=params)


def notify_one(app: FastAPI, settings: Settings, ws: str) -> FollowUp:
    """A hard answer opens a follow-up, posted to the chat webhook (no SMTP); its row after."""
    with app.state.sessions() as s:
        before = set(s.scalars(select(FollowUp.id)))
    respond(app, settings, ws, 1, "Trop compliqué")
    assert notify_pending(app.state.sessions, settings, T0) == 1
    with app.state.sessions() as s:
        [fu] = [f for f in s.scalars(select(FollowUp)) if f.id not in before]
    return fu


def signed_post(app: FastAPI, settings: Settings, ws: str, receiver: Receiver, secret: str) -> bool:
    """Whether the follow-up's post reached the webhook signed with ``secret``."""
    fu = notify_one(app, settings, ws)
    assert fu.notify_error is None, fu.notify_error
    got = receiver.request_with_key(f"follow-up-{fu.id}")
    headers = got.headers
    return verify(secret, headers["x-fluide-timestamp"], headers["x-fluide-signature"], got.body)


def stored(app: FastAPI, ws: str) -> tuple[str | None, str | None]:
    with app.state.sessions() as s:
        row = s.get_one(Workspace, ws)
        return row.widget_secret, row.webhook_secret


def test_after_a_key_change_the_former_key_keeps_secrets_working_until_reencrypt(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Receiver() as receiver:
        first = settings_for(database_url, tmp_path, K1)
        with running(first) as app:
            ws = create_workspace(app.state.sessions, "Boutique").id
            keys = ensure_widget_keys(app.state.sessions, first, ws)
            patch = workspace_settings.WorkspacePatch(chat_webhook_url=receiver.url)
            workspace_settings.update(app.state.sessions, first, ws, patch)
            hook = workspace_settings.rotate_secret(app.state.sessions, first, ws, "webhook")
            secret = hook["secret"]
            assert widget_call(app, keys).status_code == 200
            sealed_by_k1 = stored(app, ws)

        # The key changed, the former one forgotten: a clear refusal, never a 500.
        caplog.set_level(logging.WARNING, logger="fluide")
        k2_only = settings_for(database_url, tmp_path, K2)
        with running(k2_only) as app:
            r = widget_call(app, keys)
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "secret_key_mismatch"
            assert "FLUIDE_PREVIOUS_SECRET_KEYS" in r.json()["error"]["message"]
            assert r.headers["access-control-allow-origin"] == "*"
            fu = notify_one(app, k2_only, ws)
            assert "FLUIDE_PREVIOUS_SECRET_KEYS" in str(fu.notify_error)
            assert receiver.received.empty()
        assert "2 stored secret(s) cannot be decrypted" in caplog.text

        # With the former key as a previous key, everything works as before.
        rotated = settings_for(database_url, tmp_path, K2, previous=K1)
        with running(rotated) as app:
            assert widget_call(app, keys).status_code == 200
            assert signed_post(app, rotated, ws, receiver, secret)
            done = stored_secrets.reencrypt(app.state.sessions, rotated)
            assert (done.rewritten, done.current, done.failed) == (2, 0, [])
            assert stored(app, ws) != sealed_by_k1
            again = stored_secrets.reencrypt(app.state.sessions, rotated)
            assert (again.rewritten, again.current) == (0, 2)

        # Re-encrypted: the new key alone is enough.
        alone = settings_for(database_url, tmp_path, K2)
        with running(alone) as app:
            assert widget_call(app, keys).status_code == 200
            assert signed_post(app, alone, ws, receiver, secret)

        # A wrong key cannot re-encrypt: it says which secrets, and leaves them.
        wrong = settings_for(database_url, tmp_path, K3)
        with running(wrong) as app:
            failed = stored_secrets.reencrypt(app.state.sessions, wrong)
            assert failed.failed == [(ws, "widget"), (ws, "webhook")] and failed.rewritten == 0
        with running(alone) as app:
            assert widget_call(app, keys).status_code == 200


def test_legacy_plaintext_is_read_then_encrypted_by_reencrypt(
    database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(database_url, tmp_path, K1)
    with running(settings) as app:
        ws = create_workspace(app.state.sessions, "Boutique").id
        with write_session(app.state.sessions) as s:
            row = s.get_one(Workspace, ws)
            row.widget_public_key, row.widget_secret = "pk_legacy", "legacy-widget-secret"
            row.webhook_secret = "legacy-webhook-secret"
        keys = WidgetKeys("pk_legacy", "legacy-widget-secret")
        assert widget_call(app, keys).status_code == 200
        dry = stored_secrets.reencrypt(app.state.sessions, settings, dry_run=True)
        assert dry.rewritten == 2 and stored(app, ws) == (
            "legacy-widget-secret",
            "legacy-webhook-secret",
        )
        assert stored_secrets.reencrypt(app.state.sessions, settings).rewritten == 2
        widget, webhook = stored(app, ws)
        assert (
            widget
            and webhook
            and widget.startswith("fernet:v1:")
            and webhook.startswith("fernet:v1:")
        )
        assert widget_call(app, keys).status_code == 200


def test_a_legacy_widget_secret_is_sealed_at_its_next_write(
    database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(database_url, tmp_path, K1)
    with running(settings) as app:
        ws = create_workspace(app.state.sessions, "Boutique").id
        with write_session(app.state.sessions) as s:
            row = s.get_one(Workspace, ws)
            row.widget_public_key, row.widget_secret = "pk_legacy", "legacy-widget-secret"
        keys = ensure_widget_keys(app.state.sessions, settings, ws)
        assert keys == WidgetKeys("pk_legacy", "legacy-widget-secret")
        assert str(stored(app, ws)[0]).startswith("fernet:v1:")


# --- The bytes on disk (SQLite) ---------------------------------------------------------------


def disk_bytes(db: Path) -> bytes:
    return b"".join(
        p.read_bytes()
        for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
        if p.exists()
    )


def test_no_secret_can_be_read_in_the_sqlite_files(tmp_path: Path) -> None:
    db = tmp_path / "fluide.db"
    with running(settings_for(f"sqlite:///{db}", tmp_path, K1)) as app:
        made = create_workspace(app.state.sessions, "Boutique")
        client = TestClient(app)
        auth = {"Authorization": f"Bearer {made.api_key}"}
        webhook = client.post("/v1/workspace/secrets/webhook", headers=auth).json()["secret"]
        widget = client.post("/v1/workspace/secrets/widget", headers=auth).json()["secret"]
        on_disk = disk_bytes(db)
        assert b"fernet:v1:" in on_disk
        assert webhook.encode() not in on_disk and widget.encode() not in on_disk
        assert made.api_key.encode() not in on_disk
    assert webhook.encode() not in disk_bytes(db) and widget.encode() not in disk_bytes(db)


def test_reencrypt_leaves_no_trace_of_legacy_plaintext_in_the_sqlite_files(tmp_path: Path) -> None:
    db = tmp_path / "fluide.db"
    settings = settings_for(f"sqlite:///{db}", tmp_path, K1)
    legacy = [f"legacy-plain-{n:02d}-webhook-secret" for n in range(40)]
    with running(settings) as app:

        @event.listens_for(app.state.engine, "connect")
        def _as_most_builds(dbapi_conn: Any, _record: Any) -> None:
            # Debian's SQLite zeroes what it frees; most builds do not.
            dbapi_conn.execute("PRAGMA secure_delete = OFF")

        app.state.engine.dispose()
        ids = [create_workspace(app.state.sessions, f"Boutique {n}").id for n in range(40)]
        with write_session(app.state.sessions) as s:
            for ws, secret in zip(ids, legacy, strict=True):
                s.get_one(Workspace, ws).webhook_secret = secret
        assert all(x.encode() in disk_bytes(db) for x in legacy)  # what there is to clean
        assert stored_secrets.reencrypt(app.state.sessions, settings).rewritten == 40
        on_disk = disk_bytes(db)
        assert [x for x in legacy if x.encode() in on_disk] == []
        assert str(stored(app, ids[7])[1]).startswith("fernet:v1:")


def test_the_single_sign_on_client_secret_is_reencrypted_too(
    database_url: str, tmp_path: Path
) -> None:
    from fluide import secretbox
    from fluide.services import sso
    from fluide.storage.sso_models import SsoConfig

    first = settings_for(database_url, tmp_path, K1)
    with running(first) as app:
        ws = create_workspace(app.state.sessions, "Boutique").id
        body = sso.SsoSettings(
            issuer="https://login.acme.example",
            client_id="fluide",
            client_secret="client-secret-of-the-idp",
            domains=["acme.example"],
        )
        sso.put(app.state.sessions, first, ws, body)
    rotated = settings_for(database_url, tmp_path, K2, previous=K1)
    with running(rotated) as app:
        done = stored_secrets.reencrypt(app.state.sessions, rotated)
        assert (done.rewritten, done.failed) == (1, [])
    alone = settings_for(database_url, tmp_path, K2)
    with running(alone) as app, app.state.sessions() as s:
        sealed = s.get_one(SsoConfig, ws).client_secret
        assert secretbox.open_secret(alone, sealed) == "client-secret-of-the-idp"
    wrong = settings_for(database_url, tmp_path, K3)
    with running(wrong) as app:
        assert stored_secrets.reencrypt(app.state.sessions, wrong).failed == [(ws, "sso")]
