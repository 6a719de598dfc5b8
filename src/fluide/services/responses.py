"""Answers to invitations: record one, and gather what the survey page shows.

The signed token is the credential: whoever holds the link may answer the
question it names, once (answering again updates the same answer) and until
the invitation expires. An answer keeps its context as it was at the moment
of the action: touchpoint, question version, channel, outcome, agent, the
user's attributes, and the delay between the action and the answer.

Every refusal is a :class:`~fluide.services.errors.ServiceError` whose message
is an English msgid, so the JSON API and the survey page can both show it in
the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.scales import SCALES, Polarity, Question, Scale
from fluide.i18n import DEFAULT_LANG, SUPPORTED_LANGS
from fluide.services import tokens
from fluide.services.errors import ServiceError
from fluide.services.touchpoints import DEFAULT_COMMENT_PROMPT, question_of
from fluide.settings import Settings
from fluide.storage import repo
from fluide.storage.db import write_session
from fluide.storage.models import Invitation, QuestionVersion, Response
from fluide.storage.types import new_id, utcnow

MAX_COMMENT: Final = 5000
"""Longest comment kept, in characters (after stripping)."""

DEFAULT_EXTRA_SCALE: Final = "1-5"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^[0-9]{1,3}$")


# --- What the page shows -------------------------------------------------------------------


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
    max_comment: int = MAX_COMMENT

    @property
    def answered(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class Recorded:
    """A recorded answer, and whether it was the first one (201) or an update (200)."""

    response: dict[str, Any]
    created: bool


# --- Helpers --------------------------------------------------------------------------------


def _lang(locale: str | None) -> str:
    lang = (locale or DEFAULT_LANG)[:2].lower()
    return lang if lang in SUPPORTED_LANGS else DEFAULT_LANG


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


def _extra_scale(spec: dict[str, Any]) -> Scale:
    return SCALES.get(str(spec.get("scale") or DEFAULT_EXTRA_SCALE), SCALES[DEFAULT_EXTRA_SCALE])


def _clean_extras(version: QuestionVersion, answers: dict[str, Any]) -> dict[str, Any]:
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
        scale = _extra_scale(spec)
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


def _customer_since(attributes: dict[str, Any]) -> str | None:
    value = attributes.get("customer_since")
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        return None
    return value


def _invitation(s: Session, settings: Settings, token: str) -> Invitation:
    invitation_id = tokens.verify(settings.secret, token)
    inv = repo.invitation(s, None, invitation_id) if invitation_id else None
    if inv is None:
        raise invalid_token()
    return inv


def invalid_token() -> ServiceError:
    return ServiceError(
        "invalid_token",
        "This survey link is not valid: check that it was copied whole.",
        status=404,
    )


def _expired(inv: Invitation) -> ServiceError:
    return ServiceError(
        "expired",
        "This question has expired: answers are no longer collected.",
        status=410,
        details={"expires_at": inv.expires_at.isoformat()},
    )


def _version(s: Session, inv: Invitation) -> QuestionVersion:
    version = repo.version_by_id(s, inv.workspace_id, inv.question_version_id)
    if version is None:  # pragma: no cover - the foreign key forbids it
        raise invalid_token()
    return version


def to_json(r: Response, touchpoint: str | None, version: int | None) -> dict[str, Any]:
    return {
        "id": r.id,
        "invitation_id": r.invitation_id,
        "touchpoint": touchpoint,
        "question_version": version,
        "score": r.score,
        "comment": r.comment,
        "responded_at": r.responded_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
        "channel": r.channel,
        "outcome": r.outcome,
        "delay_seconds": r.delay_seconds,
    }


# --- Use cases ------------------------------------------------------------------------------


def _upsert(
    s: Session,
    settings: Settings,
    token: str,
    score: int | str | None,
    comment: str | None,
    extra_answers: dict[str, Any] | None,
    keep_comment: bool,
    moment: datetime,
) -> Recorded:
    inv = _invitation(s, settings, token)
    if moment >= inv.expires_at:
        raise _expired(inv)
    version = _version(s, inv)
    question = question_of(version)
    existing = repo.response_for(s, inv.workspace_id, inv.id)
    if score is None and existing is not None:
        value = existing.score
    else:
        value = parse_score(question, score)
    text = clean_comment(comment)
    if keep_comment and text is None and existing is not None:
        text = existing.comment
    extras = _clean_extras(version, extra_answers or {})
    tp = repo.touchpoint_by_id(s, inv.workspace_id, inv.touchpoint_id)
    key = tp.key if tp else None
    if existing is not None:
        existing.score = value
        existing.comment = text
        if extras:
            existing.extra_answers = {**(existing.extra_answers or {}), **extras}
        existing.updated_at = moment
        s.flush()
        return Recorded(to_json(existing, key, version.number), created=False)
    context = inv.context or {}
    attributes = dict(context.get("attributes") or {})
    agent = context.get("agent_id")
    row = Response(
        id=new_id("rsp"),
        workspace_id=inv.workspace_id,
        invitation_id=inv.id,
        touchpoint_id=inv.touchpoint_id,
        question_version_id=inv.question_version_id,
        user_id=inv.user_id,
        score=value,
        comment=text,
        extra_answers=extras,
        channel=inv.channel,
        outcome=inv.outcome,
        agent_id=str(agent) if agent is not None else None,
        attributes=attributes,
        customer_since=_customer_since(attributes),
        occurred_at=inv.occurred_at,
        responded_at=moment,
        updated_at=moment,
        delay_seconds=(moment - inv.occurred_at).total_seconds(),
    )
    repo.add(s, row)
    return Recorded(to_json(row, key, version.number), created=True)


def record(
    factory: sessionmaker[Session],
    settings: Settings,
    token: str,
    score: int | str | None,
    comment: str | None,
    *,
    extra_answers: dict[str, Any] | None = None,
    keep_comment: bool = False,
    now: datetime | None = None,
) -> Recorded:
    """Record the answer to the invitation ``token`` names, or update the one recorded.

    ``score=None`` keeps the recorded score (refused on a first answer);
    ``keep_comment`` keeps the recorded comment when none is given (the
    one-click link of an e-mail must not erase a comment written before).
    """
    if tokens.verify(settings.secret, token) is None:
        raise invalid_token()
    moment = now or utcnow()
    try:
        with write_session(factory) as s:
            return _upsert(s, settings, token, score, comment, extra_answers, keep_comment, moment)
    except IntegrityError:
        # Two first answers at the same moment (PostgreSQL): the other one won
        # the unique invitation_id; this one becomes an update of it.
        with write_session(factory) as s:
            return _upsert(s, settings, token, score, comment, extra_answers, keep_comment, moment)


def record_response(
    factory: sessionmaker[Session],
    settings: Settings,
    token: str,
    score: int | str,
    comment: str | None,
    *,
    extra_answers: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record (or update) the one answer to the invitation named by ``token``.

    Returns ``{"id", "invitation_id", "touchpoint", "question_version", "score",
    "comment", "responded_at", "updated_at", "channel", "outcome",
    "delay_seconds"}``.
    """
    return record(
        factory, settings, token, score, comment, extra_answers=extra_answers, now=now
    ).response


def invitation_id_of(settings: Settings, token: str) -> str | None:
    """The invitation a token names, if we signed it (no database access)."""
    return tokens.verify(settings.secret, token)


def survey_view(
    session: Session, settings: Settings, token: str, now: datetime | None = None
) -> SurveyView:
    """What the survey page shows; an expired invitation is a view with ``expired=True``."""
    inv = _invitation(session, settings, token)
    version = _version(session, inv)
    question = question_of(version)
    lang = _lang(inv.locale)
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
            points = _points(Question(_extra_scale(spec), Polarity.EASE), lang)
            if not _extra_scale(spec).symbols:
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
    )
