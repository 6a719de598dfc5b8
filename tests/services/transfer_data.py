"""A workspace with rows in every table, and a second one beside it, for transfer tests.

The demo fill (two weeks, a fixed end) gives touchpoints, customers, events,
invitations, deliveries, answers, follow-ups, actions, accounts and tags; the
tables the demo leaves empty get rows written here, with the awkward values
an export must keep exactly (bytes, floats, dates, JSON, secrets, nulls).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import EventIn
from fluide.demo import build_demo
from fluide.demo.touchpoints import TOUCHPOINTS
from fluide.services import accounts
from fluide.services import touchpoints as touchpoint_service
from fluide.services.events import record_events
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from fluide.storage.dashboard_models import (
    Account,
    DashboardSession,
    FollowUp,
    FrictionSetting,
    ReportRun,
)
from fluide.storage.db import write_session
from fluide.storage.helpdesk_models import HelpdeskConnection, HelpdeskTicket
from fluide.storage.models import (
    EmailTemplate,
    EndUser,
    Response,
    ResponseTag,
    TaggerState,
    Topic,
    Touchpoint,
    VerbatimState,
    Workspace,
)
from fluide.storage.security_models import Erasure, InstanceMeta, LoginThrottle
from fluide.storage.sso_models import SsoConfig, SsoDomain, SsoIdentity
from fluide.storage.types import new_id

END = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)
OTHER_EMAIL = "someone@other.example"


@dataclass(frozen=True)
class Filled:
    workspace_id: str
    api_key: str
    other_id: str


def fill(factory: sessionmaker[Session], settings: Settings) -> Filled:
    """The demo workspace with every exported table filled, and another workspace."""
    demo = build_demo(factory, settings, weeks=2, customers=80, end=END)
    ws = demo.workspace_id
    with write_session(factory) as s:
        _rest(s, ws)
    other = _other(factory, settings)
    return Filled(ws, demo.api_key, other)


def _rest(s: Session, ws: str) -> None:
    s.execute(
        update(Workspace)
        .where(Workspace.id == ws)
        .values(
            widget_public_key="wpk_" + ws[-12:],
            widget_secret="widget-secret-value-0123456789",
            webhook_secret="webhook-secret-value-0123456789",
            chat_webhook_url="https://chat.example/hook",
            comment_retention_days=365,
        )
    )
    tp = s.scalars(select(Touchpoint).where(Touchpoint.workspace_id == ws).order_by(Touchpoint.key))
    first = next(iter(tp))
    first.browser_events = ["page_viewed", "payment_succeeded"]
    responses = list(
        s.scalars(
            select(Response)
            .where(Response.workspace_id == ws, Response.comment.is_not(None))
            .order_by(Response.id)
        )
    )
    for i, r in enumerate(responses):
        # A 384-float32 vector as the worker stores it, with awkward floats.
        vector = struct.pack("<384f", *[(i + 1) * 0.1 + k * 1e-7 for k in range(384)])
        s.execute(
            update(VerbatimState)
            .where(VerbatimState.response_id == r.id)
            .values(embedding=vector, max_score=0.1 + 0.2, tagger_version=3, status="done")
        )
        s.add(
            ResponseTag(
                id=new_id("rt"),
                workspace_id=ws,
                response_id=r.id,
                tag="payment",
                source="model",
                confidence=1 / 3,
                tagged_at=r.responded_at + timedelta(minutes=1),
                tagger_version=3,
            )
        )
    state = s.get(TaggerState, ws)
    if state is not None:
        state.topics_computed_at = END
    s.add_all(
        [
            EmailTemplate(
                id=new_id("et"),
                workspace_id=ws,
                locale="fr",
                subject="Votre avis « en 1 clic »",
                intro="Bonjour,\nune question 🙂",
                signature="L'équipe",
                updated_at=END,
            ),
            Erasure(
                id=new_id("er"),
                workspace_id=ws,
                user_external_id="gone-1",
                erased_by="admin@demo.fluide.dev",
                reason="request",
                erased_at=END,
                counts={"responses": 2, "events": 5},
            ),
            ReportRun(id=new_id("rr"), workspace_id=ws, week="2026-W47", sent_at=END, recipients=2),
            FrictionSetting(
                id=new_id("fs"),
                workspace_id=ws,
                touchpoint_id=first.id,
                tag_key="payment",
                feasibility=4,
                updated_at=END,
            ),
            Topic(
                id=new_id("top"),
                workspace_id=ws,
                computed_at=END,
                label="délai de remboursement",
                words=["délai", "remboursement"],
                suggested_key="refund_delay",
                size=2,
                mean_effort_index=61.11111111111111,
                member_ids=[r.id for r in responses[:2]],
                representative_ids=[responses[0].id],
            ),
        ]
    )
    account = s.scalars(select(Account).where(Account.workspace_id == ws)).first()
    assert account is not None
    s.add(
        DashboardSession(
            id=new_id("ses"),
            token_hash="f" * 64,
            account_id=account.id,
            workspace_id=ws,
            expires_at=END + timedelta(days=14),
        )
    )
    s.add(
        SsoConfig(
            workspace_id=ws,
            issuer="https://idp.example",
            client_id="fluide",
            client_secret="sso-client-secret-0123456789",
            new_users="agent",
            password_login=False,
            created_at=END,
            updated_at=END,
        )
    )
    s.add(SsoDomain(domain="demo.fluide.dev", workspace_id=ws))
    s.flush()
    s.add(
        SsoIdentity(
            id=new_id("sid"),
            workspace_id=ws,
            account_id=account.id,
            issuer="https://idp.example",
            subject="subject-1",
            created_at=END,
            last_login_at=END,
        )
    )
    s.add(LoginThrottle(key="k" * 64, window_start=END, attempts=2))
    _contact_follow_up(s, ws)
    _helpdesk(s, ws)


def _contact_follow_up(s: Session, ws: str) -> None:
    """A follow-up opened by a customer's contacts (no answer), and the contact settings."""
    user = s.scalars(select(EndUser).where(EndUser.workspace_id == ws).order_by(EndUser.id)).first()
    assert user is not None
    workspace = s.get_one(Workspace, ws)
    workspace.contact_event_types = ["ticket_opened", "call"]
    workspace.promise_alert_hours = 6
    workspace.outcome_event_types = ["churned", "downgraded"]
    s.add(
        FollowUp(
            id=new_id("fu"),
            workspace_id=ws,
            user_id=user.id,
            reason="recontact",
            subject={"event_id": "evt-call-2", "contacts": 2, "channel": "phone"},
            status="open",
            created_at=END,
            due_at=END + timedelta(hours=48),
            notify_attempts=0,
        )
    )
    s.flush()


def _helpdesk(s: Session, ws: str) -> None:
    """A help-desk connection (its token written plain: sealed at import) and one push."""
    s.add(
        HelpdeskConnection(
            workspace_id=ws,
            provider="zendesk",
            config={"subdomain": "acme", "email": "bot@acme.example", "mapping": {"score": "1"}},
            credential="zendesk-token-value-0123456789",
            signing_secret="zendesk-signing-secret-0123456789",
            inbound_id="hd_" + ws[-12:],
            push_on_create=True,
            push_since=END,
            created_at=END,
            updated_at=END,
        )
    )
    fu = s.scalars(
        select(FollowUp)
        .where(FollowUp.workspace_id == ws, FollowUp.response_id.is_not(None))
        .order_by(FollowUp.id)
    ).first()
    assert fu is not None
    s.add(
        HelpdeskTicket(
            follow_up_id=fu.id,
            workspace_id=ws,
            response_id=fu.response_id,
            provider="zendesk",
            state="pushed",
            attempts=1,
            external_id="35436",
            external_url="https://acme.zendesk.com/agent/tickets/35436",
            pushed_at=END,
            created_at=END,
        )
    )
    s.add(InstanceMeta(key="export_test_marker", value="instance-wide", updated_at=END))


def _other(factory: sessionmaker[Session], settings: Settings) -> str:
    """A second workspace with a touchpoint, events, answers' parents and an account."""
    made = create_workspace(factory, "Autre boutique")
    touchpoint_service.create(factory, made.id, TOUCHPOINTS[0])
    with factory() as s:
        ws = s.get_one(Workspace, made.id)
    events = [
        EventIn.model_validate(
            {
                "id": f"other-{i}",
                "type": "payment_succeeded",
                "occurred_at": (END - timedelta(hours=3 + i)).isoformat(),
                "user": {"id": f"o-{i}", "email": f"o{i}@other.example", "locale": "fr"},
            }
        )
        for i in range(3)
    ]
    record_events(factory, ws, events, settings, now=END - timedelta(hours=2))
    accounts.create_account(
        factory,
        made.id,
        email=OTHER_EMAIL,
        name="Other",
        role="admin",
        password="another-long-password",
    )
    return made.id
