"""API keys over HTTP: rotate (with a grace period), revoke, list; never across workspaces."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fluide.services import api_keys
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage.db import write_session
from fluide.storage.models import ApiKey
from fluide.storage.types import utcnow

KEYS = "/v1/workspace/api-keys"
ERROR_KEYS = {"code", "message", "details"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def works(client: TestClient, key: str) -> bool:
    status = client.get("/v1/touchpoints", headers=bearer(key)).status_code
    assert status in (200, 401)
    return status == 200


def key_count(app: FastAPI, workspace_id: str) -> int:
    with app.state.sessions() as s:
        return int(
            s.scalar(
                select(func.count()).select_from(ApiKey).where(ApiKey.workspace_id == workspace_id)
            )
            or 0
        )


def check_error(r: object, status: int, code: str) -> dict[str, object]:
    from httpx import Response

    assert isinstance(r, Response)
    assert r.status_code == status, r.text
    assert set(r.json()["error"]) == ERROR_KEYS and r.json()["error"]["code"] == code
    error: dict[str, object] = r.json()["error"]
    return error


@pytest.fixture
def other(app: FastAPI) -> NewWorkspace:
    return create_workspace(app.state.sessions, "Atelier")


# --- Rotation ---------------------------------------------------------------------------------


def test_rotating_shows_a_new_key_once_and_ends_the_calling_key_at_once(
    client: TestClient, workspace: NewWorkspace
) -> None:
    old = workspace.api_key
    r = client.post(KEYS, headers=bearer(old))
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    made = r.json()
    new = made["api_key"]
    assert new.startswith("flk_") and new != old and made["prefix"] == new[:12]
    assert made["revokes"] == [old[:12]] and made["valid"] is True
    assert not works(client, old)
    assert works(client, new)
    listed = client.get(KEYS, headers=bearer(new)).text
    assert new not in listed and api_keys.hash_key(new) not in listed


def test_with_a_grace_period_the_old_key_works_until_it_ends(
    client: TestClient, app: FastAPI, workspace: NewWorkspace
) -> None:
    before = utcnow()
    r = client.post(KEYS, params={"grace": 3600}, headers=bearer(workspace.api_key))
    assert r.status_code == 201, r.text
    until = datetime.fromisoformat(r.json()["old_key_valid_until"])
    assert before + timedelta(seconds=3600) <= until <= utcnow() + timedelta(seconds=3600)
    assert works(client, workspace.api_key) and works(client, r.json()["api_key"])
    with app.state.sessions() as s:
        assert api_keys.authenticate(s, workspace.api_key, now=until - timedelta(seconds=1))
        assert api_keys.authenticate(s, workspace.api_key, now=until) is None
        assert api_keys.authenticate(s, r.json()["api_key"], now=until + timedelta(days=30))


def test_rotating_again_during_the_grace_period_never_lengthens_it(
    client: TestClient, workspace: NewWorkspace
) -> None:
    first = client.post(KEYS, params={"grace": 600}, headers=bearer(workspace.api_key)).json()
    again = client.post(KEYS, params={"grace": 7200}, headers=bearer(workspace.api_key)).json()
    assert again["revokes"] == [workspace.api_key[:12]]
    assert again["old_key_valid_until"] == first["old_key_valid_until"]
    listed = {
        k["prefix"]: k
        for k in client.get(KEYS, headers=bearer(again["api_key"])).json()["api_keys"]
    }
    assert listed[workspace.api_key[:12]]["revoked_at"] == first["old_key_valid_until"]


@pytest.mark.parametrize("grace", ["604801", "-1", "une heure"])
def test_a_grace_period_beyond_seven_days_or_not_a_number_is_refused(
    client: TestClient, app: FastAPI, workspace: NewWorkspace, grace: str
) -> None:
    r = client.post(KEYS, params={"grace": grace}, headers=bearer(workspace.api_key))
    error = check_error(r, 422, "invalid")
    assert error["details"][0]["field"] == "query.grace"  # type: ignore[index]
    assert works(client, workspace.api_key) and key_count(app, workspace.id) == 1


@pytest.mark.parametrize("label", ["clé\x00nulle", "ligne\nsuivante"])
def test_a_label_with_control_characters_is_refused_and_the_key_kept(
    client: TestClient, app: FastAPI, workspace: NewWorkspace, label: str
) -> None:
    # Found by the API fuzz on PostgreSQL: a NUL in the label reached the database (500).
    r = client.post(KEYS, params={"label": label}, headers=bearer(workspace.api_key))
    error = check_error(r, 422, "invalid")
    assert error["details"][0]["field"] == "label"  # type: ignore[index]
    assert works(client, workspace.api_key) and key_count(app, workspace.id) == 1


def test_seven_days_of_grace_is_accepted(client: TestClient, workspace: NewWorkspace) -> None:
    r = client.post(KEYS, params={"grace": 604800}, headers=bearer(workspace.api_key))
    assert r.status_code == 201 and works(client, workspace.api_key)


def test_the_service_refuses_a_grace_period_naming_the_field() -> None:
    from fluide.services.errors import ServiceError

    with pytest.raises(ServiceError) as refused:
        api_keys.check_grace(api_keys.MAX_GRACE_SECONDS + 1)
    assert refused.value.details[0]["field"] == "grace"


# --- Revocation ---------------------------------------------------------------------------------


def test_a_revoked_key_stops_working_at_once(client: TestClient, workspace: NewWorkspace) -> None:
    new = client.post(KEYS, params={"grace": 3600}, headers=bearer(workspace.api_key)).json()
    r = client.delete(f"{KEYS}/{workspace.api_key[:12]}", headers=bearer(new["api_key"]))
    assert r.status_code == 200, r.text
    assert r.json()["valid"] is False and r.json()["prefix"] == workspace.api_key[:12]
    assert not works(client, workspace.api_key) and works(client, new["api_key"])
    # Revoking it again changes nothing.
    again = client.delete(f"{KEYS}/{workspace.api_key[:12]}", headers=bearer(new["api_key"]))
    assert again.status_code == 200 and again.json()["revoked_at"] == r.json()["revoked_at"]


def test_a_key_can_be_revoked_by_its_id(client: TestClient, workspace: NewWorkspace) -> None:
    new = client.post(KEYS, params={"grace": 3600}, headers=bearer(workspace.api_key)).json()
    listed = client.get(KEYS, headers=bearer(new["api_key"])).json()["api_keys"]
    [old] = [k for k in listed if k["prefix"] == workspace.api_key[:12]]
    r = client.delete(f"{KEYS}/{old['id']}", headers=bearer(new["api_key"]))
    assert r.status_code == 200 and not works(client, workspace.api_key)


def test_the_last_key_without_an_end_date_cannot_be_revoked(
    client: TestClient, workspace: NewWorkspace
) -> None:
    key = workspace.api_key
    error = check_error(client.delete(f"{KEYS}/{key[:12]}", headers=bearer(key)), 409, "last_key")
    assert "POST /v1/workspace/api-keys" in str(error["message"])
    assert works(client, key)
    # A key in its grace period does not count: it is about to end too.
    new = client.post(KEYS, params={"grace": 3600}, headers=bearer(key)).json()["api_key"]
    check_error(client.delete(f"{KEYS}/{new[:12]}", headers=bearer(key)), 409, "last_key")
    assert works(client, new)


def test_the_refusal_reads_in_french(client: TestClient, workspace: NewWorkspace) -> None:
    key = workspace.api_key
    headers = {**bearer(key), "Accept-Language": "fr"}
    r = client.delete(f"{KEYS}/{key[:12]}", headers=headers)
    assert r.status_code == 409 and "dernière clé" in r.json()["error"]["message"]


def test_an_unknown_prefix_is_404(client: TestClient, workspace: NewWorkspace) -> None:
    r = client.delete(f"{KEYS}/flk_nothere", headers=bearer(workspace.api_key))
    check_error(r, 404, "not_found")


def test_an_ambiguous_prefix_is_refused_and_its_ids_named(
    client: TestClient, app: FastAPI, workspace: NewWorkspace
) -> None:
    with write_session(app.state.sessions) as s:
        twins = []
        for n in range(2):
            _, row = api_keys.add_key(s, workspace.id, label=f"jumelle {n}")
            row.prefix = "flk_Jumelles"
            twins.append(row.id)
    r = client.delete(f"{KEYS}/flk_Jumelles", headers=bearer(workspace.api_key))
    error = check_error(r, 409, "ambiguous_key")
    assert error["details"] == {"ids": twins}
    assert client.delete(f"{KEYS}/{twins[0]}", headers=bearer(workspace.api_key)).status_code == 200


def test_new_keys_of_a_workspace_never_share_a_prefix(
    app: FastAPI, workspace: NewWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = workspace.api_key[4:12]
    made: Iterator[str] = iter([taken + "a" * 35, taken + "b" * 35, "Z" * 43])
    monkeypatch.setattr(api_keys.secrets, "token_urlsafe", lambda _n: next(made))
    with write_session(app.state.sessions) as s:
        key, row = api_keys.add_key(s, workspace.id)
    assert row.prefix == "flk_ZZZZZZZZ" and key == "flk_" + "Z" * 43


# --- Listing ------------------------------------------------------------------------------------


def test_the_list_shows_prefixes_labels_and_dates_never_a_key(
    client: TestClient, workspace: NewWorkspace
) -> None:
    new = client.post(
        KEYS,
        params={"grace": 60, "label": "  serveur de prod  "},
        headers=bearer(workspace.api_key),
    ).json()
    listed = client.get(KEYS, headers=bearer(new["api_key"])).json()["api_keys"]
    assert [k["prefix"] for k in listed] == [workspace.api_key[:12], new["prefix"]]
    assert set(listed[0]) == {
        "id",
        "prefix",
        "label",
        "created_at",
        "revoked_at",
        "valid",
        "current",
    }
    assert listed[1]["label"] == "serveur de prod" and listed[1]["current"] is True
    assert listed[0]["current"] is False and listed[0]["valid"] is True
    assert listed[0]["revoked_at"] == new["old_key_valid_until"]
    assert listed[1]["revoked_at"] is None


# --- Isolation ----------------------------------------------------------------------------------


def test_a_key_never_lists_revokes_or_rotates_another_workspaces_keys(
    client: TestClient, app: FastAPI, workspace: NewWorkspace, other: NewWorkspace
) -> None:
    mine, theirs = workspace.api_key, other.api_key
    listed = client.get(KEYS, headers=bearer(mine)).json()["api_keys"]
    assert [k["prefix"] for k in listed] == [mine[:12]]
    with app.state.sessions() as s:
        their_id = s.scalar(select(ApiKey.id).where(ApiKey.workspace_id == other.id))
    for ref in (theirs[:12], their_id):
        check_error(client.delete(f"{KEYS}/{ref}", headers=bearer(mine)), 404, "not_found")
    rotated = client.post(KEYS, headers=bearer(mine)).json()
    assert rotated["revokes"] == [mine[:12]]
    assert works(client, theirs) and key_count(app, other.id) == 1
    assert [k["prefix"] for k in client.get(KEYS, headers=bearer(theirs)).json()["api_keys"]] == [
        theirs[:12]
    ]


def test_every_key_route_needs_a_valid_key(client: TestClient, workspace: NewWorkspace) -> None:
    for method, path in (("GET", KEYS), ("POST", KEYS), ("DELETE", f"{KEYS}/flk_whatever")):
        check_error(client.request(method, path), 401, "unauthorized")
        check_error(client.request(method, path, headers=bearer("flk_nope")), 401, "unauthorized")
