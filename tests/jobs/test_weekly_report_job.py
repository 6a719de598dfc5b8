"""The Monday e-mail, end to end: a real SMTP server on loopback, frozen moments,
both databases. Sent once from Monday 09:00 in the workspace's time zone, PDF attached,
in each subscriber's language; never twice, even from two workers; failures retried
later for those not served only."""

from __future__ import annotations

import doctest
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pypdfium2
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from fluide.jobs.weekly_report import due_week, send_due_reports
from fluide.services.report_subscriptions import add_subscription
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage.dashboard_models import ReportRun
from fluide.storage.report_state import RunState
from tests.service.test_email_delivery import WAIT, body, free_port, received
from tests.verbatims import answer

SUNDAY = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)  # Sunday 20:00 in Paris
BEFORE_NINE = datetime(2026, 11, 23, 7, 55, tzinfo=UTC)  # Monday 08:55 in Paris
MONDAY = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)  # Monday 09:05 in Paris


class Inbox:
    """Keeps what it accepts; answers ``refuse[address]`` to that recipient instead."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Envelope]:
        return [e for e in self.envelopes if address in e.rcpt_tos]


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=WAIT)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def mail(settings: Settings, inbox: tuple[Inbox, int]) -> Settings:
    return settings.model_copy(update={"smtp_url": SecretStr(f"smtp://127.0.0.1:{inbox[1]}")})


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Any]:
    sessions: sessionmaker[Any] = app.state.sessions
    return sessions


def subscribed(f: sessionmaker[Any], settings: Settings, ws: str, *people: tuple[str, str]) -> None:
    at = datetime(2026, 11, 18, 9, tzinfo=UTC)
    answer(f, settings, ws, [(2, "Carte refusée"), (6, None), (7, None)], at=at)
    for email, lang in people:
        add_subscription(f, ws, email, lang)


def runs(f: sessionmaker[Any]) -> list[ReportRun]:
    with f() as s:
        return list(s.scalars(select(ReportRun).order_by(ReportRun.workspace_id)))


def test_the_report_is_due_from_monday_nine_for_three_days() -> None:
    assert due_week("Europe/Paris", SUNDAY) is None
    assert due_week("Europe/Paris", BEFORE_NINE) is None
    assert due_week("Europe/Paris", MONDAY) == "2026-W47"
    assert due_week("Europe/Paris", MONDAY + timedelta(days=2, hours=23)) == "2026-W47"
    assert due_week("Europe/Paris", MONDAY + timedelta(days=3)) is None


def test_nothing_goes_out_on_sunday_nor_before_nine_on_monday(
    f: sessionmaker[Any], mail: Settings, workspace: NewWorkspace, inbox: tuple[Inbox, int]
) -> None:
    subscribed(f, mail, workspace.id, ("csm@example.com", "fr"))
    assert send_due_reports(f, mail, SUNDAY) == 0
    assert send_due_reports(f, mail, BEFORE_NINE) == 0
    assert inbox[0].envelopes == [] and runs(f) == []


def test_monday_after_nine_each_subscriber_gets_it_once_in_their_language(
    f: sessionmaker[Any], mail: Settings, workspace: NewWorkspace, inbox: tuple[Inbox, int]
) -> None:
    subscribed(f, mail, workspace.id, ("csm@example.com", "fr"), ("boss@example.com", "en"))
    assert send_due_reports(f, mail, MONDAY) == 2
    fr = received(inbox[0].to("csm@example.com")[0])
    en = received(inbox[0].to("boss@example.com")[0])
    assert fr["Subject"] == "Rapport hebdomadaire · Boutique · semaine 47"
    assert en["Subject"] == "Weekly report · Boutique · week 47"
    assert fr["Content-Language"] == "fr" and fr["Auto-Submitted"] == "auto-generated"
    assert "Semaine 47 · du 16 nov. 2026 au 22 nov. 2026" in body(fr, "plain")
    assert "Week 47 · Nov 16, 2026 to Nov 22, 2026" in body(en, "plain")
    html = body(fr, "html")
    assert '<html lang="fr">' in html and "<svg" in html
    attachments = list(fr.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["fluide-report-2026-W47.pdf"]
    pdf = attachments[0].get_content()
    assert attachments[0].get_content_type() == "application/pdf"
    assert len(pypdfium2.PdfDocument(pdf)) == 1
    # The next ticks send nothing more.
    assert send_due_reports(f, mail, MONDAY + timedelta(minutes=1)) == 0
    assert send_due_reports(f, mail, MONDAY + timedelta(days=1)) == 0
    assert len(inbox[0].envelopes) == 2
    (run,) = runs(f)
    assert (run.week, run.recipients, run.error) == ("2026-W47", 2, None)


def test_the_workspace_time_zone_decides_when_it_is_monday_nine(
    f: sessionmaker[Any], mail: Settings, workspace: NewWorkspace, inbox: tuple[Inbox, int]
) -> None:
    subscribed(f, mail, workspace.id, ("paris@example.com", "fr"))
    auckland = create_workspace(f, "Kiwi", timezone="Pacific/Auckland")
    subscribed(f, mail, auckland.id, ("auckland@example.com", "en"))
    # Monday 09:05 in Auckland (UTC+13) is Sunday 21:05 in Paris.
    moment = datetime(2026, 11, 22, 20, 5, tzinfo=UTC)
    assert send_due_reports(f, mail, moment) == 1
    assert [e.rcpt_tos for e in inbox[0].envelopes] == [["auckland@example.com"]]
    assert received(inbox[0].envelopes[0])["Subject"] == "Weekly report · Kiwi · week 47"
    assert send_due_reports(f, mail, MONDAY) == 1  # Paris's turn, twelve hours later
    assert [e.rcpt_tos for e in inbox[0].envelopes][1] == ["paris@example.com"]


def test_two_workers_at_the_same_moment_send_it_once(
    f: sessionmaker[Any], mail: Settings, workspace: NewWorkspace, inbox: tuple[Inbox, int]
) -> None:
    subscribed(f, mail, workspace.id, ("csm@example.com", "fr"))
    sent: list[int] = []
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait(timeout=WAIT)
        sent.append(send_due_reports(f, mail, MONDAY))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(sent) == [0, 1]
    assert len(inbox[0].envelopes) == 1 and len(runs(f)) == 1


def test_a_temporary_failure_is_recorded_then_retried_for_those_not_served_only(
    f: sessionmaker[Any], mail: Settings, workspace: NewWorkspace, inbox: tuple[Inbox, int]
) -> None:
    subscribed(f, mail, workspace.id, ("ana@example.com", "fr"), ("zoe@example.com", "fr"))
    inbox[0].refuse["zoe@example.com"] = "451 4.3.0 try again later"
    assert send_due_reports(f, mail, MONDAY) == 1
    (run,) = runs(f)
    assert run.error is not None and run.recipients == 1
    state = RunState.load(run.error)
    assert state.state == "retry" and state.sent == ["ana@example.com"]
    assert "451" in state.detail
    # Not at every tick: after a back-off.
    assert send_due_reports(f, mail, MONDAY + timedelta(minutes=2)) == 0
    del inbox[0].refuse["zoe@example.com"]
    assert send_due_reports(f, mail, MONDAY + timedelta(minutes=11)) == 1
    assert len(inbox[0].to("ana@example.com")) == 1
    assert len(inbox[0].to("zoe@example.com")) == 1
    (run,) = runs(f)
    assert (run.recipients, run.error) == (2, None)


def test_a_permanent_refusal_is_kept_and_not_retried(
    f: sessionmaker[Any], mail: Settings, workspace: NewWorkspace, inbox: tuple[Inbox, int]
) -> None:
    subscribed(f, mail, workspace.id, ("ana@example.com", "fr"), ("gone@example.com", "en"))
    inbox[0].refuse["gone@example.com"] = "550 5.1.1 no such mailbox"
    assert send_due_reports(f, mail, MONDAY) == 1
    (run,) = runs(f)
    state = RunState.load(run.error or "")
    assert state.state == "failed" and state.refused == ["gone@example.com"]
    assert "550" in state.detail
    assert send_due_reports(f, mail, MONDAY + timedelta(hours=5)) == 0
    assert len(inbox[0].envelopes) == 1


def test_without_an_smtp_server_nothing_is_claimed_until_one_is_set(
    f: sessionmaker[Any], settings: Settings, mail: Settings, workspace: NewWorkspace
) -> None:
    subscribed(f, settings, workspace.id, ("csm@example.com", "fr"))
    assert send_due_reports(f, settings, MONDAY) == 0
    assert runs(f) == []
    assert send_due_reports(f, mail, MONDAY + timedelta(hours=2)) == 1


def test_the_examples_in_the_docstrings_hold() -> None:
    from fluide.jobs import weekly_report as module

    assert doctest.testmod(module).failed == 0
