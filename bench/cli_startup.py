"""Whole-process speed of the command line: every ``--help``, and ``fluide analyze``.

What a user times, start-up included:

1. ``fluide --help`` and ``fluide CMD [SUB] --help`` for every command and
   sub-command of the Typer app (enumerated from it), ``--repeat`` runs each,
   interleaved; target: under 0.3 s (best run, as ``bench/run.py``; medians and
   CPU seconds shown beside).
2. ``fluide analyze FILE --scale 1-7 --polarity ease --by touchpoint --by outcome
   --tz Europe/Paris --format json --no-frictions`` on 1,000,000 rows against
   ``python bench/duckdb_floor.py FILE`` (the same aggregates, one DuckDB query),
   both as whole processes writing their JSON, alternating; target: Fluide within
   1.5x of the script (ratio of the best runs; medians shown beside).

``--baseline REV`` times the same commands on the sources of a git revision
(``git archive REV src``, run through ``PYTHONPATH`` with the same environment),
interleaved with the current tree: before and after in the same minutes.

Both trees are byte-compiled first (``compileall``), as an installed package is:
this machine sets ``PYTHONDONTWRITEBYTECODE``, so without it every start would
compile Fluide's modules again (about 0.1 s for ``analyze``).

    .venv/bin/python bench/cli_startup.py [--repeat 7] [--analyze-repeat 5]
        [--baseline main] [--json bench/results/cli.json] [--no-analyze]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import disagreements, ensure_data, fluide_result, machine  # noqa: E402

HELP_TARGET = 0.3
ANALYZE_TARGET = 1.5
ANALYZE_ARGS = [
    *("--scale", "1-7", "--polarity", "ease", "--by", "touchpoint", "--by", "outcome"),
    *("--tz", "Europe/Paris", "--format", "json", "--no-frictions"),
]


@dataclass
class Timed:
    """One command line, and the wall and CPU seconds of each run."""

    label: str
    argv: list[str]
    env: dict[str, str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def run(self, capture: bool = False) -> bytes:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(
            self.argv,
            env=self.env,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        elapsed = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise SystemExit(f"{self.label}: exit {done.returncode}: {' | '.join(tail)}")
        if not capture:
            self.wall.append(elapsed)
            self.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        return done.stdout or b""

    def summary(self) -> dict[str, float]:
        return {
            "median": statistics.median(self.wall),
            "best": min(self.wall),
            "cpu_median": statistics.median(self.cpu),
        }


def help_paths() -> list[list[str]]:
    """Every command and sub-command of the app, the app itself first."""
    from typer.main import get_command

    from fluide.cli import app

    def walk(command: Any, prefix: list[str]) -> Iterator[list[str]]:
        yield prefix
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*prefix, name])

    return list(walk(get_command(app), []))


def baseline_tree(rev: str, into: Path) -> Path:
    """The ``src`` folder of ``rev``, extracted under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True
    ).stdout
    tar_path = into / "src.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def trees(baseline: Path | None) -> dict[str, dict[str, str]]:
    """The environment of each tree timed: ``now`` (this checkout) and maybe ``before``."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    out = {"now": env}
    if baseline is not None:
        out["before"] = {**env, "PYTHONPATH": str(baseline)}
    return out


def interleaved(cases: list[Timed], repeat: int, progress: str) -> None:
    """``repeat`` rounds; round i starts at a different case (no one always runs first)."""
    for i in range(repeat):
        k = i % len(cases)
        for case in cases[k:] + cases[:k]:
            case.run()
        print(f"  {progress} round {i + 1}/{repeat}", flush=True)


def time_helps(envs: dict[str, dict[str, str]], repeat: int) -> dict[str, Any]:
    fluide = str(Path(sys.executable).with_name("fluide"))
    cases: dict[tuple[str, str], Timed] = {}
    for path in help_paths():
        shown = " ".join(["fluide", *path, "--help"])
        for tree, env in envs.items():
            cases[(shown, tree)] = Timed(f"{shown} [{tree}]", [fluide, *path, "--help"], env)
    for case in cases.values():
        case.run(capture=True)  # warm-up: the files in the page cache
    interleaved(list(cases.values()), repeat, "--help")
    print(
        f"\nevery --help, whole process: median and best wall, median CPU (user + sys) of "
        f"{repeat} runs (s); target < {HELP_TARGET}"
    )
    header = "".join(f"{t + ' med':>12}{t + ' best':>12}{t + ' CPU':>11}" for t in envs)
    print(f"{'command':<40}{header}")
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for shown, tree in cases:
        rows.setdefault(shown, {})[tree] = cases[(shown, tree)].summary()
    for shown, by_tree in rows.items():
        cells = "".join(
            f"{s['median']:>12.3f}{s['best']:>12.3f}{s['cpu_median']:>11.3f}"
            for s in by_tree.values()
        )
        print(f"{shown:<40}{cells}")
    # Best of N, as bench/run.py: what the code costs on a machine shared with noise.
    worst = max(r["now"]["best"] for r in rows.values())
    worst_median = max(r["now"]["median"] for r in rows.values())
    verdict = "OK" if worst < HELP_TARGET else "MISSED"
    print(
        f"slowest --help now: {worst:.3f} s (best; slowest median {worst_median:.3f} s)  "
        f"target < {HELP_TARGET} s  {verdict}"
    )
    return {
        "commands": rows,
        "slowest_best_now": worst,
        "slowest_median_now": worst_median,
        "ok": worst < HELP_TARGET,
    }


def floor_result(text: bytes) -> Any:
    doc = json.loads(text)
    out = {}
    for row in doc:
        ci = tuple(row["ci95"]) if row["ci95"] else None
        out[(row["grouping"], row["value"])] = {**row, "ci95": ci}
    return out


def time_analyze(envs: dict[str, dict[str, str]], data: Path, repeat: int) -> dict[str, Any]:
    fluide = str(Path(sys.executable).with_name("fluide"))
    cases = {
        f"fluide [{tree}]": Timed(
            f"fluide analyze [{tree}]", [fluide, "analyze", str(data), *ANALYZE_ARGS], env
        )
        for tree, env in envs.items()
    }
    floor_argv = [sys.executable, str(HERE / "duckdb_floor.py"), str(data)]
    cases["duckdb script"] = Timed("duckdb_floor.py", floor_argv, envs["now"])
    # Warm-up (page cache), and the two documents must agree before anything is timed.
    fluide_doc = json.loads(cases["fluide [now]"].run(capture=True))
    floor = floor_result(cases["duckdb script"].run(capture=True))
    got, pooled = fluide_result(fluide_doc)
    errors = disagreements("fluide", got, floor, pooled)
    if errors:
        raise SystemExit("DISAGREEMENT:\n  " + "\n  ".join(errors[:20]))
    if "fluide [before]" in cases:
        cases["fluide [before]"].run(capture=True)
    interleaved(list(cases.values()), repeat, "analyze")
    sums = {name: case.summary() for name, case in cases.items()}
    floor_s = sums["duckdb script"]
    print(f"\nfluide analyze vs the DuckDB script, whole processes, {repeat} alternating runs (s)")
    print(f"{'':<18}{'best':>8}{'median':>9}{'CPU med':>9}{'best ratio':>12}{'med ratio':>11}")
    ratios: dict[str, dict[str, float]] = {}
    for name, s in sums.items():
        ratios[name] = {
            "best": s["best"] / floor_s["best"],
            "median": s["median"] / floor_s["median"],
        }
        print(
            f"{name:<18}{s['best']:>8.3f}{s['median']:>9.3f}{s['cpu_median']:>9.3f}"
            f"{ratios[name]['best']:>11.2f}x{ratios[name]['median']:>10.2f}x"
        )
    now = ratios["fluide [now]"]["best"]
    verdict = "OK" if now <= ANALYZE_TARGET else "MISSED"
    print(f"Fluide / DuckDB script (best): {now:.2f}x  target <= {ANALYZE_TARGET}  {verdict}")
    return {"times": sums, "ratios": ratios, "ok": now <= ANALYZE_TARGET}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each --help")
    parser.add_argument("--analyze-repeat", type=int, default=5, help="runs of each analyze")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--baseline", metavar="REV", help="also time this git revision's src")
    parser.add_argument("--no-analyze", action="store_true", help="time the --help only")
    parser.add_argument("--no-help", action="store_true", help="time fluide analyze only")
    parser.add_argument("--json", type=Path, help="save the results to this JSON file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    info = machine()
    print(
        f"machine: {info['cpu']}, {info['nproc']} cores, Python {info['python']}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="fluide-baseline-") as tmp:
        base = baseline_tree(args.baseline, Path(tmp)) if args.baseline else None
        for tree in [ROOT / "src", *([base] if base else [])]:
            compileall.compile_dir(tree / "fluide", quiet=1)
        envs = trees(base)
        results: dict[str, Any] = {"machine": info, "baseline": args.baseline}
        if not args.no_help:
            results["help"] = time_helps(envs, args.repeat)
        if not args.no_analyze:
            data = ensure_data(args.rows, args.seed, None)
            results["analyze"] = time_analyze(envs, data, args.analyze_repeat)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"results saved to {args.json}")
    ok = all(results[part]["ok"] for part in ("help", "analyze") if part in results)
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
