"""Deliver one invitation on one channel: claim, send, record.

Claiming is one conditional UPDATE, so two workers (or a retried job) can
never both send: the loser sees zero rows changed. A worker killed while
sending leaves the row ``sending``; once its lease has expired the row may be
claimed again, and the same idempotency key goes out (``Message-ID`` for
e-mail, ``Idempotency-Key`` for webhooks) so the receiving side can drop the
copy if the first attempt did get through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from fluide.channels import DeliveryResult
from fluide.request_context import current_request_id, request_id
from fluide.settings import Settings
from fluide.storage.db import write_session
from fluide.storage.deliveries import DRIVEN_CHANNELS, idempotency_key
from fluide.storage.models import Delivery, Invitation
from fluide.storage.types import new_id, utcnow

log = logging.getLogger("fluide.jobs")

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)
BACKOFF_BASE = timedelta(seconds=30)

Sender = Callable[[Session, Settings, Delivery], DeliveryResult]


def _changed(result: object) -> int:
    """Rows an UPDATE changed (SQLAlchemy types ``execute`` results loosely)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at 6 h: patient with a mail server that is down."""
    wait: timedelta = BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    return min(wait, timedelta(hours=6))


def enqueue(s: Session, inv: Invitation) -> Delivery | None:
    """The delivery row of a new invitation, in the invitation's transaction."""
    if inv.channel not in DRIVEN_CHANNELS:
        return None
    d = Delivery(
        id=new_id("dlv"),
        workspace_id=inv.workspace_id,
        invitation_id=inv.id,
        channel=inv.channel,
        idempotency_key=idempotency_key(inv.id, inv.channel),
        status="pending",
        next_attempt_at=inv.created_at,
        request_id=current_request_id(),  # its logs follow the request that made it
    )
    s.add(d)
    return d


def claim(
    factory: sessionmaker[Session], delivery_id: str, now: datetime, lease: timedelta = LEASE
) -> bool:
    """Take the delivery for this attempt; ``False`` if it is done or someone else has it."""
    with write_session(factory) as s:
        changed = _changed(
            s.execute(
                update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    or_(
                        (Delivery.status.in_(("pending", "retry")))
                        & (Delivery.next_attempt_at <= now),
                        (Delivery.status == "sending") & (Delivery.claimed_at <= now - lease),
                    ),
                )
                .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1)
            )
        )
    return bool(changed)


@dataclass(frozen=True)
class Outcome:
    delivery_id: str
    status: str  # sent, retry, failed, or skipped (not claimable)
    detail: str = ""


def deliver(
    factory: sessionmaker[Session],
    settings: Settings,
    delivery_id: str,
    senders: dict[str, Sender],
    *,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> Outcome:
    """Run one attempt of a delivery (the job function of every backend)."""
    moment = now or utcnow()
    if not claim(factory, delivery_id, moment, lease):
        return Outcome(delivery_id, "skipped")
    # Its log lines carry the id of the request that created the invitation.
    token = request_id.set(None)
    try:
        return _attempt(factory, settings, delivery_id, senders, moment, now)
    finally:
        request_id.reset(token)


def _attempt(
    factory: sessionmaker[Session],
    settings: Settings,
    delivery_id: str,
    senders: dict[str, Sender],
    moment: datetime,
    now: datetime | None,
) -> Outcome:
    with factory() as s:
        d = s.get(Delivery, delivery_id)
        if d is None:  # its customer was erased since the claim
            return Outcome(delivery_id, "skipped")
        request_id.set(d.request_id)
        inv = s.get(Invitation, d.invitation_id)
        if inv is not None and inv.expires_at <= moment:
            # Past its window the question is no longer "à chaud": never send it late.
            return _expire(factory, delivery_id, moment)
        sender = senders.get(d.channel)
        try:
            result = (
                sender(s, settings, d)
                if sender
                else DeliveryResult("failed", f"no sender for channel {d.channel}")
            )
        except Exception as exc:  # a bug or an unexpected library error: retry, and log it
            log.exception("delivery %s raised", delivery_id)
            result = DeliveryResult("retry", f"{type(exc).__name__}: {exc}")
        attempts = d.attempts
    return record(factory, delivery_id, result, attempts, utcnow() if now is None else moment)


def _expire(factory: sessionmaker[Session], delivery_id: str, now: datetime) -> Outcome:
    with write_session(factory) as s:
        s.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == "sending")
            .values(
                status="expired",
                claimed_at=None,
                last_error="the invitation expired before it was sent",
            )
        )
    return Outcome(delivery_id, "expired", "the invitation expired before it was sent")


def record(
    factory: sessionmaker[Session],
    delivery_id: str,
    result: DeliveryResult,
    attempts: int,
    now: datetime,
) -> Outcome:
    status = result.status
    if status == "retry" and attempts >= MAX_ATTEMPTS:
        status = "failed"
    with write_session(factory) as s:
        values: dict[str, object] = {
            "status": status,
            "last_error": result.detail or None,
            "claimed_at": None,
        }
        if status == "sent":
            values.update(sent_at=now, provider_id=result.provider_id, last_error=None)
        elif status == "retry":
            values["next_attempt_at"] = now + backoff(attempts)
        s.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == "sending")
            .values(**values)
        )
    if status == "sent":
        log.info("delivery %s sent", delivery_id, extra={"delivery_id": delivery_id})
    else:
        log.warning("delivery %s: %s (%s)", delivery_id, status, result.detail[:300])
    return Outcome(delivery_id, status, result.detail)


def due(
    factory: sessionmaker[Session], now: datetime, *, limit: int = 50, lease: timedelta = LEASE
) -> list[str]:
    """Deliveries ready for an attempt: new, due for a retry, or abandoned by a dead worker."""
    with factory() as s:
        rows = s.execute(
            select(Delivery.id)
            .where(
                or_(
                    Delivery.status.in_(("pending", "retry")) & (Delivery.next_attempt_at <= now),
                    (Delivery.status == "sending") & (Delivery.claimed_at <= now - lease),
                )
            )
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
        ).scalars()
        return list(rows)


def failed(s: Session, workspace_id: str | None = None) -> list[Delivery]:
    """Deliveries that failed for good: visible, never lost."""
    q = select(Delivery).where(Delivery.status == "failed").order_by(Delivery.created_at)
    if workspace_id is not None:
        q = q.where(Delivery.workspace_id == workspace_id)
    return list(s.execute(q).scalars())


def retry_failed(factory: sessionmaker[Session], delivery_id: str, now: datetime) -> bool:
    """Put a failed delivery back in line (after fixing what made it fail)."""
    with write_session(factory) as s:
        return bool(
            _changed(
                s.execute(
                    update(Delivery)
                    .where(Delivery.id == delivery_id, Delivery.status == "failed")
                    .values(status="retry", next_attempt_at=now, attempts=0, last_error=None)
                )
            )
        )
