from __future__ import annotations

import pytest

from fluide.tagging.evaluate import score


def test_counts_by_hand() -> None:
    # payment: tp 1 (row 0), fp 1 (row 2), fn 1 (row 3) -> P = R = F1 = 0.5
    # delay: tp 1 (row 1), fn 0, fp 0 -> F1 = 1
    r = score(
        [{"payment"}, {"delay"}, {"payment"}, set()],
        [{"payment"}, {"delay"}, set(), {"payment"}],
        ["payment", "delay"],
    )
    assert r.per_tag["payment"].precision == 0.5
    assert r.per_tag["payment"].recall == 0.5
    assert r.per_tag["payment"].f1 == 0.5
    assert r.per_tag["delay"].f1 == 1.0
    assert r.macro_f1 == pytest.approx(0.75)


def test_an_alternative_tag_counts_as_right_and_the_primary_is_not_a_miss() -> None:
    r = score([{"payment"}], [{"delay"}], ["payment", "delay"], also_right=[{"payment"}])
    assert (r.per_tag["payment"].tp, r.per_tag["payment"].fp) == (1, 0)
    assert r.per_tag["delay"].fn == 0


def test_tags_absent_from_the_gold_set_do_not_enter_the_macro_mean() -> None:
    r = score([{"payment"}], [{"payment"}], ["payment", "login"])
    assert r.macro_f1 == 1.0


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError):
        score([set()], [], ["payment"])
