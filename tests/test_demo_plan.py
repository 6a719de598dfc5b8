"""The demo's generated activity: deterministic, well formed, and telling its story."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest

from fluide.demo.activity import EASE
from fluide.demo.customers import PARIS, Window
from fluide.demo.plan import SETTLE, Plan, Planned, plan
from fluide.demo.touchpoints import TOUCHPOINTS, TRIGGERED_BY
from fluide.demo.verbatims import FR, comment, situation_for

END = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo() -> Plan:
    return plan(END)


def test_the_same_seed_gives_the_same_activity() -> None:
    a, b = plan(END, weeks=3, customers=80), plan(END, weeks=3, customers=80)
    assert a == b
    other = plan(END, weeks=3, customers=80, seed=15)

    def story(x: Plan) -> list[tuple[str, str, datetime]]:
        return [(p.event.type, p.event.user.id, p.event.occurred_at) for p in x.events]

    assert story(other) != story(a)


def test_events_are_sent_in_time_order_and_never_after_the_end(demo: Plan) -> None:
    sent = [p.sent_at for p in demo.events]
    assert sent == sorted(sent)
    assert all(
        p.event.occurred_at <= END - SETTLE and p.sent_at <= END - SETTLE for p in demo.events
    )
    assert min(p.event.occurred_at for p in demo.events) >= END - timedelta(weeks=12)


def test_a_few_events_are_sent_twice_or_a_day_late(demo: Plan) -> None:
    ids = [p.event.id for p in demo.events]
    resent = len(ids) - len(set(ids))
    late = sum(p.sent_at - p.event.occurred_at > timedelta(hours=24) for p in demo.events)
    assert 0 < resent < 0.03 * len(ids) and 0 < late < 0.02 * len(ids)


def test_every_touchpoint_and_both_outcomes_happen(demo: Plan) -> None:
    types = {p.event.type for p in demo.events}
    assert {t for t in types if t in TRIGGERED_BY} == set(TRIGGERED_BY)
    assert "login" in types  # triggers nothing


def test_new_and_established_customers_french_and_english(demo: Plan) -> None:
    people = {p.event.user.id: p for p in demo.events}
    locales = [p.locale for p in people.values()]
    assert 0.8 < locales.count("fr") / len(locales) < 0.97
    since = [p.event.user.attributes["customer_since"] for p in people.values()]
    start = (END - timedelta(weeks=12)).date().isoformat()
    assert any(s >= start for s in since) and any(s < "2025-06-01" for s in since)


def test_the_payment_fix_makes_paying_easier_and_rarely_failing(demo: Plan) -> None:
    fix = demo.window.fix_at
    assert fix.weekday() == 0 and fix.tzinfo == PARIS
    assert timedelta(weeks=3) < END - fix <= timedelta(weeks=4)
    payer = [p for p in demo.events if p.action.touchpoint == "payer"]
    before = [p for p in payer if p.event.occurred_at < fix]
    after = [p for p in payer if p.event.occurred_at >= fix]

    def failed(ps: list[Planned]) -> float:
        return sum(p.event.type == "payment_failed" for p in ps) / len(ps)

    assert failed(before) > 0.12 and failed(after) < 0.08
    mean = statistics.fmean
    assert mean(p.action.ease for p in after) > mean(p.action.ease for p in before) + 0.3
    assert any(p.action.situation == "fallback" for p in after)
    assert not any(p.action.situation == "fallback" for p in before)


def test_new_customers_struggle_to_activate(demo: Plan) -> None:
    def is_new(p: Planned) -> bool:
        since = date.fromisoformat(p.event.user.attributes["customer_since"])
        return (p.event.occurred_at.date() - since).days < 90

    activations = [p for p in demo.events if p.action.touchpoint == "activer"]
    new = [p for p in activations if is_new(p)]
    old = [p for p in activations if not is_new(p)]

    def abandoned(ps: list[Planned]) -> float:
        return sum(p.event.type == "activation_abandoned" for p in ps) / len(ps)

    assert abandoned(new) > abandoned(old)


def test_support_events_carry_the_agent_and_one_agent_is_worse(demo: Plan) -> None:
    support = [p for p in demo.events if p.action.touchpoint == "contacter_support"]
    assert all(p.event.properties.get("agent_id") and p.event.channel == "chat" for p in support)
    by_agent: dict[str, list[float]] = {}
    for p in support:
        if p.action.situation == "ok":
            by_agent.setdefault(p.event.properties["agent_id"], []).append(p.action.ease)
    means = {a: statistics.fmean(v) for a, v in by_agent.items() if len(v) > 10}
    assert min(means, key=means.__getitem__) == "Julien"


def test_failures_are_much_harder_than_successes() -> None:
    assert all(ok - ko > 2.5 for ok, ko in EASE.values())


def test_the_window_has_no_fix_when_too_short() -> None:
    assert not Window.ending(END, weeks=2).has_fix
    assert Window.ending(END, weeks=12).has_fix


def test_every_situation_has_french_comments() -> None:
    rng = random.Random(1)
    for tp in TOUCHPOINTS:
        payer = [
            "fail_card",
            "fail_after",
            "fallback",
        ]  # a refused payment, before or after the fix
        bases = ["ok", *(payer if tp.key == "payer" else ["fail"])]
        for base in bases:
            for score in range(1, 8):
                situation = situation_for(score, base)
                assert (tp.key, situation) in FR, (tp.key, situation)
                assert comment(rng, tp.key, situation, "fr")
                assert comment(rng, tp.key, situation, "en")


def test_support_contacts_carry_channel_reason_ticket_agent_and_promise(demo: Plan) -> None:
    contacts = [p for p in demo.events if p.event.type in ("chat_started", "call", "ticket_opened")]
    channels = {"chat_started": "chat", "call": "phone", "ticket_opened": "email"}
    assert {p.event.type for p in contacts} == set(channels)
    for p in contacts:
        props = p.event.properties
        assert props["channel"] == channels[p.event.type]
        assert props["reason"] and props["ticket_id"] and props["agent_id"]
        assert "promised_at" not in props or p.event.type == "ticket_opened"
    promised = [p for p in contacts if "promised_at" in p.event.properties]
    assert len(promised) > 0.5 * sum(p.event.type == "ticket_opened" for p in contacts)
    resolved = {
        p.event.properties["ticket_id"] for p in demo.events if p.event.type == "ticket_resolved"
    }
    assert sum(p.event.properties["ticket_id"] in resolved for p in contacts) > 0.6 * len(contacts)


def test_declined_tries_are_reported_after_the_payment_they_led_to(demo: Plan) -> None:
    sent: dict[tuple[str, datetime], datetime] = {}
    for p in demo.events:  # in the order sent: a resent event keeps its first time
        sent.setdefault((p.event.user.id, p.event.occurred_at), p.sent_at)
    retried = [p for p in demo.events if p.action.reported_with is not None]
    assert len(retried) > 20
    for p in retried:
        assert p.event.type == "payment_failed"
        success = sent[(p.event.user.id, p.action.reported_with)]
        if success - p.action.reported_with < timedelta(hours=1):  # not a late webhook
            assert p.sent_at > success  # decided after the success: the question follows it
