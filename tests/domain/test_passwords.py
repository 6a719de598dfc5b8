"""The rule for a new password: length, not blank, not among the most common."""

from __future__ import annotations

import doctest
import secrets

import pytest

from fluide.domain import passwords
from fluide.domain.passwords import (
    BLANK,
    COMMON,
    MIN_PASSWORD,
    TOO_SHORT,
    common_passwords,
    password_problem,
)
from fluide.services.team import new_password


def test_doctest() -> None:
    assert doctest.testmod(passwords).failed == 0


def test_the_minimum_length_stays_ten_characters() -> None:
    assert MIN_PASSWORD == 10
    assert password_problem("x7#kq9!bz") == TOO_SHORT
    assert password_problem("x7#kq9!bzw") is None


@pytest.mark.parametrize("blank", [" " * 10, " " * 40, "\t" * 12, " \u00a0 \n" * 5])
def test_blank_only_passwords_are_refused(blank: str) -> None:
    assert password_problem(blank) == BLANK


def test_spaces_around_a_password_do_not_count_towards_its_length() -> None:
    assert password_problem("abc" + " " * 7) == TOO_SHORT
    assert password_problem("  horse battery  ") is None  # spaces inside count


@pytest.mark.parametrize(
    "common",
    ["1234567890", "qwertyuiop", "password123", "AZERTYUIOP", "MotDePasse", "motdepasse123",
     "Marseille13", "  azertyuiop  "],
)  # fmt: skip
def test_the_most_common_passwords_are_refused_whatever_their_case(common: str) -> None:
    assert password_problem(common) == COMMON


def test_the_shipped_list_holds_the_top_ten_thousand_and_french_favourites() -> None:
    listed = common_passwords()
    assert len(listed) >= 10_000
    for word in ("123456", "password", "azerty", "motdepasse", "soleil", "123456789", "doudou"):
        assert word in listed
    assert all(word == word.lower() and word.strip() == word for word in listed)


def test_generated_one_time_passwords_always_pass() -> None:
    for _ in range(300):
        assert password_problem(new_password()) is None
        assert password_problem(secrets.token_urlsafe(12)) is None  # `fluide user create`
