"""The pure parts of bench/ingest.py: wrk's summary read, rounds summed up, targets checked."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ingest_markdown import render
from ingest_profile import summarise as profile_summary
from ingest_report import (
    WrkOutputError,
    WrkRun,
    check_targets,
    parse_wrk,
    summarise,
    wrk_requests_per_s,
)

# A real run of wrk/events.lua against bench/bare_app.py (1 thread, 4 connections).
REAL = """Running 2s test @ http://127.0.0.1:8938
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.97ms   14.43ms 112.15ms   94.44%
    Req/Sec   382.68    136.73   717.00     73.68%
  745 requests in 2.01s, 260.94KB read
Requests/sec:    369.93
Transfer/sec:    129.57KB
FLUIDE_WRK {"requests":745,"duration_us":2013883,"bytes":267200,"errors":{"connect":0,"read":0,\
"write":0,"status":0,"timeout":0},"latency_us":{"p50":9627,"p90":20229,"p99":90496,"max":112150,\
"mean":12965.7},"threads":[{"id":0,"sent":749,"s2xx":745,"s4xx":0,"s500":0,"s503":0,"s5xx":0,\
"other":0,"late":0,"held":0}]}
"""


def wrk_line(threads: list[dict[str, int]], **errors: int) -> str:
    doc = {
        "requests": sum(t.get("s2xx", 0) + t.get("s503", 0) + t.get("s500", 0) for t in threads),
        "duration_us": 10_000_000,
        "bytes": 1,
        "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0, **errors},
        "latency_us": {"p50": 20_000, "p90": 50_000, "p99": 90_000, "max": 120_000, "mean": 1.0},
        "threads": [
            {"id": i, "sent": 0, "s2xx": 0, "s4xx": 0, "s500": 0, "s503": 0, "s5xx": 0,
             "other": 0, "late": 0, "held": 0, **t}
            for i, t in enumerate(threads)
        ],
    }  # fmt: skip
    return "Running 10s test\nFLUIDE_WRK " + json.dumps(doc) + "\n"


def test_real_wrk_output_gives_counts_rate_and_latency_in_ms() -> None:
    run = parse_wrk(REAL)
    assert (run.requests, run.s2xx, run.sent) == (745, 745, 749)
    assert run.seconds == pytest.approx(2.013883)
    assert run.ok_per_s == pytest.approx(369.93, rel=1e-3)
    assert run.ok_per_s == pytest.approx(wrk_requests_per_s(REAL) or 0, rel=1e-3)
    assert (run.p50_ms, run.p99_ms, run.max_ms) == (9.627, 90.496, 112.15)
    assert run.errors == 0 and run.unanswered == 4  # one in flight per connection


def test_status_counts_of_every_thread_add_up_and_every_failure_is_an_error() -> None:
    out = wrk_line(
        [{"s2xx": 100, "s503": 3, "s4xx": 1, "late": 4}, {"s2xx": 50, "s500": 2, "other": 1}],
        connect=1,
        read=2,
        timeout=4,
    )
    run = parse_wrk(out)
    assert (run.s2xx, run.s503, run.s500, run.s4xx, run.other) == (150, 3, 2, 1, 1)
    assert run.ok_per_s == 15.0  # 2xx only: a fast 503 is no service
    assert run.non_2xx == 7 and run.socket_errors == 3 and run.held_past_timeout == 4
    assert run.errors == 14
    assert WrkRun.from_dict(run.as_dict()) == run


def test_wrk_that_printed_no_summary_is_an_error_quoting_its_output() -> None:
    out = "unable to connect to 127.0.0.1:1 Connection refused\n"
    with pytest.raises(WrkOutputError, match="Connection refused"):
        parse_wrk(out)


def rounds(server: str, conns: int, ok: list[int], **errors: int) -> list[dict[str, Any]]:
    return [
        {
            "server": server,
            "connections": conns,
            "round": i,
            "wrk": parse_wrk(wrk_line([{"s2xx": n, **errors}])).as_dict(),
        }
        for i, n in enumerate(ok)
    ]


def test_rounds_are_summed_up_as_medians_with_errors_added_and_the_ratio() -> None:
    summary = summarise(
        rounds("bare", 16, [10_000, 12_000, 14_000])
        + rounds("fluide", 16, [5_000, 7_000, 6_500], s503=2)
    )
    row = summary[16]
    assert row["bare"]["ok_per_s"] == 1200.0 and row["fluide"]["ok_per_s"] == 650.0
    assert row["fluide"]["s503"] == 6 and row["fluide"]["errors"] == 6
    assert row["fluide"]["acked"] == 18_500
    assert row["ratio"] == pytest.approx(650 / 1200, abs=1e-3)


def setup_report(fluide16: int, fluide64_errors: dict[str, int], batch: float) -> dict[str, Any]:
    return {
        "workers": 2,
        "rounds": rounds("bare", 16, [10_000])
        + rounds("fluide", 16, [fluide16])
        + rounds("fluide", 64, [fluide16], **fluide64_errors),
        "batches": {
            "fluide": {
                "events_per_s": batch,
                "events_acked": 1000,
                "seconds": 1.0,
                "batches_2xx": 1,
                "batches_failed": 0,
            }
        },
        "invariants": {
            "ok": True,
            "invitations": 5,
            "invited_users": 5,
            "events_stored": 9,
            "events_acked": 9,
            "offender_count": 0,
            "offenders": [],
            "decisions": {"invited": 5},
            "deliveries": {},
        },
    }


def by_id(report: dict[str, Any]) -> dict[str, bool | None]:
    return {t.id: t.met for t in check_targets(report)}


def test_targets_met_and_missed_are_told_apart() -> None:
    report = {
        "setups": {
            "postgres": setup_report(6_000, {}, 5_200.0),
            "sqlite": setup_report(2_000, {"s503": 40}, 1_500.0),
        }
    }
    met = by_id(report)
    assert met["postgres.16.ratio"] is True  # 60 % ≥ 50 %
    assert met["postgres.16.p99"] is True  # 90 ms ≤ 100 ms
    assert met["postgres.64"] is True and met["postgres.batches"] is True
    assert met["sqlite.16.ratio"] is False  # 20 % < 30 %
    assert met["sqlite.64"] is True  # 503s are back-pressure, not failures, on SQLite
    assert met["sqlite.batches"] is False and met["sqlite.invariants"] is True


def test_a_500_or_a_timeout_fails_the_64_connection_targets() -> None:
    report = {
        "setups": {
            "postgres": setup_report(6_000, {"s503": 1}, 5_200.0),
            "sqlite": setup_report(6_000, {"s500": 1}, 2_500.0),
        }
    }
    met = by_id(report)
    assert met["postgres.64"] is False  # PostgreSQL: zero errors of any kind
    assert met["sqlite.64"] is False


def test_what_was_not_measured_is_neither_met_nor_missed() -> None:
    report = {"setups": {"sqlite": {"error": "wrk failed", "workers": 1}}}
    assert set(by_id(report).values()) == {None}


def test_the_page_shows_each_table_and_each_target() -> None:
    report = {
        "started": "2026-12-07 06:00 UTC",
        "machine": {
            "nproc": 2,
            "cpu": "AMD EPYC",
            "ram_gb": 23.5,
            "python": "3.11.7",
            "load_average_at_start": [1.0, 1.0, 1.0],
            "wrk": "wrk 4.1.0",
            "uvicorn": "0.54.0",
        },
        "config": {
            "duration_s": 5.0,
            "rounds": 1,
            "timeout_s": 5,
            "users": 20_000,
            "batch_clients": 4,
            "batch_duration_s": 5.0,
            "quick": True,
        },
        "setups": {"postgres": setup_report(6_000, {}, 5_200.0)},
    }
    page = render(report, check_targets(report))
    assert "| 16 | fluide | 600 |" in page and "**60.0%**" in page
    assert "≥ 5,000 events/s | 5,200 events/s | ✅ met |" in page


def test_profile_counts_busy_samples_per_function_and_leaves_idle_threads_out() -> None:
    doc = {
        "shared": {
            "frames": [
                {"name": "handle", "file": "/x/site-packages/uvicorn/h.py", "line": 3},
                {"name": "decide", "file": "/w/src/fluide/services/events.py", "line": 80},
                {"name": "execute", "file": "/x/site-packages/sqlalchemy/e.py", "line": 9},
                {"name": "Queue.get", "file": "/py/lib/python3.11/queue.py", "line": 171},
                {"name": 'process 7:"fluide serve"', "file": "", "line": 0},
            ]
        },
        "profiles": [
            {
                "samples": [[4, 0, 1, 2], [0, 1, 2], [0, 1], [0], [4, 0, 3], [0, 3]],
                "weights": [0.01] * 6,
            },
        ],
    }
    summary = profile_summary(doc)
    assert (summary["samples"], summary["idle_samples"]) == (4, 2)
    own = {x["function"]: x["share"] for x in summary["self"]}
    assert own == {
        "execute (sqlalchemy/e.py:9)": 0.5,
        "decide (fluide/services/events.py:80)": 0.25,
        "handle (uvicorn/h.py:3)": 0.25,
    }
    assert summary["fluide"] == [{"function": "decide (fluide/services/events.py)", "share": 0.75}]


def test_requests_held_when_the_round_ends_are_errors_though_wrk_saw_no_timeout() -> None:
    # 64 connections held by a server that answered nobody: wrk counts no timeout.
    run = parse_wrk(wrk_line([{"sent": 32, "held": 32}, {"sent": 32, "held": 32}]))
    assert run.requests == 0 and run.timeouts == 0 and run.unanswered == 64
    assert run.held_past_timeout == 64 and run.errors == 64
    assert summarise(rounds("fluide", 64, [0], held=5))[64]["fluide"]["held"] == 5


def test_a_server_that_answered_nothing_meets_no_error_target() -> None:
    # A round too short to see a held request: no error counted, no answer either.
    report = {
        "setups": {
            "postgres": setup_report(0, {}, 5_200.0),
            "sqlite": setup_report(0, {}, 2_500.0),
        }
    }
    met = by_id(report)
    assert met["postgres.16.errors"] is False and met["postgres.64"] is False
    assert met["sqlite.16.errors"] is False and met["sqlite.64"] is False
    assert met["postgres.16.p99"] is False  # no latency measured is no latency met


def test_a_request_held_past_its_timeout_fails_the_sqlite_64_connection_target() -> None:
    report = {"setups": {"sqlite": setup_report(6_000, {"s503": 10, "held": 1}, 2_500.0)}}
    assert by_id(report)["sqlite.64"] is False
