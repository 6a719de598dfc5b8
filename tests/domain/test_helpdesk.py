"""The help desk's pure rules and the inbound signatures hold their examples."""

from __future__ import annotations

import doctest
from datetime import timedelta

from fluide.channels import helpdesk_inbound
from fluide.domain import helpdesk as rules


def test_the_pure_rules_and_signature_checks_hold_their_examples() -> None:
    assert doctest.testmod(rules).failed == 0
    assert doctest.testmod(helpdesk_inbound).failed == 0


def test_retry_after_is_honoured_but_capped_and_refusals_are_told_by_status() -> None:
    assert rules.next_wait(1, 10 * 3600) == timedelta(seconds=rules.MAX_WAIT)
    assert rules.next_wait(rules.MAX_ATTEMPTS, None) == timedelta(seconds=rules.BACKOFF[-1])
    assert rules.reason_of("failed", 401, 1) == rules.REFUSALS[401]
    assert rules.reason_of("failed", 418, 1) == rules.OTHER_REFUSAL
    assert rules.reason_of("failed", 429, 6) == rules.UNREACHABLE
    assert rules.reason_of("pushed", 201, 1) is None
