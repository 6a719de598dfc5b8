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


def _where(frame: dict[str, Any]) -> str:
    file = str(frame.get("file") or "")
    for cut in ("site-packages/", "/src/", "/lib/python"):
        if cut in file:
            file = file.split(cut, 1)[1]
            break
    line = frame.get("line")
    return f"{frame.get('name', '?')} ({file}{':' + str(line) if line else ''})"


def summarise(doc: dict[str, Any], top: int = 15) -> dict[str, Any]:
    """Share of samples where each function runs itself (self) and is on the stack (total)."""
    frames = doc["shared"]["frames"]
    own: Counter[int] = Counter()
    total: Counter[int] = Counter()
    samples = 0.0
    for profile in doc.get("profiles", []):
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            if not stack:
                continue
            samples += weight
            own[stack[-1]] += weight
            for f in set(stack):
                total[f] += weight

    def table(counts: Counter[int]) -> list[dict[str, Any]]:
        return [
            {"function": _where(frames[f]), "share": round(n / samples, 4)}
            for f, n in counts.most_common(top)
        ]

    if not samples:
        return {"samples": 0, "self": [], "total": []}
    return {"samples": int(samples), "self": table(own), "total": table(total)}


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
