"""What the demo customers do during the window, and how easy each action feels.

Pure and deterministic: the same seed and end give the same events. The
story the data tells:

- four weeks before the end, a fix ships on ``payer``: when the card is
  refused, a fallback payment method (SEPA direct debit) is offered at once.
  Most refused payments now end in a payment, with a little more effort, so
  ``payer`` is easier afterwards and its failures drop;
- failures are much harder than successes; support and activation are the
  hardest touchpoints; new customers struggle on activation (the activation
  email arrives late, or never); one support agent is clearly worse;
- hosts being hosts, a few webhooks arrive a day late (``too_late``) and a
  few are sent twice (``duplicate``); logins trigger nothing (``no_trigger``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fluide.demo.customers import PARIS, PRICES, Customer, Window, office_time, some_moment
from fluide.demo.touchpoints import TRIGGERED_BY

CHANNELS: dict[str, dict[str, float]] = {
    "payer": {"in_app": 0.70, "email": 0.20, "link": 0.10},
    "changer_carte": {"in_app": 0.80, "email": 0.20},
    "trouver_facture": {"in_app": 0.60, "email": 0.40},
    "contacter_support": {"chat": 1.0},
    "activer": {"in_app": 0.55, "email": 0.45},
    "annuler": {"in_app": 0.50, "email": 0.30, "link": 0.20},
}

# Latent ease (1-7) by touchpoint: (success, failure).
EASE = {
    "payer": (5.95, 1.70),
    "changer_carte": (5.70, 2.30),
    "trouver_facture": (5.30, 2.20),
    "contacter_support": (4.90, 2.10),
    "activer": (5.00, 2.00),
    "annuler": (4.80, 1.80),
}
EASE_FALLBACK = 5.60  # the card failed, the fallback payment method worked

# Support agents: (share of tickets, effect on ease).
AGENTS = {
    "Camille": (0.24, +0.30),
    "Julien": (0.22, -1.10),
    "Sophie": (0.22, +0.10),
    "Karim": (0.20, 0.00),
    "Mathieu": (0.10, -0.10),
    "Léa": (0.02, +0.90),
}

ROUGH, ROUGH_COST = 0.12, 2.2  # successes that were hard anyway
CARD_REFUSED = 0.25
FALLBACK_RESCUES = 0.88
FEATURES = ("export_comptable", "sso", "api", "multi_utilisateurs")


@dataclass(frozen=True)
class Action:
    """One thing a customer did, as the host would report it."""

    at: datetime
    type: str
    channel: str
    properties: dict[str, Any] = field(default_factory=dict)
    situation: str = "ok"
    """``ok``, ``fail``, or for payer ``fail_card``, ``fail_after``, ``fallback``."""
    ease: float = 0.0
    """The mean ease (1-7) this customer would answer after this action."""

    @property
    def touchpoint(self) -> str | None:
        return TRIGGERED_BY.get(self.type)


class Life:
    """One customer's actions during the window, in the order they are imagined."""

    def __init__(self, rng: random.Random, customer: Customer, window: Window) -> None:
        self.rng, self.c, self.w = rng, customer, window
        self.actions: list[Action] = []

    def ease(self, tp: str, at: datetime, *, failed: bool, base: float | None = None) -> float:
        ok, ko = EASE[tp]
        mu = base if base is not None else (ko if failed else ok)
        if self.c.is_new(at):
            mu += -0.9 if tp == "activer" else -0.2
        if self.c.plan == "starter":
            mu -= 0.1
        return mu

    def add(self, at: datetime, type_: str, situation: str = "ok", **props: Any) -> None:
        tp = TRIGGERED_BY.get(type_)
        channel = "in_app"
        ease = 0.0
        if tp is not None:
            weights = CHANNELS[tp]
            channel = self.rng.choices(list(weights), weights=list(weights.values()))[0]
            failed = situation.startswith("fail")
            base = EASE_FALLBACK if situation == "fallback" else None
            ease = self.ease(tp, at, failed=failed, base=base) + props.pop("_bonus", 0.0)
            if not failed and self.rng.random() < ROUGH:
                ease -= ROUGH_COST  # it worked, but it was a struggle (slow page, lost session)
        self.actions.append(Action(at, type_, channel, props, situation, ease))

    def later(self, at: datetime, low_minutes: float, high_minutes: float) -> datetime:
        return at + timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))

    # --- the actions ----------------------------------------------------------

    def pay(self, at: datetime, amount: float) -> None:
        props: dict[str, Any] = {"amount": amount, "currency": "EUR", "method": "card"}
        if self.rng.random() >= CARD_REFUSED:
            self.add(at, "payment_succeeded", **props)
            return
        after_fix = at >= self.w.fix_at
        if after_fix and self.rng.random() < FALLBACK_RESCUES:
            self.add(at, "payment_succeeded", "fallback", **{**props, "method": "sepa_debit"})
            return
        self.add(at, "payment_failed", "fail_after" if after_fix else "fail_card", **props)
        if self.rng.random() < 0.55:  # the customer puts in another card and pays again
            changed = self.later(at, 30, 48 * 60)
            self.change_card(changed)
            self.add(self.later(changed, 1, 10), "payment_succeeded", **props)

    def change_card(self, at: datetime) -> None:
        if self.rng.random() < 0.07:
            self.add(at, "card_update_failed", "fail")
            at = self.later(at, 60, 3 * 24 * 60)
        self.add(at, "card_updated")

    def find_invoice(self, at: datetime) -> None:
        if self.rng.random() < 0.15:
            self.add(at, "invoice_not_found", "fail")
            if self.rng.random() < 0.35:
                self.support(self.later(at, 10, 6 * 60), topic="facture")
            return
        self.add(at, "invoice_downloaded")

    def support(self, at: datetime, topic: str = "autre") -> None:
        names = list(AGENTS)
        agent = self.rng.choices(names, weights=[AGENTS[a][0] for a in names])[0]
        bonus = AGENTS[agent][1] + (0.2 if self.c.plan == "entreprise" else 0.0)
        props = {
            "agent_id": agent,
            "ticket_id": f"T-{self.c.id[2:]}{len(self.actions):02d}",
            "topic": topic,
            "_bonus": bonus,
        }
        resolved = self.rng.random() >= 0.22
        self.add(
            self.later(at, 5, 90),
            "ticket_resolved" if resolved else "ticket_closed_unresolved",
            "ok" if resolved else "fail",
            **props,
        )

    def activate(self, at: datetime, feature: str | None = None) -> None:
        fail = 0.26 if self.c.is_new(at) else 0.12
        props = {"feature": feature} if feature else {}
        for _attempt in range(3):
            if self.rng.random() >= fail:
                self.add(at, "activation_completed", **props)
                return
            self.add(at, "activation_abandoned", "fail", step="email_verification", **props)
            at = self.later(at, 12 * 60, 4 * 24 * 60)
            fail = 0.25

    def cancel(self, at: datetime) -> None:
        if self.rng.random() < 0.12:
            self.add(at, "cancellation_failed", "fail")
            at = self.later(at, 60, 3 * 24 * 60)
        self.add(at, "subscription_cancelled")


def _billing_days(c: Customer, first: datetime, end: datetime) -> Iterator[date]:
    day = min(c.since.day, 28)
    lo, hi = first.astimezone(PARIS).date(), end.astimezone(PARIS).date()
    y, m = lo.year, lo.month
    while (y, m) <= (hi.year, hi.month):
        d = date(y, m, day)
        if lo <= d <= hi:
            yield d
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _count(rng: random.Random, mean: float) -> int:
    """How many times something happens, ``mean`` on average (whole part, then a draw)."""
    whole = int(mean)
    return whole + (1 if rng.random() < mean - whole else 0)


# Expected counts per customer over twelve weeks of activity.
RATES = {
    "feature": 0.3,  # established customers activate a feature
    "add_on": 0.65,  # pro and entreprise buy add-ons or extra seats
    "card_expired": 0.2,
    "support_new": 1.5,
    "support": 1.0,
    "login": 0.35,
    "churn": 0.12,
}
INVOICE_LOOKUP = {"starter": 0.35, "pro": 0.6, "entreprise": 0.85}  # per bill


def customer_actions(rng: random.Random, c: Customer, w: Window) -> list[Action]:
    """Everything one customer does during the window, sorted by time."""
    life = Life(rng, c, w)
    first = c.signup or w.start
    share = max(0.0, (w.end - first) / timedelta(weeks=12))  # of a twelve-week window

    def times(rate: str) -> range:
        return range(_count(rng, RATES[rate] * share))

    def anytime() -> datetime:
        return some_moment(rng, first, w.end)

    if c.signup is not None:
        life.activate(life.later(c.signup, 3, 120))
    else:
        for _ in times("feature"):
            life.activate(anytime(), rng.choice(FEATURES))
    for day in _billing_days(c, first, w.end):
        life.pay(office_time(rng, day), PRICES[c.plan])
        if rng.random() < INVOICE_LOOKUP[c.plan]:
            life.find_invoice(office_time(rng, day + timedelta(days=rng.randrange(1, 12))))
    if c.plan != "starter":
        for _ in times("add_on"):
            life.pay(anytime(), round(rng.uniform(10, 120), 2))
    for _ in times("card_expired"):
        life.change_card(anytime())
    for _ in times("support_new" if c.signup else "support"):
        life.support(anytime())
    for _ in times("login"):
        life.add(anytime(), "login")
    actions = sorted(life.actions, key=lambda a: a.at)
    if rng.random() < RATES["churn"] * share:  # leaves: nothing happens after cancelling
        gone = some_moment(rng, first + timedelta(days=7), w.end)
        actions = [a for a in actions if a.at < gone]
        life.actions = []
        life.cancel(gone)
        actions += life.actions
    return [a for a in actions if a.at <= w.end]
