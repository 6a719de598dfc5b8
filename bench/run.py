"""Benchmark Fluide's ``analyze`` against a pandas notebook and a DuckDB floor.

Three implementations compute the same figures on the same CSV file, in one
process: for the whole file, per ``touchpoint``, per ``outcome`` and per ISO
week in Europe/Paris (label ``2026-W32``): n, mean, sample standard deviation,
95 % Student-t interval, count per score point 1..7, % low / moderate / high
effort (1-7 ease scale: effort e = 8 - score; low e <= 2, moderate 3-4,
high >= 5), net effort (% high - % low) and effort index (mean of
100 * (e - 1) / 6).

1. Fluide: ``fluide.analysis.analyze_file`` then ``.to_json()``.
2. pandas: what a data analyst's notebook does (read_csv, to_datetime,
   groupby/agg, scipy's t quantile). Neither slowed down nor tuned.
3. DuckDB: one SQL query over the file with GROUPING SETS: the floor.

Each runs once untimed (warm-up, and its result is checked against the
others: the run fails loudly if they disagree), then ``--repeat`` timed runs,
interleaved; the best and median wall times are reported, with the ratios
pandas / Fluide (target >= 2) and Fluide / DuckDB (target <= 1.5). Imports
are done before timing. The CLI is also timed once end to end, for
information.

    .venv/bin/python bench/run.py [--rows 1000000] [--repeat 5] [--json PATH]
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

try:
    from fluide.analysis import AnalyzeOptions, analyze_file

    FLUIDE_ERROR: str | None = None
except ImportError as exc:  # the API is not there yet: time the other two
    FLUIDE_ERROR = f"{type(exc).__name__}: {exc}"

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from duckdb_floor import TZ, Figures, Result, run_duckdb  # noqa: E402 - after the path

POINTS = range(1, 8)
GROUPINGS = ("touchpoint", "outcome")
TARGET_PANDAS_OVER_FLUIDE = 2.0
TARGET_FLUIDE_OVER_DUCKDB = 1.5

# A result, whatever the implementation: duckdb_floor.Result, keyed by (grouping, value).


# --- 1. Fluide -------------------------------------------------------------------


def run_fluide(path: Path) -> dict[str, Any]:
    # Frictions tag comments with the embedding model, which pandas and SQL do not do:
    # bench/tagger_speed.py times tagging against its own floor.
    options = AnalyzeOptions(
        scale="1-7", polarity="ease", by=list(GROUPINGS), tz=TZ, frictions=False
    )
    return analyze_file(path, options).to_json()


def fluide_result(doc: dict[str, Any]) -> tuple[Result, set[str]]:
    """Fluide's JSON document as a Result, and the weeks shown pooled."""

    def figures(b: dict[str, Any]) -> Figures:
        g = b.get("effort_groups") or {}
        dist = b.get("distribution")
        return {
            "n": b["n"],
            "mean": b["mean"],
            "ci95": tuple(b["ci95"]) if b.get("ci95") else None,
            "counts": [int(dist[str(p)]) for p in POINTS] if dist else None,
            "low": g.get("low"),
            "moderate": g.get("moderate"),
            "high": g.get("high"),
            "net_effort": b.get("net_effort"),
            "effort_index": b.get("effort_index"),
        }

    out: Result = {("overall", None): figures(doc["overall"])}
    for name in GROUPINGS:
        for row in doc["groups"][name]:
            out[(name, row["value"])] = figures(row)
    pooled: set[str] = set()
    for row in doc["weekly"]:
        f = figures(row)
        f["own_n"] = row.get("own_n", row["n"])
        out[("week", row["week"])] = f
        if row.get("pooled") or row.get("pooled_with"):
            pooled.add(row["week"])
    return out, pooled


# --- 2. pandas: a data analyst's notebook ------------------------------------------


def run_pandas(path: Path) -> dict[str, pd.DataFrame]:
    df = pd.read_csv(path)
    df["responded_at"] = pd.to_datetime(df["responded_at"], utc=True).dt.tz_convert(TZ)
    iso = df["responded_at"].dt.isocalendar()
    df["week"] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    df["effort"] = 8 - df["score"]
    df["low"] = df["effort"] <= 2
    df["moderate"] = df["effort"].between(3, 4)
    df["high"] = df["effort"] >= 5
    df["effort_index"] = 100 * (df["effort"] - 1) / 6
    df["all"] = "overall"

    def summarise(by: str) -> pd.DataFrame:
        g = df.groupby(by)
        out = g.agg(
            n=("score", "count"),
            mean=("score", "mean"),
            sd=("score", "std"),
            low=("low", "mean"),
            moderate=("moderate", "mean"),
            high=("high", "mean"),
            effort_index=("effort_index", "mean"),
        )
        out[["low", "moderate", "high"]] *= 100
        out["net_effort"] = out["high"] - out["low"]
        half = stats.t.ppf(0.975, out["n"] - 1) * out["sd"] / np.sqrt(out["n"])
        out["ci_low"] = out["mean"] - half
        out["ci_high"] = out["mean"] + half
        counts = g["score"].value_counts().unstack(fill_value=0)
        counts = counts.reindex(columns=list(POINTS), fill_value=0)
        return out.join(counts)

    return {by: summarise(by) for by in ("all", *GROUPINGS, "week")}


def pandas_result(tables: dict[str, pd.DataFrame]) -> Result:
    out: Result = {}
    for by, table in tables.items():
        for value, r in table.iterrows():
            key = ("overall", None) if by == "all" else (by, str(value))
            n = int(r["n"])
            out[key] = {
                "n": n,
                "mean": float(r["mean"]),
                "ci95": (float(r["ci_low"]), float(r["ci_high"])) if n >= 2 else None,
                "counts": [int(r[p]) for p in POINTS],
                "low": float(r["low"]),
                "moderate": float(r["moderate"]),
                "high": float(r["high"]),
                "net_effort": float(r["net_effort"]),
                "effort_index": float(r["effort_index"]),
            }
    return out


# --- 3. DuckDB: one SQL query, the floor (bench/duckdb_floor.py) -------------------

# --- Agreement ---------------------------------------------------------------------

FLOAT_FIELDS = ("mean", "low", "moderate", "high", "net_effort", "effort_index")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def disagreements(name: str, got: Result, ref: Result, pooled: set[str] = frozenset()) -> list[str]:
    """Differences between ``got`` and the DuckDB reference ``ref``.

    n and mean must match everywhere (weeks: the week's own n; n and figures
    only where the week is not shown pooled); the other figures are compared
    where ``got`` has them.
    """
    errors: list[str] = []
    for key in sorted(set(ref) | set(got), key=lambda k: (k[0], k[1] or "")):
        r, g = ref.get(key), got.get(key)
        if r is None or g is None:
            if r is None and g is not None and key[0] == "week" and g.get("own_n", g["n"]) == 0:
                continue  # an empty week shown to keep the trend continuous
            errors.append(f"{name}: {key} only in {'DuckDB' if g is None else name}")
            continue
        if key[0] == "week":
            if g.get("own_n", g["n"]) != r["n"]:
                errors.append(f"{name}: {key} own n {g.get('own_n', g['n'])} != {r['n']}")
            if key[1] in pooled:
                continue
        if g["n"] != r["n"]:
            errors.append(f"{name}: {key} n {g['n']} != {r['n']}")
            continue
        for f in FLOAT_FIELDS:
            if g.get(f) is not None and not _close(g[f], r[f]):
                errors.append(f"{name}: {key} {f} {g[f]!r} != {r[f]!r}")
        if g.get("counts") is not None and list(g["counts"]) != list(r["counts"]):
            errors.append(f"{name}: {key} counts {g['counts']} != {r['counts']}")
        gci, rci = g.get("ci95"), r.get("ci95")
        if (gci is None) != (rci is None) or (
            gci and rci and not (_close(gci[0], rci[0]) and _close(gci[1], rci[1]))
        ):
            errors.append(f"{name}: {key} ci95 {gci} != {rci}")
    return errors


# --- Timing ------------------------------------------------------------------------


def timed(fn: Callable[[Path], Any], path: Path) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn(path)
    return time.perf_counter() - t0, out


def time_cli(path: Path) -> float | str:
    exe = Path(sys.executable).with_name("fluide")
    cmd = [str(exe), "analyze", str(path), "--scale", "1-7", "--polarity", "ease"]
    cmd += ["--by", "touchpoint", "--by", "outcome", "--tz", TZ, "--format", "json"]
    cmd += ["--no-frictions"]  # as the in-process run: tagging is timed by tagger_speed.py
    if not exe.exists():
        return f"unavailable ({exe} not found)"
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        last = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        return f"failed (exit {proc.returncode}: {last[0][:200]})"
    return elapsed


# --- Machine -----------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass

    def version(pkg: str) -> str:
        try:
            return importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            return "-"

    return {
        "cpu": cpu,
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "ram_gib": ram,
        "python": platform.python_version(),
        "os": platform.platform(),
        "versions": {p: version(p) for p in ("fluide", "duckdb", "pandas", "numpy", "scipy")},
    }


# --- Main --------------------------------------------------------------------------


def ensure_data(rows: int, seed: int, out: Path | None) -> Path:
    if out is None:
        label = f"{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"{rows}"
        out = HERE / "data" / f"responses_{label}.csv"
    if not out.exists():
        print(f"generating {out} ...", flush=True)
        cmd = [sys.executable, str(HERE / "generate.py"), "--rows", str(rows)]
        subprocess.run([*cmd, "--out", str(out), "--seed", str(seed)], check=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data", type=Path, help="CSV to use (default bench/data/responses_<rows>.csv)"
    )
    parser.add_argument("--json", type=Path, help="save the results to this JSON file")
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI run")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    path = ensure_data(args.rows, args.seed, args.data)
    info = machine()
    size_mb = path.stat().st_size / 1e6
    print(f"file: {path} ({size_mb:.1f} MB)")
    print(
        f"machine: {info['cpu']}, {info['nproc']} cores, {info['ram_gib']} GiB RAM, "
        f"Python {info['python']}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))

    impls: dict[str, Callable[[Path], Any]] = {}
    if FLUIDE_ERROR is None:
        impls["fluide"] = run_fluide
    else:
        print(f"fluide: NOT AVAILABLE ({FLUIDE_ERROR}); timing pandas and DuckDB only")
    impls["pandas"] = run_pandas
    impls["duckdb"] = run_duckdb

    # Warm-up run of each, and the agreement check on its output.
    print("warm-up and agreement check ...", flush=True)
    first: dict[str, Any] = {}
    for name, fn in impls.items():
        t, first[name] = timed(fn, path)
        print(f"  {name:<7} warm-up {t:7.3f} s", flush=True)
    ref = first["duckdb"]
    errors = disagreements("pandas", pandas_result(first["pandas"]), ref)
    pooled: set[str] = set()
    if "fluide" in first:
        fres, pooled = fluide_result(first["fluide"])
        errors += disagreements("fluide", fres, ref, pooled)
    if errors:
        print(f"DISAGREEMENT ({len(errors)}):", file=sys.stderr)
        for e in errors[:40]:
            print("  " + e, file=sys.stderr)
        return 2
    groups = {k: sum(1 for key in ref if key[0] == k) for k in ("touchpoint", "outcome", "week")}
    print(
        f"  agree: n, mean, sd-based ci95, counts, effort groups, net effort, effort index "
        f"(overall + {groups['touchpoint']} touchpoints + {groups['outcome']} outcomes "
        f"+ {groups['week']} weeks; {len(pooled)} week(s) pooled by Fluide)"
    )

    # Timed runs, interleaved and rotated so no implementation always runs first.
    times: dict[str, list[float]] = {name: [] for name in impls}
    names = list(impls)
    for i in range(args.repeat):
        order = names[i % len(names) :] + names[: i % len(names)]
        for name in order:
            t, _ = timed(impls[name], path)
            times[name].append(t)
        print(
            f"  round {i + 1}/{args.repeat}: "
            + ", ".join(f"{n} {times[n][-1]:.3f}" for n in names),
            flush=True,
        )

    best = {n: min(ts) for n, ts in times.items()}
    median = {n: statistics.median(ts) for n, ts in times.items()}
    cli = None if args.no_cli or "fluide" not in impls else time_cli(path)

    print()
    print(f"{args.rows:,} rows, best / median of {args.repeat} warm runs, same file, same process")
    print(f"{'implementation':<16}{'best s':>9}{'median s':>10}")
    for n in ("fluide", "pandas", "duckdb"):
        if n in best:
            print(f"{n:<16}{best[n]:>9.3f}{median[n]:>10.3f}")
        else:
            print(f"{n:<16}{'n/a':>9}{'n/a':>10}")
    ratios: dict[str, float | None] = {"pandas_over_fluide": None, "fluide_over_duckdb": None}
    ok = True
    if "fluide" in best:
        ratios["pandas_over_fluide"] = best["pandas"] / best["fluide"]
        ratios["fluide_over_duckdb"] = best["fluide"] / best["duckdb"]
        r1, r2 = ratios["pandas_over_fluide"], ratios["fluide_over_duckdb"]
        ok1, ok2 = r1 >= TARGET_PANDAS_OVER_FLUIDE, r2 <= TARGET_FLUIDE_OVER_DUCKDB
        ok = ok1 and ok2
        verdict = {True: "OK", False: "MISSED"}
        print(
            f"pandas / Fluide  {r1:6.2f}x  (target >= {TARGET_PANDAS_OVER_FLUIDE}) {verdict[ok1]}"
        )
        print(
            f"Fluide / DuckDB  {r2:6.2f}x  (target <= {TARGET_FLUIDE_OVER_DUCKDB}) {verdict[ok2]}"
        )
    print(f"pandas / DuckDB  {best['pandas'] / best['duckdb']:6.2f}x")
    if cli is not None:
        shown = f"{cli:.3f} s" if isinstance(cli, float) else cli
        print(f"CLI end to end (fluide analyze ... --format json, once, incl. start-up): {shown}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "rows": args.rows,
            "file": str(path),
            "file_mb": round(size_mb, 1),
            "repeat": args.repeat,
            "machine": info,
            "fluide_error": FLUIDE_ERROR,
            "times": times,
            "best": best,
            "median": median,
            "ratios": ratios,
            "targets": {
                "pandas_over_fluide_min": TARGET_PANDAS_OVER_FLUIDE,
                "fluide_over_duckdb_max": TARGET_FLUIDE_OVER_DUCKDB,
            },
            "cli_seconds": cli,
        }
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"results saved to {args.json}")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
