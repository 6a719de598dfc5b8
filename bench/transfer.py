"""Export and import speed of a large workspace, on SQLite and PostgreSQL.

    .venv/bin/python bench/transfer.py --answers 100000 [--pg postgresql://…] [--keep DIR]

A synthetic workspace is written straight into a new SQLite file (Core
inserts, not the use cases: only the transfer is timed): 6 touchpoints,
``answers / 5`` customers, and per answer an event, an invitation, a delivery
and the response; 40 % of answers carry a comment with its tagging state (a
384-float embedding, as the worker stores it) and a tag; 5 % a follow-up.
Then, timed: export from SQLite, import into a new SQLite, import into
PostgreSQL, export from PostgreSQL (and the two exports must be identical).

Without ``--pg``, a throw-away PostgreSQL is started from the machine's
binaries (``tests/pg.py``), as the tests do.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fluide.services import transfer  # noqa: E402
from fluide.settings import load_settings  # noqa: E402
from fluide.storage.db import make_engine, migrate, session_factory  # noqa: E402
from fluide.storage.models import Base  # noqa: E402

START = datetime(2026, 8, 3, 7, 0, tzinfo=UTC)
WS = "ws_bench0000000000000000000"
CHUNK = 5000
SETTINGS = load_settings(secret_key="bench-" + "x" * 40)
EXPORT = transfer.export_hooks(SETTINGS)
IMPORT = transfer.import_hooks(SETTINGS)


def _rows(answers: int, seed: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(table, rows) in foreign-key order."""
    rng = random.Random(seed)
    yield (
        "workspaces",
        [
            {
                "id": WS,
                "name": "Bench",
                "fatigue_days": 14,
                "timezone": "Europe/Paris",
                "created_at": START,
            }
        ],
    )
    tps, qvs = [], []
    for i in range(6):
        tp, qv = f"tp_bench{i:019d}", f"qv_bench{i:019d}"
        tps.append(
            {
                "id": tp,
                "workspace_id": WS,
                "key": f"tp{i}",
                "task": f"task {i}",
                "triggers": [{"event": f"e{i}"}],
                "channels": ["in_app", "email"],
                "sampling": 1.0,
                "cooldown_days": 14.0,
                "expires_after_hours": 24.0,
                "active": True,
                "current_version_id": qv,
                "created_at": START,
                "updated_at": START,
            }
        )
        qvs.append(
            {
                "id": qv,
                "workspace_id": WS,
                "touchpoint_id": tp,
                "number": 1,
                "question": {"fr": "C'était facile", "en": "It was easy"},
                "comment_prompt": {"fr": "Pourquoi ?"},
                "scale": "1-7",
                "polarity": "ease",
                "low_max": 3,
                "high_min": 5,
                "extra_questions": [],
                "created_at": START,
            }
        )
    yield "touchpoints", tps
    yield "question_versions", qvs
    users = max(answers // 5, 1)
    yield (
        "end_users",
        [
            {
                "id": f"eu_{u:024d}",
                "workspace_id": WS,
                "external_id": f"user-{u}",
                "email": f"user{u}@example.com",
                "locale": "fr",
                "attributes": {"plan": "pro"},
                "created_at": START,
            }
            for u in range(users)
        ],
    )
    for table, make in (
        ("events", _event),
        ("invitations", _invitation),
        ("deliveries", _delivery),
        ("responses", _response),
    ):
        for lo in range(0, answers, CHUNK):
            yield table, [make(i, users, rng) for i in range(lo, min(lo + CHUNK, answers))]
    commented = [i for i in range(answers) if i % 5 < 2]
    for lo in range(0, len(commented), CHUNK):
        part = commented[lo : lo + CHUNK]
        yield (
            "verbatim_states",
            [
                {
                    "response_id": f"re_{i:024d}",
                    "workspace_id": WS,
                    "responded_at": _at(i),
                    "status": "done",
                    "search_text": f"commentaire {i}",
                    "embedding": rng.randbytes(384 * 4),
                    "tagger_version": 1,
                    "max_score": 0.8,
                    "human_tagged": False,
                    "revision": 1,
                    "updated_at": _at(i),
                }
                for i in part
            ],
        )
        yield (
            "response_tags",
            [
                {
                    "id": f"rt_{i:024d}",
                    "workspace_id": WS,
                    "response_id": f"re_{i:024d}",
                    "tag": "lenteur",
                    "source": "model",
                    "confidence": rng.random(),
                    "tagged_at": _at(i),
                    "tagger_version": 1,
                }
                for i in part
            ],
        )


def _at(i: int) -> datetime:
    return START + timedelta(seconds=37 * i)


def _event(i: int, users: int, rng: random.Random) -> dict[str, Any]:
    return {
        "id": f"ev_{i:024d}",
        "workspace_id": WS,
        "external_id": f"evt-{i}",
        "type": f"e{i % 6}",
        "occurred_at": _at(i),
        "received_at": _at(i),
        "user_id": f"eu_{i % users:024d}",
        "outcome": "success",
        "properties": {},
        "user_attributes": {"plan": "pro"},
        "decision": "invited",
        "reason": {},
        "touchpoint_id": f"tp_bench{i % 6:019d}",
        "invitation_id": f"in_{i:024d}",
        "source": "api",
    }


def _invitation(i: int, users: int, rng: random.Random) -> dict[str, Any]:
    return {
        "id": f"in_{i:024d}",
        "workspace_id": WS,
        "touchpoint_id": f"tp_bench{i % 6:019d}",
        "question_version_id": f"qv_bench{i % 6:019d}",
        "user_id": f"eu_{i % users:024d}",
        "event_id": f"ev_{i:024d}",
        "channel": "in_app",
        "outcome": "success",
        "occurred_at": _at(i),
        "created_at": _at(i),
        "expires_at": _at(i) + timedelta(days=1),
        "locale": "fr",
        "context": {},
        "shown_at": _at(i),
    }


def _delivery(i: int, users: int, rng: random.Random) -> dict[str, Any]:
    return {
        "id": f"de_{i:024d}",
        "workspace_id": WS,
        "invitation_id": f"in_{i:024d}",
        "channel": "in_app",
        "idempotency_key": f"in_{i:024d}:in_app",
        "status": "sent",
        "attempts": 1,
        "next_attempt_at": _at(i),
        "sent_at": _at(i),
        "created_at": _at(i),
    }


def _response(i: int, users: int, rng: random.Random) -> dict[str, Any]:
    return {
        "id": f"re_{i:024d}",
        "workspace_id": WS,
        "invitation_id": f"in_{i:024d}",
        "touchpoint_id": f"tp_bench{i % 6:019d}",
        "question_version_id": f"qv_bench{i % 6:019d}",
        "user_id": f"eu_{i % users:024d}",
        "score": rng.randint(1, 7),
        "comment": f"commentaire {i}" if i % 5 < 2 else None,
        "extra_answers": {},
        "channel": "in_app",
        "outcome": "success",
        "attributes": {"plan": "pro"},
        "customer_since": "2025-03-01",
        "occurred_at": _at(i),
        "responded_at": _at(i) + timedelta(seconds=90),
        "updated_at": _at(i),
        "delay_seconds": 90.0,
    }


def fill(factory: sessionmaker[Session], answers: int, seed: int) -> int:
    total = 0
    with factory() as s:
        for table, rows in _rows(answers, seed):
            s.execute(insert(Base.metadata.tables[table]), rows)
            total += len(rows)
        s.commit()
    return total


def timed(label: str, rows: int, f: Callable[[], object]) -> float:
    t0, c0 = time.perf_counter(), time.process_time()
    f()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"{label:<20} {rows:>9,} rows {seconds:7.1f} s {rows / seconds:>9,.0f} rows/s"
        f"   (this process's CPU: {cpu:6.1f} s)"
    )
    return seconds


def fresh(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)
    migrate(engine)
    return session_factory(engine)


def clear_pg(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--answers", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pg", help="A PostgreSQL URL whose tables may be emptied.")
    ap.add_argument("--keep", type=Path, help="Keep the files in this folder.")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fluide-transfer-", dir=args.keep))
    server = None
    pg = args.pg
    if pg is None:
        from tests.pg import TempPostgres

        server = TempPostgres()
        pg = server.start()
    pg = pg.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        source = fresh(f"sqlite:///{work / 'source.db'}")
        t0 = time.perf_counter()
        rows = fill(source, args.answers, args.seed)
        print(
            f"generated {args.answers:,} answers, {rows:,} rows in {time.perf_counter() - t0:.1f} s"
        )
        timed(
            "export  SQLite",
            rows,
            lambda: transfer.export_workspace(source, WS, work / "from-sqlite", hooks=EXPORT),
        )
        export = transfer.open_export(work / "from-sqlite")
        timed("check   files", rows, lambda: transfer.open_export(work / "from-sqlite"))
        timed(
            "import  SQLite",
            rows,
            lambda: transfer.import_workspace(
                fresh(f"sqlite:///{work / 'target.db'}"), export, hooks=IMPORT
            ),
        )
        target = fresh(pg)
        clear_pg(pg)
        timed(
            "import  PostgreSQL",
            rows,
            lambda: transfer.import_workspace(target, export, hooks=IMPORT),
        )
        timed(
            "export  PostgreSQL",
            rows,
            lambda: transfer.export_workspace(target, WS, work / "from-pg", hooks=EXPORT),
        )
        same = all(
            (work / "from-sqlite" / f).read_bytes() == (work / "from-pg" / f).read_bytes()
            for f in sorted(p.name for p in (work / "from-sqlite").glob("*.jsonl"))
        )
        print("exports identical:", same)
        if not same:
            sys.exit(1)
        clear_pg(pg)
    finally:
        if server is not None:
            server.stop()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
