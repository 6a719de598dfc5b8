"""The rule for a new password: long enough, not blank, not one of the most common.

Checked wherever a password is set (``fluide user create``, the admin page, the
change-own-password page). The list of common passwords ships with the package
(``common_passwords.txt``: the 10,000 most frequent leaked passwords, plus
French favourites); a guesser tries those first, whatever the length rule says.

>>> password_problem("correct horse battery")
>>> password_problem("          ")
'A password cannot be made of spaces only.'
>>> password_problem("AZERTYUIOP")
'This password is one of the most common ones, which are tried first: choose another.'
"""

from __future__ import annotations

import functools
from importlib.resources import files
from typing import Final

from fluide.i18n import N_

MIN_PASSWORD: Final = 10
BLANK: Final = N_("A password cannot be made of spaces only.")
TOO_SHORT: Final = N_("A password needs at least %(min)s characters.")
COMMON: Final = N_(
    "This password is one of the most common ones, which are tried first: choose another."
)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased (read once, at the first check)."""
    text = files("fluide.domain").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused (an English msgid taking ``%(min)s``), or ``None``."""
    if password and not password.strip():
        return BLANK
    # Spaces around the password do not count: "abc" padded with seven spaces is
    # three characters to guess, not ten.
    if len(password.strip()) < MIN_PASSWORD:
        return TOO_SHORT
    if password.strip().lower() in common_passwords():
        return COMMON
    return None
