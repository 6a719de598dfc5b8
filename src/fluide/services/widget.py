"""The in-app widget: a signed user sees their pending question, answers it, or dismisses it.

The host's page carries the workspace's public key (``pk_…``), its user's id
and ``user_hmac(widget_secret, user_id)``, computed by the host's *server*
with the widget secret (never sent to a browser). Every widget call checks
that signature in constant time, so a browser can only read, answer, dismiss
or send events for the user the host signed: nobody can answer as someone
else, even knowing the public key and another user's id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from fluide import secretbox
from fluide.channels import InvitationMessage
from fluide.channels.compose import invitation_message
from fluide.domain import tokens
from fluide.inputs.requests import EventIn, UserIn
from fluide.services.browser_events import (
    WIDGET_CHANNELS,
    check_properties,
    check_type,
    rate_guard,
)
from fluide.services.errors import ServiceError
from fluide.services.events import record_events
from fluide.services.responses import Recorded, invalid_token, record
from fluide.services.workspace_settings import secret_of
from fluide.settings import Settings
from fluide.storage import repo
from fluide.storage import widget as widget_repo
from fluide.storage.db import write_session
from fluide.storage.models import Invitation, Workspace
from fluide.storage.types import utcnow

PUBLIC_KEY_PREFIX: Final = "pk_"
PUBLIC_KEY: Final = re.compile(r"[A-Za-z0-9_\-]{1,64}")
"""What a public key may look like (any prefix): anything else is unknown without a query."""
USER_ID: Final = re.compile(r"[^\x00]{1,200}")
"""A user id as the events API takes it (no NUL: it could never be stored)."""

Mark = Literal["shown", "dismissed"]


@dataclass(frozen=True)
class WidgetKeys:
    public_key: str  # safe in a page: names the workspace
    secret: str  # kept on the host's server: signs user ids


def user_hmac(secret: str, user_id: str) -> str:
    """What the host's server puts in ``data-sig``: hex HMAC-SHA256 of the user id.

    >>> user_hmac("s3cret", "u-42")[:16]
    'a9027c183213595f'
    """
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def ensure_widget_keys(
    factory: sessionmaker[Session], settings: Settings, workspace_id: str
) -> WidgetKeys:
    """The workspace's widget keys, made (once) if it has none yet."""
    with write_session(factory) as s:
        ws = s.get_one(Workspace, workspace_id)
        if not ws.widget_public_key or not ws.widget_secret:
            ws.widget_public_key = PUBLIC_KEY_PREFIX + secrets.token_urlsafe(18)
            ws.widget_secret = secretbox.seal(settings, secrets.token_urlsafe(32))
        elif not secretbox.is_sealed(ws.widget_secret):  # legacy plaintext: sealed now
            ws.widget_secret = secretbox.seal(settings, ws.widget_secret)
        secret = secret_of(settings, ws.widget_secret)
        assert secret is not None  # set just above if it was missing
        return WidgetKeys(ws.widget_public_key, secret)


# --- Checks ---------------------------------------------------------------------------------


def _unknown_key() -> ServiceError:
    return ServiceError(
        "invalid_widget_key",
        "This widget key is unknown: use your workspace's public key (pk_…).",
        status=403,
    )


def _bad_signature() -> ServiceError:
    return ServiceError(
        "invalid_signature",
        "The user signature is missing or wrong: the host's server must compute "
        "HMAC-SHA256 of the user id with the widget secret.",
        status=403,
    )


def authenticate(
    s: Session, settings: Settings, public_key: str, user_id: str, sig: str
) -> Workspace:
    """The workspace of ``public_key`` if ``sig`` signs ``user_id``; a 403 otherwise.

    A widget secret no configured key decrypts is a 503 naming the setting to fix.
    """
    if not PUBLIC_KEY.fullmatch(public_key or ""):
        raise _unknown_key()
    ws = widget_repo.workspace_by_public_key(s, public_key)
    if ws is None or not ws.widget_secret:
        raise _unknown_key()
    if not USER_ID.fullmatch(user_id or ""):
        raise _bad_signature()
    secret = secret_of(settings, ws.widget_secret) or ""
    try:
        expected = user_hmac(secret, user_id).encode()
        given = (sig or "").strip().lower().encode()
    except UnicodeEncodeError:  # a lone surrogate: no host could have signed it
        raise _bad_signature() from None
    if not hmac.compare_digest(expected, given):
        raise _bad_signature()
    return ws


def _no_invitation(invitation_id: str) -> ServiceError:
    return ServiceError("not_found", "No invitation %(value)s.", status=404, value=invitation_id)


def _own_invitation(s: Session, ws: Workspace, user_id: str, invitation_id: str) -> Invitation:
    """The invitation if it is this user's; another user's is unknown (404), never shown."""
    inv = repo.invitation(s, ws.id, invitation_id)
    user = repo.user_by_external_id(s, ws.id, user_id)
    if inv is None or user is None or inv.user_id != user.id:
        raise _no_invitation(invitation_id)
    return inv


# --- What the card shows --------------------------------------------------------------------


def card(s: Session, settings: Settings, inv: Invitation) -> dict[str, Any]:
    """What the widget shows for one invitation, with the signed token it answers with."""
    msg = invitation_message(s, settings, inv.id)
    token = tokens.sign(settings.secret, inv.id)
    return card_of(msg, inv.id, token, inv.channel, inv.expires_at, inv.shown_at is not None)


def card_of(
    msg: InvitationMessage,
    invitation_id: str,
    token: str,
    channel: str,
    expires_at: datetime,
    shown: bool,
) -> dict[str, Any]:
    """The card of a message (the editor's preview draws one for no stored invitation)."""
    emoji = msg.scale.startswith("emoji")
    points = []
    for p in msg.points:
        label, symbol = p.label, p.symbol
        if emoji:  # "😞 Difficile": the face the labels use, then the word
            symbol, _, label = p.label.partition(" ")
        points.append({"value": p.point, "label": label, "symbol": symbol})
    return {
        "id": invitation_id,
        "token": token,
        "lang": msg.lang,
        "channel": channel,
        "touchpoint": msg.touchpoint,
        "question": msg.question,
        "comment_prompt": msg.comment_prompt,
        "scale": msg.scale,
        "polarity": msg.polarity,
        "points": points,
        "low_label": msg.low_label,
        "high_label": msg.high_label,
        "expires_at": expires_at.isoformat(),
        "shown": shown,
    }


# --- Use cases ------------------------------------------------------------------------------


def pending(
    session: Session,
    settings: Settings,
    public_key: str,
    user_id: str,
    sig: str,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """The card of the user's newest open widget invitation, or ``None``.

    Open: on the ``in_app`` or ``popover`` channel, not expired, not answered,
    not dismissed.
    """
    ws = authenticate(session, settings, public_key, user_id, sig)
    user = repo.user_by_external_id(session, ws.id, user_id)
    if user is None:
        return None
    inv = widget_repo.pending_invitation(session, ws.id, user.id, WIDGET_CHANNELS, now or utcnow())
    return None if inv is None else card(session, settings, inv)


def mark(
    factory: sessionmaker[Session],
    settings: Settings,
    public_key: str,
    user_id: str,
    sig: str,
    invitation_id: str,
    what: Mark,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record that the card was shown, or dismissed (idempotent: the first moment is kept).

    A dismissed invitation was shown too, and is never offered again.
    """
    moment = now or utcnow()
    with write_session(factory) as s:
        ws = authenticate(s, settings, public_key, user_id, sig)
        inv = _own_invitation(s, ws, user_id, invitation_id)
        if inv.shown_at is None:
            inv.shown_at = moment
        if what == "dismissed" and inv.dismissed_at is None:
            inv.dismissed_at = moment
        return {
            "id": inv.id,
            "shown_at": inv.shown_at.isoformat(),
            "dismissed_at": inv.dismissed_at.isoformat() if inv.dismissed_at else None,
        }


def track(
    factory: sessionmaker[Session],
    settings: Settings,
    public_key: str,
    user_id: str,
    sig: str,
    event_type: str,
    properties: dict[str, Any] | None,
    locale: str | None,
    now: datetime | None = None,
    dispatch: Callable[[list[str]], None] | None = None,
) -> dict[str, Any]:
    """An event sent from the browser, decided like any other; the decision and its card.

    The event's user is the signed user, never one the browser names. Its
    type, properties and rate follow :mod:`fluide.services.browser_events`.
    Its id is ``web-`` and a random UUID; it happened ``now``; when it invites,
    the invitation goes to the in-app card if the touchpoint has that
    channel (else the touchpoint's first channel, e.g. ``popover``);
    ``dispatch`` wakes the sender when that channel needs one (e-mail).
    """
    moment = now or utcnow()
    props = properties or {}
    with factory() as s:
        ws = authenticate(s, settings, public_key, user_id, sig)
        check_type(event_type, repo.touchpoints(s, ws.id))
    check_properties(props)
    try:
        event = EventIn(
            id=f"web-{uuid.uuid4()}",
            type=event_type,
            occurred_at=moment,
            user=UserIn(id=user_id, locale=locale or None),
            channel="in_app",
            properties=props,
        )
    except ValidationError as exc:
        raise ServiceError(
            "invalid",
            "The request is not valid: %(count)s problem(s), see details.",
            details=[
                {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                for e in exc.errors()
            ],
            count=exc.error_count(),
        ) from None
    decision = record_events(
        factory,
        ws,
        [event],
        settings,
        now=moment,
        dispatch=dispatch,
        source="browser",
        guard=rate_guard(ws.id, settings.browser_events_per_minute),
    )[0]
    shown: dict[str, Any] | None = None
    invitation = decision.get("invitation")
    if invitation is not None and invitation["channel"] in WIDGET_CHANNELS:
        with factory() as s:
            inv = repo.invitation(s, ws.id, str(invitation["id"]))
            shown = card(s, settings, inv) if inv is not None else None
    return {
        "event_id": decision["event_id"],
        "decision": str(decision["decision"]),
        "touchpoint": decision.get("touchpoint"),
        "invitation": shown,
    }


def respond(
    factory: sessionmaker[Session],
    settings: Settings,
    public_key: str,
    user_id: str,
    sig: str,
    token: str,
    score: int | str,
    comment: str | None,
    now: datetime | None = None,
    *,
    keep_comment: bool = False,
) -> Recorded:
    """The signed user's answer to their own invitation (``token`` names it).

    The token alone is the credential of ``POST /v1/responses``; here the
    invitation must also be the signed user's. The card counts as shown.
    ``keep_comment``: no comment was sent, so the recorded one stays.
    """
    invitation_id = tokens.verify(settings.secret, token)
    if invitation_id is None:
        raise invalid_token()
    with factory() as s:
        ws = authenticate(s, settings, public_key, user_id, sig)
        _own_invitation(s, ws, user_id, invitation_id)
    recorded = record(factory, settings, token, score, comment, keep_comment=keep_comment, now=now)
    mark(factory, settings, public_key, user_id, sig, invitation_id, "shown", now=now)
    return recorded
