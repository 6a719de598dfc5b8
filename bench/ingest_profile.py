"""Where the server's time goes under load: py-spy's speedscope file, summed up by function."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

PY_SPY = Path(sys.executable).parent / "py-spy"


def start(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """py-spy recording ``pid`` and its children (uvicorn workers) for ``seconds``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(PY_SPY), "record", "--pid", str(pid), "--subprocesses", "--nonblocking",
        "--duration", str(max(1, round(seconds))), "--format", "speedscope",
        "--output", str(out),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _short(file: str) -> str:
    for cut in ("site-packages/", "/src/", "/lib/python"):
        if cut in file:
            return file.split(cut, 1)[1]
    return file


def _where(frame: dict[str, Any], with_line: bool = True) -> str:
    line = frame.get("line") if with_line else None
    file = _short(str(frame.get("file") or ""))
    return f"{frame.get('name', '?')} ({file}{':' + str(line) if line else ''})"


IDLE = ("Queue.get",)
"""Frames of a thread waiting for work (anyio's idle pool threads): not time spent on a request."""


def summarise(doc: dict[str, Any], top: int = 15) -> dict[str, Any]:
    """Where the busy samples are: functions running themselves, and Fluide's own on the stack.

    Samples of idle pool threads are left out; py-spy's per-process root frame
    too. Waiting on the database counts as busy: that is where a request's time goes.
    """
    frames = doc["shared"]["frames"]
    skip = {i for i, f in enumerate(frames) if str(f.get("name", "")).startswith("process ")}
    idle = {i for i, f in enumerate(frames) if f.get("name") in IDLE}
    ours = {i for i, f in enumerate(frames) if "/fluide/" in str(f.get("file", ""))}
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()  # Fluide's functions, whatever the line
    busy = idle_n = 0
    for profile in doc.get("profiles", []):
        for stack in profile["samples"]:
            stack = [f for f in stack if f not in skip]
            if not stack:
                continue
            if idle.intersection(stack):
                idle_n += 1
                continue
            busy += 1
            own[_where(frames[stack[-1]])] += 1
            for name in {_where(frames[f], False) for f in stack if f in ours}:
                total[name] += 1

    def table(counts: Counter[str]) -> list[dict[str, Any]]:
        return [{"function": k, "share": round(n / busy, 4)} for k, n in counts.most_common(top)]

    if not busy:
        return {"samples": 0, "idle_samples": idle_n, "self": [], "fluide": []}
    return {
        "samples": busy,
        "idle_samples": idle_n,
        "self": table(own),
        "fluide": table(total),
    }


def finish(proc: subprocess.Popen[bytes], out: Path, timeout: float) -> dict[str, Any]:
    """Wait for py-spy, then the summary (or why there is none)."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate(timeout=10)
    if not out.exists():
        reason = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return {"file": None, "error": reason[0]}
    summary = summarise(json.loads(out.read_text()))
    return {"file": str(out), **summary}
