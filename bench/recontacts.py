"""``fluide recontacts`` on 1,000,000 contacts against a DuckDB script with window functions.

Both compute, for the whole file, per ``reason``, per ``channel`` and per ISO
week in Europe/Paris, every RBLOCK figure (contacts, observed, recontacted,
channel switches, episodes, contacts per episode, resolution median and p90,
promises kept) from the same CSV, in the same process; the DuckDB side is one
SQL query (LAG/LEAD over PARTITION BY customer ORDER BY contact_at, file
order). The figures are checked equal before the timings are reported.

    .venv/bin/python bench/recontacts.py                 # 1,000,000 contacts, best of 3
    .venv/bin/python bench/recontacts.py --rows 200000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parent
TZ = "Europe/Paris"
WINDOW = 7
HEADER = "customer_id,contact_at,channel,reason,ticket_id,resolved_at,promised_at"
CHANNELS = np.array(["phone", "mail", "chat", "web"])
REASONS = np.array(["billing", "login", "delivery", "refund", "account", "", "other"])


def generate(rows: int, out: Path, seed: int = 0) -> None:
    """Contacts over 20 weeks around the autumn clock change, in UTC (``Z``) times.

    200 000 customers; about a third contact again within a week. Not sorted by
    customer; ties happen (times are whole minutes).
    """
    rng = np.random.default_rng(seed)
    start = np.datetime64("2026-08-03T00:00:00")
    span_min = 20 * 7 * 24 * 60
    customers = rng.integers(0, rows // 5, rows)
    minutes = rng.integers(0, span_min, rows)
    at = start + minutes.astype("timedelta64[m]")
    resolved_mask = rng.random(rows) < 0.7
    resolved = at + rng.integers(5, 4 * 24 * 60, rows).astype("timedelta64[m]")
    promised_mask = rng.random(rows) < 0.4
    promised = at + rng.integers(60, 3 * 24 * 60, rows).astype("timedelta64[m]")
    fmt = lambda a: np.char.add(np.datetime_as_string(a, unit="s"), "Z")  # noqa: E731
    cols = [
        np.char.add("c", customers.astype(str)),
        fmt(at),
        CHANNELS[rng.integers(0, len(CHANNELS), rows)],
        REASONS[rng.integers(0, len(REASONS), rows)],
        np.char.add("t", np.arange(rows).astype(str)),
        np.where(resolved_mask, fmt(resolved), ""),
        np.where(promised_mask, fmt(promised), ""),
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        f.write(HEADER + "\n")
        step = 200_000
        for i in range(0, rows, step):
            lines = cols[0][i : i + step]
            for c in cols[1:]:
                lines = np.char.add(np.char.add(lines, ","), c[i : i + step])
            f.write("\n".join(lines.tolist()) + "\n")


DUCKDB_SQL = """
WITH c AS (
    SELECT row_number() OVER () AS i, customer_id AS cu, epoch_us(contact_at) AS t,
           channel AS ch, nullif(trim(reason), '') AS reason,
           isoyear(contact_at) * 100 + week(contact_at) AS wk,
           epoch_us(resolved_at) AS res, epoch_us(promised_at) AS pro
    FROM read_csv($path, header = true, auto_detect = false, columns = {
        'customer_id': 'VARCHAR', 'contact_at': 'TIMESTAMPTZ', 'channel': 'VARCHAR',
        'reason': 'VARCHAR', 'ticket_id': 'VARCHAR', 'resolved_at': 'TIMESTAMPTZ',
        'promised_at': 'TIMESTAMPTZ'})
), s AS (
    SELECT *,
        lead(t) OVER w AS nt, lead(ch) OVER w AS nch, lag(t) OVER w AS pt
    FROM c WINDOW w AS (PARTITION BY cu ORDER BY t, i)
), f AS (
    SELECT *,
        t <= (SELECT max(t) FROM c) - $w AS obs,
        pt IS NULL OR t - pt > $w AS start
    FROM s
), e AS (
    SELECT *,
        obs AND nt IS NOT NULL AND nt - t <= $w AS rec,
        sum(start::INT) OVER (PARTITION BY cu ORDER BY t, i ROWS UNBOUNDED PRECEDING) AS ep
    FROM f
), sized AS (
    SELECT *, CASE WHEN start THEN count(*) OVER (PARTITION BY cu, ep) ELSE 0 END AS size,
        (res - t) / 3.6e9 AS hours
    FROM e
)
SELECT GROUPING(reason) = 0 AS by_reason, GROUPING(ch) = 0 AS by_channel,
    GROUPING(wk) = 0 AS by_week, reason, ch, wk,
    count(*) AS contacts, count(*) FILTER (WHERE obs) AS observed,
    count(*) FILTER (WHERE rec) AS recontacted,
    count(*) FILTER (WHERE rec AND nch <> ch) AS switches,
    count(*) FILTER (WHERE start) AS episodes, sum(size) AS episode_contacts,
    count(hours) AS resolved, quantile_cont(hours, [0.5, 0.9]) AS q,
    count(*) FILTER (WHERE res IS NOT NULL AND pro IS NOT NULL) AS both_times,
    count(*) FILTER (WHERE res <= pro) AS kept
FROM sized
GROUP BY GROUPING SETS ((), (reason), (ch), (wk))
"""


def _pct(a: int, b: int) -> float | None:
    return 100.0 * a / b if b else None


def run_duckdb(path: Path) -> dict[str, dict[str, Any]]:
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{TZ}'")
    rows = con.execute(DUCKDB_SQL, {"path": str(path), "w": WINDOW * 86_400_000_000}).fetchall()
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        by_reason, by_channel, by_week, reason, ch, wk = r[:6]
        contacts, obs, rec, sw, eps, ep_contacts, resolved, q, both, kept = r[6:]
        key = (
            f"reason={reason}"
            if by_reason
            else f"channel={ch}"
            if by_channel
            else f"week={wk // 100:04d}-W{wk % 100:02d}"
            if by_week
            else "overall"
        )
        rate = _pct(rec, obs)
        out[key] = {
            "contacts": contacts,
            "observed": obs,
            "recontacted": rec,
            "recontact_rate": rate,
            "one_and_done": None if rate is None else 100 - rate,
            "channel_switches": sw,
            "channel_switch_rate": _pct(sw, rec),
            "episodes": eps,
            "contacts_per_episode": int(ep_contacts) / eps if eps else None,
            "resolution_hours": {
                "n": resolved,
                "median": q[0] if q else None,
                "p90": q[1] if q else None,
            },
            "promise_kept": _pct(kept, both),
        }
    return out


def run_fluide(path: Path) -> dict[str, Any]:
    """The whole command path minus printing: read, compute, the JSON document."""
    from fluide.recontacts import RecontactOptions, recontacts_file

    o = RecontactOptions(window_days=WINDOW, by=("reason", "channel"), tz=TZ)
    return recontacts_file(path, o).to_json("en")


def flatten(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {"overall": doc["overall"]}
    for name, rows in doc["groups"].items():
        for r in rows:
            out[f"{name}={r['value']}"] = {k: v for k, v in r.items() if k != "value"}
    for r in doc["weekly"]:
        if r["contacts"]:
            out[f"week={r['week']}"] = {k: v for k, v in r.items() if k != "week"}
    return out


def same(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return set(a) == set(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a))
    return bool(a == b)


def best(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=None)
    args = ap.parse_args()
    path = args.data or ROOT / "data" / f"contacts_{args.rows}.csv"
    if not path.exists():
        t0 = time.perf_counter()
        generate(args.rows, path, args.seed)
        print(f"generated {path} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    run_duckdb(path)  # warm the page cache and DuckDB's first-use costs for both
    fluide_s, doc = best(lambda: run_fluide(path), args.repeat)
    duck_s, ref = best(lambda: run_duckdb(path), args.repeat)
    mine = flatten(doc)
    agree = set(mine) == set(ref) and all(same(mine[k], ref[k]) for k in ref)
    report = {
        "rows": doc["input"]["rows"],
        "fluide_s": round(fluide_s, 3),
        "duckdb_s": round(duck_s, 3),
        "ratio": round(fluide_s / duck_s, 2),
        "target": "ratio <= 2",
        "figures_agree": agree,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"NumPy {np.__version__}",
    }
    print(json.dumps(report, indent=2))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
