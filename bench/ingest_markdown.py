"""The Markdown page of ``bench/ingest.py`` (``out/bench-ingest.md``), from its JSON report."""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from ingest_report import Target, mark, summarise

LABELS = {"postgres": "PostgreSQL (durable)", "sqlite": "SQLite"}


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _machine(report: dict[str, Any]) -> list[str]:
    m, c = report["machine"], report["config"]
    pg = report.get("setups", {}).get("postgres", {}).get("postgres")
    lines = [
        f"- Machine: {m['nproc']} × {m['cpu']}, {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"load average at start {m['load_average_at_start']}",
        f"- {m['wrk']}; uvicorn {m['uvicorn']}",
    ]
    if pg:
        lines.append(
            f"- PostgreSQL {pg['version']}: fsync {pg['fsync']}, synchronous_commit "
            f"{pg['synchronous_commit']}, full_page_writes {pg['full_page_writes']}"
        )
    lines.append(
        f"- Rounds: {c['duration_s']:g} s each, {c['rounds']} per server and connection count, "
        f"bare and Fluide alternating; wrk `--timeout {c['timeout_s']}s`; users drawn from "
        f"{_n(c['users'])}; batches: {c['batch_clients']} clients × {c['batch_duration_s']:g} s"
        + (" (`--quick`: short rounds, a smoke run)" if c["quick"] else "")
    )
    return lines


def _setup(name: str, setup: dict[str, Any]) -> list[str]:
    workers = setup.get("workers", 1)
    lines = [f"## {LABELS[name]}, {workers} server process{'es' if workers > 1 else ''}", ""]
    if setup.get("note"):
        lines += [f"_{setup['note']}_", ""]
    if setup.get("error"):
        lines += [f"**Set-up failed:** {setup['error']}", ""]
    summary = summarise(setup.get("rounds", []))
    if summary:
        lines += [
            "| conns | server | 2xx/s | p50 ms | p99 ms | max ms | non-2xx (500 / 503) "
            "| socket errors | held past timeout | Fluide / bare |",
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for conns, row in summary.items():
            for server in ("bare", "fluide"):
                r = row.get(server)
                if r is None:
                    continue
                ratio = f"**{row['ratio']:.1%}**" if server == "fluide" and "ratio" in row else ""
                lines.append(
                    f"| {conns} | {server} | {_n(r['ok_per_s'])} | {r['p50_ms']:.1f} "
                    f"| {r['p99_ms']:.1f} | {r['max_ms']:.0f} "
                    f"| {r['non_2xx']} ({r['s500']} / {r['s503']}) | {r['socket_errors']} "
                    f"| {r['held']} | {ratio} |"
                )
        lines.append("")
    batches = setup.get("batches", {})
    if batches:
        parts = [
            f"{server} **{_n(b['events_per_s'])} events/s** ({_n(b['events_acked'])} events in "
            f"{b['seconds']:g} s, {b['batches_2xx']} batches 2xx, {b['batches_failed']} failed)"
            for server, b in batches.items()
        ]
        lines += ["Batches of 1,000: " + "; ".join(parts) + ".", ""]
    inv = setup.get("invariants")
    if inv:
        lines += [
            f"Invariants: {inv['invitations']} invitations for {inv['invited_users']} distinct "
            f"users, {inv['offender_count']} users invited twice within the fatigue window; "
            f"{_n(inv['events_stored'])} events stored for {_n(inv['events_acked'])} "
            f"acknowledged. Decisions: "
            + ", ".join(f"{k} {_n(v)}" for k, v in inv["decisions"].items())
            + ". Deliveries: "
            + (", ".join(f"{k} {_n(v)}" for k, v in inv["deliveries"].items()) or "none")
            + ".",
            "",
        ]
        for o in inv["offenders"]:
            lines.append(f"- offender {o['user']}: {o['first']} then {o['second']}")
        if inv["offenders"]:
            lines.append("")
    stop = setup.get("stop")
    if stop:
        left = "processes left running!" if stop.get("children_left") else "no process left"
        lines += [
            f"Stop: {stop.get('signal')} → exit code {stop.get('exit_code')} in "
            f"{stop.get('seconds')} s, {left}.",
            "",
        ]
    return lines


def _profile(profile: dict[str, Any]) -> list[str]:
    lines = ["## Profile: Fluide on PostgreSQL, 16 connections (py-spy)", ""]
    if profile.get("error"):
        return [*lines, f"No profile: {profile['error']}", ""]
    lines += [
        f"File: `{profile['file']}` (open it in https://www.speedscope.app). "
        f"{_n(profile['samples'])} busy thread samples ({_n(profile['idle_samples'])} of idle "
        "pool threads left out; waiting on the database counts as busy). That round "
        f"(not used for the targets): {profile.get('round', '')}.",
        "",
        "| Fluide's functions (on the stack) | share | running itself (any code) | share |",
        "| --- | ---: | --- | ---: |",
    ]
    pairs = zip_longest(profile["fluide"], profile["self"], fillvalue={"function": "", "share": 0})
    for tot, own in pairs:
        lines.append(
            f"| `{tot['function']}` | {tot['share']:.1%} | `{own['function']}` "
            f"| {own['share']:.1%} |"
        )
    return [*lines, ""]


def render(report: dict[str, Any], targets: list[Target]) -> str:
    lines = [f"# Ingestion under load: {report['started']}", "", *_machine(report), ""]
    for name, setup in report.get("setups", {}).items():
        lines += _setup(name, setup)
    if report.get("profile"):
        lines += _profile(report["profile"])
    lines += ["## Targets (issue 12)", "", "| target | measured | |", "| --- | --- | --- |"]
    lines += [f"| {t.text} | {t.value} | {mark(t.met)} |" for t in targets]
    return "\n".join(lines) + "\n"
