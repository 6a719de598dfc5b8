"""The invitation decision, as a pure function of facts (frozen times, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fluide.domain.fatigue import (
    Decision,
    EventFacts,
    TouchpointRule,
    Trigger,
    UserHistory,
    decide,
    sampled_in,
)

NOW = datetime(2026, 8, 3, 12, 0, tzinfo=UTC)
PAYER = TouchpointRule(
    "payer", (Trigger("payment_succeeded"), Trigger("payment_failed", "failure"))
)
ANNULER = TouchpointRule("annuler", (Trigger("subscription_cancelled"),), cooldown_days=30)


def event(
    type_: str = "payment_succeeded",
    *,
    ago: timedelta = timedelta(minutes=5),
    outcome: str | None = None,
):
    return EventFacts("evt-1", type_, outcome, NOW - ago)


def test_event_right_after_the_action_is_invited_until_its_window_ends() -> None:
    out = decide(event(), [PAYER], UserHistory(), now=NOW)
    assert out.decision == Decision.INVITED and out.touchpoint == "payer"
    assert out.expires_at == NOW - timedelta(minutes=5) + timedelta(hours=24)


def test_event_within_cooldown_is_not_invited() -> None:
    history = UserHistory(
        last_invited_at=NOW - timedelta(days=20),
        last_invited_by_touchpoint={"annuler": NOW - timedelta(days=20)},
    )
    assert (
        decide(event("subscription_cancelled"), [ANNULER], history, now=NOW).decision
        == Decision.COOLDOWN
    )


def test_fourteen_days_after_the_last_invitation_the_user_may_be_asked_again() -> None:
    just_inside = UserHistory(last_invited_at=NOW - timedelta(days=14) + timedelta(seconds=1))
    just_outside = UserHistory(last_invited_at=NOW - timedelta(days=14))
    assert decide(event(), [PAYER], just_inside, now=NOW).decision == Decision.FATIGUE
    assert decide(event(), [PAYER], just_outside, now=NOW).decision == Decision.INVITED


def test_workspace_fatigue_window_is_configurable() -> None:
    history = UserHistory(last_invited_at=NOW - timedelta(days=10))
    assert decide(event(), [PAYER], history, now=NOW, fatigue_days=7).decision == Decision.INVITED


def test_two_days_later_is_too_late() -> None:
    # The seeds: ask "à chaud", not two days later.
    out = decide(event(ago=timedelta(days=2)), [PAYER], UserHistory(), now=NOW)
    assert out.decision == Decision.TOO_LATE and out.reason["expires_after_hours"] == 24


def test_opted_out_wins_over_everything() -> None:
    assert (
        decide(event(), [PAYER], UserHistory(opted_out=True), now=NOW).decision
        == Decision.OPTED_OUT
    )


def test_unknown_event_or_inactive_touchpoint_is_no_trigger() -> None:
    inactive = TouchpointRule("payer", PAYER.triggers, active=False)
    assert decide(event("login"), [PAYER], UserHistory(), now=NOW).decision == Decision.NO_TRIGGER
    assert decide(event(), [inactive], UserHistory(), now=NOW).decision == Decision.NO_TRIGGER


def test_trigger_outcome_labels_the_event_and_the_event_outcome_wins() -> None:
    assert decide(event("payment_failed"), [PAYER], UserHistory(), now=NOW).outcome == "failure"
    assert decide(event(), [PAYER], UserHistory(), now=NOW).outcome == "success"
    assert (
        decide(event("payment_failed", outcome="partial"), [PAYER], UserHistory(), now=NOW).outcome
        == "partial"
    )


def test_second_touchpoint_is_tried_when_the_first_is_in_cooldown() -> None:
    support = TouchpointRule("support", (Trigger("payment_failed"),))
    history = UserHistory(last_invited_by_touchpoint={"payer": NOW - timedelta(days=1)})
    # Fatigue is workspace-wide: with no last_invited_at the second one may ask.
    out = decide(event("payment_failed"), [PAYER, support], history, now=NOW)
    assert out.decision == Decision.INVITED and out.touchpoint == "support"


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_sampling_is_deterministic_and_close_to_its_rate(rate: float) -> None:
    draws = [sampled_in(f"evt-{i}", "payer", rate) for i in range(4000)]
    assert draws == [sampled_in(f"evt-{i}", "payer", rate) for i in range(4000)]
    assert abs(sum(draws) / len(draws) - rate) < 0.03
