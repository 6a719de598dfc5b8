"""A stored question version as the domain's :class:`~fluide.domain.scales.Question`."""

from __future__ import annotations

from fluide.domain.scales import EffortGroups, Question, polarity_by_key, scale_by_key
from fluide.storage.models import QuestionVersion

DEFAULT_COMMENT_PROMPT = {
    "fr": "Qu'est-ce qui aurait pu être plus simple ?",
    "en": "What could have been easier?",
}
"""The comment prompt a version stores when the touchpoint gives none."""


def question_of(v: QuestionVersion) -> Question:
    """The domain question a version asked (scale, polarity, effort groups)."""
    return Question(
        scale_by_key(v.scale),
        polarity_by_key(v.polarity),
        EffortGroups(v.low_max, v.high_min),
        version=str(v.number),
    )
