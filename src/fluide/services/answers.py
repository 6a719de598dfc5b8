"""What makes an answer valid: a point of the question's scale, a comment of
reasonable length, extra answers matching the extra questions."""

from __future__ import annotations

import re
from typing import Any, Final

from fluide.domain.scales import SCALES, Polarity, Question, Scale
from fluide.services.errors import ServiceError
from fluide.storage.models import QuestionVersion

MAX_COMMENT: Final = 5000
"""Longest comment kept, in characters (after stripping)."""

DEFAULT_EXTRA_SCALE: Final = "1-5"
_DIGITS = re.compile(r"^[0-9]{1,3}$")


def allowed_values(question: Question) -> str:
    """The points of the question's scale, as a message names them: ``1, 2, 3``."""
    return ", ".join(str(p) for p in question.points)


def _score_error(question: Question, given: object) -> ServiceError:
    symbols = sorted(k for k in question.tokens() if not k.isdigit())
    return ServiceError(
        "score_out_of_scale",
        "The score must be one of %(allowed)s.",
        details={
            "given": given if isinstance(given, int | str) else repr(given),
            "allowed": list(question.points),
            "also_accepted": symbols,
            "scale": question.scale.key,
        },
        allowed=allowed_values(question),
    )


def parse_score(question: Question, score: int | str | None) -> int:
    """The point ``score`` stands for (a number or one of the scale's symbols).

    A score outside the scale is refused with a message naming the allowed values.
    """
    if score is None or (isinstance(score, str) and not score.strip()):
        raise ServiceError(
            "score_required",
            "Choose a score: %(allowed)s.",
            details={"allowed": list(question.points)},
            allowed=allowed_values(question),
        )
    if isinstance(score, bool) or not isinstance(score, int | str):
        raise _score_error(question, score)
    if isinstance(score, int):
        if score in question.points:
            return score
        raise _score_error(question, score)
    key = score.strip()
    accepted = question.tokens()
    if key in accepted:
        return accepted[key]
    if _DIGITS.match(key) and int(key) in question.points:
        return int(key)
    raise _score_error(question, score[:50])


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    # PostgreSQL refuses NUL characters in text and JSON; they carry nothing a person wrote.
    text = value.replace("\x00", "").strip()
    return text or None


def clean_comment(comment: str | None) -> str | None:
    """The comment stripped, ``None`` if empty; refused beyond :data:`MAX_COMMENT` characters."""
    text = _clean_text(comment)
    if text is not None and len(text) > MAX_COMMENT:
        raise ServiceError(
            "invalid_comment",
            "The comment is too long: %(length)s characters, at most %(max)s.",
            length=len(text),
            max=MAX_COMMENT,
        )
    return text


def extra_scale(spec: dict[str, Any]) -> Scale:
    return SCALES.get(str(spec.get("scale") or DEFAULT_EXTRA_SCALE), SCALES[DEFAULT_EXTRA_SCALE])


def clean_extras(version: QuestionVersion, answers: dict[str, Any]) -> dict[str, Any]:
    """Extra answers checked against the version's extra questions; empty answers dropped."""
    specs = {str(q["key"]): q for q in version.extra_questions or []}
    out: dict[str, Any] = {}
    for key, value in answers.items():
        spec = specs.get(key)
        if spec is None:
            raise ServiceError(
                "invalid_extra_answer",
                "There is no extra question %(key)s; expected: %(allowed)s.",
                key=str(key)[:100],
                allowed=", ".join(specs) or "—",
            )
        if spec.get("kind", "scale") == "text":
            if value is not None and not isinstance(value, str):
                value = str(value)
            text = _clean_text(value)
            if text is not None and len(text) > MAX_COMMENT:
                raise ServiceError(
                    "invalid_extra_answer",
                    "The answer to %(key)s is too long: at most %(max)s characters.",
                    key=key,
                    max=MAX_COMMENT,
                )
            if text is not None:
                out[key] = text
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        scale = extra_scale(spec)
        try:
            out[key] = parse_score(Question(scale, Polarity.EASE), value)
        except ServiceError:
            raise ServiceError(
                "invalid_extra_answer",
                "The answer to %(key)s must be one of %(allowed)s.",
                key=key,
                allowed=", ".join(str(p) for p in scale.points),
            ) from None
    return out
