"""First contact with `fluide demo` / `make demo`: the port is checked before anything is
filled, PORT= and HOST= pass through, and the report names every login and the shop."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fluide.demo import DemoResult
from fluide.demo.dashboard import DemoLogin

ROOT = Path(__file__).resolve().parents[1]
FLUIDE = Path(sys.executable).with_name("fluide")


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port another program listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        yield int(other.getsockname()[1])


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("FLUIDE_")}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_taken_port_stops_the_demo_with_exit_2_in_under_5_seconds_filling_nothing(
    taken_port: int, tmp_path: Path, lang: str
) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [str(FLUIDE), "demo", "--port", str(taken_port), "--host", "127.0.0.1", "--lang", lang],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    assert elapsed < 5, elapsed
    words = {"en": "is taken", "fr": "est pris"}[lang]
    assert f"{taken_port}" in done.stderr and "127.0.0.1" in done.stderr and words in done.stderr
    assert f"PORT={taken_port + 1}" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no out/demo folder, no database file


def test_an_address_that_is_not_this_machines_is_refused_before_filling(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(FLUIDE), "demo", "--host", "192.0.2.1", "--port", "8765", "--lang", "en"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Cannot listen on 192.0.2.1 port 8765" in done.stderr and "Nothing was filled" in (
        done.stderr
    )
    assert list(tmp_path.iterdir()) == []


def test_make_demo_passes_port_and_host_through() -> None:
    def dry(*args: str) -> str:
        done = subprocess.run(
            ["make", "-n", "-s", "demo", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip().splitlines()[-1]

    assert dry("PORT=8765", "HOST=127.0.0.1").endswith("fluide demo --port 8765 --host 127.0.0.1")
    assert dry("PORT=8765").endswith("fluide demo --port 8765")
    assert dry().endswith("fluide demo")


def test_the_report_gives_every_login_it_mentions_and_the_shop() -> None:
    from fluide.cli.service import _demo_report

    logins = [
        DemoLogin("admin@demo.fluide.dev", "admin", "pw-admin-1"),
        DemoLogin("csm@demo.fluide.dev", "analyst", "pw-csm-22"),
        DemoLogin("camille@demo.fluide.dev", "agent", "pw-agent-3"),
        DemoLogin("julien@demo.fluide.dev", "agent", "pw-agent-4"),
    ]
    result = DemoResult(
        workspace_id="ws_1",
        name="Boutique démo",
        api_key="flk_x",
        counts={"touchpoints": 6, "events": 10, "invitations": 5, "responses": 3, "decisions": {}},
        fix_day=None,
        reused=False,
        logins=logins,
    )
    text = "\n".join(_demo_report("en", result, "http://127.0.0.1:8765", None))
    for login in logins:
        assert re.search(rf"{re.escape(login.email)} / password {login.password}\b", text)
    assert "http://127.0.0.1:8765/demo/shop" in text
    assert "http://127.0.0.1:8765/app" in text
