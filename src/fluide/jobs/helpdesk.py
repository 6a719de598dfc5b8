"""Pushing follow-ups to the workspace's help desk: one ticket (or task) each.

:func:`push_pending` runs in the worker's loop (the thread on SQLite, a
periodic procrastinate job on PostgreSQL). A follow-up opened after its
workspace connected a help desk (with ``push_on_create``) is queued; so is
one an admin pushes by hand. Each push is claimed (``attempts`` + 1, leased),
made, then recorded:

- 2xx: ``pushed``, with the vendor's id and the ticket's address;
- 408, 425, 429, 5xx, a timeout or a network error: tried again after
  :data:`~fluide.domain.helpdesk.BACKOFF` (or the vendor's ``Retry-After``, up
  to :data:`~fluide.domain.helpdesk.MAX_WAIT`), at most
  :data:`~fluide.domain.helpdesk.MAX_ATTEMPTS` times, then ``failed``;
- any other answer (401, 403, 404, 422…) or a refused address: ``failed`` at
  once, with the status; the reason is told from it, never from the body.

Nothing logged or recorded holds a token, a secret, or a byte the vendor wrote.
"""

from __future__ import annotations

import logging
import socket
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.orm import Session, sessionmaker

from fluide import secretbox
from fluide.channels import DeliveryResult
from fluide.channels import helpdesk as channel
from fluide.channels.helpdesk import target_of
from fluide.channels.outbound import Policy, Resolver
from fluide.domain import follow_ups as follow_up_rules
from fluide.domain import helpdesk as rules
from fluide.domain.task_names import task_in
from fluide.i18n import fmt_datetime, gettext
from fluide.settings import Settings
from fluide.storage import follow_ups as follow_up_store
from fluide.storage import helpdesk as store
from fluide.storage.db import write_session
from fluide.storage.helpdesk_models import HelpdeskTicket
from fluide.storage.models import Workspace
from fluide.storage.types import utcnow

log = logging.getLogger("fluide.jobs")

BATCH: Final = 50
LEASE: Final = timedelta(minutes=5)
"""A push claimed by a worker that died is taken again after this."""


def compose(
    s: Session, settings: Settings, follow_up_id: str, workspace_id: str, lang: str, now: datetime
) -> channel.Ticket | None:
    """The follow-up as a ticket, in ``lang``; ``None`` if it is gone."""
    found = follow_up_store.rows(
        s, workspace_id, follow_up_store.Filter(follow_up_id=follow_up_id), now, 1
    )
    ws = s.get(Workspace, workspace_id)
    if not found or ws is None:
        return None
    row = found[0]
    fu = row.follow_up
    if fu.response_id is None or row.task is None:  # opened by contacts: no answer to push
        return None
    name, tag = store.push_facts(s, workspace_id, fu.response_id)
    link = f"{settings.public_url}/app/follow-ups#fu-{fu.id}"
    due = fmt_datetime(lang, fu.due_at.astimezone(ZoneInfo(ws.timezone)))
    task = task_in(row.task_names, lang, row.task)
    fields = {
        "customer_id": row.customer,
        "customer_email": row.customer_email,
        "customer_name": name,
        "touchpoint_task": row.task,
        "score": row.score,
        "comment": row.comment,
        "tag": tag,
        "answer_link": link,
    }
    subject = gettext(
        lang,
        "Call back %(customer)s: high effort on %(task)s (score %(score)s)",
        customer=name or row.customer,
        task=task,
        score=row.score,
    )
    reason = gettext(lang, follow_up_rules.REASON_NAMES[fu.reason])
    lines = [
        gettext(
            lang,
            "%(customer)s answered %(score)s on %(scale)s after: %(task)s.",
            customer=name or row.customer,
            score=row.score,
            scale=row.scale,
            task=task,
        ),
        gettext(lang, "Why: %(reason)s", reason=reason),
    ]
    if row.comment:
        lines.append(gettext(lang, "Comment: %(comment)s", comment=row.comment))
    lines += [
        gettext(lang, "Due: %(due)s", due=due),
        gettext(lang, "In Fluide: %(url)s", url=link),
    ]
    return channel.Ticket(
        follow_up_id=fu.id,
        workspace_id=workspace_id,
        subject=subject,
        body="\n".join(lines),
        due_at=fu.due_at.isoformat(),
        reason=fu.reason,
        fields=fields,
    )


def _attempt(
    factory: sessionmaker[Session],
    settings: Settings,
    follow_up_id: str,
    workspace_id: str,
    now: datetime,
    *,
    timeout: float,
    client: httpx.Client | None,
    resolver: Resolver,
) -> tuple[DeliveryResult, channel.Target | None]:
    with factory() as s:
        conn = store.connection(s, workspace_id)
        if conn is None:
            return DeliveryResult("failed", "no help-desk connection any more"), None
        try:
            target = target_of(conn, settings)
        except secretbox.UndecryptableSecret as exc:  # fixed by a setting: worth retrying
            return DeliveryResult("retry", str(exc)), None
        lang = str(conn.config.get("lang") or "fr")
        ticket = compose(s, settings, follow_up_id, workspace_id, lang, now)
    if ticket is None:
        return DeliveryResult("failed", "the follow-up no longer exists"), None
    request = channel.ticket_request(target, ticket)
    policy = Policy.of(settings)
    result = channel.send(request, policy, timeout=timeout, client=client, resolver=resolver)
    return result, target


def _record(
    factory: sessionmaker[Session],
    follow_up_id: str,
    result: DeliveryResult,
    target: channel.Target | None,
    now: datetime,
) -> str:
    with write_session(factory) as s:
        t = s.get(HelpdeskTicket, follow_up_id)
        if t is None:
            return "gone"
        t.last_status = result.code
        if result.status == "sent":
            external_id, url = (
                channel.created(target, result.data) if target is not None else (None, None)
            )
            t.state, t.next_attempt_at, t.last_error = "pushed", None, None
            t.external_id, t.external_url, t.pushed_at = external_id, url, now
        elif result.status == "retry" and t.attempts < rules.MAX_ATTEMPTS:
            t.state = "pending"
            t.next_attempt_at = now + rules.next_wait(t.attempts, result.retry_after)
            t.last_error = (result.detail or "retry")[:300]
        else:
            t.state, t.next_attempt_at = "failed", None
            t.last_error = (result.detail or result.status)[:300]
        return t.state


def push_pending(
    factory: sessionmaker[Session],
    settings: Settings,
    now: datetime | None = None,
    *,
    timeout: float = 10,
    client: httpx.Client | None = None,
    resolver: Resolver = socket.getaddrinfo,
) -> int:
    """Queue new follow-ups, then make every push due; how many were attempted."""
    moment = now or utcnow()
    with factory() as s:
        if not store.anything_due(s, moment):
            return 0  # most rounds: no write turn taken (SQLite has one writer)
    with write_session(factory) as s:
        for fu in store.new_follow_ups(s, BATCH):
            conn = store.connection(s, fu.workspace_id)
            assert conn is not None
            s.add(
                HelpdeskTicket(
                    follow_up_id=fu.id,
                    workspace_id=fu.workspace_id,
                    response_id=fu.response_id,
                    provider=conn.provider,
                    state="pending",
                    attempts=0,
                    next_attempt_at=moment,
                    created_at=moment,
                )
            )
        s.flush()
        claimed = [
            (t.follow_up_id, t.workspace_id)
            for t in store.claim_due(s, moment, moment + LEASE, BATCH)
        ]
    for follow_up_id, workspace_id in claimed:
        try:
            result, target = _attempt(
                factory,
                settings,
                follow_up_id,
                workspace_id,
                moment,
                timeout=timeout,
                client=client,
                resolver=resolver,
            )
        except Exception as exc:  # one broken push must not stop the others
            log.exception("follow-up %s: help-desk push crashed", follow_up_id)
            result, target = DeliveryResult("retry", f"internal error: {type(exc).__name__}"), None
        state = _record(factory, follow_up_id, result, target, moment)
        if state == "pushed":
            log.info("follow-up %s: pushed to the help desk", follow_up_id)
        else:
            log.warning("follow-up %s: help-desk push %s: %s", follow_up_id, state, result.detail)
    return len(claimed)
