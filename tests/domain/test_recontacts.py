"""Each recontact figure on a log small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pytest

from fluide.domain.recontacts import (
    MISSING,
    Contacts,
    blocks_by,
    overall,
    recontacted_answers,
    sequence,
)

H = 3_600_000_000  # one hour in microseconds
D = 24 * H
PHONE, MAIL = 0, 1


def test_a_contact_within_the_window_is_a_recontact_and_equal_times_count() -> None:
    # Customer 0: day 0 phone, day 7 exactly (= W) mail, day 15 phone (8 days later: > W).
    # Customer 1: day 0 and day 0 (a tie) by phone. Latest contact: day 20.
    c = Contacts.of(
        customer=[0, 0, 0, 1, 1, 2],
        at=[0, 7 * D, 15 * D, 0, 0, 20 * D],
        channel=[PHONE, MAIL, PHONE, PHONE, PHONE, MAIL],
    )
    b = overall(sequence(c, window_days=7))
    # Observed: at + 7 d <= day 20 -> days 0, 7, 0, 0 (day 15 and day 20 are too recent): 4.
    assert b.observed == 4
    # Recontacted: c0 day 0 (next at +7 d), c1 first (next at +0); c0 day 7 (next +8 d) no.
    assert b.recontacted == 2
    assert b.recontact_rate == pytest.approx(50.0)  # 100 * 2 / 4
    assert b.one_and_done == pytest.approx(50.0)
    # Switches: c0 day 0 phone -> mail; c1 phone -> phone is none. 1 of 2 = 50 %.
    assert b.channel_switches == 1
    assert b.channel_switch_rate == pytest.approx(50.0)
    # Episodes: c0 {0, 7}, c0 {15}, c1 {0, 0}, c2 {20}: 4 episodes, 6 contacts -> 1.5.
    assert b.episodes == 4
    assert b.contacts_per_episode == pytest.approx(1.5)


def test_ties_keep_file_order_for_the_channel_of_the_next_contact() -> None:
    # Same customer, same time: file order decides which is "next".
    c = Contacts.of(customer=[0, 0, 9], at=[0, 0, 10 * D], channel=[PHONE, MAIL, PHONE])
    s = sequence(c, window_days=7)
    # First (phone) is followed by the second (mail): a switch; the second has no next.
    assert s.switched.tolist() == [True, False, False]
    assert s.is_recontact.tolist() == [False, True, False]


def test_nothing_observed_gives_null_rates() -> None:
    c = Contacts.of(customer=[0, 0], at=[0, D], channel=[PHONE, PHONE])
    b = overall(sequence(c, window_days=7))  # latest = day 1 < day 0 + 7
    assert (b.observed, b.recontacted) == (0, 0)
    assert b.recontact_rate is None and b.one_and_done is None
    assert b.channel_switch_rate is None


def test_resolution_hours_are_median_and_p90_by_linear_interpolation() -> None:
    # Resolved after 1, 2, 3 and 10 hours; one contact unresolved.
    at = [0, 0, 0, 0, 0]
    resolved = [H, 2 * H, 3 * H, 10 * H, MISSING]
    c = Contacts.of(customer=[0, 1, 2, 3, 4], at=at, channel=[0] * 5, resolved=resolved)
    r = overall(sequence(c, 7)).resolution_hours
    assert r.n == 4
    # median: rank (4 - 1) * 0.5 = 1.5 -> 2 + 0.5 * (3 - 2) = 2.5
    assert r.median == pytest.approx(2.5)
    # p90: rank (4 - 1) * 0.9 = 2.7 -> 3 + 0.7 * (10 - 3) = 7.9
    assert r.p90 == pytest.approx(7.9)


def test_promise_kept_counts_contacts_resolved_at_or_before_the_promise() -> None:
    # Kept (resolved at the promise), missed (1 h late), kept (early), and two without
    # both times (no promise; no resolution): they are left out. 2 of 3.
    c = Contacts.of(
        customer=[0, 1, 2, 3, 4],
        at=[0] * 5,
        channel=[0] * 5,
        resolved=[5 * H, 6 * H, H, 2 * H, MISSING],
        promised=[5 * H, 5 * H, 4 * H, MISSING, 3 * H],
    )
    assert overall(sequence(c, 7)).promise_kept == pytest.approx(200 / 3)


def test_a_contact_counts_in_its_own_group_and_episodes_count_all_their_contacts() -> None:
    # Customer 0: billing at day 0, login at day 2 (a recontact), latest day 30.
    c = Contacts.of(customer=[0, 0, 1], at=[0, 2 * D, 30 * D], channel=[PHONE, MAIL, PHONE])
    s = sequence(c, 7)
    billing, login = blocks_by(s, [0, 1, 1], 2)
    # The billing contact was recontacted (its next is in the login group).
    assert (billing.observed, billing.recontacted, billing.channel_switches) == (1, 1, 1)
    # The episode {day 0, day 2} starts in billing: counted there with its 2 contacts.
    assert (billing.episodes, billing.contacts_per_episode) == (1, 2.0)
    # Login: day 2 is observed (2 + 7 <= 30) and not recontacted; day 30 is not observed;
    # its episode is customer 1's (1 contact).
    assert (login.contacts, login.observed, login.recontacted) == (2, 1, 0)
    assert (login.episodes, login.contacts_per_episode) == (1, 1.0)


def test_window_is_elapsed_time_whatever_the_clocks_do() -> None:
    # 7 days and 1 microsecond later is not a recontact, 7 days exactly is.
    c = Contacts.of(customer=[0, 0, 1, 1, 2], at=[0, 7 * D + 1, 0, 7 * D, 30 * D], channel=[0] * 5)
    s = sequence(c, 7)
    assert s.recontacted.tolist() == [False, False, True, False, False]


def test_an_answer_is_recontacted_after_a_recontact_within_the_window_before_it() -> None:
    # Customer 0: contacts at day 0 and day 2 (day 2 is a recontact). Customer 1: once.
    c = Contacts.of(customer=[0, 0, 1], at=[0, 2 * D, 0], channel=[0, 0, 0])
    s = sequence(c, 7)
    answers_customer = np.array([0, 0, 0, 0, 1, -1])
    answers_at = np.array([2 * D, 9 * D, 9 * D + 1, D, 3 * D, 3 * D])
    got = recontacted_answers(c, s, answers_customer, answers_at)
    # day 2: the recontact itself (bounds count); day 9: 7 d after it; day 9 + 1 µs: too late;
    # day 1: before the recontact; customer 1 never recontacted; -1: no contact at all.
    assert got.tolist() == [True, True, False, False, False, False]


def test_empty_log_gives_empty_figures() -> None:
    c = Contacts.of(customer=[], at=[], channel=[])
    b = overall(sequence(c, 7))
    assert (b.contacts, b.observed, b.episodes) == (0, 0, 0)
    assert b.recontact_rate is None and b.contacts_per_episode is None
