"""``/v1/workspace/sso``: the single sign-on setting through the API (both databases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide import secretbox
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings, load_settings
from fluide.storage.sso_models import SsoConfig
from tests.service.conftest import SECRET

ISSUER = "https://login.acme.example/realms/staff"


def body(**overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "issuer": ISSUER,
        "client_id": "fluide",
        "client_secret": "the-client-secret-42",
        "domains": ["Acme.example", "@acme-group.example"],
        "new_users": "analyst",
        "password_login": False,
    }
    return out | overrides


def test_not_set_up_says_so_with_the_redirect_uri_to_register(
    client: TestClient, auth: dict[str, str]
) -> None:
    r = client.get("/v1/workspace/sso", headers=auth)
    assert r.status_code == 200
    assert r.json() == {
        "configured": False,
        "redirect_uri": "http://testserver/app/login/sso/callback",
    }


def test_put_stores_the_setting_and_never_shows_the_secret_back(
    app: FastAPI, client: TestClient, auth: dict[str, str], workspace: NewWorkspace
) -> None:
    r = client.put("/v1/workspace/sso", headers=auth, json=body())
    assert r.status_code == 200, r.text
    got = client.get("/v1/workspace/sso", headers=auth).json()
    for answer in (r.json(), got):
        assert "the-client-secret-42" not in str(answer)
        assert answer["client_secret_set"] is True
        assert answer["domains"] == ["acme-group.example", "acme.example"]
        assert (answer["issuer"], answer["client_id"], answer["new_users"]) == (
            ISSUER,
            "fluide",
            "analyst",
        )
        assert answer["password_login"] is False
    with app.state.sessions() as s:
        stored = s.get_one(SsoConfig, workspace.id).client_secret
    assert secretbox.is_sealed(stored) and "the-client-secret-42" not in stored
    assert secretbox.open_secret(app.state.settings, stored) == "the-client-secret-42"


def test_put_without_a_secret_keeps_the_stored_one(
    app: FastAPI, client: TestClient, auth: dict[str, str], workspace: NewWorkspace
) -> None:
    client.put("/v1/workspace/sso", headers=auth, json=body())
    without = body(client_id="fluide-2")
    del without["client_secret"]
    assert client.put("/v1/workspace/sso", headers=auth, json=without).status_code == 200
    with app.state.sessions() as s:
        found = s.get_one(SsoConfig, workspace.id)
        assert found.client_id == "fluide-2"
        assert secretbox.open_secret(app.state.settings, found.client_secret) == (
            "the-client-secret-42"
        )


def test_the_first_put_needs_the_secret(client: TestClient, auth: dict[str, str]) -> None:
    without = body()
    del without["client_secret"]
    r = client.put("/v1/workspace/sso", headers=auth, json=without)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "client_secret"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"issuer": "http://login.acme.example"}, "issuer", "https://"),
        ({"issuer": "https://127.0.0.1:8443"}, "issuer", "loopback"),
        ({"issuer": "https://169.254.169.254"}, "issuer", "metadata"),
        ({"issuer": "not a url"}, "issuer", "not a valid URL"),
        ({"domains": ["acme"]}, "domains", "Not an e-mail domain: acme"),
        ({"client_id": "  "}, "client_id", "cannot be empty"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(
    client: TestClient, auth: dict[str, str], change: dict[str, Any], field: str, words: str
) -> None:
    english = {**auth, "Accept-Language": "en"}
    r = client.put("/v1/workspace/sso", headers=english, json=body(**change))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["details"][0]["field"] == field and words in error["message"]
    assert client.get("/v1/workspace/sso", headers=auth).json()["configured"] is False


def test_an_admin_role_is_not_a_default_for_new_people(
    client: TestClient, auth: dict[str, str]
) -> None:
    r = client.put("/v1/workspace/sso", headers=auth, json=body(new_users="admin"))
    assert r.status_code == 422


def test_a_domain_belongs_to_one_workspace(
    app: FastAPI, client: TestClient, auth: dict[str, str]
) -> None:
    assert client.put("/v1/workspace/sso", headers=auth, json=body()).status_code == 200
    other = create_workspace(app.state.sessions, "Other")
    theirs = {"Authorization": f"Bearer {other.api_key}"}
    r = client.put(
        "/v1/workspace/sso",
        headers={**theirs, "Accept-Language": "en"},
        json=body(domains=["acme.example"]),
    )
    assert r.status_code == 409
    assert "acme.example" in r.json()["error"]["message"]
    assert client.get("/v1/workspace/sso", headers=theirs).json()["configured"] is False


def test_delete_removes_the_setting_and_frees_the_domains(
    app: FastAPI, client: TestClient, auth: dict[str, str]
) -> None:
    client.put("/v1/workspace/sso", headers=auth, json=body())
    r = client.delete("/v1/workspace/sso", headers=auth)
    assert r.json() == {"deleted": True}
    assert client.get("/v1/workspace/sso", headers=auth).json()["configured"] is False
    other = create_workspace(app.state.sessions, "Other")
    theirs = {"Authorization": f"Bearer {other.api_key}"}
    assert client.put("/v1/workspace/sso", headers=theirs, json=body()).status_code == 200


def test_without_a_key_nothing_is_shown(client: TestClient) -> None:
    assert client.get("/v1/workspace/sso").status_code == 401


@pytest.fixture
def private_settings(tmp_path: Path) -> Settings:
    return load_settings(
        database_url=f"sqlite:///{tmp_path / 'p.db'}",
        secret_key=SECRET,
        data_dir=tmp_path,
        webhook_allow_private=True,
    )


def test_a_loopback_issuer_is_allowed_with_the_private_setting(private_settings: Settings) -> None:
    from fluide.api.app import create_app

    app = create_app(private_settings)
    try:
        ws = create_workspace(app.state.sessions, "Self-hosted")
        with TestClient(app) as c:
            r = c.put(
                "/v1/workspace/sso",
                headers={"Authorization": f"Bearer {ws.api_key}"},
                json=body(issuer="http://127.0.0.1:8081/realms/staff"),
            )
        assert r.status_code == 200, r.text
    finally:
        app.state.engine.dispose()
