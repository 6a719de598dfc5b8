"""What the public survey page shows, in the customer's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from fluide.domain.scales import Polarity, Question
from fluide.i18n import DEFAULT_LANG, lang_of
from fluide.services.answers import MAX_COMMENT, extra_scale, parse_score
from fluide.services.branding import Brand, brand_of, logo_of
from fluide.services.follow_ups import CALLBACK_KEY
from fluide.services.responses import find_invitation, version_of
from fluide.services.workspaces import workspace_in
from fluide.settings import Settings
from fluide.storage import repo
from fluide.storage.questions import DEFAULT_COMMENT_PROMPT, question_of
from fluide.storage.types import utcnow


@dataclass(frozen=True)
class ScalePoint:
    """One point of a scale as the page shows it.

    ``label`` is the full text of the point in the page's language (the
    accessible name of its radio button); ``face`` is the emoticon of an
    emoji scale; ``word`` is the label's words when they say more than the
    number (the ends and the middle).
    """

    value: int
    label: str
    face: str | None = None
    word: str | None = None


@dataclass(frozen=True)
class ExtraQuestionView:
    """An extra question of a session-end survey (optional to answer)."""

    key: str
    text: str
    text_lang: str
    kind: str
    points: tuple[ScalePoint, ...]
    answer: Any


@dataclass(frozen=True)
class SurveyView:
    """Everything the public survey page shows for one invitation."""

    invitation_id: str
    lang: str
    question: str
    question_lang: str
    comment_prompt: str
    comment_prompt_lang: str
    scale: str
    polarity: str
    points: tuple[ScalePoint, ...]
    low_label: str
    high_label: str
    middle_label: str | None
    score: int | None
    comment: str | None
    extra_questions: tuple[ExtraQuestionView, ...]
    expired: bool
    expires_at: datetime
    responded_at: datetime | None
    brand: Brand
    callback: bool = False
    """The customer's consent to be contacted, as stored (the box shows it ticked)."""
    max_comment: int = MAX_COMMENT

    @property
    def answered(self) -> bool:
        return self.score is not None


def _text(texts: dict[str, str] | None, lang: str) -> tuple[str, str]:
    """The text in ``lang``, else in French; with the language it is written in."""
    texts = texts or {}
    if texts.get(lang):
        return texts[lang], lang
    if texts.get(DEFAULT_LANG):
        return texts[DEFAULT_LANG], DEFAULT_LANG
    for other, value in texts.items():
        if value:
            return value, other
    return "", lang


def _prompt(texts: dict[str, str] | None, lang: str) -> tuple[str, str]:
    """The comment prompt; the default prompt exists in every language."""
    texts = texts or {}
    if not texts.get(lang) and texts.get(DEFAULT_LANG) in (None, "", DEFAULT_COMMENT_PROMPT["fr"]):
        return DEFAULT_COMMENT_PROMPT[lang], lang
    return _text(texts, lang)


def _points(question: Question, lang: str) -> tuple[ScalePoint, ...]:
    out = []
    for value, texts in sorted(question.labels().items()):
        label = texts.get(lang) or texts[DEFAULT_LANG]
        face: str | None = None
        word: str | None = label if label != str(value) else None
        if question.scale.symbols:
            face, _, rest = label.partition(" ")
            word = rest or None
        out.append(ScalePoint(value, label, face, word))
    return tuple(out)


def survey_view(
    session: Session, settings: Settings, token: str, now: datetime | None = None
) -> SurveyView:
    """What the survey page shows; an expired invitation is a view with ``expired=True``."""
    inv = find_invitation(session, settings, token)
    version = version_of(session, inv)
    question = question_of(version)
    lang = lang_of(inv.locale)
    labels = question.labels()
    text, text_lang = _text(version.question, lang)
    prompt, prompt_lang = _prompt(version.comment_prompt, lang)
    existing = repo.response_for(session, inv.workspace_id, inv.id)
    answers = (existing.extra_answers or {}) if existing else {}
    extras = []
    for spec in version.extra_questions or []:
        kind = str(spec.get("kind", "scale"))
        extra_text, extra_lang = _text(spec.get("question"), lang)
        points: tuple[ScalePoint, ...] = ()
        if kind == "scale":
            points = _points(Question(extra_scale(spec), Polarity.EASE), lang)
            if not extra_scale(spec).symbols:
                points = tuple(ScalePoint(p.value, str(p.value)) for p in points)
        key = str(spec["key"])
        extras.append(
            ExtraQuestionView(key, extra_text, extra_lang, kind, points, answers.get(key))
        )
    middle = labels.get((question.k + 1) // 2) if question.k % 2 == 1 else None
    return SurveyView(
        invitation_id=inv.id,
        lang=lang,
        question=text,
        question_lang=text_lang,
        comment_prompt=prompt,
        comment_prompt_lang=prompt_lang,
        scale=question.scale.key,
        polarity=question.polarity.value,
        points=_points(question, lang),
        low_label=labels[1][lang],
        high_label=labels[question.k][lang],
        middle_label=middle[lang] if middle else None,
        score=existing.score if existing else None,
        comment=existing.comment if existing else None,
        extra_questions=tuple(extras),
        expired=(now or utcnow()) >= inv.expires_at,
        expires_at=inv.expires_at,
        responded_at=existing.responded_at if existing else None,
        brand=brand_of(workspace_in(session, inv.workspace_id)),
        callback=answers.get(CALLBACK_KEY) is True,
    )


def link_point(session: Session, settings: Settings, token: str, score: str) -> int:
    """The point a score link (``?score=N``, or a face) stands for; nothing is recorded.

    A score outside the scale is refused with a message naming the allowed values.
    """
    inv = find_invitation(session, settings, token)
    return parse_score(question_of(version_of(session, inv)), score)


def survey_logo(session: Session, settings: Settings, token: str) -> tuple[str, bytes]:
    """The logo of the workspace that sent this invitation: its type and bytes (or a 404)."""
    inv = find_invitation(session, settings, token)
    return logo_of(session, inv.workspace_id)


# For the touchpoint editor's preview, which draws a question not yet saved.
question_text = _text
prompt_text = _prompt
points_of = _points
