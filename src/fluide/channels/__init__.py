"""Channels: the same invitation composed for e-mail, chat, the in-app widget, or a link.

Composing is pure (an :class:`InvitationMessage` in, a message out); sending
reports a :class:`DeliveryResult` that the job runner turns into ``sent``,
``retry`` (temporary: retried with back-off) or ``failed`` (kept, visible).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from fluide.i18n import gettext


@dataclass(frozen=True)
class ScaleLink:
    """One point of the scale, with the link that records it in one click."""

    point: int
    label: str  # the point's label in the message language ("" for unnamed middles)
    symbol: str  # what to print: the number, or the face on emoji-3
    url: str


@dataclass(frozen=True)
class InvitationMessage:
    """Everything a channel needs to ask one invitation's question."""

    invitation_id: str
    workspace_id: str
    workspace_name: str
    lang: str  # "fr" or "en"
    touchpoint: str  # key, e.g. "payer"
    task: str  # the action, as the workspace names it ("payer")
    question: str  # in ``lang`` (French when no English was given)
    comment_prompt: str
    scale: str  # "1-7"…
    polarity: str  # "ease" or "effort"
    points: tuple[ScaleLink, ...]
    low_label: str  # label of the first point
    high_label: str  # label of the last point
    survey_url: str  # the page: question, scale, free field
    opt_out_url: str  # stops every future CES for this user
    email: str | None
    user_id: str  # the host's id for the user
    channel: str
    agent_id: str | None = None
    ticket_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def t(self, msgid: str, **params: object) -> str:
        """A text of the message, in its language."""
        return gettext(self.lang, msgid, **params)


@dataclass(frozen=True)
class DeliveryResult:
    """What one attempt to send gave.

    ``retry``: temporary (network down, SMTP 4xx, HTTP 5xx/429): try again
    later. ``failed``: permanent (SMTP 5xx refusal, no address, HTTP 4xx):
    stop and show it.
    """

    status: Literal["sent", "retry", "failed"]
    detail: str = ""
    provider_id: str | None = None
    # Beside the outcome (not compared: two attempts with the same outcome are equal).
    data: dict[str, object] | None = field(default=None, compare=False)
    """A 2xx answer's JSON object, when the caller asked for it (help-desk pushes)."""
    code: int | None = field(default=None, compare=False)
    """The HTTP status answered, if any."""
    retry_after: int | None = field(default=None, compare=False)
    """The answer's ``Retry-After``, in seconds."""
