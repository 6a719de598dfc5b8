"""The DuckDB floor: one SQL query computing the aggregates ``fluide analyze`` shows.

For the whole file, per ``touchpoint``, per ``outcome`` and per ISO week in
Europe/Paris: n, mean, sample standard deviation, 95 % Student-t interval, count
per score point 1..7, % low / moderate / high effort, net effort and effort index
(1-7 ease scale). ``bench/run.py`` times :func:`run_duckdb` in its own process;
``bench/cli_startup.py`` runs this file as a whole process and compares it with
``fluide analyze`` run the same way:

    .venv/bin/python bench/duckdb_floor.py bench/data/responses_1m.csv > floor.json

It imports only DuckDB and ``scipy.special`` (the t quantile, the function Fluide
uses): a script written to be fast, so that the comparison is not flattered.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import duckdb
from scipy import special

TZ = "Europe/Paris"

# A result: {("overall", None) | (grouping, value): Figures} where Figures = {"n", "mean",
# "sd", "ci95", "counts", "low", "moderate", "high", "net_effort", "effort_index"}.
# Groupings are "touchpoint", "outcome" and "week".
Figures = dict[str, Any]
Result = dict[tuple[str, str | None], Figures]

DUCKDB_SQL = """
SELECT
    GROUPING(touchpoint) = 0 AS by_touchpoint,
    GROUPING(outcome) = 0 AS by_outcome,
    GROUPING(week) = 0 AS by_week,
    touchpoint, outcome, week,
    count(*) AS n,
    avg(score) AS mean,
    stddev_samp(score) AS sd,
    count(*) FILTER (WHERE score = 1) AS c1,
    count(*) FILTER (WHERE score = 2) AS c2,
    count(*) FILTER (WHERE score = 3) AS c3,
    count(*) FILTER (WHERE score = 4) AS c4,
    count(*) FILTER (WHERE score = 5) AS c5,
    count(*) FILTER (WHERE score = 6) AS c6,
    count(*) FILTER (WHERE score = 7) AS c7,
    100.0 * count(*) FILTER (WHERE e <= 2) / count(*) AS low,
    100.0 * count(*) FILTER (WHERE e BETWEEN 3 AND 4) / count(*) AS moderate,
    100.0 * count(*) FILTER (WHERE e >= 5) / count(*) AS high,
    avg(100.0 * (e - 1) / 6) AS effort_index
FROM (
    SELECT score, 8 - score AS e, touchpoint, outcome,
           strftime(responded_at, '%G-W%V') AS week
    FROM read_csv($path, header = true, columns = {
        'responded_at': 'TIMESTAMPTZ', 'score': 'INTEGER', 'comment': 'VARCHAR',
        'touchpoint': 'VARCHAR', 'channel': 'VARCHAR', 'outcome': 'VARCHAR',
        'agent': 'VARCHAR', 'customer_since': 'DATE', 'plan': 'VARCHAR',
        'question_version': 'VARCHAR'})
)
GROUP BY GROUPING SETS ((), (touchpoint), (outcome), (week))
"""


def t_interval(n: int, mean: float, sd: float) -> tuple[float, float] | None:
    """The 95 % Student-t interval (``stdtrit`` is ``scipy.stats.t.ppf``, bit for bit)."""
    if n < 2 or sd is None or math.isnan(sd):
        return None
    half = float(special.stdtrit(n - 1, 0.975)) * sd / math.sqrt(n)
    return (mean - half, mean + half)


def run_duckdb(path: Path) -> Result:
    con = duckdb.connect()
    try:
        con.execute(f"SET TimeZone = '{TZ}'")
        rows = con.execute(DUCKDB_SQL, {"path": str(path)}).fetchall()
    finally:
        con.close()
    out: Result = {}
    for r in rows:
        by_tp, by_oc, by_wk, tp, oc, wk, n, mean, sd = r[:9]
        counts = list(r[9:16])
        low, moderate, high, ei = r[16:20]
        if by_tp:
            key: tuple[str, str | None] = ("touchpoint", tp)
        elif by_oc:
            key = ("outcome", oc)
        elif by_wk:
            key = ("week", wk)
        else:
            key = ("overall", None)
        out[key] = {
            "n": n,
            "mean": mean,
            "sd": sd,
            "ci95": t_interval(n, mean, sd),
            "counts": counts,
            "low": low,
            "moderate": moderate,
            "high": high,
            "net_effort": high - low,
            "effort_index": ei,
        }
    return out


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: duckdb_floor.py FILE.csv", file=sys.stderr)
        return 2
    result = run_duckdb(Path(sys.argv[1]))
    doc = [{"grouping": k[0], "value": k[1], **v} for k, v in result.items()]
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
