"""What a customer would see of a touchpoint, and a test event decided without storing.

The preview builds its :class:`InvitationMessage` with the function that builds
an invitation's (:func:`fluide.channels.compose.build_message`), from the editor's
values instead of a stored row, so the widget card, the e-mail and the survey
page are drawn by the code that draws them for customers.

The test event is a **dry run**: it is decided by the same rules
(:func:`fluide.domain.fatigue.decide`, the workspace's active touchpoints,
its fatigue, the test user's real history if that user exists) and nothing
is written: no event, no user, no invitation, no delivery. The workspace's
figures cannot move, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.channels import InvitationMessage
from fluide.channels.compose import build_message
from fluide.channels.email import compose_email
from fluide.domain.fatigue import Decision, EventFacts, UserHistory, decide
from fluide.domain.scales import EffortGroups, Question, polarity_by_key, scale_by_key
from fluide.domain.task_names import task_in
from fluide.i18n import DEFAULT_LANG, lang_of
from fluide.services import survey
from fluide.services.branding import brand_of
from fluide.services.email_templates import template_for
from fluide.services.errors import ServiceError
from fluide.services.touchpoints import touchpoint_of
from fluide.services.widget import card_of
from fluide.settings import Settings
from fluide.storage import decisions as store
from fluide.storage import repo
from fluide.storage.models import Workspace
from fluide.storage.rules import rules_for
from fluide.storage.types import new_id, utcnow

PREVIEW_ID: Final = "preview"
"""The invitation id of a preview: no such invitation exists."""
PREVIEW_URL: Final = "#preview"
"""Every link of a preview: it leads nowhere, so nothing can be answered."""
TEST_USER: Final = "fluide-test"
"""The default test user id (never stored: a test event writes nothing)."""


@dataclass(frozen=True)
class Draft:
    """The question as the editor holds it (not necessarily saved)."""

    task: str
    question: dict[str, str]
    comment_prompt: dict[str, str] | None
    scale: str
    polarity: str
    expires_after_hours: float = 24.0
    task_names: dict[str, str] | None = None


@dataclass(frozen=True)
class Preview:
    """One invitation as each channel shows it, in one language."""

    lang: str
    channel: str
    message: InvitationMessage
    widget: dict[str, Any]
    email_subject: str
    email_html: str
    survey: survey.SurveyView


def draft_of(body: dict[str, Any]) -> Draft:
    """The draft of an editor body (the API's fields)."""
    return Draft(
        task=str(body["task"]),
        question=dict(body["question"]),
        comment_prompt=body.get("comment_prompt"),
        scale=str(body["scale"]),
        polarity=str(body["polarity"]),
        expires_after_hours=float(body.get("expires_after_hours") or 24),
        task_names=body.get("task_names"),
    )


def message_of(
    draft: Draft, ws: Workspace, lang: str, channel: str, user_id: str = TEST_USER
) -> InvitationMessage:
    """The invitation message of ``draft``, built by :mod:`fluide.channels.compose`."""
    return build_message(
        invitation_id=PREVIEW_ID,
        ws=ws,
        lang=lang,
        question=Question(scale_by_key(draft.scale), polarity_by_key(draft.polarity)),
        question_texts=draft.question,
        comment_prompt=draft.comment_prompt,
        touchpoint="",
        task=task_in(draft.task_names, lang, draft.task),
        survey_url=PREVIEW_URL,
        point_url=lambda _p: PREVIEW_URL,
        opt_out_url=PREVIEW_URL,
        email=None,
        user_id=user_id,
        channel=channel,
    )


def _survey_view(ws: Workspace, draft: Draft, lang: str, now: datetime) -> survey.SurveyView:
    question = Question(scale_by_key(draft.scale), polarity_by_key(draft.polarity))
    labels = question.labels()
    text, text_lang = survey.question_text(draft.question, lang)
    prompt, prompt_lang = survey.prompt_text(draft.comment_prompt, lang)
    middle = labels.get((question.k + 1) // 2) if question.k % 2 == 1 else None
    return survey.SurveyView(
        invitation_id=PREVIEW_ID,
        lang=lang,
        question=text,
        question_lang=text_lang,
        comment_prompt=prompt,
        comment_prompt_lang=prompt_lang,
        scale=question.scale.key,
        polarity=question.polarity.value,
        points=survey.points_of(question, lang),
        low_label=labels[1][lang],
        high_label=labels[question.k][lang],
        middle_label=middle[lang] if middle else None,
        score=None,
        comment=None,
        extra_questions=(),
        expired=False,
        expires_at=now + timedelta(hours=draft.expires_after_hours),
        responded_at=None,
        # The name and colour as customers will see them; the logo is served only to a
        # real survey link, so the preview leaves it out.
        brand=replace(brand_of(ws), has_logo=False),
    )


def preview(
    s: Session,
    settings: Settings,
    ws: Workspace,
    draft: Draft,
    lang: str,
    channel: str = "in_app",
    now: datetime | None = None,
) -> Preview:
    """``draft`` as the widget, the e-mail and the survey page show it in ``lang``."""
    now = now or utcnow()
    lang = lang_of(lang)
    msg = message_of(draft, ws, lang, channel)
    expires_at = now + timedelta(hours=draft.expires_after_hours)
    card = card_of(msg, PREVIEW_ID, "", channel, expires_at, shown=True)
    email = compose_email(msg, settings, template_for(s, ws.id, lang), idempotency_key=PREVIEW_ID)
    html_part = email.get_body(("html",))
    assert html_part is not None
    return Preview(
        lang=lang,
        channel=channel,
        message=msg,
        widget=card,
        email_subject=str(email["Subject"]),
        email_html=html_part.get_content(),
        survey=_survey_view(ws, draft, lang, now),
    )


@dataclass(frozen=True)
class DryRunEvent:
    """What the admin sends: an event type, its outcome, for a user, on a channel."""

    event_type: str
    outcome: str | None = None
    user_id: str = TEST_USER
    channel: str | None = None
    lang: str = DEFAULT_LANG


@dataclass(frozen=True)
class DryRunResult:
    """The decision a test event got, and the invitation it would have made."""

    event: DryRunEvent
    decision: str
    touchpoint: str | None
    reason: dict[str, object]
    known_user: bool
    preview: Preview | None


def _check(event: DryRunEvent) -> None:
    if not 1 <= len(event.event_type) <= 200 or any(c.isspace() for c in event.event_type):
        raise ServiceError(
            "invalid",
            "The event type needs 1 to 200 characters, without spaces.",
            details=[{"field": "event_type"}],
        )
    if event.outcome is not None and len(event.outcome) > 64:
        raise ServiceError(
            "invalid", "The outcome has at most 64 characters.", details=[{"field": "outcome"}]
        )
    if not 1 <= len(event.user_id) <= 200:
        raise ServiceError(
            "invalid", "The user id needs 1 to 200 characters.", details=[{"field": "user_id"}]
        )


def dry_run(
    factory: sessionmaker[Session],
    settings: Settings,
    ws_id: str,
    key: str,
    event: DryRunEvent,
    now: datetime | None = None,
) -> DryRunResult:
    """The decision ``event`` would get now, and its invitation; nothing is stored."""
    _check(event)
    now = now or utcnow()
    with factory() as s:
        touchpoint_of(s, ws_id, key)  # a 404 for another workspace's key
        ws = s.get(Workspace, ws_id)
        state = store.workspace_rules(s, ws_id)
        assert ws is not None and state is not None
        fatigue_days, version = state
        rules = rules_for(s, ws_id, version)
        user = repo.user_by_external_id(s, ws_id, event.user_id)
        history = UserHistory()
        if user is not None:
            last = store.invitation_histories(s, ws_id, [user.id]).get(user.id, {})
            history = UserHistory(user.opted_out_at is not None, user.last_invited_at, last)
        outcome = decide(
            EventFacts(new_id("test"), event.event_type, event.outcome, now),
            rules.rules(),
            history,
            now=now,
            fatigue_days=fatigue_days,
        )
        shown: Preview | None = None
        active = rules.by_key(outcome.touchpoint)
        if outcome.decision == Decision.INVITED and active is not None:
            row = touchpoint_of(s, ws_id, active.rule.key)
            current = repo.version_by_id(s, ws_id, active.current_version_id or "")
            assert current is not None
            channels = list(active.channels)
            channel = event.channel if event.channel in channels else channels[0]
            draft = Draft(
                row.task,
                current.question,
                current.comment_prompt,
                current.scale,
                current.polarity,
                row.expires_after_hours,
                row.task_names,
            )
            lang = lang_of(user.locale) if user is not None and user.locale else event.lang
            shown = preview(s, settings, ws, draft, lang, channel, now)
        return DryRunResult(
            event=event,
            decision=str(outcome.decision),
            touchpoint=outcome.touchpoint,
            reason=dict(outcome.reason),
            known_user=user is not None,
            preview=shown,
        )


def groups_of(draft: Draft) -> EffortGroups:
    """The default effort groups of the draft's scale (shown beside empty cut points)."""
    return Question(scale_by_key(draft.scale), polarity_by_key(draft.polarity)).groups
