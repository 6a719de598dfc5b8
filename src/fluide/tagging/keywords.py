"""Keyword patterns compiled by RE2: matching time is linear in the text, whatever the pattern.

A tag's keywords come from its users (``POST``/``PATCH /v1/tags``), so a
pattern such as ``(a+)+$`` must not be able to stall the tagging worker.
RE2 has no backtracking: it refuses the few constructs that need it
(backreferences, lookarounds) and matches everything else in linear time.

Its ``\\w``, ``\\d``, ``\\s`` and ``\\b`` are ASCII; the text the rules see is
lower case without accents (``taxonomy.normalize``), so French and English
words are ASCII words. ``\\pL`` matches any letter.

>>> compile_keyword(r"\\b(colis|livr\\w*)\\b").search("le livreur") is not None
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import re2

from fluide.i18n import N_

MAX_KEYWORDS = 20
"""Keyword patterns per tag."""
MAX_KEYWORD_CHARS = 1000
"""Characters per pattern (the longest default one has 676)."""
MAX_TAG_KEYWORD_CHARS = 4000
"""Characters of all of a tag's patterns together."""
MAX_MEM = 1 << 20
"""Memory RE2 may use for one compiled pattern (the default ones need under 64 KiB)."""

# RE2's own error texts for the two constructs it leaves out on purpose.
_NUMBERED_BACKREFERENCE = re.compile(r"invalid escape sequence: \\[1-9]")
_LOOKAROUND = re.compile(r"invalid perl operator: \(\?<?[=!]")
_OPEN_MIN = re.compile(r"(?<!\\)(?:\\\\)*\{,\d*\}")


class KeywordError(ValueError):
    """A pattern that cannot be a keyword: ``message`` is a msgid, ``params`` fill it."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params)
        self.message = message
        self.params = params
        self.index: int | None = None


def _options() -> Any:
    options = re2.Options()
    options.max_mem = MAX_MEM
    options.never_capture = True  # a yes/no match: the fastest RE2 engine
    options.log_errors = False
    return options


def compile_keyword(pattern: str) -> Any:
    """``pattern`` compiled by RE2, or a :class:`KeywordError` naming the rule it breaks."""
    if len(pattern) > MAX_KEYWORD_CHARS:
        raise KeywordError(
            N_("%(value)s is too long: a keyword has at most %(max)s characters."),
            value=pattern[:80] + "…",
            max=MAX_KEYWORD_CHARS,
        )
    if _OPEN_MIN.search(pattern):
        # Python reads {,3} as {0,3}; RE2 as the literal text "{,3}": say it rather than guess.
        raise KeywordError(N_("%(value)s uses {,n}: write {0,n} (RE2 syntax)."), value=pattern)
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        raise _refusal(pattern, exc) from None


def _refusal(pattern: str, exc: Exception) -> KeywordError:
    reason = exc.args[0] if exc.args else ""
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    reason = str(reason)
    # RE2 names only "(?P" for a named backreference (?P=name).
    named = "(?P=" in pattern and "(?P" in reason
    if named or _NUMBERED_BACKREFERENCE.search(reason):
        return KeywordError(
            N_(
                "%(value)s uses a backreference (\\1, (?P=name)): keywords are RE2 patterns, "
                "which do not support them."
            ),
            value=pattern,
        )
    if _LOOKAROUND.search(reason):
        return KeywordError(
            N_(
                "%(value)s uses a lookahead or lookbehind ((?=, (?!, (?<=, (?<!): keywords are "
                "RE2 patterns, which do not support them."
            ),
            value=pattern,
        )
    return KeywordError(
        N_("%(value)s is not a valid regular expression (RE2 syntax): %(reason)s."),
        value=pattern,
        reason=reason,
    )


def check_keywords(patterns: Sequence[str]) -> list[Any]:
    """A tag's patterns compiled, or the first :class:`KeywordError` (``index`` names the
    pattern; ``None`` for the list as a whole)."""
    if len(patterns) > MAX_KEYWORDS:
        raise KeywordError(N_("A tag has at most %(max)s keywords."), max=MAX_KEYWORDS)
    total = sum(len(p) for p in patterns)
    if total > MAX_TAG_KEYWORD_CHARS:
        raise KeywordError(
            N_(
                "The keywords of a tag have at most %(max)s characters together "
                "(these have %(count)s)."
            ),
            max=MAX_TAG_KEYWORD_CHARS,
            count=total,
        )
    compiled = []
    for i, pattern in enumerate(patterns):
        try:
            compiled.append(compile_keyword(pattern))
        except KeywordError as exc:
            exc.index = i
            raise
    return compiled
