"""While the worker loads the model, the rules tag and every face says "loading" (both databases).

A real worker loop, a real loader thread held on an event (the stand-in
embedder of tests/verbatims.py once released), the real app over HTTP and the
dashboard pages: nothing between them is replaced.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fluide.jobs import model_state, tagging
from fluide.jobs.model_state import ModelLoader, ModelUnavailable
from fluide.services import tagger_state
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from fluide.storage import tagger_runtime
from fluide.storage import verbatim_queue as queue_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.db import write_session
from fluide.storage.models import VerbatimState
from fluide.storage.types import utcnow
from fluide.tagging.embed import Embedder
from tests.verbatims import WordsEmbedder, answer
from tests.web.conftest import logged_in

LOADING_FR = "Modèle d'étiquetage en cours de chargement — étiquettes par mots-clés en attendant"
LOADING_EN = "Tagging model loading — tags from keyword rules meanwhile"
FAILED_FR = "le modèle d'étiquetage n'a pas pu être chargé"
COMMENTS = [
    (1, "Ma carte a été refusée au moment de payer"),
    (2, "Plus d'internet depuis hier soir"),
    (2, "J'ai dû rappeler trois fois le service client"),
]


class HeldLoad:
    """A loader that waits for :meth:`release` (the model "loads" until then)."""

    def __init__(self, outcome: Callable[[], Embedder]) -> None:
        self._go = threading.Event()
        self._outcome = outcome

    def __call__(self) -> Embedder:
        assert self._go.wait(30), "the test never released the load"
        return self._outcome()

    def release(self) -> None:
        self._go.set()


def _failing() -> Embedder:
    raise ModelUnavailable("OSError: e5-small-q4.bin: no such file")


@pytest.fixture
def loaders() -> Iterator[list[ModelLoader]]:
    made: list[ModelLoader] = []
    yield made
    for loader in made:
        loader.stop()


def _worker(
    app: FastAPI, settings: Settings, load: Callable[[], Embedder], loaders: list[ModelLoader]
) -> tagging.TaggingWorker:
    loader = ModelLoader(load)
    loaders.append(loader)
    worker = tagging.TaggingWorker(app.state.sessions, settings, model=loader)
    loader.start(app.state.sessions)
    return worker


def _states(f: sessionmaker[Session], ids: list[str]) -> dict[str, VerbatimState]:
    with f() as s:
        return {rid: s.get_one(VerbatimState, rid) for rid in ids}


def _page(client: TestClient, path: str) -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return html.unescape(r.text)


def test_while_the_model_loads_rules_tag_and_the_api_and_pages_say_loading_then_the_model_retags(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    workspace: NewWorkspace,
    loaders: list[ModelLoader],
) -> None:
    f = app.state.sessions
    ids = answer(f, settings, workspace.id, COMMENTS)
    held = HeldLoad(WordsEmbedder)
    worker = _worker(app, settings, held, loaders)

    assert worker.run_once().tagged == 3  # at once, without waiting for the model
    states = _states(f, ids)
    assert {st.status for st in states.values()} == {"rules"}
    assert all(st.embedding is None for st in states.values())
    with f() as s:
        tags = verbatim_store.tags_of(s, workspace.id, ids)
    assert tags[ids[0]][0][:2] == ("payment", "rule")

    out = client.get("/v1/frictions", headers=auth).json()
    assert out["tagger"] == "loading" and out["pending"] == 0
    assert client.get("/readyz").json()["tagger"] == "loading"  # and still ready (200)
    analyst = logged_in(app, workspace.id)
    for path in ("/app", "/app/frictions", "/app/touchpoints/payer"):
        page = _page(analyst.client, path)
        assert LOADING_FR in page, path
        assert FAILED_FR not in page, path
    english = logged_in(app, workspace.id, lang="en")
    assert LOADING_EN in _page(english.client, "/app")
    assert analyst.client.get("/app?format=json").json()["frictions"]["tagger"] == "loading"

    # A person corrects one of the rules' verbatims meanwhile: their tags must stay.
    r = client.put(f"/v1/verbatims/{ids[1]}/tags", headers=auth, json={"tags": ["delay"]})
    assert r.status_code == 200, r.text
    worker.run_once()  # the correction queued the others again: still the rules

    held.release()
    assert worker.model is not None and worker.model.wait(10)
    assert worker.run_once().tagged == 3  # the rules' verbatims, queued for the model
    states = _states(f, ids)
    assert {st.status for st in states.values()} == {"done"}
    assert all(st.embedding is not None for st in states.values())
    with f() as s:
        tags = verbatim_store.tags_of(s, workspace.id, ids)
    assert [t[:2] for t in tags[ids[1]]] == [("delay", "human")]
    assert not worker.run_once()  # nothing left for the model to redo

    out = client.get("/v1/frictions", headers=auth).json()
    assert out["tagger"] == "model"
    assert client.get("/readyz").json()["tagger"] == "model"
    for path in ("/app", "/app/frictions", "/app/touchpoints/payer"):
        page = _page(analyst.client, path)
        assert LOADING_FR not in page and FAILED_FR not in page, path


def test_a_failed_load_says_could_not_be_loaded_and_never_loading(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    workspace: NewWorkspace,
    loaders: list[ModelLoader],
) -> None:
    f = app.state.sessions
    ids = answer(f, settings, workspace.id, COMMENTS[:2])
    held = HeldLoad(_failing)
    worker = _worker(app, settings, held, loaders)
    held.release()
    assert worker.model is not None and worker.model.wait(10)
    assert worker.model.state == "failed"
    assert worker.model.reason == "OSError: e5-small-q4.bin: no such file"

    assert worker.run_once().tagged == 2
    assert {st.status for st in _states(f, ids).values()} == {"rules"}
    assert client.get("/v1/frictions", headers=auth).json()["tagger"] == "rules"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["tagger"] == "failed"
    analyst = logged_in(app, workspace.id)
    for path in ("/app", "/app/frictions", "/app/touchpoints/payer"):
        page = _page(analyst.client, path)
        assert FAILED_FR in page and LOADING_FR not in page, path
    assert not worker.run_once()  # the rules' tags stay: no model to redo them


def test_a_worker_silent_past_the_heartbeat_window_no_longer_says_loading(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    f = app.state.sessions
    answer(f, settings, workspace.id, COMMENTS[:1])
    tagging.tag_pending(f, settings, embedder=lambda: None)  # the rules' tags, then it died
    long_ago = utcnow() - tagger_runtime.STALE - timedelta(seconds=1)
    with write_session(f) as s:
        tagger_runtime.beat(s, "tgw_dead", {"state": "loading", "host": "h", "pid": 1}, long_ago)
    with f() as s:
        assert tagger_state.fleet(s) == "unknown"
    # Rules' tags with no worker loading: never "loading" for ever.
    assert client.get("/v1/frictions", headers=auth).json()["tagger"] == "rules"
    assert client.get("/readyz").json()["tagger"] == "unknown"


def test_the_worker_loop_tags_with_rules_at_once_and_redoes_them_when_the_model_is_ready(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, loaders: list[ModelLoader]
) -> None:
    """The real loop in its thread: woken by the loader when the model is there."""
    f = app.state.sessions
    ids = answer(f, settings, workspace.id, COMMENTS)
    held = HeldLoad(WordsEmbedder)
    loader = ModelLoader(held)
    loaders.append(loader)
    worker = tagging.TaggingWorker(f, settings, poll=30, model=loader)  # no poll helps it
    worker.start()
    try:
        _until(lambda: {st.status for st in _states(f, ids).values()} == {"rules"})
        held.release()
        _until(lambda: {st.status for st in _states(f, ids).values()} == {"done"})
        with f() as s:
            assert tagger_state.fleet(s) == "model"
    finally:
        worker.stop()
    with f() as s:  # a stopped worker withdraws its state
        assert tagger_state.fleet(s) == "unknown"


def test_verbatims_tagged_without_the_model_before_the_rules_status_are_redone_once(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = app.state.sessions
    [old, person] = answer(f, settings, workspace.id, COMMENTS[:2])
    tagging.tag_pending(f, settings, embedder=lambda: None)
    with write_session(f) as s:  # as an earlier version stored them
        s.query(VerbatimState).update({"status": "done"})
        queue_store.set_human_tags(s, workspace.id, person, ["outage"], 1)
    monkeypatch.setattr(model_state, "_swept_old", False)
    fake = WordsEmbedder()
    monkeypatch.setattr(tagging, "shared_embedder", lambda: fake)
    assert tagging.run_due(f, settings).tagged == 1
    states = _states(f, [old, person])
    assert states[old].status == "done" and states[old].embedding is not None
    assert states[person].embedding is None  # a person's tags, never redone
    with f() as s:
        assert verbatim_store.tags_of(s, workspace.id, [person])[person][0][:2] == (
            "outage",
            "human",
        )


def test_the_tagger_value_from_the_workers_state_and_the_comments_statuses() -> None:
    label = tagger_state.label
    assert label("loading", {"done"}) == "loading"
    assert label("model", {"rules"}) == "model"  # the rules' tags are being redone
    assert label("failed", {"rules", "done"}) == "rules"
    assert label("failed", {"pending"}) == "rules"
    assert label("failed", set()) == "rules"
    assert label("failed", {"done"}) == "model"  # every comment shown has the model's tags
    assert label("unknown", {"rules"}) == "rules"
    assert label("unknown", {"done", "pending"}) == "model"
    assert label("unknown", set()) == "model"


def _until(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def test_the_postgresql_job_tags_with_rules_while_the_worker_process_loads_its_model(
    app: FastAPI,
    settings: Settings,
    workspace: NewWorkspace,
    loaders: list[ModelLoader],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`fluide worker` on PostgreSQL: the procrastinate job reads the process's loader."""
    from fluide.jobs import queue

    f = app.state.sessions
    ids = answer(f, settings, workspace.id, COMMENTS[:2])
    held = HeldLoad(WordsEmbedder)
    monkeypatch.setattr(model_state, "_process", None)
    loader = model_state.start_process_loader(f, load=held)
    loaders.append(loader)
    job = queue.build_app(settings, f, {}).tasks["fluide.verbatims"]
    job()  # its count adds the topics computed
    assert {st.status for st in _states(f, ids).values()} == {"rules"}
    held.release()
    assert loader.wait(10)
    job()  # the rules' verbatims, queued for the model
    assert {st.status for st in _states(f, ids).values()} == {"done"}
