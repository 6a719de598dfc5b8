"""Ingestion under load: Fluide against a bare FastAPI app, on durable PostgreSQL and on SQLite.

For each database, a fresh set-up: the database (a throw-away PostgreSQL
cluster with fsync and synchronous_commit on, or a new SQLite file), a
workspace (``fluide workspace create --format json``) with two touchpoints
made through the API (``payer``, in-app; ``support``, e-mail), ``fluide serve``
(``--workers 2`` on PostgreSQL where this Fluide has it) and the bare app
(``bench/bare_app.py``: the same body model, no database) with the same worker
count. Then:

1. single events with wrk (``wrk/events.lua``): for 1, 16 and 64 connections,
   rounds alternate bare / Fluide, same duration; 2xx/s, p50/p99, non-2xx,
   socket errors and timeouts;
2. batches of 1,000 events from a few Python clients, for a bounded time;
3. ``--profile``: one more Fluide round at 16 connections on PostgreSQL under
   py-spy (its figures are not used for the targets);
4. the server is stopped (SIGTERM) and the invariants read from its database:
   nobody invited twice within the fatigue window, events stored ≥ acknowledged.

The report goes to ``out/bench-ingest.md`` and ``out/bench-ingest.json``, with
each target of issue 12 marked met or not. ``make bench-ingest``, or::

    .venv/bin/python bench/ingest.py [--quick] [--only postgres|sqlite] [--profile]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import create_engine

import ingest_invariants
import ingest_load
import ingest_profile
from ingest_markdown import render
from ingest_report import WrkOutputError, check_targets, parse_wrk
from ingest_setups import (
    ROOT,
    DurablePostgres,
    Server,
    SetupError,
    bare_server,
    create_touchpoints,
    create_workspace,
    fluide_env,
    fluide_server,
    free_port,
    machine,
    serve_supports_workers,
    wait_quiet,
)

OUT = ROOT / "out"
MIN_ROUND_S = ingest_load.TIMEOUT_S + 3.0


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


class Run:
    """The state of one set-up's rounds: what each server acknowledged."""

    def __init__(self, name: str, args: argparse.Namespace, key: str) -> None:
        self.name, self.args, self.key = name, args, key
        self.rounds: list[dict[str, Any]] = []
        self.fluide_acked = 0
        self.seed = 0

    def quiet(self, server: Server, kind: str) -> float:
        """Wait until the server answers promptly again; Fluide through its database pool."""
        if kind == "bare":
            return wait_quiet(server, "/healthz", {})
        return wait_quiet(server, "/v1/touchpoints", {"Authorization": f"Bearer {self.key}"})

    def wrk(self, server: Server, kind: str, conns: int, seconds: float, label: str) -> Any:
        waited = self.quiet(server, kind)
        if waited < 0:
            log(f"{server.name} still busy after 60 s: this round starts anyway")
        self.seed += 1
        tag = f"{self.name[:2]}{label}{int(time.time())}"
        output, _ = ingest_load.run_wrk(
            server.url, self.key if kind == "fluide" else "", tag, conns, seconds, self.seed
        )
        try:
            result = parse_wrk(output)
        except WrkOutputError as exc:
            raise SetupError(f"{server.name}, {conns} connections: {exc}") from None
        if kind == "fluide":
            self.fluide_acked += result.s2xx
        log(
            f"{self.name} {kind:6} c={conns:<3} {result.ok_per_s:8.1f} 2xx/s  p50 "
            f"{result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms  non-2xx {result.non_2xx}  "
            f"socket {result.socket_errors}  held {result.held_past_timeout}"
            + (f"  (waited {waited} s for quiet)" if waited > 0.5 else "")
        )
        return result


def run_setup(name: str, args: argparse.Namespace, workers_supported: bool) -> dict[str, Any]:
    setup: dict[str, Any] = {}
    postgres = name == "postgres"
    workers = 2 if postgres and workers_supported else 1
    setup["workers"] = workers
    if postgres and not workers_supported:
        setup["note"] = (
            "This Fluide's `fluide serve` has no --workers: one server process "
            "(and the bare app with one worker, for a fair ratio)."
        )
        log(setup["note"])
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"fluide-bench-{name}-")))
        if postgres:
            pg = DurablePostgres()
            stack.callback(pg.stop)
            url = pg.start()
            setup["postgres"] = pg.facts()
        else:
            url = f"sqlite:///{tmp / 'fluide.db'}"
        port = free_port()
        env = fluide_env(url, tmp / "data", port)
        ws_id, key = create_workspace(env)
        logs = OUT / "bench-ingest-logs"
        fluide = fluide_server(f"Fluide ({name})", env, port, workers, logs / f"fluide-{name}.log")
        bare = bare_server(free_port(), workers, logs / f"bare-{name}.log")
        stopped: dict[str, Any] = {}
        stack.callback(lambda: stopped or fluide.stop())
        fluide.start()
        create_touchpoints(fluide.url, key)
        stack.callback(bare.stop)
        bare.start()
        run = Run(name, args, key)
        servers = {"bare": bare, "fluide": fluide}
        for kind, server in servers.items():  # warm-up: pools, caches; not reported
            run.wrk(server, kind, 4, args.warmup, "w")
        for i, conns in enumerate(args.connections):
            for r in range(args.rounds):
                order = ["bare", "fluide"] if (i + r) % 2 == 0 else ["fluide", "bare"]
                for kind in order:
                    result = run.wrk(servers[kind], kind, conns, args.duration, f"r{conns}x{r}")
                    run.rounds.append(
                        {"server": kind, "connections": conns, "round": r, "wrk": result.as_dict()}
                    )
        setup["rounds"] = run.rounds
        setup["batches"] = {}
        for kind, server in servers.items():
            if run.quiet(server, kind) < 0:
                log(f"{server.name} still busy after 60 s: batches start anyway")
            b = ingest_load.run_batches(
                server.url,
                key if kind == "fluide" else "",
                f"{name[:2]}b{kind[0]}{int(time.time())}",
                args.batch_clients,
                args.batch_duration,
            )
            setup["batches"][kind] = b
            if kind == "fluide":
                run.fluide_acked += b["events_acked"]
            log(f"{name} {kind:6} batches: {b['events_per_s']:.0f} events/s {b['statuses']}")
        if postgres and args.profile:
            setup["profile"] = profile_round(run, fluide, args.duration)
        stopped.update(fluide.stop())
        setup["stop"] = stopped
        log(f"{name} Fluide stopped: {stopped}")
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        try:
            setup["invariants"] = ingest_invariants.check(engine, ws_id, run.fluide_acked)
        finally:
            engine.dispose()
        inv = setup["invariants"]
        log(
            f"{name} invariants: {inv['invitations']} invitations / {inv['invited_users']} users,"
            f" {inv['events_stored']} stored / {inv['events_acked']} acked → "
            + ("ok" if inv["ok"] else "VIOLATED")
        )
    return setup


def profile_round(run: Run, fluide: Server, seconds: float) -> dict[str, Any]:
    """One more Fluide round at 16 connections, recorded by py-spy."""
    assert fluide.proc is not None
    out = OUT / "bench-ingest-profile.speedscope.json"
    out.unlink(missing_ok=True)
    run.quiet(fluide, "fluide")
    spy = ingest_profile.start(fluide.proc.pid, seconds + 1, out)
    time.sleep(1)  # py-spy attached before the load starts
    result = run.wrk(fluide, "fluide", 16, seconds, "p")
    profile = ingest_profile.finish(spy, out, timeout=seconds + 30)
    if profile.get("file"):
        profile["file"] = str(out.relative_to(ROOT))
    profile["round"] = (
        f"{result.ok_per_s:.0f} 2xx/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
    )
    return profile


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--quick", action="store_true", help="short rounds: a smoke run")
    p.add_argument(
        "--duration", type=float, help=f"seconds per wrk round (default 20; quick {MIN_ROUND_S:g})"
    )
    p.add_argument("--rounds", type=int, help="rounds per server and connections (default 2)")
    p.add_argument(
        "--connections",
        default="1,16,64",
        type=lambda s: [int(x) for x in s.split(",") if x.strip()],
        help="comma-separated connection counts (default 1,16,64)",
    )
    p.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    p.add_argument("--profile", action="store_true", help="py-spy the PostgreSQL 16-conn. round")
    p.add_argument("--batch-clients", type=int, default=4, help="batch clients (default 4)")
    p.add_argument("--batch-duration", type=float, help="seconds of batches (default 20; quick 5)")
    args = p.parse_args(argv)
    args.duration = args.duration or (MIN_ROUND_S if args.quick else 20.0)
    if args.duration < MIN_ROUND_S:
        # A request held by the server is only seen once it is older than the timeout.
        log(
            f"--duration {args.duration:g} raised to {MIN_ROUND_S:g} s: a shorter round "
            f"cannot see a request held past the {ingest_load.TIMEOUT_S} s timeout"
        )
        args.duration = MIN_ROUND_S
    args.rounds = args.rounds or (1 if args.quick else 2)
    args.batch_duration = args.batch_duration or (5.0 if args.quick else 20.0)
    args.warmup = 1.0 if args.quick else 3.0
    return args


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds every ExitStack: servers and PostgreSQL stop


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        ingest_load.wrk_path()
    except ingest_load.WrkMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    workers_supported = serve_supports_workers()
    report: dict[str, Any] = {
        "started": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": machine(),
        "config": {
            "quick": args.quick,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "connections": args.connections,
            "timeout_s": ingest_load.TIMEOUT_S,
            "users": ingest_load.USERS,
            "batch_clients": args.batch_clients,
            "batch_duration_s": args.batch_duration,
            "serve_workers_supported": workers_supported,
        },
        "setups": {},
    }
    for name in ("postgres", "sqlite"):
        if args.only and name != args.only:
            continue
        log(f"--- {name} ---")
        try:
            report["setups"][name] = run_setup(name, args, workers_supported)
        except Exception as exc:  # the other set-up still runs; the page says why this one failed
            log(f"{name}: {type(exc).__name__}: {exc}")
            report["setups"][name] = {"error": f"{type(exc).__name__}: {exc}"}
        if "profile" in report["setups"][name]:
            report["profile"] = report["setups"][name].pop("profile")
    targets = check_targets(report)
    report["targets"] = [asdict(t) for t in targets]
    OUT.mkdir(exist_ok=True)
    (OUT / "bench-ingest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    page = render(report, targets)
    (OUT / "bench-ingest.md").write_text(page)
    print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
