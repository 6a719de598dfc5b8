"""The Monday e-mail: each workspace's weekly report, sent once to its subscribers.

From Monday 09:00 in the workspace's time zone (and for :data:`CATCH_UP`
after it, should the worker be down then), the report of the week just ended
goes to every :class:`~fluide.storage.dashboard_models.ReportSubscription`,
in the subscriber's language: the report as the HTML body, a plain-text
alternative, and the one-page PDF attached.

Never twice: the week's :class:`~fluide.storage.dashboard_models.ReportRun`
row is inserted before anything is sent, and ``(workspace_id, week)`` is
unique, so of two workers only one sends. While it sends, and after a
failure, the run's ``error`` holds its state as JSON (the addresses already
served, the attempts); ``error`` is ``NULL`` once every subscriber has it.
A temporary failure (SMTP server down, 4xx) is tried again after a back-off,
only for those not served yet; a permanent refusal (5xx) is kept and not
retried.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide.channels.email import message_id, send_email, smtp_url_problem
from fluide.domain.frictions import previous_iso_week
from fluide.domain.periods import period_label
from fluide.i18n import SUPPORTED_LANGS, gettext
from fluide.settings import Settings
from fluide.storage import reports as store
from fluide.storage.db import write_session
from fluide.storage.models import Workspace
from fluide.storage.report_state import RunState

log = logging.getLogger("fluide.jobs")

SEND_AT = time(9, 0)
CATCH_UP = timedelta(days=3)
"""A report not sent by Thursday 09:00 is no longer the Monday ritual's: it is left."""


def due_week(tz: str, now: datetime) -> str | None:
    """The week whose report is due at ``now`` in ``tz``: from Monday 09:00 local, for
    :data:`CATCH_UP`, the week before; otherwise ``None``.

    >>> from datetime import UTC
    >>> due_week("Europe/Paris", datetime(2026, 11, 23, 8, 5, tzinfo=UTC))
    '2026-W47'
    >>> due_week("Europe/Paris", datetime(2026, 11, 23, 7, 55, tzinfo=UTC)) is None
    True
    """
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    opens = datetime.combine(monday, SEND_AT, zone)
    if not opens <= local < opens + CATCH_UP:
        return None
    return previous_iso_week(period_label(opens, tz, "week"))


def _claim(
    factory: sessionmaker[Session], ws_id: str, week: str, now: datetime
) -> tuple[str, RunState] | None:
    """Take the week's run for this worker: a new one, or a failed one due again."""
    with factory() as s:
        seen = store.run_of(s, ws_id, week)
        if seen is not None and (
            seen.error is None or not RunState.load(seen.error).due_again(seen.sent_at, now)
        ):
            return None  # the usual case at every tick: read only, no write lock
    with write_session(factory) as s:
        run = store.run_of(s, ws_id, week)
        if run is None:
            state = RunState("sending")
            run_id = store.claim_new(s, ws_id, week, now, state.dump())
            return None if run_id is None else (run_id, state)
        if run.error is None:
            return None
        before = RunState.load(run.error)
        if not before.due_again(run.sent_at, now):
            return None
        state = RunState("sending", before.attempts + 1, before.sent, before.refused)
        if not store.claim_again(s, run.id, run.error, now, state.dump()):
            return None
        return run.id, state


def _sender(settings: Settings, ws_name: str) -> Address | str:
    _, addr = parseaddr(settings.mail_from)
    try:
        return Address(display_name=" ".join(f"{ws_name} · Fluide".split()), addr_spec=addr)
    except (ValueError, IndexError):
        return settings.mail_from


def compose_report_email(
    settings: Settings,
    doc: dict[str, Any],
    lang: str,
    to: str,
    *,
    html: str,
    text: str,
    pdf: bytes,
) -> EmailMessage:
    """The report e-mail: text and HTML alternatives, the PDF attached."""
    ws = doc["workspace"]
    subject = gettext(
        lang,
        "Weekly report · %(workspace)s · week %(week)s",
        workspace=" ".join(str(ws["name"]).split()),
        week=doc["week"].split("-W")[-1],
    )
    out = EmailMessage(policy=policy.SMTP.clone(max_line_length=76))
    out["From"] = _sender(settings, str(ws["name"]))
    out["To"] = to
    out["Subject"] = subject
    out["Date"] = formatdate(localtime=False, usegmt=True)
    out["Message-ID"] = message_id(f"report-{ws['id']}-{doc['week']}-{to}")
    out["Auto-Submitted"] = "auto-generated"
    footer = gettext(
        lang,
        "You receive this report because an admin of %(workspace)s subscribed you; "
        "they can remove you on the report page.",
        workspace=str(ws["name"]),
    )
    out.set_content(text + "\n-- \n" + footer + "\n", cte="quoted-printable")
    out.add_alternative(html, subtype="html", cte="quoted-printable")
    out.add_attachment(
        pdf,
        maintype="application",
        subtype="pdf",
        filename=f"fluide-report-{doc['week']}.pdf",
    )
    out["Content-Language"] = lang
    out.policy = policy.SMTP.clone(max_line_length=998)
    return out


def _send(
    factory: sessionmaker[Session], settings: Settings, ws: Workspace, week: str, now: datetime
) -> int:
    claimed = _claim(factory, ws.id, week, now)
    if claimed is None:
        return 0
    run_id, state = claimed
    from fluide.render.weekly import render_report_html, render_report_pdf, render_report_text
    from fluide.services.weekly_report import weekly_report

    sent, problems, temporary = 0, [], False
    try:
        with factory() as s:
            subscribers = [(x.email, x.lang) for x in store.subscriptions(s, ws.id)]
        made: dict[str, tuple[dict[str, Any], str, str, bytes]] = {}
        for email, wanted in subscribers:
            if email in state.sent or email in state.refused:
                continue
            lang = wanted if wanted in SUPPORTED_LANGS else "fr"
            if lang not in made:
                doc = weekly_report(factory, settings, ws.id, week=week, lang=lang, now=now)
                made[lang] = (
                    doc,
                    render_report_html(doc, lang),
                    render_report_text(doc, lang),
                    render_report_pdf(doc, lang),
                )
            doc, html, text, pdf = made[lang]
            message = compose_report_email(
                settings, doc, lang, email, html=html, text=text, pdf=pdf
            )
            result = send_email(settings, message)
            if result.status == "sent":
                state.sent.append(email)
                sent += 1
                # Kept at once: a worker dying now must not send it again to this address.
                with write_session(factory) as s:
                    store.finish(s, run_id, now, len(state.sent), state.dump())
            elif result.status == "failed":
                state.refused.append(email)
                problems.append(f"{email}: {result.detail}")
            else:
                # The server's trouble, not this address's: the others would fail the same.
                problems.append(f"{email}: {result.detail}")
                temporary = True
                break
    except Exception as exc:  # a report that cannot be made is retried, never a crash loop
        log.exception("weekly report %s of %s", week, ws.id)
        problems.append(f"{type(exc).__name__}: {exc}"[:500])
        temporary = True
    if temporary:
        state.state = "retry"
    elif state.refused:
        state.state = "failed"
    state.detail = "; ".join(problems)[:2000]
    error = state.dump() if temporary or state.refused else None
    with write_session(factory) as s:
        store.finish(s, run_id, now, len(state.sent), error)
    if error is not None:
        log.warning("weekly report %s of %s: %s", week, ws.id, state.detail)
    else:
        log.info("weekly report %s of %s sent to %s subscribers", week, ws.id, len(state.sent))
    return sent


def send_due_reports(factory: sessionmaker[Session], settings: Settings, now: datetime) -> int:
    """Send every weekly report due at ``now``; the number of e-mails sent.

    Called at each tick of the worker loop: cheap when nothing is due (one
    read per subscribed workspace in its Monday window, none otherwise).
    Without a usable ``FLUIDE_SMTP_URL`` nothing is claimed nor sent.
    """
    if settings.smtp_url is None:
        return 0  # nothing is claimed: once FLUIDE_SMTP_URL is set, the week's report goes out
    problem = smtp_url_problem(settings.smtp_url.get_secret_value())
    if problem is not None:
        log.warning("weekly reports not sent: %s", problem)
        return 0
    with factory() as s:
        workspaces = store.subscribed_workspaces(s)
        s.expunge_all()
    total = 0
    for ws in workspaces:
        week = due_week(ws.timezone, now)
        if week is None:
            continue
        try:
            total += _send(factory, settings, ws, week, now)
        except Exception:  # one workspace's trouble never stops the others' reports
            log.exception("weekly report of %s", ws.id)
    return total
