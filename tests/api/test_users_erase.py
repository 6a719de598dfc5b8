"""``DELETE /v1/users/{id}``, ``fluide user erase`` and the retention settings of
``/v1/workspace`` (both databases)."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from fluide.cli import app as cli
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage.security_models import Erasure
from tests.service.conftest import SECRET, event_body, touchpoint_body


def answered(client: TestClient, auth: dict[str, str], user: str, comment: str) -> None:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    body = event_body(f"evt-{user}", user, properties={"order_ref": "ORD-1"})
    invitation = client.post("/v1/events", headers=auth, json=body).json()["invitation"]
    token = invitation["url"].rsplit("/s/", 1)[1]
    r = client.post("/v1/responses", json={"token": token, "score": 2, "comment": comment})
    assert r.status_code in (200, 201), r.text


def test_deleting_a_user_erases_them_and_answers_the_counts(
    client: TestClient, app: FastAPI, auth: dict[str, str], workspace: NewWorkspace
) -> None:
    answered(client, auth, "u-42", "Trop d'étapes")
    answered(client, auth, "u-43", "Rien à dire")
    r = client.delete("/v1/users/u-42", headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user_id"] == "u-42" and body["reason"] == "request"
    assert body["erased_by"] == "api:" + workspace.api_key[:12]
    assert body["counts"]["end_users"] == 1 and body["counts"]["responses"] == 1
    assert body["counts"]["events"] == 1 and body["files_purged"] is True
    assert client.get("/v1/users/u-42/history", headers=auth).status_code == 404
    assert client.get("/v1/users/u-43/history", headers=auth).json()["events"][0]["response"]
    metrics = client.get("/v1/metrics", headers=auth)
    assert metrics.status_code == 200 and "u-42" not in metrics.text
    again = client.delete("/v1/users/u-42", headers=auth | {"Accept-Language": "en"})
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "not_found" and "u-42" in again.text
    with app.state.sessions() as s:
        [audit] = s.execute(select(Erasure)).scalars()
        assert audit.id == body["erasure_id"] and audit.user_external_id == "u-42"
        assert workspace.api_key not in audit.erased_by


def test_another_workspace_s_key_cannot_erase_a_user_and_no_key_is_refused(
    client: TestClient, app: FastAPI, auth: dict[str, str]
) -> None:
    answered(client, auth, "u-42", "Trop d'étapes")
    other = create_workspace(app.state.sessions, "Autre")
    r = client.delete("/v1/users/u-42", headers={"Authorization": f"Bearer {other.api_key}"})
    assert r.status_code == 404
    assert client.delete("/v1/users/u-42").status_code == 401
    assert client.get("/v1/users/u-42/history", headers=auth).status_code == 200


def test_fluide_user_erase_prints_what_went(
    client: TestClient, auth: dict[str, str], workspace: NewWorkspace, database_url: str
) -> None:
    answered(client, auth, "u-42", "Trop d'étapes")
    answered(client, auth, "u-43", "Rien à dire")
    env = {"FLUIDE_DATABASE_URL": database_url, "FLUIDE_SECRET_KEY": SECRET}
    runner = CliRunner()
    args = ["user", "erase", "--workspace", workspace.id]
    r = runner.invoke(cli, [*args, "u-42", "--lang", "en"], env=env)
    assert r.exit_code == 0, r.output
    assert "Customer u-42 erased" in r.stdout and "responses: 1" in r.stdout
    r = runner.invoke(cli, [*args, "u-43", "--format", "json"], env=env)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert (doc["user_id"], doc["erased_by"], doc["counts"]["end_users"]) == ("u-43", "cli", 1)
    r = runner.invoke(cli, [*args, "u-42", "--lang", "en"], env=env)
    assert r.exit_code == 2 and "No user u-42 in this workspace." in r.stderr
    r = runner.invoke(cli, ["user", "erase", "--workspace", "nowhere", "u-1"], env=env)
    assert r.exit_code == 2


def test_retention_periods_are_set_shown_bounded_and_cleared(
    client: TestClient, auth: dict[str, str]
) -> None:
    shown = client.get("/v1/workspace", headers=auth).json()
    assert shown["comment_retention_days"] is None
    assert shown["personal_data_retention_days"] is None
    body = {"comment_retention_days": 90, "personal_data_retention_days": 1095}
    r = client.patch("/v1/workspace", headers=auth, json=body)
    assert r.status_code == 200 and r.json()["comment_retention_days"] == 90
    assert client.get("/v1/workspace", headers=auth).json()["personal_data_retention_days"] == 1095
    for bad in (0, 3651, "deux", 1.5, True):
        r = client.patch("/v1/workspace", headers=auth, json={"comment_retention_days": bad})
        assert r.status_code == 422, bad
        assert "comment_retention_days" in r.text
    r = client.patch("/v1/workspace", headers=auth, json={"sender_name": "Durand"})
    assert r.json()["comment_retention_days"] == 90  # not sent: unchanged
    r = client.patch("/v1/workspace", headers=auth, json={"comment_retention_days": None})
    assert r.status_code == 200 and r.json()["comment_retention_days"] is None
    assert r.json()["personal_data_retention_days"] == 1095


def test_in_the_demo_the_erased_customer_s_mails_and_chat_posts_go_too(
    client: TestClient, app: FastAPI, auth: dict[str, str]
) -> None:
    from fluide.demo.inbox import DemoInbox

    inbox = DemoInbox()
    app.state.demo_inbox = inbox
    for user in ("u-42", "u-43"):
        raw = f"To: {user}@example.com\r\nSubject: Votre avis\r\n\r\nBonjour\r\n".encode()
        inbox.add_email(raw)
        inbox.add_chat(verified=True, idempotency_key=user, payload={"user_id": user}, text="?")
    answered(client, auth, "u-42", "Trop d'étapes")
    assert client.delete("/v1/users/u-42", headers=auth).status_code == 200
    assert [m.to for m in inbox.emails()] == ["u-43@example.com"]
    assert [c.payload["user_id"] for c in inbox.chats()] == ["u-43"]
