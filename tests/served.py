"""Helpers for tests of real `fluide serve` processes: start, wait, load, processes in /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

import httpx

from tests.service.conftest import event_body, touchpoint_body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The machine's environment without its FLUIDE_* settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FLUIDE_")}
    return {**env, **extra}


def start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """`fluide serve ARGS`; its messages go to a file (a pipe could be held open by an
    orphaned child, and reading it would then never end), read by :func:`messages`."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
    server = subprocess.Popen(
        [sys.executable, "-m", "fluide", "serve", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    _LOGS[server.pid] = log
    return server


_LOGS: dict[int, IO[bytes]] = {}


def messages(server: subprocess.Popen[bytes]) -> str:
    log = _LOGS[server.pid]
    log.seek(0)
    return log.read().decode(errors="replace")


def wait_healthy(server: subprocess.Popen[bytes], url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            raise AssertionError(
                f"fluide serve exited with {server.returncode}:\n{messages(server)}"
            )
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} never answered /healthz"
        time.sleep(0.2)


def stop(server: subprocess.Popen[bytes], grace: float = 0) -> None:
    """Stop a server: SIGTERM and ``grace`` seconds to finish, else (or at once) SIGKILL."""
    if grace and server.poll() is None:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=grace)
    if server.poll() is None:
        server.kill()
    server.wait(timeout=30)
    _LOGS.pop(server.pid).close()


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


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "zombie" not in status.split("State:")[1].split("\n")[0].lower()


def still_running(pids: list[int], grace: float = 10) -> list[str]:
    """The command lines of ``pids`` still running after ``grace`` seconds (a child may
    need a moment after its parent: the kernel's signal, its own exit)."""
    deadline = time.monotonic() + grace
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [command_line(p) for p in pids if alive(p)]


def end_all(pids: list[int]) -> None:
    """Kill what a failed test left behind (our own processes, by pid)."""
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def payer(url: str, key: str) -> None:
    """The touchpoint every test event triggers (sampling 1, cooldown 14 days)."""
    r = httpx.post(
        url + "/v1/touchpoints",
        headers={"Authorization": f"Bearer {key}"},
        json=touchpoint_body(),
        timeout=30,
    )
    assert r.status_code == 201, r.text


class Load:
    """Threads posting events without pause to one or more servers until stopped.

    Each thread sends its own event ids (``{name}-{thread}-{n}``), for users
    drawn from ``users`` shared by all threads. Every answer is counted by
    status; the ids answered 2xx are the ones acknowledged. A thread ends when
    its server stops answering (refused or closed connection).
    """

    def __init__(
        self, urls: list[str], key: str, *, threads: int = 4, users: int = 10, name: str = "e"
    ) -> None:
        self.urls, self.key, self.users, self.name = urls, key, users, name
        self.acked: list[str] = []
        self.statuses: Counter[int] = Counter()
        self.retry_after_missing = 0
        self.slowest = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)
        ]

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, timeout: float = 60) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout)

    def wait_acked(self, count: int, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while len(self.acked) < count:
            assert time.monotonic() < deadline, f"only {len(self.acked)} events acknowledged"
            time.sleep(0.05)

    def _run(self, i: int) -> None:
        url = self.urls[i % len(self.urls)]
        headers = {"Authorization": f"Bearer {self.key}"}
        n = 0
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            while not self._stop.is_set() and n < 10_000:
                n += 1
                event_id = f"{self.name}-{i}-{n}"
                body = event_body(event_id, user=f"u-{(i * 7 + n) % self.users}")
                started = time.monotonic()
                try:
                    r = http.post("/v1/events", json=body)
                except httpx.TransportError:
                    return  # the server stopped: this id was never acknowledged
                self._count(r, event_id, time.monotonic() - started)

    def _count(self, r: httpx.Response, event_id: str, took: float) -> None:
        with self._lock:
            self.statuses[r.status_code] += 1
            self.slowest = max(self.slowest, took)
            if r.is_success:
                self.acked.append(event_id)
            elif r.status_code == 503 and "retry-after" not in r.headers:
                self.retry_after_missing += 1

    def summary(self) -> dict[str, Any]:
        return {"statuses": dict(self.statuses), "acked": len(self.acked)}
