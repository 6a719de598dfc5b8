"""The 1M-row analysis with ISO dates and with day-first dates, against DuckDB's floor.

The day-first file is the benchmark file with ``responded_at`` rewritten as a
French spreadsheet writes it (``dd/mm/yyyy hh:mm:ss``, local Europe/Paris
time, no offset). Each round times, interleaved: Fluide on the ISO file,
Fluide on the day-first file, and the DuckDB floor (bench/duckdb_floor.py) on
the ISO file. Both Fluide runs must give the same figures. ::

    .venv/bin/python bench/dates.py [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from duckdb_floor import TZ, run_duckdb  # noqa: E402 - after the path
from run import ensure_data, run_fluide  # noqa: E402


def day_first_copy(iso: Path) -> Path:
    out = iso.with_name(iso.stem + "_dayfirst.csv")
    if out.exists():
        return out
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{TZ}'")
    con.execute(
        f"COPY (SELECT * REPLACE (strftime(responded_at, '%d/%m/%Y %H:%M:%S') AS responded_at) "
        f"FROM read_csv('{iso}', header = true, all_varchar = false, "
        "types = {'responded_at': 'TIMESTAMPTZ'})) "
        f"TO '{out}' (HEADER, DELIMITER ',')"
    )
    con.close()
    return out


def timed(fn: Any, path: Path) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    result = fn(path)
    return time.perf_counter() - t0, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    iso = ensure_data(args.rows, 0, None)
    dmy = day_first_copy(iso)
    runs = {
        "fluide iso": (run_fluide, iso),
        "fluide day-first": (run_fluide, dmy),
        "duckdb iso": (run_duckdb, iso),
    }
    _, a = timed(run_fluide, iso)
    _, b = timed(run_fluide, dmy)
    for key in ("overall", "groups", "weekly"):
        if a[key] != b[key]:
            print(f"DISAGREEMENT on {key}", file=sys.stderr)
            return 2
    times: dict[str, list[float]] = {k: [] for k in runs}
    names = list(runs)
    for i in range(args.repeat):
        for name in names[i % 3 :] + names[: i % 3]:
            fn, path = runs[name]
            times[name].append(timed(fn, path)[0])
        print(f"  round {i + 1}: " + ", ".join(f"{n} {times[n][-1]:.3f}" for n in names))
    floor = min(times["duckdb iso"])
    for name in names:
        best = min(times[name])
        print(f"{name:<18} best {best:6.3f} s  ({best / floor:4.2f}x the DuckDB floor)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
