"""Keyword rules: each tag's patterns, matched on the normalised text.

They add precision next to the model, and keep tagging alive when the model
cannot load. A rule either matches (confidence :data:`RULE_CONFIDENCE`) or not.
Patterns are matched by RE2 (:mod:`fluide.tagging.keywords`), in linear time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from fluide.domain.taxonomy import MAX_TAGS, TagDef, Taxonomy, normalize
from fluide.tagging.keywords import KeywordError, compile_keyword

RULE_CONFIDENCE = 0.8

log = logging.getLogger(__name__)


@lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> tuple[Any, ...]:
    """The patterns RE2 takes; one stored before the rules were checked is skipped, with a
    warning (once per process), rather than stopping the tagging of every workspace."""
    out = []
    for p in patterns:
        try:
            out.append(compile_keyword(p))
        except KeywordError as exc:
            log.warning("keyword rule skipped: %s", exc)
    return tuple(out)


def matches(tag: TagDef, normalized_text: str) -> int:
    """How many of the tag's patterns match (0 = none)."""
    return sum(1 for p in _compiled(tag.keywords) if p.search(normalized_text))


def rule_scores(taxonomy: Taxonomy, text: str) -> dict[str, float]:
    """Each tag's rule confidence for ``text``: :data:`RULE_CONFIDENCE` on a match, else 0.

    >>> from fluide.domain.taxonomy import DEFAULT_TAXONOMY
    >>> rule_scores(DEFAULT_TAXONOMY, "Plus d'internet depuis hier")["outage"]
    0.8
    """
    t = normalize(text)
    return {tag.key: RULE_CONFIDENCE if matches(tag, t) else 0.0 for tag in taxonomy.tags}


def rule_tags(taxonomy: Taxonomy, texts: Sequence[str]) -> list[tuple[str, ...]]:
    """The tags the rules alone give each text (at most three, in taxonomy order)."""
    out = []
    for text in texts:
        s = rule_scores(taxonomy, text)
        out.append(tuple(k for k, v in s.items() if v > 0)[:MAX_TAGS])
    return out
