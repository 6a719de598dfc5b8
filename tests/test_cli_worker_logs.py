"""``fluide worker`` with ``FLUIDE_LOG_FORMAT=json``: every line on stderr is one JSON object."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.service.conftest import SECRET


def test_the_worker_s_stderr_is_json_lines_when_logs_are_json(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("FLUIDE_")}
    env = {
        **clean,
        "FLUIDE_DATABASE_URL": f"sqlite:///{tmp_path / 'fluide.db'}",
        "FLUIDE_SECRET_KEY": SECRET,
        "FLUIDE_LOG_FORMAT": "json",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "fluide", "worker", "--no-tagging", "--poll", "0.2", "--lang", "en"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # the worker's start, once it runs
        proc.terminate()
        _, rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    docs = [json.loads(line) for line in (first + rest).splitlines() if line.strip()]
    assert docs and docs[0]["logger"] == "fluide.worker", docs
    assert docs[0]["message"] == "Worker started (SQLite): sending due invitations."
    assert {"ts", "level", "logger", "message"} <= set(docs[0])
