"""Telling the assignee of each new follow-up: by e-mail, else on the workspace's chat webhook.

:func:`notify_pending` runs in the worker's loop (the thread on SQLite, a
periodic procrastinate job on PostgreSQL). Each follow-up gets one message:

- assigned, and an SMTP server configured (``FLUIDE_SMTP_URL``): an e-mail to
  the assignee, in their language (text and HTML, the verbatim escaped), with a
  link to ``{public_url}/app/follow-ups#fu-{id}``;
- otherwise, if the workspace has a chat webhook: one signed post (see
  :mod:`fluide.channels.webhook`), ``type`` ``follow_up.opened``;
- otherwise nothing is sent, and the follow-up waits: an assignee, an SMTP
  server or a webhook configured later gets it notified then.

An attempt is claimed before sending (``notified_at`` = its moment,
``notify_attempts`` + 1), then settled (``notify_error`` cleared) or recorded
as failed; temporary failures are tried again after
:data:`~fluide.domain.follow_ups.NOTIFY_BACKOFF`, at most
:data:`~fluide.domain.follow_ups.MAX_ATTEMPTS` times; permanent ones stop at
once. Closed follow-ups are never notified. Nothing logged or recorded holds a
password, the webhook URL or its secret.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide import secretbox
from fluide.channels import DeliveryResult
from fluide.channels.email import POLICY, message_id, send_email
from fluide.channels.outbound import Policy
from fluide.channels.webhook import post_webhook, slack_escape
from fluide.domain import follow_ups as rules
from fluide.domain.task_names import task_in
from fluide.i18n import DEFAULT_LANG, SUPPORTED_LANGS, fmt_datetime, gettext
from fluide.services.contact_follow_ups import situation_of
from fluide.settings import Settings
from fluide.storage import follow_ups as store
from fluide.storage.db import write_session
from fluide.storage.types import utcnow
from fluide.templating import environment

log = logging.getLogger("fluide.jobs")

BATCH: Final = 50
"""Follow-ups notified per round; the next round takes the rest."""
PAYLOAD_TYPE: Final = "follow_up.opened"
PAYLOAD_VERSION: Final = 1
_BODY_POLICY = POLICY.clone(max_line_length=76)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _one_line(text: str) -> str:
    """A header value: a customer id may hold anything, CR and LF included."""
    return " ".join(_CONTROL.sub(" ", text).split())


@dataclass(frozen=True)
class Notice:
    """What a notification says, in one language."""

    id: str
    lang: str
    url: str
    workspace: str
    assignee: str | None
    # None when the customer's contacts opened it (recontact, delay): ``situation`` says why.
    touchpoint: str | None
    task: str
    score: int | None
    scale: str | None
    effort_index: float | None
    comment: str | None
    reason: str
    customer: str
    due: str
    subject: str
    situation: str | None = None


def notice_of(dest: store.Destination, settings: Settings) -> Notice:
    row, fu = dest.row, dest.row.follow_up
    lang = row.assignee_lang if row.assignee_lang in SUPPORTED_LANGS else DEFAULT_LANG
    assert lang is not None
    due = fmt_datetime(lang, fu.due_at.astimezone(ZoneInfo(dest.timezone)))
    situation = None
    answered = (row.task, row.score, row.scale, row.polarity, row.low_max, row.high_min)
    if all(x is not None for x in answered):
        assert row.task and row.score and row.scale and row.polarity  # narrowed for mypy
        task = task_in(row.task_names, lang, row.task)
        q = rules.question(row.scale, row.polarity, int(row.low_max or 0), int(row.high_min or 0))
        index: float | None = round(q.effort_index_of(row.score))
    else:
        task = gettext(lang, rules.REASON_NAMES.get(fu.reason, fu.reason))
        situation = situation_of(lang, fu.reason, fu.subject, due)
        index = None
    return Notice(
        id=fu.id,
        lang=lang,
        url=f"{settings.public_url}/app/follow-ups#fu-{fu.id}",
        workspace=dest.workspace_name,
        assignee=row.assignee_name,
        touchpoint=row.touchpoint,
        task=task,
        score=row.score,
        scale=row.scale,
        effort_index=index,
        comment=row.comment,
        reason=fu.reason,
        customer=row.customer,
        due=due,
        subject=gettext(
            lang,
            "Follow-up to do for %(customer)s (%(task)s)",
            customer=row.customer,
            task=task,
        ),
        situation=situation,
    )


def compose_email(notice: Notice, to: str, settings: Settings) -> EmailMessage:
    """The notification as ``multipart/alternative``: plain text, then HTML."""
    env = environment("fluide.web", notice.lang)
    context: dict[str, Any] = {"n": notice, "lang": notice.lang, "reasons": rules.REASON_NAMES}
    text = env.get_template("follow_up_email.txt.j2").render(**context)
    html = env.get_template("follow_up_email.html.j2").render(**context)
    out = EmailMessage(policy=_BODY_POLICY)
    out["From"] = settings.mail_from
    out["To"] = to
    out["Subject"] = _one_line(notice.subject)
    out["Date"] = formatdate(localtime=False, usegmt=True)
    out["Message-ID"] = message_id(f"follow-up-{notice.id}")
    out["Auto-Submitted"] = "auto-generated"
    out["X-Fluide-Follow-Up"] = notice.id
    out.set_content(text, cte="quoted-printable")
    out.add_alternative(html, subtype="html", cte="quoted-printable")
    out["Content-Language"] = notice.lang
    out.policy = POLICY
    return out


def chat_text(notice: Notice) -> str:
    """The Slack-compatible text: who, where, the verbatim, the link (all escaped)."""
    lang = notice.lang
    headline = (
        gettext(
            lang,
            "Follow-up to do: %(customer)s struggled (%(task)s, score %(score)s).",
            customer=notice.customer,
            task=notice.task,
            score=notice.score,
        )
        if notice.situation is None
        else gettext(
            lang,
            "Follow-up to do: %(customer)s (%(situation)s)",
            customer=notice.customer,
            situation=notice.situation,
        )
    )
    lines = ["*" + slack_escape(headline) + "*"]
    if notice.comment:
        lines += ["> " + line for line in slack_escape(notice.comment).splitlines() if line.strip()]
    reason = gettext(lang, rules.REASON_NAMES[notice.reason])
    lines.append(slack_escape(gettext(lang, "Why: %(reason)s", reason=reason)))
    who = notice.assignee or gettext(lang, "nobody yet")
    assigned = gettext(lang, "Assigned to: %(name)s · due %(due)s", name=who, due=notice.due)
    lines.append(slack_escape(assigned))
    url = slack_escape(notice.url).replace("|", "%7C")
    lines.append(f"<{url}|{slack_escape(gettext(lang, 'Open the follow-up'))}>")
    return "\n".join(lines)


def compose_chat(notice: Notice, dest: store.Destination) -> dict[str, Any]:
    fu = dest.row.follow_up
    return {
        "type": PAYLOAD_TYPE,
        "version": PAYLOAD_VERSION,
        "follow_up_id": fu.id,
        "workspace_id": fu.workspace_id,
        "touchpoint": notice.touchpoint,
        "task": notice.task,
        "score": notice.score,
        "scale": notice.scale,
        "effort_group": "high" if notice.score is not None else None,
        "situation": notice.situation,
        "comment": notice.comment,
        "reason": fu.reason,
        "customer": notice.customer,
        "agent_id": fu.agent_id,
        "assignee": notice.assignee,
        "due_at": fu.due_at.isoformat(),
        "url": notice.url,
        "lang": notice.lang,
        "text": chat_text(notice),
    }


def _send(
    factory: sessionmaker[Session], settings: Settings, follow_up_id: str, now: datetime
) -> tuple[DeliveryResult, str]:
    with factory() as s:
        dest = store.destination(s, follow_up_id, now)
    if dest is None:
        return DeliveryResult("failed", "the follow-up no longer exists"), "none"
    notice = notice_of(dest, settings)
    if dest.row.assignee_email and settings.smtp_url is not None:
        message = compose_email(notice, dest.row.assignee_email, settings)
        return send_email(settings, message), "email"
    if dest.webhook_url and dest.webhook_secret:
        try:
            secret = secretbox.box(settings).open(dest.webhook_secret)
        except secretbox.UndecryptableSecret as exc:  # fixed by a setting: worth retrying
            return DeliveryResult("retry", str(exc)), "none"
        result = post_webhook(
            dest.webhook_url,
            secret,
            compose_chat(notice, dest),
            idempotency_key=f"follow-up-{follow_up_id}",
            policy=Policy.of(settings),
        )
        return result, "chat"
    # The configuration changed since the claim: try again later, it may come back.
    return DeliveryResult("retry", "nowhere to send: no SMTP server and no chat webhook"), "none"


def notify_pending(
    factory: sessionmaker[Session], settings: Settings, now: datetime | None = None
) -> int:
    """Notify the follow-ups whose notification is due; how many were attempted.

    Without an assignee (or without an SMTP server) the workspace's chat
    webhook is told, if it has one; with neither, nothing is sent and the
    follow-up stays pending (it is not counted).
    """
    moment = now or utcnow()
    email_possible = settings.smtp_url is not None
    with factory() as s:
        if not store.any_pending(
            s, moment, email_possible=email_possible, backoff=rules.NOTIFY_BACKOFF
        ):
            return 0
    with write_session(factory) as s:
        claimed = [
            fu.id
            for fu in store.claim_pending(
                s,
                moment,
                email_possible=email_possible,
                backoff=rules.NOTIFY_BACKOFF,
                limit=BATCH,
            )
        ]
    for follow_up_id in claimed:
        try:
            result, channel = _send(factory, settings, follow_up_id, moment)
        except Exception as exc:  # one broken follow-up must not stop the others
            log.exception("follow-up %s: notification crashed", follow_up_id)
            result, channel = (
                DeliveryResult("retry", f"internal error: {type(exc).__name__}"),
                "none",
            )
        error = None if result.status == "sent" else (result.detail or result.status)[:500]
        final = rules.MAX_ATTEMPTS if result.status == "failed" else None
        with write_session(factory) as s:
            store.record_attempt(s, follow_up_id, moment, error, stop_at=final)
        if error is None:
            log.info("follow-up %s: assignee notified (%s)", follow_up_id, channel)
        else:
            log.warning("follow-up %s: not notified (%s): %s", follow_up_id, result.status, error)
    return len(claimed)
