"""The processes of ``bench/ingest.py``: a durable PostgreSQL, Fluide servers, the bare app.

Each is started fresh in a temporary folder, on a free loopback port, in its own
process group, and stopped with bounded waits (SIGTERM, then SIGKILL of the
group): nothing is left running, whatever happens to the benchmark.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import platform
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FLUIDE = BIN / "fluide"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


class SetupError(RuntimeError):
    """A process of the benchmark did not start or answer; the message says which and why."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path:
    if os.environ.get("FLUIDE_PG_BIN"):
        return Path(os.environ["FLUIDE_PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if found:
        return Path(found[-1])
    ctl = shutil.which("pg_ctl")
    if ctl:
        return Path(ctl).resolve().parent
    raise SetupError("PostgreSQL binaries not found: apt-get install postgresql (or FLUIDE_PG_BIN)")


class DurablePostgres:
    """A throw-away cluster with PostgreSQL's shipped durability (fsync, synchronous_commit on).

    Unlike ``tests/pg.py``, nothing is relaxed: every commit waits for its WAL flush.
    """

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="fluide-bench-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, timeout: float = 90) -> str:
        proc = subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, check=False, timeout=timeout
        )
        if proc.returncode != 0:
            raise SetupError(f"{Path(args[0]).name} failed: {proc.stderr.strip() or proc.stdout}")
        return proc.stdout

    def start(self) -> str:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "fluide", "--auth=trust")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            *("-D", str(self.data), "-o", options, "-l", str(self.root / "log")),
            *("-w", "-t", "60", "start"),
        )
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE fluide_bench")
        return f"postgresql://fluide@127.0.0.1:{self.port}/fluide_bench"

    @property
    def admin_url(self) -> str:
        return f"postgresql://fluide@127.0.0.1:{self.port}/postgres"

    def facts(self) -> dict[str, str]:
        """The server's version and the durability settings it runs with."""
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            facts = {"version": str(conn.execute("SHOW server_version").fetchone()[0])}  # type: ignore[index]
            for name in ("fsync", "synchronous_commit", "full_page_writes", "wal_level"):
                facts[name] = str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
        return facts

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class Server:
    """A server process (and its children) in its own process group, logging to a file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.command, self.env, self.log_path = name, command, env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = int(command[command.index("--port") + 1])
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, health: str = "/healthz") -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, cwd=ROOT,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SetupError(f"{self.name} exited at start-up:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + health, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SetupError(f"{self.name} did not answer {health} in {START_TIMEOUT:.0f} s")

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> dict[str, Any]:
        """SIGTERM, then SIGKILL of the whole group past the timeout; what it took."""
        if self.proc is None:
            return {"stopped": "never started"}
        pgid, started = self.proc.pid, time.monotonic()
        result: dict[str, Any] = {"signal": "SIGTERM"}
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                result["signal"] = "SIGKILL (SIGTERM not obeyed in time)"
                _kill_group(pgid)
                self.proc.wait(timeout=10)
        result["exit_code"] = self.proc.returncode
        result["seconds"] = round(time.monotonic() - started, 2)
        # Children (uvicorn workers, the tagging child) must end with the server.
        deadline = time.monotonic() + 10
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _group_alive(pgid):
            result["children_left"] = True
            _kill_group(pgid)
        else:
            result["children_left"] = False
        return result


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def fluide_env(database_url: str, data_dir: Path, port: int) -> dict[str, str]:
    """The environment of a Fluide process: the machine's FLUIDE_* settings left out."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FLUIDE_")}
    env.update(
        FLUIDE_DATABASE_URL=database_url,
        FLUIDE_DATA_DIR=str(data_dir),
        FLUIDE_SECRET_KEY=secrets.token_urlsafe(48),
        FLUIDE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        FLUIDE_FATIGUE_DAYS="14",
    )
    return env


def serve_supports_workers() -> bool:
    """Whether this Fluide has ``fluide serve --workers`` (issue 12; older code does not)."""
    out = subprocess.run(
        [str(FLUIDE), "serve", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    return "--workers" in out.stdout


def fluide_server(name: str, env: dict[str, str], port: int, workers: int, log: Path) -> Server:
    command = [str(FLUIDE), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    return Server(name, command, env, log)


def bare_server(port: int, workers: int, log: Path) -> Server:
    command = [sys.executable, str(ROOT / "bench" / "bare_app.py"), "--port", str(port)]
    command += ["--workers", str(workers)]
    return Server(
        f"bare app ({workers} worker{'s' if workers > 1 else ''})", command, {**os.environ}, log
    )


def create_workspace(env: dict[str, str]) -> tuple[str, str]:
    """``fluide workspace create --format json`` → (workspace id, API key)."""
    out = subprocess.run(
        [str(FLUIDE), "workspace", "create", "Bench", "--format", "json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise SetupError(f"fluide workspace create failed: {out.stderr.strip()}")
    doc = json.loads(out.stdout)
    return str(doc["id"]), str(doc["api_key"])


TOUCHPOINTS: list[dict[str, Any]] = [
    {
        "key": "payer",
        "task": "payer",
        "question": {"fr": "J'ai pu payer facilement", "en": "I could pay easily"},
        "scale": "1-7",
        "polarity": "ease",
        "triggers": [
            {"event": "payment_succeeded"},
            {"event": "payment_failed", "outcome": "failure"},
        ],
        "channels": ["in_app"],
        "sampling": 1.0,
        "cooldown_days": 14,
        "expires_after_hours": 24,
    },
    {
        "key": "support",
        "task": "support",
        "question": {"fr": "Mon problème a été résolu facilement", "en": "My issue was easy"},
        "scale": "1-7",
        "polarity": "ease",
        "triggers": [{"event": "ticket_resolved"}],
        "channels": ["email"],
        "sampling": 1.0,
        "cooldown_days": 14,
        "expires_after_hours": 24,
    },
]


def create_touchpoints(url: str, key: str) -> None:
    """The two touchpoints, through the API: events then take real decisions."""
    headers = {"Authorization": f"Bearer {key}"}
    for body in TOUCHPOINTS:
        r = httpx.post(url + "/v1/touchpoints", json=body, headers=headers, timeout=30)
        if r.status_code != 201:
            raise SetupError(f"POST /v1/touchpoints {body['key']}: {r.status_code} {r.text}")


def wait_quiet(server: Server, path: str, headers: dict[str, str], limit: float = 60) -> float:
    """Seconds until ``path`` answers 200 within 1 s again (the last round has drained)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            if httpx.get(server.url + path, headers=headers, timeout=1).status_code == 200:
                return round(time.monotonic() - started, 2)
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return -1.0


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    import uvicorn

    loop = "uvloop" if _importable("uvloop") else "asyncio"
    http = "httptools" if _importable("httptools") else "h11"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "uvicorn": f"{uvicorn.__version__} (loop {loop}, http {http}: uvicorn's 'auto')",
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0].strip() if wrk.returncode >= 0 else "",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
