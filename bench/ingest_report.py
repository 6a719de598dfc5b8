"""The pure parts of ``bench/ingest.py``: wrk's output read, rounds summed up, targets checked.

Nothing here starts a process or opens a socket, so ``tests/bench`` checks it
quickly. The report is a plain JSON-able dict (``out/bench-ingest.json``):

- ``setups[name]["rounds"]``: one entry per wrk round, ``{"server": "bare" |
  "fluide", "connections", "round", "wrk": WrkRun.as_dict()}``;
- ``setups[name]["batches"]``: ``{"bare" | "fluide": {"events_acked", "seconds",
  "events_per_s", "batches_2xx", "batches_failed"}}``;
- ``setups[name]["invariants"]``: see ``ingest_invariants.check``.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

MARKER = "FLUIDE_WRK "
STATUS_KEYS = ("s2xx", "s4xx", "s500", "s503", "s5xx", "other")


class WrkOutputError(ValueError):
    """wrk printed no summary line (it failed to start, or the script broke)."""


@dataclass(frozen=True)
class WrkRun:
    """One wrk run: what came back, how fast, and what went wrong."""

    requests: int  # responses completed (any status)
    seconds: float
    sent: int  # requests the script built (in flight at the end included)
    s2xx: int
    s4xx: int
    s500: int
    s503: int
    s5xx: int  # other 5xx
    other: int
    connect_errors: int
    read_errors: int
    write_errors: int
    timeouts: int  # wrk's: answers later than its --timeout
    late: int  # the script's: answers later than the timeout
    held: int  # the script's: unanswered and older than the timeout when the round ended
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def ok_per_s(self) -> float:
        """2xx answers per second: what the ratios compare (a fast 503 is no service)."""
        return self.s2xx / self.seconds if self.seconds > 0 else 0.0

    @property
    def non_2xx(self) -> int:
        return self.s4xx + self.s500 + self.s503 + self.s5xx + self.other

    @property
    def unanswered(self) -> int:
        """Requests still waiting for their answer when the round ended."""
        return max(self.sent - self.s2xx - self.non_2xx, 0)

    @property
    def held_past_timeout(self) -> int:
        """Requests a client gave up on: answered too late, or not answered at all."""
        return max(self.timeouts, self.late) + self.held

    @property
    def socket_errors(self) -> int:
        return self.connect_errors + self.read_errors + self.write_errors

    @property
    def errors(self) -> int:
        """Everything a client would count as a failure: non-2xx, socket errors, timeouts."""
        return self.non_2xx + self.socket_errors + self.held_past_timeout

    def as_dict(self) -> dict[str, Any]:
        extra = {"ok_per_s": round(self.ok_per_s, 1), "errors": self.errors}
        extra["held_past_timeout"] = self.held_past_timeout
        return {**asdict(self), **extra, "unanswered": self.unanswered}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WrkRun:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})


def parse_wrk(stdout: str) -> WrkRun:
    """The run described by the ``FLUIDE_WRK {json}`` line that ``wrk/events.lua`` prints."""
    line = next((x for x in stdout.splitlines() if x.startswith(MARKER)), None)
    if line is None:
        tail = stdout.strip().splitlines()[-3:]
        raise WrkOutputError(f"no {MARKER.strip()} line in wrk's output: {' | '.join(tail)}")
    doc = json.loads(line[len(MARKER) :])
    keys = (*STATUS_KEYS, "sent", "late", "held")
    counts = {k: sum(int(t[k]) for t in doc["threads"]) for k in keys}
    errors, lat = doc["errors"], doc["latency_us"]
    return WrkRun(
        requests=int(doc["requests"]),
        seconds=int(doc["duration_us"]) / 1e6,
        connect_errors=int(errors["connect"]),
        read_errors=int(errors["read"]),
        write_errors=int(errors["write"]),
        timeouts=int(errors["timeout"]),
        p50_ms=lat["p50"] / 1000,
        p90_ms=lat["p90"] / 1000,
        p99_ms=lat["p99"] / 1000,
        max_ms=lat["max"] / 1000,
        **counts,
    )


def wrk_requests_per_s(stdout: str) -> float | None:
    """wrk's own "Requests/sec" line (all statuses), a cross-check of the Lua counts."""
    m = re.search(r"^Requests/sec:\s+([\d.]+)", stdout, re.MULTILINE)
    return float(m.group(1)) if m else None


def summarise(rounds: Iterable[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Per connection count and server: medians over rounds, errors summed, and the ratio."""
    grouped: dict[int, dict[str, list[WrkRun]]] = {}
    for one in rounds:
        servers = grouped.setdefault(int(one["connections"]), {})
        servers.setdefault(one["server"], []).append(WrkRun.from_dict(one["wrk"]))
    out: dict[int, dict[str, Any]] = {}
    for conns, by_server in sorted(grouped.items()):
        row: dict[str, Any] = {}
        for server, runs in by_server.items():
            row[server] = {
                "rounds": len(runs),
                "ok_per_s": round(statistics.median(r.ok_per_s for r in runs), 1),
                "p50_ms": round(statistics.median(r.p50_ms for r in runs), 2),
                "p99_ms": round(statistics.median(r.p99_ms for r in runs), 2),
                "max_ms": round(max(r.max_ms for r in runs), 2),
                "non_2xx": sum(r.non_2xx for r in runs),
                "s500": sum(r.s500 for r in runs),
                "s503": sum(r.s503 for r in runs),
                "socket_errors": sum(r.socket_errors for r in runs),
                "held": sum(r.held_past_timeout for r in runs),
                "unanswered": sum(r.unanswered for r in runs),
                "errors": sum(r.errors for r in runs),
                "acked": sum(r.s2xx for r in runs),
            }
        if "bare" in row and "fluide" in row and row["bare"]["ok_per_s"] > 0:
            row["ratio"] = round(row["fluide"]["ok_per_s"] / row["bare"]["ok_per_s"], 3)
        out[conns] = row
    return out


@dataclass(frozen=True)
class Target:
    id: str
    text: str
    value: str
    met: bool | None  # None: not measured in this run


def _fluide(summary: dict[int, dict[str, Any]], conns: int) -> dict[str, Any] | None:
    row = summary.get(conns)
    return None if row is None else row.get("fluide")


def _single_targets(
    name: str, setup: dict[str, Any], ratio_min: float, p99_max: float
) -> list[Target]:
    summary = summarise(setup.get("rounds", []))
    label = {"postgres": "PostgreSQL", "sqlite": "SQLite"}[name]
    workers = setup.get("workers", 1)
    where = f"{label}, {workers} worker{'s' if workers > 1 else ''}"
    out = []
    f16, row16 = _fluide(summary, 16), summary.get(16, {})
    ratio = row16.get("ratio")
    out.append(
        Target(
            f"{name}.16.ratio",
            f"{where}, 16 connections: Fluide ≥ {ratio_min:.0%} of the bare app (2xx/s)",
            "—" if ratio is None else f"{ratio:.1%}",
            None if ratio is None else ratio >= ratio_min,
        )
    )
    out.append(
        Target(
            f"{name}.16.p99",
            f"{where}, 16 connections: p99 ≤ {p99_max:.0f} ms",
            "—" if f16 is None else f"{f16['p99_ms']:.1f} ms",
            None
            if f16 is None
            else f16["p99_ms"] <= p99_max and f16["held"] == 0 and f16["acked"] > 0,
        )
    )
    out.append(
        Target(
            f"{name}.16.errors",
            f"{where}, 16 connections: zero errors",
            "—" if f16 is None else _errors_text(f16),
            None if f16 is None else f16["errors"] == 0 and f16["acked"] > 0,
        )
    )
    f64 = _fluide(summary, 64)
    if name == "postgres":
        text, ok = "64 connections: zero errors or timeouts", f64 is not None and f64["errors"] == 0
    else:
        text = "64 connections: no 500 and no request held past its timeout"
        ok = f64 is not None and f64["s500"] + f64["held"] == 0
    # A server that answered nothing at all had no error to count: it failed.
    ok = ok and f64 is not None and f64["acked"] + f64["s503"] > 0
    out.append(
        Target(
            f"{name}.64",
            f"{where}, {text}",
            "—" if f64 is None else _errors_text(f64),
            None if f64 is None else ok,
        )
    )
    return out


def _errors_text(row: dict[str, Any]) -> str:
    return (
        f"{row['acked']} 2xx, {row['non_2xx']} non-2xx ({row['s500']} × 500, {row['s503']} × 503), "
        f"{row['socket_errors']} socket errors, {row['held']} held past the timeout"
    )


def check_targets(report: dict[str, Any]) -> list[Target]:
    """Each target of issue 12 with the measured value, met or not (None: not measured)."""
    setups = report.get("setups", {})
    out: list[Target] = []
    limits = {"postgres": (0.5, 100.0, 5000.0), "sqlite": (0.3, 200.0, 2000.0)}
    for name, (ratio_min, p99_max, batch_min) in limits.items():
        setup = setups.get(name)
        if setup is None:
            continue
        out += _single_targets(name, setup, ratio_min, p99_max)
        batch = setup.get("batches", {}).get("fluide")
        out.append(
            Target(
                f"{name}.batches",
                f"{name}: batches of 1,000 ≥ {batch_min:,.0f} events/s",
                "—" if batch is None else f"{batch['events_per_s']:,.0f} events/s",
                None if batch is None else batch["events_per_s"] >= batch_min,
            )
        )
        inv = setup.get("invariants")
        out.append(
            Target(
                f"{name}.invariants",
                f"{name}: invitations = distinct invited users; events stored ≥ acknowledged",
                "—"
                if inv is None
                else (
                    f"{inv['invitations']} invitations / {inv['invited_users']} users, "
                    f"{inv['events_stored']} stored / {inv['events_acked']} acked"
                ),
                None if inv is None else bool(inv["ok"]),
            )
        )
    return out


def mark(met: bool | None) -> str:
    return {True: "✅ met", False: "❌ not met", None: "— not measured"}[met]
