"""Several server processes: each counts into a shared folder, and any one answers for all."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from fluide.api import telemetry

CHILD = """
import sys
from sqlalchemy import create_engine
from fluide.api import telemetry

count, db, then = int(sys.argv[1]), sys.argv[2], sys.argv[3]
telemetry.requests_total.labels("POST", "/v1/events", "200").inc(count)
telemetry.decisions_total.labels("invited").inc(count)
engine = create_engine("sqlite:///" + db)
with engine.connect():
    telemetry.observe_pool(engine)
print("counted", flush=True)
if then == "render":
    sys.stdin.readline()  # alive until the test asks for the scrape
    sys.stdout.write(telemetry.render(engine, []).decode())
"""


def start(folder: Path, db: Path, count: int, then: str) -> subprocess.Popen[str]:
    env = {**os.environ, telemetry.MULTIPROC_ENV: str(folder)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(count), str(db), then],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_one_process_answers_for_every_process_and_forgets_the_gauges_of_ended_ones(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "prometheus"
    folder.mkdir()
    alive = start(folder, tmp_path / "a.db", 3, "render")
    try:
        assert alive.stdout is not None and alive.stdout.readline().strip() == "counted"
        ended = start(folder, tmp_path / "b.db", 4, "exit")
        out, _ = ended.communicate(timeout=60)
        assert ended.returncode == 0 and out.strip() == "counted"
        text, _ = alive.communicate("scrape\n", timeout=60)
    finally:
        if alive.poll() is None:
            alive.kill()
            alive.wait(timeout=10)
    assert alive.returncode == 0, text
    assert 'fluide_http_requests_total{method="POST",route="/v1/events",status="200"} 7.0' in text
    assert 'fluide_decisions_total{decision="invited"} 7.0' in text
    pids = set(re.findall(r'fluide_db_pool_size\{pid="(\d+)"\}', text))
    assert pids == {str(alive.pid)}, text  # the ended process's pool is gone
    assert f'fluide_db_pool_connections{{pid="{alive.pid}",state="idle"}} 1.0' in text
