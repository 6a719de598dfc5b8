"""The sender of each channel Fluide drives: compose the invitation, send it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fluide import secretbox
from fluide.channels import DeliveryResult
from fluide.channels.compose import invitation_message
from fluide.jobs.deliveries import Sender
from fluide.settings import Settings
from fluide.storage.models import Delivery, EndUser, Invitation, Workspace


def _opted_out(s: Session, d: Delivery) -> DeliveryResult | None:
    """A user who opted out after the invitation was queued is not written to."""
    inv = s.get(Invitation, d.invitation_id)
    user = s.get(EndUser, inv.user_id) if inv else None
    if user is not None and user.opted_out_at is not None:
        return DeliveryResult("failed", "the user opted out before it was sent")
    return None


def send_email_delivery(s: Session, settings: Settings, d: Delivery) -> DeliveryResult:
    from fluide.channels.email import compose_email, send_email
    from fluide.services.email_templates import template_for

    if (stop := _opted_out(s, d)) is not None:
        return stop
    msg = invitation_message(s, settings, d.invitation_id)
    if not msg.email:
        return DeliveryResult("failed", "the user has no e-mail address")
    template = template_for(s, d.workspace_id, msg.lang)
    return send_email(
        settings, compose_email(msg, settings, template, idempotency_key=d.idempotency_key)
    )


def send_chat_delivery(s: Session, settings: Settings, d: Delivery) -> DeliveryResult:
    from fluide.channels.outbound import Policy
    from fluide.channels.webhook import compose_chat, post_webhook

    if (stop := _opted_out(s, d)) is not None:
        return stop
    ws = s.get(Workspace, d.workspace_id)
    if ws is None or not ws.chat_webhook_url or not ws.webhook_secret:
        return DeliveryResult("failed", "the workspace has no chat webhook configured")
    try:
        secret = secretbox.box(settings).open(ws.webhook_secret)
    except secretbox.UndecryptableSecret as exc:  # fixed by a setting: worth retrying
        return DeliveryResult("retry", str(exc))
    msg = invitation_message(s, settings, d.invitation_id)
    return post_webhook(
        ws.chat_webhook_url,
        secret,
        compose_chat(msg),
        idempotency_key=d.idempotency_key,
        policy=Policy.of(settings),
    )


def default_senders() -> dict[str, Sender]:
    return {"email": send_email_delivery, "chat": send_chat_delivery}
