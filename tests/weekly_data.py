"""Demo-like data for the weekly report, recorded through the real use cases.

Twelve weeks of answers on two touchpoints (1–7, ease: 7 = no effort), the
report week (2026-W47, Europe/Paris) with tagged comments — one of them
holding markup — actions delivered and to deliver, and the follow-ups the
hard answers opened by themselves (some of them now overdue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from fluide.services.actions import create_action
from fluide.services.tags import ensure_seeded
from fluide.settings import Settings
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import write_session
from tests.verbatims import answer

WEEK = "2026-W47"
MONDAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
"""Monday 09:30 in Paris: the Monday ritual of 2026-W48, about 2026-W47."""
SCRIPT = "<script>alert('x')</script> Le paiement a été refusé deux fois"


@dataclass(frozen=True)
class Built:
    week_ids: list[str]
    payment: list[str]
    login: list[str]


def tag(f: sessionmaker[Session], ws: str, ids: list[str], *keys: str) -> None:
    """Tags as a person would set them (the tagger is not what is tested here)."""
    with write_session(f) as s:
        for rid in ids:
            queue_store.set_human_tags(s, ws, rid, list(keys), 1)


def _at(day: date, hour: int = 10) -> datetime:
    # 10:00 in Paris in November (UTC+1).
    return datetime(day.year, day.month, day.day, hour - 1, tzinfo=UTC)


def build(
    f: sessionmaker[Session],
    settings: Settings,
    ws: str,
    *,
    weeks: int = 12,
    actions: bool = True,
    week_of: date = MONDAY,
    now: datetime = NOW,
) -> Built:
    """The workspace's 12 weeks up to the week starting on Monday ``week_of`` (by default
    2026-W47, reported at :data:`NOW`); the report week's answers are returned."""
    ensure_seeded(f, ws)
    for i in range(weeks - 1, 0, -1):
        monday = week_of - timedelta(weeks=i)
        scores = [*[7, 6, 6, 5, 5, 4, 3, 2][: 5 + i % 4], 6 - i % 3]
        answer(f, settings, ws, [(s, None) for s in scores], at=_at(monday + timedelta(days=2)))
        answer(f, settings, ws, [(5, None), (4, None)], touchpoint="activer", at=_at(monday))
    before = answer(
        f,
        settings,
        ws,
        [(2, "Carte refusée"), (3, "Paiement refusé")],
        at=_at(week_of - timedelta(5)),
    )
    tag(f, ws, before, "payment")
    day = week_of + timedelta(days=2)
    payment = answer(
        f,
        settings,
        ws,
        [(1, SCRIPT), (2, "Carte refusée sans explication"), (2, "Le 3D Secure échoue")],
        at=_at(day),
    )
    easy = answer(
        f, settings, ws, [(7, None), (6, None), (7, "Très simple"), (6, None)], at=_at(day)
    )
    login = answer(
        f,
        settings,
        ws,
        [(1, "Mot de passe refusé"), (2, "Code jamais reçu")],
        touchpoint="activer",
        at=_at(day + timedelta(days=1)),
    )
    more = answer(f, settings, ws, [(5, None), (6, None)], touchpoint="activer", at=_at(day))
    tag(f, ws, payment, "payment")
    tag(f, ws, login, "login")
    if actions:
        log_actions(f, ws, week_of, now)
    return Built(payment + easy + login + more, payment, login)


def log_actions(f: sessionmaker[Session], ws: str, week_of: date, at: datetime) -> None:
    """A fix delivered in the report week, an older one, and three to deliver."""
    create_action(
        f,
        ws,
        touchpoint="payer",
        title="Message clair quand la carte est refusée",
        kind="ux_change",
        tag="payment",
        owner="Équipe Paiement",
        status="delivered",
        delivered_on=week_of + timedelta(days=3),
        now=at,
    )
    create_action(
        f,
        ws,
        touchpoint="payer",
        title="Relance automatique du 3D Secure",
        kind="new_flow",
        status="delivered",
        delivered_on=week_of - timedelta(weeks=5),
        now=at,
    )
    for title, due in (
        ("FAQ sur la connexion", week_of + timedelta(days=20)),
        ("Code de connexion renvoyé au bout d'une minute", week_of - timedelta(days=2)),
        ("Macro : délai annoncé", None),
    ):
        create_action(
            f,
            ws,
            touchpoint="activer",
            title=title,
            kind="faq",
            tag="login",
            due_on=due,
            now=at,
        )
