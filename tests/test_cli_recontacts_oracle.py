"""``fluide recontacts`` against a slow, obvious oracle written from the issue's definitions.

The oracle works contact by contact with aware datetimes: nothing of the
vectorised code (no sort keys, no masks) is reused. Logs are generated
around the 2026 clock changes in Europe/Paris, with ties, exact-window gaps,
mixed offsets and empty segment values.
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from fluide.cli import app
from tests.factories import write_csv

TZ = "Europe/Paris"
HEADER = ("customer_id", "contact_at", "channel", "reason", "resolved_at", "promised_at", "agent")
runner = CliRunner()


# --- the oracle ------------------------------------------------------------------------------


def parse(text: str, zone: ZoneInfo) -> datetime:
    """ISO 8601; without an offset, local time in ``zone``.

    The repeated hour of autumn is read as the later one (winter time); a time in the
    skipped hour of spring takes the offset before the change (as documented). In UTC:
    Python subtracts two datetimes of one zone by wall clock, not by elapsed time.
    """
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is not None:
        return dt.astimezone(UTC)
    first, second = dt.replace(tzinfo=zone, fold=0), dt.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    exists = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == dt
    return (second if exists else first).astimezone(UTC)


def quantile(xs: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (NumPy's default)."""
    s = sorted(xs)
    h = (len(s) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def oracle(rows: list[dict[str, Any]], window: int, by: list[str]) -> dict[str, Any]:
    zone = ZoneInfo(TZ)
    w = timedelta(days=window)  # aware datetimes: elapsed time, whatever the clocks do
    contacts = []
    for i, r in enumerate(rows):
        contacts.append(
            {
                "i": i,
                "customer": r["customer_id"],
                "at": parse(r["contact_at"], zone),
                "channel": r["channel"],
                "resolved": parse(r["resolved_at"], zone) if r["resolved_at"] else None,
                "promised": parse(r["promised_at"], zone) if r["promised_at"] else None,
                "values": {b: (r[b] or None) for b in by},
            }
        )
    latest = max(c["at"] for c in contacts)
    for c in contacts:
        mine = sorted(
            (x for x in contacts if x["customer"] == c["customer"]),
            key=lambda x: (x["at"], x["i"]),
        )
        k = mine.index(c)
        nxt = mine[k + 1] if k + 1 < len(mine) else None
        prev = mine[k - 1] if k > 0 else None
        c["observed"] = c["at"] + w <= latest
        c["recontacted"] = c["observed"] and nxt is not None and nxt["at"] - c["at"] <= w
        c["switched"] = c["recontacted"] and nxt is not None and nxt["channel"] != c["channel"]
        c["starts"] = prev is None or c["at"] - prev["at"] > w
        if c["starts"]:
            size = 1
            for later in mine[k + 1 :]:
                if later["at"] - mine[k + size - 1]["at"] > w:
                    break
                size += 1
            c["size"] = size
        c["week"] = "{:04d}-W{:02d}".format(*c["at"].astimezone(zone).isocalendar()[:2])

    def block(cs: list[dict[str, Any]]) -> dict[str, Any]:
        observed = sum(c["observed"] for c in cs)
        rec = sum(c["recontacted"] for c in cs)
        sw = sum(c["switched"] for c in cs)
        starts = [c for c in cs if c["starts"]]
        hours = [(c["resolved"] - c["at"]).total_seconds() / 3600 for c in cs if c["resolved"]]
        both = [c for c in cs if c["resolved"] and c["promised"]]
        kept = [c for c in both if c["resolved"] <= c["promised"]]
        rate = 100 * rec / observed if observed else None
        return {
            "contacts": len(cs),
            "observed": observed,
            "recontacted": rec,
            "recontact_rate": rate,
            "one_and_done": None if rate is None else 100 - rate,
            "channel_switches": sw,
            "channel_switch_rate": 100 * sw / rec if rec else None,
            "episodes": len(starts),
            "contacts_per_episode": sum(c["size"] for c in starts) / len(starts)
            if starts
            else None,
            "resolution_hours": {
                "n": len(hours),
                "median": quantile(hours, 0.5) if hours else None,
                "p90": quantile(hours, 0.9) if hours else None,
            },
            "promise_kept": 100 * len(kept) / len(both) if both else None,
        }

    groups = {}
    for b in by:
        values = {c["values"][b] for c in contacts}
        groups[b] = {v: block([c for c in contacts if c["values"][b] == v]) for v in values}
    first = min(c["at"].astimezone(zone) for c in contacts)
    last = max(c["at"].astimezone(zone) for c in contacts)
    day = first.date() - timedelta(days=first.weekday())
    weekly = {}
    while day <= last.date():
        label = "{:04d}-W{:02d}".format(*day.isocalendar()[:2])
        weekly[label] = block([c for c in contacts if c["week"] == label])
        day += timedelta(days=7)
    return {"overall": block(contacts), "groups": groups, "weekly": weekly}


# --- generated logs --------------------------------------------------------------------------


def stamp(rng: random.Random, at: datetime, zone: ZoneInfo) -> str:
    """The same instant as a help desk might write it: local, UTC or another offset."""
    style = rng.randrange(5)
    if style == 0:
        return at.astimezone(zone).replace(tzinfo=None).isoformat()
    if style == 1:
        return at.astimezone(zone).replace(tzinfo=None).isoformat(sep=" ")
    if style == 2:
        return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == 3:
        return at.astimezone(ZoneInfo("Asia/Kolkata")).isoformat()
    return at.astimezone(zone).isoformat()


def generate(seed: int, window: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    zone = ZoneInfo(TZ)
    base = rng.choice([datetime(2026, 3, 24, tzinfo=zone), datetime(2026, 10, 19, tzinfo=zone)])
    rows: list[dict[str, Any]] = []
    for _ in range(rng.randint(60, 160)):
        customer = f"c{rng.randrange(12)}"
        if rows and rng.random() < 0.25:
            # For a known customer: a tie, exactly one window later in elapsed time, the
            # same wall time one window later (an hour more or less across a clock change).
            prev = rng.choice(rows)
            customer = prev["customer_id"]
            later = rng.choice([0, window, window, 3])
            at = rng.choice([prev["_at"].astimezone(UTC), prev["_at"].astimezone(zone)])
            at = at + timedelta(days=later)
        else:
            at = base + timedelta(hours=rng.randrange(24 * 20))
        if rng.random() < 0.05:
            # A local wall time in the skipped or the repeated hour.
            wall = "2026-03-29T02:30:00" if base.month == 3 else "2026-10-25T02:30:00"
            text = wall
            at = parse(wall, zone)
        else:
            text = stamp(rng, at, zone)
        resolved = at + timedelta(minutes=rng.randrange(0, 60 * 72)) if rng.random() < 0.6 else None
        promised = at + timedelta(hours=rng.randrange(1, 48)) if rng.random() < 0.5 else None
        rows.append(
            {
                "_at": at,
                "customer_id": customer,
                "contact_at": text,
                "channel": rng.choice(["phone", "mail", "chat"]),
                "reason": rng.choice(["billing", "login", "", "delivery"]),
                "resolved_at": stamp(rng, resolved, zone) if resolved else "",
                "promised_at": stamp(rng, promised, zone) if promised else "",
                "agent": rng.choice(["ana", "bob", ""]),
            }
        )
    return rows


def close(got: Any, want: Any, where: str) -> None:
    if isinstance(want, dict):
        assert set(got) == set(want), where
        for k in want:
            close(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), where
    else:
        assert got == want, where


@pytest.mark.parametrize("seed", range(8))
def test_recontacts_match_the_oracle_on_generated_logs(tmp_path: Path, seed: int) -> None:
    window = [7, 3, 1][seed % 3]
    rows = generate(seed, window)
    path = write_csv(
        tmp_path / "contacts.csv",
        [[r[h] for h in HEADER] for r in rows],
        HEADER,
        delimiter=";" if seed % 2 else ",",
        bom=seed % 4 == 1,
    )
    result = runner.invoke(
        app,
        [
            *("recontacts", str(path), "--window", str(window), "--tz", TZ),
            *("--by", "reason", "--by", "agent", "--format", "json"),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    want = oracle(rows, window, ["reason", "agent"])
    assert doc["window_days"] == window
    close(doc["overall"], want["overall"], "overall")
    for b in ("reason", "agent"):
        got = {g.pop("value"): g for g in doc["groups"][b]}
        close(got, want["groups"][b], b)
    got_weeks = {w.pop("week"): w for w in doc["weekly"]}
    assert list(got_weeks) == list(want["weekly"])
    close(got_weeks, want["weekly"], "weekly")
