"""The OpenAPI contract: every operation documented with examples, and no input reaches a 500.

Schemathesis generates valid and invalid requests for every operation of the
schema the app publishes, with a real workspace key, on SQLite and on
PostgreSQL (which refuses more than SQLite does: NUL characters, huge
integers). Bounded: a few dozen examples per operation.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.python.asgi import ASGIClient, get_client

from fluide.services.api_keys import add_key
from fluide.services.workspaces import NewWorkspace
from fluide.storage.db import write_session
from tests.service.conftest import event_body, touchpoint_body

Auth = dict[str, str] | Callable[[], dict[str, str]]
ROTATES_ITS_KEY = "POST /v1/workspace/api-keys"
"""Ends the key it is called with: each of its cases gets a key of its own."""

ERROR_KEYS = {"code", "message", "details"}
# Per operation and mode: the whole run stays well under a minute. Dig deeper with, e.g.,
# FLUIDE_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/service/test_openapi.py
EXAMPLES = int(os.environ.get("FLUIDE_FUZZ_EXAMPLES", "25"))
# `derandomize` seeds the draws with a hash of `run`'s source, so any edit to it changed
# every request sent. A fixed seed instead: the hash of `run` as it was until December
# 2026, so the same requests as then are sent (FLUIDE_FUZZ_SEED=n draws others).
SEED = int(
    os.environ.get("FLUIDE_FUZZ_SEED", "")
    or "55105814353777849309176994044129196865510135542284948570630191451324105769487893"
    "75993220078031953293214270005038534"
)
# No shrinking by default (time); FLUIDE_FUZZ_SHRINK=1 reports the smallest failing input.
PHASES = [Phase.explicit, Phase.generate] + (
    [Phase.shrink] if os.environ.get("FLUIDE_FUZZ_SHRINK") == "1" else []
)


_published: dict[str, Any] = {}
"""The schema, loaded once per test process: the app publishes the same one whatever its
database, and Schemathesis caches what it derives from it (operations, strategies)."""


@pytest.fixture
def api_schema(app: FastAPI, workspace: NewWorkspace, auth: dict[str, str]) -> Any:
    """The published schema, with a workspace that has a touchpoint, a user and an invitation.

    The touchpoint is not ``payer``, so that the documented example can create ``payer``.
    Requests go through :func:`asgi_session`, to this test's app.
    """
    cancel = touchpoint_body(
        key="annuler", task="annuler", triggers=[{"event": "subscription_cancelled"}]
    )
    with TestClient(app) as client:
        assert client.post("/v1/touchpoints", headers=auth, json=cancel).status_code == 201
        r = client.post("/v1/events", headers=auth, json=event_body(type_="subscription_cancelled"))
        assert r.status_code == 200 and r.json()["decision"] == "invited"
    if "schema" not in _published:
        # Loaded as before (from_dict draws other requests from the same seed). It stays
        # bound to the first app: the requests go to this one, through `asgi_session`.
        _published["schema"] = schemathesis.openapi.from_asgi("/openapi.json", app)
    # Reused only while it is what this app publishes.
    assert _published["schema"].raw_schema == app.openapi()
    return _published["schema"]


@pytest.fixture
def asgi_session(app: FastAPI) -> Iterator[ASGIClient]:
    """One in-process client for all of a test's requests (``case.call`` made one per call)."""
    with get_client(app) as session:
        yield session


@pytest.fixture
def fresh_auth(app: FastAPI, workspace: NewWorkspace) -> Callable[[], dict[str, str]]:
    def make() -> dict[str, str]:
        with write_session(app.state.sessions) as s:
            key, _ = add_key(s, workspace.id, label="fuzz")
        return {"Authorization": f"Bearer {key}"}

    return make


def check_error_shape(status: int, body: Any, where: str) -> None:
    assert isinstance(body, dict) and set(body) == {"error"}, f"{where}: {status} {body!r}"
    error = body["error"]
    assert isinstance(error, dict) and set(error) == ERROR_KEYS, f"{where}: {body!r}"
    assert isinstance(error["code"], str) and error["code"], where
    assert isinstance(error["message"], str) and error["message"], where


def describe(case: schemathesis.Case) -> str:
    """The request, for a failure message (built only on failure: it is not cheap)."""
    return (
        f"{case.method} {case.formatted_path} query={case.query!r} "
        f"headers={case.headers!r} body={case.body!r}"
    )[:2000]


def fuzz(strategy: Any, auth: Auth, seen: Counter[str], session: ASGIClient) -> None:
    """Hypothesis over one operation: every answer below 500, every error in the one shape."""

    @given(case=strategy)
    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=PHASES,
    )
    def run(case: schemathesis.Case) -> None:
        headers = auth() if callable(auth) else auth
        try:
            # A generous timeout: the first tag example loads the sentence model, which
            # takes more than the default 10 s on a busy 2-core machine.
            response = case.call(session=session, headers=headers, timeout=60)
        except Exception as exc:  # the test client re-raises what the server did not handle
            where = describe(case)
            raise AssertionError(f"{where} -> 500: {type(exc).__name__}: {exc}"[:3000]) from exc
        finally:
            session.cookies.clear()  # each case starts as a new client would
        seen[f"{case.method} {case.path} {response.status_code}"] += 1
        if response.status_code >= 500:
            raise AssertionError(
                f"{describe(case)} -> {response.status_code}: {response.text[:500]}"
            )
        if response.status_code >= 400:
            try:
                check_error_shape(response.status_code, response.json(), "")
            except AssertionError as exc:
                raise AssertionError(f"{describe(case)}: {exc}") from None

    run()


_strategies: dict[tuple[str, str], Any] = {}
"""Per kind of draw and operation, built once and used on both databases: Hypothesis caches
on a strategy object what it works out about it (validation, emptiness, its parts)."""


def fuzz_all(
    api_schema: Any,
    auth: dict[str, str],
    kind: str,
    make: Callable[[Any], Any],
    fresh_auth: Callable[[], dict[str, str]],
    session: ASGIClient,
) -> Counter[str]:
    """Fuzz every operation; the answers seen, as ``"METHOD /path STATUS"`` → count."""
    failures = []
    seen: Counter[str] = Counter()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        key = (kind, operation.label)
        if key not in _strategies:
            _strategies[key] = make(operation)
        strategy = _strategies[key]
        if strategy is None:
            continue
        rotates = operation.label == ROTATES_ITS_KEY
        try:
            fuzz(strategy, fresh_auth if rotates else auth, seen, session)
        except Unsatisfiable:
            continue  # nothing to make invalid: an operation without parameters or body
        except AssertionError as exc:
            failures.append(f"{operation.label}: {exc}")
    assert failures == [], "\n\n".join(failures)
    return seen


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_reaches_a_500_and_errors_have_one_shape(
    api_schema: Any,
    auth: dict[str, str],
    fresh_auth: Callable[[], dict[str, str]],
    asgi_session: ASGIClient,
    mode: GenerationMode,
) -> None:
    """Schemathesis' valid (positive) and invalid (negative) requests for every operation."""
    seen = fuzz_all(
        api_schema,
        auth,
        mode.value,
        lambda op: op.as_strategy(generation_mode=mode),
        fresh_auth,
        asgi_session,
    )
    if mode == GenerationMode.POSITIVE:
        # The key works: valid requests get through, not only 401s and 404s.
        # (Which other operations a random draw gets through varies: count them, don't name them.)
        through = {
            k.rsplit(" ", 1)[0] for k, n in seen.items() if n and k.endswith((" 200", " 201"))
        }
        assert seen["POST /v1/events 200"] and len(through) >= 10, dict(seen)
        assert seen[f"{ROTATES_ITS_KEY} 201"] > 1, dict(seen)  # each case had a live key


def test_the_documented_examples_never_reach_a_500(
    api_schema: Any,
    auth: dict[str, str],
    fresh_auth: Callable[[], dict[str, str]],
    asgi_session: ASGIClient,
) -> None:
    def from_examples(op: Any) -> Any:
        found = api_schema.get_strategies_from_examples(op)
        return st.one_of(found) if found else None

    seen = fuzz_all(api_schema, auth, "examples", from_examples, fresh_auth, asgi_session)
    assert seen["POST /v1/touchpoints 201"], dict(seen)  # the example creates a touchpoint


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        node = doc["components"]["schemas"][name]
    return node


def has_examples(doc: dict[str, Any], media: dict[str, Any]) -> bool:
    """An example on the media type, on the body's schema, or on one form of a union."""
    if media.get("example") is not None or media.get("examples"):
        return True
    body = resolve(doc, media.get("schema", {}))
    if body.get("examples") or body.get("example") is not None:
        return True
    return any(resolve(doc, s).get("examples") for s in body.get("oneOf", body.get("anyOf", [])))


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    doc = app.openapi()
    return [
        (method.upper(), path, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def test_every_operation_has_a_summary(app: FastAPI) -> None:
    missing = [f"{m} {p}" for m, p, op in operations(app) if not op.get("summary", "").strip()]
    assert missing == []


def test_every_request_body_has_an_example(app: FastAPI) -> None:
    doc = app.openapi()
    missing = [
        f"{m} {p}"
        for m, p, op in operations(app)
        if "requestBody" in op
        and not all(has_examples(doc, media) for media in op["requestBody"]["content"].values())
    ]
    assert missing == []


def test_the_documented_endpoints_are_all_there(app: FastAPI) -> None:
    published = {f"{m} {p}" for m, p, _ in operations(app)}
    assert {
        "GET /healthz",
        "GET /readyz",
        "POST /v1/touchpoints",
        "GET /v1/touchpoints",
        "GET /v1/touchpoints/{key}",
        "PATCH /v1/touchpoints/{key}",
        "POST /v1/events",
        "GET /v1/users/{user_id}/history",
    } <= published
