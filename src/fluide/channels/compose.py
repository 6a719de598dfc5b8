"""Build the :class:`InvitationMessage` of an invitation from storage."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from fluide.channels import InvitationMessage, ScaleLink
from fluide.domain import tokens
from fluide.domain.scales import Question
from fluide.domain.task_names import task_in
from fluide.i18n import DEFAULT_LANG, lang_of
from fluide.settings import Settings
from fluide.storage import repo
from fluide.storage.models import EndUser, Touchpoint, Workspace
from fluide.storage.questions import DEFAULT_COMMENT_PROMPT, question_of

OPT_OUT_PURPOSE = "opt-out"


class NoInvitation(LookupError):
    """The invitation to compose is not stored (erased since it was queued)."""


def opt_out_token(settings: Settings, workspace_id: str, user_id: str) -> str:
    """A signed token naming one user of one workspace, for the opt-out link."""
    return tokens.sign(
        settings.secret + b"|" + OPT_OUT_PURPOSE.encode(), f"{workspace_id}:{user_id}"
    )


def read_opt_out_token(settings: Settings, token: str) -> tuple[str, str] | None:
    """``(workspace_id, user_id)`` of an opt-out token we signed, else ``None``."""
    value = tokens.verify(settings.secret + b"|" + OPT_OUT_PURPOSE.encode(), token)
    if value is None or ":" not in value:
        return None
    ws, _, user = value.partition(":")
    return ws, user


def _text(texts: dict[str, str] | None, lang: str) -> str:
    texts = texts or {}
    return texts.get(lang) or texts.get(DEFAULT_LANG) or next(iter(texts.values()), "")


def build_message(
    *,
    invitation_id: str,
    ws: Workspace,
    lang: str,
    question: Question,
    question_texts: dict[str, str],
    comment_prompt: dict[str, str] | None,
    touchpoint: str,
    task: str,
    survey_url: str,
    point_url: Callable[[int], str],
    opt_out_url: str,
    email: str | None,
    user_id: str,
    channel: str,
    agent_id: str | None = None,
    ticket_id: str | None = None,
) -> InvitationMessage:
    """The message of one question in ``lang``: a stored invitation's, or the editor's preview.

    ``point_url(p)`` is the link of point ``p`` on the scale.
    """
    labels = question.labels()
    symbols = {p: str(p) for p in question.points}
    if question.scale.symbols:
        # The face printed on each point's label (the same as the survey page's).
        symbols = {p: labels[p][lang].split(" ", 1)[0] for p in question.points}
    points = tuple(
        ScaleLink(p, labels[p][lang] if labels[p][lang] != str(p) else "", symbols[p], point_url(p))
        for p in question.points
    )
    prompt = comment_prompt or DEFAULT_COMMENT_PROMPT
    return InvitationMessage(
        invitation_id=invitation_id,
        workspace_id=ws.id,
        workspace_name=ws.sender_name or ws.name,
        lang=lang,
        touchpoint=touchpoint,
        task=task,
        question=_text(question_texts, lang),
        comment_prompt=_text(prompt, lang) or DEFAULT_COMMENT_PROMPT[lang],
        scale=question.scale.key,
        polarity=question.polarity.value,
        points=points,
        low_label=labels[1][lang],
        high_label=labels[question.k][lang],
        survey_url=survey_url,
        opt_out_url=opt_out_url,
        email=email,
        user_id=user_id,
        channel=channel,
        agent_id=agent_id,
        ticket_id=ticket_id,
    )


def invitation_message(s: Session, settings: Settings, invitation_id: str) -> InvitationMessage:
    """The message of one invitation, in the customer's language."""
    inv = repo.invitation(s, None, invitation_id)
    if inv is None:
        raise NoInvitation(invitation_id)
    version = repo.version_by_id(s, inv.workspace_id, inv.question_version_id)
    tp = s.get(Touchpoint, inv.touchpoint_id)
    ws = s.get(Workspace, inv.workspace_id)
    user = s.get(EndUser, inv.user_id)
    assert version is not None and tp is not None and ws is not None and user is not None
    lang = lang_of(inv.locale)
    url = f"{settings.public_url}/s/{tokens.sign(settings.secret, inv.id)}"
    return build_message(
        invitation_id=inv.id,
        ws=ws,
        lang=lang,
        question=question_of(version),
        question_texts=version.question,
        comment_prompt=version.comment_prompt,
        touchpoint=tp.key,
        task=task_in(tp.task_names, lang, tp.task),
        survey_url=url,
        point_url=lambda p: f"{url}?score={p}",
        opt_out_url=f"{settings.public_url}/o/{opt_out_token(settings, ws.id, user.id)}",
        email=user.email,
        user_id=user.external_id,
        channel=inv.channel,
        agent_id=(inv.context or {}).get("agent_id"),
        ticket_id=(inv.context or {}).get("ticket_id"),
    )
