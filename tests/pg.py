"""A throw-away PostgreSQL server for the tests, from the machine's binaries.

Started once per test session in a temporary directory, on a free loopback
port, with durability off (it is thrown away); stopped at the end. Under
pytest-xdist each worker is its own session, so each has its own server
(its own directory, socket and port): workers never share a database. As root
(CI), the server runs as the ``postgres`` system user, since PostgreSQL
refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PORT_ATTEMPTS = 3


class PostgresUnavailable(RuntimeError):
    pass


def _bin_dir() -> Path:
    if os.environ.get("FLUIDE_PG_BIN"):
        return Path(os.environ["FLUIDE_PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if found:
        return Path(found[-1])
    ctl = shutil.which("pg_ctl")
    if ctl:
        return Path(ctl).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found: install them (Debian: apt-get install postgresql) "
        "or set FLUIDE_PG_BIN to the folder holding initdb and pg_ctl."
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempPostgres:
    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="fluide-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        proc = subprocess.run([*self.as_user, *args], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise PostgresUnavailable(
                f"{' '.join(args[:2])} failed: {proc.stderr.strip() or proc.stdout.strip()}"
            )

    def start(self) -> str:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "fluide",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-instructions",
        )
        # The free port is chosen before the server binds it: another test worker (or
        # another suite on the machine) may take it in between, so a refused start
        # tries a new port, a bounded number of times.
        for attempt in range(PORT_ATTEMPTS):
            try:
                self._start_server()
                break
            except PostgresUnavailable:
                if attempt == PORT_ATTEMPTS - 1 or not self._port_was_taken():
                    raise
                self.port = _free_port()
        url = f"postgresql://fluide@127.0.0.1:{self.port}/postgres"
        deadline = time.monotonic() + 30
        import psycopg

        while True:
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("CREATE DATABASE fluide_test")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        return f"postgresql://fluide@127.0.0.1:{self.port}/fluide_test"

    def _start_server(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def _port_was_taken(self) -> bool:
        log = self.root / "log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return "could not bind" in text or "Address already in use" in text

    def stop(self) -> None:
        try:
            self._run(
                str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
