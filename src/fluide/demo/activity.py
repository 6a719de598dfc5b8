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
- a refused card is often tried again at once: the payment provider reports
  the declined tries right after the session's outcome, so the question follows
  the success, and customers who needed 3 tries or more find paying much harder;
  some never succeed, and a few of those contact support;
- support contacts (``chat_started``, ``call``, ``ticket_opened``) carry their
  channel, reason, ticket, agent and, by e-mail, a promised reply time; an
  unresolved ticket often brings the customer back within days, often by
  another channel; one e-mail ticket's promise is missed as the demo ends,
  and a few customers are contacting support again right now;
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

# Support contacts: channel → (share, the event that opens the contact).
SUPPORT_CHANNELS = {"chat": (0.5, "chat_started"), "email": (0.3, "ticket_opened"),
                    "phone": (0.2, "call")}  # fmt: skip
PROMISE = timedelta(hours=24)  # e-mail tickets: a reply promised within a day
LATE_REPLY = 0.1  # e-mail tickets answered after their promise
COME_BACK = 0.6  # an unresolved ticket: the customer contacts support again
SWITCH_CHANNEL = 0.6  # ... by another channel
RETRY_AT_ONCE = 0.55  # a refused card tried again in the same session
RETRY_COST = 1.1  # ease lost per declined try before the success
GIVE_UP = 0.12  # tries again and again, and never succeeds
PAYMENT_HELP = 0.35  # a customer whose payment failed asks support
STARTED = 0.1  # payments whose start the host reports (else it sends duration_s)

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
    reported_with: datetime | None = None
    """Sent with the report of the action at this moment (after it), not at once."""

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
        reported_with = props.pop("_reported_with", None)
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
        self.actions.append(Action(at, type_, channel, props, situation, ease, reported_with))

    def later(self, at: datetime, low_minutes: float, high_minutes: float) -> datetime:
        return at + timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))

    # --- the actions ----------------------------------------------------------

    def pay(self, at: datetime, amount: float) -> None:
        props: dict[str, Any] = {"amount": amount, "currency": "EUR", "method": "card"}
        if self.rng.random() < STARTED:
            self.add(at - timedelta(seconds=self.rng.uniform(20, 150)), "payment_started")
        else:
            props["duration_s"] = round(self.rng.uniform(20, 120))
        if self.rng.random() >= CARD_REFUSED:
            self.add(at, "payment_succeeded", **props)
            return
        after_fix = at >= self.w.fix_at
        if after_fix and self.rng.random() < FALLBACK_RESCUES:
            self.add(at, "payment_succeeded", "fallback", **{**props, "method": "sepa_debit"})
            return
        failed = "fail_after" if after_fix else "fail_card"
        if self.rng.random() < RETRY_AT_ONCE:
            self.retry(at, props, failed)
            return
        self.add(at, "payment_failed", failed, **props)
        if self.rng.random() < 0.55:  # the customer puts in another card and pays again
            changed = self.later(at, 30, 48 * 60)
            self.change_card(changed)
            self.add(self.later(changed, 1, 10), "payment_succeeded", **props)
        elif self.rng.random() < PAYMENT_HELP:
            self.support(self.later(at, 20, 6 * 60), topic="paiement")

    def retry(self, at: datetime, props: dict[str, Any], failed: str) -> None:
        """Declined tries one after the other; the provider reports them with the outcome."""
        declines = 1 + (self.rng.random() < 0.5) + (self.rng.random() < 0.35)
        tries = [at]
        for _ in range(declines):
            tries.append(self.later(tries[-1], 0.5, 4))
        if self.rng.random() < GIVE_UP:
            for t in tries[:-1]:
                self.add(t, "payment_failed", failed, **props)
            if self.rng.random() < PAYMENT_HELP * 2:
                self.support(self.later(tries[-1], 20, 6 * 60), topic="paiement")
            return
        done = tries[-1]
        for t in tries[:-1]:
            self.add(t, "payment_failed", failed, _reported_with=done, **props)
        took = {"duration_s": round((done - at).total_seconds() + self.rng.uniform(20, 90))}
        self.add(done, "payment_succeeded", _bonus=-RETRY_COST * declines, **{**props, **took})

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

    def open_ticket(
        self, at: datetime, channel: str, topic: str, *, promise: bool = False
    ) -> dict[str, Any]:
        """The contact that opens a ticket (its event by channel); the ticket's properties."""
        names = list(AGENTS)
        agent = self.rng.choices(names, weights=[AGENTS[a][0] for a in names])[0]
        ticket = f"T-{self.c.id[2:]}{len(self.actions):02d}"
        contact = {"channel": channel, "reason": topic, "ticket_id": ticket, "agent_id": agent}
        if promise:
            contact["promised_at"] = (at + PROMISE).isoformat()
        self.add(at, SUPPORT_CHANNELS[channel][1], **contact)
        return contact

    def support(self, at: datetime, topic: str = "autre", channel: str | None = None) -> None:
        """A contact, then its ticket resolved or closed unresolved; an unresolved one often
        brings the customer back within days. E-mail tickets resolved are promised a reply
        within a day, kept most of the time."""
        if channel is None:
            ways = list(SUPPORT_CHANNELS)
            channel = self.rng.choices(ways, weights=[SUPPORT_CHANNELS[w][0] for w in ways])[0]
        resolved = self.rng.random() >= 0.22
        by_mail = channel == "email" and resolved
        t = self.open_ticket(at, channel, topic, promise=by_mail)
        done = self.later(at, 5, 90)
        if by_mail:
            late = self.rng.random() < LATE_REPLY
            hours = PROMISE / timedelta(hours=1) + self.rng.uniform(2, 30) if late else None
            done = at + timedelta(hours=hours or self.rng.uniform(1, 20))
        agent = t["agent_id"]
        bonus = AGENTS[agent][1] + (0.2 if self.c.plan == "entreprise" else 0.0)
        self.add(
            done,
            "ticket_resolved" if resolved else "ticket_closed_unresolved",
            "ok" if resolved else "fail",
            agent_id=agent,
            ticket_id=t["ticket_id"],
            topic=topic,
            _bonus=bonus,
        )
        if not resolved and self.rng.random() < COME_BACK and done < self.w.end:
            other = [w for w in SUPPORT_CHANNELS if w != channel]
            again = self.rng.choice(other) if self.rng.random() < SWITCH_CHANNEL else channel
            self.support(self.later(done, 60, 5 * 24 * 60), topic, again)

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


RIGHT_NOW = 3
"""Customers contacting support again as the demo ends."""


def story_actions(
    rng: random.Random, people: list[Customer], w: Window
) -> list[tuple[Action, Customer]]:
    """What the demo shows whatever the draw: a reply promised and missed as the demo
    ends, and customers contacting support again right now, by another channel."""
    out: list[tuple[Action, Customer]] = []
    for n, c in enumerate(people[: RIGHT_NOW + 1]):
        life = Life(rng, c, w)
        if n == 0:  # an e-mail ticket promised for 6 hours ago, still unanswered
            life.open_ticket(w.end - PROMISE - timedelta(hours=6), "email", "facture", promise=True)
        else:
            first = w.end - timedelta(days=rng.uniform(2, 5))
            t = life.open_ticket(first, "chat", "connexion")
            life.add(
                life.later(first, 10, 60),
                "ticket_closed_unresolved",
                "fail",
                agent_id=t["agent_id"],
                ticket_id=t["ticket_id"],
                topic="connexion",
                _bonus=AGENTS[t["agent_id"]][1],
            )
            life.open_ticket(w.end - timedelta(hours=rng.uniform(1, 6)), "phone", "connexion")
        out += [(a, c) for a in life.actions]
    return out
