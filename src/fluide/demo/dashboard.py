"""The demo's people and their work: dashboard accounts, logged fixes, follow-ups.

Accounts exist before the answers arrive, so that each high-effort answer with
a comment opens a follow-up assigned to its support agent, as in real life.
Afterwards the team's history is written in: the payment fix that shipped
(delivered, so its before/after is measurable), the fixes still to deliver,
and the follow-ups the agents closed in past weeks; the last days' stay open,
some of them overdue.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fluide.demo.activity import AGENTS
from fluide.services import accounts
from fluide.storage import accounts as account_store
from fluide.storage.dashboard_models import FollowUp, ReportSubscription
from fluide.storage.db import write_session
from fluide.storage.types import new_id

DOMAIN = "demo.fluide.dev"
ADMIN = f"admin@{DOMAIN}"
CSM = f"csm@{DOMAIN}"
OUTCOMES = ("resolved", "resolved", "resolved", "explained", "no_answer", "not_needed")
AGENT_WORK = 3
"""Follow-ups each agent still has to work on when the demo opens (their latest ones)."""


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    password: str


def agent_email(name: str) -> str:
    plain = name.lower().replace("é", "e").replace("è", "e")
    return f"{plain}@{DOMAIN}"


def _people() -> list[tuple[str, str, str, str | None]]:
    """(e-mail, name, role, agent id) of the demo team."""
    team: list[tuple[str, str, str, str | None]] = [
        (ADMIN, "Nadia (admin)", "admin", None),
        (CSM, "Claire (CSM)", "analyst", None),
    ]
    team += [(agent_email(a), a, "agent", a) for a in AGENTS]
    return team


def ensure_accounts(factory: sessionmaker[Session], workspace_id: str) -> list[DemoLogin]:
    """The demo team's accounts, each with a new random password (printed once)."""
    logins = []
    for email, name, role, agent_id in _people():
        password = secrets.token_urlsafe(9)
        with write_session(factory) as s:
            existing = account_store.by_email(s, email)
            if existing is not None:
                existing.password_hash = accounts.hash_password(password)
        if existing is None:
            accounts.create_account(
                factory,
                workspace_id,
                email=email,
                name=name,
                role=role,
                password=password,
                agent_id=agent_id,
                lang="fr",
            )
        logins.append(DemoLogin(email, role, password))
    return logins


def log_actions(
    factory: sessionmaker[Session], workspace_id: str, fix_day: date | None, end: datetime
) -> None:
    """The payment fix (delivered on ``fix_day``) and the fixes still to deliver."""
    from fluide.services.actions import create_action

    today = end.date()
    if fix_day is not None:
        create_action(
            factory,
            workspace_id,
            touchpoint="payer",
            tag="payment",
            kind="new_flow",
            title="Proposer le prélèvement SEPA dès qu'une carte est refusée",
            owner="Équipe Paiement",
            status="delivered",
            delivered_on=fix_day,
            notes="Les paiements refusés se terminaient en abandon ou en ticket au support.",
            created_by=None,
        )
    planned = [
        (
            "contacter_support",
            "delay",
            "macro",
            "Macro de réponse : délai de traitement annoncé",
            "Support",
            5,
        ),
        (
            "trouver_facture",
            "info_not_found",
            "faq",
            "FAQ : où trouver et télécharger ses factures",
            "Service client",
            9,
        ),
        (
            "activer",
            "onboarding",
            "ux_change",
            "Renvoyer l'e-mail d'activation au bout de 10 minutes",
            "Équipe Produit",
            14,
        ),
        (
            "payer",
            "outage",
            "ux_change",
            "Contraste du paiement en mode sombre",
            "Équipe Produit",
            3,
        ),
    ]
    for tp, tag, kind, title, owner, days in planned:
        create_action(
            factory,
            workspace_id,
            touchpoint=tp,
            tag=tag,
            kind=kind,
            title=title,
            owner=owner,
            status="to_deliver",
            due_on=today + timedelta(days=days),
        )


def history_of_follow_ups(
    factory: sessionmaker[Session], workspace_id: str, end: datetime, seed: int
) -> None:
    """Close the follow-ups the team handled; the last days' stay open, a few overdue.

    Each follow-up is handled some hours after it opened: most within the SLA,
    some late, a few forgotten. Past ones count as already notified: serving
    the demo must not send hundreds of old alerts to the demo mailbox.
    """
    rng = random.Random(f"{seed}-follow-ups")  # noqa: S311 - reproducible demo data
    with write_session(factory) as s:
        rows = s.scalars(
            select(FollowUp)
            .where(FollowUp.workspace_id == workspace_id)
            .order_by(FollowUp.created_at, FollowUp.id)
        ).all()
        for f in rows:
            if f.created_at < end - timedelta(hours=2):
                f.notified_at = f.created_at + timedelta(minutes=1)
                f.notify_attempts = 1
            luck = rng.random()
            if luck < 0.75:
                delay = timedelta(hours=rng.uniform(3, 40))
            elif luck < 0.97:
                delay = timedelta(hours=rng.uniform(40, 100))
            else:
                continue  # forgotten: still open, and overdue once its SLA is past
            if f.created_at + delay <= end:
                f.status = "closed"
                f.outcome = rng.choice(OUTCOMES)
                f.closed_at = f.created_at + delay
                f.closed_by = f.assignee_id
            elif rng.random() < 0.4:
                f.status = "in_progress"
        _leave_work_to_agents(rows)


def _leave_work_to_agents(rows: Sequence[FollowUp]) -> None:
    """Every agent logging in finds follow-ups to work on: their latest ones stay open."""
    mine: dict[str, list[FollowUp]] = defaultdict(list)
    for f in rows:
        if f.assignee_id is not None:
            mine[f.assignee_id].append(f)
    for theirs in mine.values():
        active = sum(f.status != "closed" for f in theirs)
        for f in sorted(theirs, key=lambda x: (x.created_at, x.id), reverse=True):
            if active >= AGENT_WORK:
                break
            if f.status == "closed":
                f.status, f.outcome, f.closed_at, f.closed_by = "open", None, None, None
                active += 1


def subscribe(factory: sessionmaker[Session], workspace_id: str) -> None:
    with write_session(factory) as s:
        for email, lang in ((CSM, "fr"), (ADMIN, "fr")):
            s.add(
                ReportSubscription(
                    id=new_id("sub"), workspace_id=workspace_id, email=email, lang=lang
                )
            )
