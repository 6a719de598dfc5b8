"""The CLI contract: `fluide analyze` / `fluide compare` JSON, checked to 1e-6
against an independent computation on the raw rows (csv module, zoneinfo,
NumPy, SciPy) — not against Fluide's own domain code."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from scipy import stats
from typer.testing import CliRunner

from fluide.cli import app
from tests.factories import write_csv

runner = CliRunner()
TZ = "Europe/Paris"
HEADER = ("responded_at", "score", "comment", "touchpoint", "outcome", "channel", "customer_since")


def random_export(path: Path, n: int = 900, seed: int = 7) -> Path:
    """Answers over 14 weeks, some naive times (read in --tz), thin weeks included."""
    rng = np.random.default_rng(seed)
    start = datetime(2026, 5, 4, 8, 0, tzinfo=ZoneInfo(TZ))
    rows = []
    for i in range(n):
        week = int(rng.choice(14, p=np.r_[np.full(13, 0.997 / 13), 0.003]))
        when = start + timedelta(
            days=7 * week + int(rng.integers(0, 7)), minutes=int(rng.integers(0, 600))
        )
        text = when.isoformat() if i % 3 else when.replace(tzinfo=None).isoformat(sep=" ")
        tp = str(rng.choice(["payer", "activer", "annuler"], p=[0.6, 0.3, 0.1]))
        outcome = "failure" if rng.random() < 0.2 else "success"
        score = int(rng.integers(1, 4) if outcome == "failure" else rng.integers(3, 8))
        since = (when.date() - timedelta(days=int(rng.integers(0, 400)))).isoformat()
        rows.append(
            (
                text,
                score,
                "" if rng.random() < 0.5 else "pas simple",
                tp,
                outcome,
                str(rng.choice(["in_app", "email"])),
                since,
            )
        )
    return write_csv(path, rows, HEADER)


def reference(path: Path, k: int = 7) -> dict[str, object]:
    """Every figure recomputed from the raw rows, ease polarity on 1-7."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    tz = ZoneInfo(TZ)

    def when(s: str) -> datetime:
        d = datetime.fromisoformat(s)
        return (d if d.tzinfo else d.replace(tzinfo=tz)).astimezone(tz)

    def block(scores: list[int]) -> dict[str, object]:
        x = np.array(scores, dtype=float)
        n = len(x)
        e = k + 1 - x
        low, high = (e <= 2).mean() * 100, (e >= 5).mean() * 100
        idx = 100 * (e - 1) / (k - 1)
        ci = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
        ici = stats.t.interval(0.95, n - 1, loc=idx.mean(), scale=stats.sem(idx))
        return {
            "n": n,
            "mean": x.mean(),
            "ci95": list(ci),
            "distribution": {str(p): int((x == p).sum()) for p in range(1, k + 1)},
            "effort_groups": {"low": low, "moderate": 100 - low - high, "high": high},
            "net_effort": high - low,
            "net_easy": low - high,
            "effort_index": idx.mean(),
            "effort_index_ci95": list(ici),
            "small_sample": n < 30,
        }

    by: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    weeks: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        s, w = int(r["score"]), when(r["responded_at"])
        for col in ("touchpoint", "outcome"):
            by[col][r[col]].append(s)
        since = date.fromisoformat(r["customer_since"])
        by["tenure"]["new" if (w.date() - since).days < 90 else "established"].append(s)
        y, wk, _ = w.isocalendar()
        weeks[f"{y}-W{wk:02d}"].append(s)
    labels = sorted(weeks)
    weekly = []
    for i, lab in enumerate(labels):
        own = weeks[lab]
        pooled = len(own) < 30 and i > 0
        weekly.append(
            {
                "week": lab,
                "own_n": len(own),
                "pooled": pooled,
                **block(own + (weeks[labels[i - 1]] if pooled else [])),
            }
        )
    return {
        "overall": block([int(r["score"]) for r in rows]),
        "groups": {c: {v: block(s) for v, s in vals.items()} for c, vals in by.items()},
        "weekly": weekly,
    }


def close(actual: object, expected: object, where: str = "") -> None:
    if isinstance(expected, dict):
        for key, val in expected.items():
            close(actual[key], val, f"{where}.{key}")  # type: ignore[index]
    elif isinstance(expected, list):
        assert len(actual) == len(expected), where  # type: ignore[arg-type]
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):  # type: ignore[call-overload]
            close(a, e, f"{where}[{i}]")
    elif isinstance(expected, bool | str) or expected is None:
        assert actual == expected, where
    else:
        assert math.isclose(actual, expected, rel_tol=1e-6, abs_tol=1e-6), (
            f"{where}: {actual} != {expected}"
        )  # type: ignore[arg-type]


def analyze_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["analyze", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_analyze_json_matches_an_independent_computation(tmp_path: Path) -> None:
    path = random_export(tmp_path / "export.csv")
    doc = analyze_json(
        str(path),
        "--scale",
        "1-7",
        "--polarity",
        "ease",
        "--by",
        "touchpoint",
        "--by",
        "outcome",
        "--by",
        "tenure",
        "--tz",
        TZ,
    )
    ref = reference(path)
    assert set(doc) >= {"scale", "overall", "groups", "weekly"}
    assert doc["scale"]["points"] == [1, 2, 3, 4, 5, 6, 7] and doc["scale"]["polarity"] == "ease"  # type: ignore[index]
    close(doc["overall"], ref["overall"], "overall")
    for col, values in ref["groups"].items():  # type: ignore[attr-defined]
        got = {g["value"]: g for g in doc["groups"][col]}  # type: ignore[index]
        assert set(got) == set(values)
        for v, blk in values.items():
            close(got[v], blk, f"groups.{col}.{v}")
    close(doc["weekly"], ref["weekly"], "weekly")
    assert any(w["pooled"] for w in doc["weekly"])  # type: ignore[union-attr]


def test_block_has_exactly_the_contract_keys_and_unrounded_numbers(tmp_path: Path) -> None:
    doc = analyze_json(
        str(random_export(tmp_path / "e.csv", n=100)), "--scale", "1-7", "--polarity", "ease"
    )
    overall = doc["overall"]
    assert {
        "n",
        "mean",
        "ci95",
        "distribution",
        "effort_groups",
        "net_effort",
        "net_easy",
        "effort_index",
        "small_sample",
    } <= set(overall)  # type: ignore[arg-type]
    assert set(overall["effort_groups"]) == {"low", "moderate", "high"}  # type: ignore[index]
    assert list(overall["distribution"]) == [str(p) for p in range(1, 8)]  # type: ignore[index]
    assert len(repr(overall["ci95"][0]).split(".")[-1]) > 6  # unrounded  # type: ignore[index]


def test_result_does_not_depend_on_row_order(tmp_path: Path) -> None:
    path = random_export(tmp_path / "a.csv", n=300)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    rng = np.random.default_rng(1)
    body = lines[1:]
    rng.shuffle(body)
    shuffled = tmp_path / "b.csv"
    shuffled.write_text(lines[0] + "".join(body), encoding="utf-8")
    args = ("--scale", "1-7", "--polarity", "ease", "--by", "touchpoint", "--tz", TZ)
    a, b = analyze_json(str(path), *args), analyze_json(str(shuffled), *args)
    a["input"] = b["input"] = None
    a["verbatims"] = b["verbatims"] = None  # the newest of equal timestamps may differ
    assert a == b


def test_compare_json_matches_scipy_and_exact_difference(tmp_path: Path) -> None:
    path = random_export(tmp_path / "e.csv")
    result = runner.invoke(
        app,
        [
            "compare",
            str(path),
            "--change-date",
            "2026-06-15",
            "--touchpoint",
            "payer",
            "--scale",
            "1-7",
            "--polarity",
            "ease",
            "--tz",
            TZ,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    cut = datetime(2026, 6, 15, tzinfo=ZoneInfo(TZ))
    before, after = [], []
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["touchpoint"] != "payer":
                continue
            d = datetime.fromisoformat(r["responded_at"])
            d = d if d.tzinfo else d.replace(tzinfo=ZoneInfo(TZ))
            (before if d < cut else after).append(int(r["score"]))
    x, y = np.array(before), np.array(after)
    assert doc["before"]["n"] == len(x) and doc["after"]["n"] == len(y)
    assert math.isclose(doc["diff_mean"], y.mean() - x.mean(), abs_tol=1e-9)
    assert math.isclose(
        doc["p_value"], stats.mannwhitneyu(y, x, alternative="two-sided").pvalue, rel_tol=1e-6
    )
    brute = (np.sign(y[:, None] - x[None, :])).mean()
    assert math.isclose(doc["cliffs_delta"], brute, abs_tol=1e-9)
    lo, hi = doc["diff_ci95"]
    assert lo < doc["diff_mean"] < hi
    assert doc["resamples"] >= 2000 and doc["warnings"] == []
