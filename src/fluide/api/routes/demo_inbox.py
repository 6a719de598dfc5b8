"""The demo's mailbox and chat inbox (demo mode only).

- ``GET /demo/mailbox``: the e-mails the demo's local SMTP server received,
  newest first, as the customer sees them: the HTML part in a sandboxed frame
  (``srcdoc``, no script, no same-origin; links open in the whole tab), and
  the text part below with the survey links clickable: one click on a score
  opens the survey page, which records it (never the link alone).
- ``POST /demo/webhook``: a chat webhook receiver, as a host would write one:
  it checks the signature with the workspace's webhook secret, and drops a
  repeated ``Idempotency-Key``. A post whose signature is wrong is answered
  401, and still shown (marked ✗), so the demo shows what a receiver refuses.
- ``GET /demo/inbox``: the chat posts received, their Slack text shown as
  plain text with its links clickable.

Pages are French by default (``?lang=en``), autoescaped, with the survey
pages' security headers. Times are in the demo workspace's time zone, named
beside them (the pages run no script to read the browser's). Only links to
this server's own public URL are made clickable.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Template

from fluide.api.deps import FactoryDep, SettingsDep
from fluide.api.pages import page
from fluide.channels.webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from fluide.demo import DEMO_NAME
from fluide.demo.inbox import DemoInbox
from fluide.i18n import fmt_datetime, gettext
from fluide.services.workspace_settings import secret_of
from fluide.settings import Settings
from fluide.storage import widget as widget_repo
from fluide.storage.models import Workspace

router = APIRouter(tags=["demo"], include_in_schema=False)

LangQuery = Annotated[str, Query(pattern=r"^(fr|en)$")]
WorkspaceQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_\-]{1,40}$")]
MAX_BODY = 256 * 1024

_URL = re.compile(r"https?://[^\s<>\"'|]+")
_SLACK_LINK = re.compile(r"<([^<>|\s]+)\|([^<>]*)>")
_TRAILING = ".,;:!?)]}»"


@dataclass(frozen=True)
class Segment:
    text: str
    href: str | None = None


def _allowed(url: str, public_url: str) -> bool:
    base = public_url.rstrip("/")
    return url == base or url.startswith((base + "/", base + "?"))


def linkify(text: str, public_url: str) -> list[Segment]:
    """``text`` as plain segments, with the http(s) URLs of this server made links.

    Segments are escaped by the template; only URLs starting with
    ``public_url`` get an ``href``, any other URL stays text.
    """
    out: list[Segment] = []
    pos = 0
    for m in _URL.finditer(text):
        url = m.group(0)
        stripped = url.rstrip(_TRAILING)
        end = m.start() + len(stripped)
        if m.start() > pos:
            out.append(Segment(text[pos : m.start()]))
        if stripped and _allowed(stripped, public_url):
            out.append(Segment(stripped, stripped))
        else:
            out.append(Segment(stripped))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def _slack_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_segments(text: str, public_url: str) -> list[Segment]:
    """Slack mrkdwn as Slack shows it: ``<url|label>`` is a link labelled ``label``."""
    out: list[Segment] = []
    pos = 0
    for m in _SLACK_LINK.finditer(text):
        if m.start() > pos:
            out += linkify(_slack_unescape(text[pos : m.start()]), public_url)
        url = _slack_unescape(m.group(1)).replace("%7C", "|")
        label = _slack_unescape(m.group(2)) or url
        if _allowed(url, public_url) and _URL.fullmatch(url):
            out.append(Segment(label, url))
        else:
            out.append(Segment(f"{label} ({url})"))
        pos = m.end()
    if pos < len(text):
        out += linkify(_slack_unescape(text[pos:]), public_url)
    return out


_HEAD = """{% extends "_page.html.j2" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}
<style>
.mail { border: 1px solid #d0d7de; border-radius: .5rem; padding: .75rem 1rem; margin: 0 0 1rem; }
.mail dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem;
  margin: 0 0 .5rem; }
.mail dt { color: var(--muted); } .mail dd { margin: 0; overflow-wrap: anywhere; }
.body { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .95rem; background: var(--soft);
  padding: .6rem .8rem; border-radius: .4rem; margin: 0; }
.mail-html { display: block; width: 100%; height: 34rem; border: 1px solid #d0d7de;
  border-radius: .4rem; background: #fff; margin: 0 0 .5rem; }
.mail summary { cursor: pointer; color: var(--muted); margin: 0 0 .4rem; }
.ok { color: var(--ok); font-weight: 700; } .bad { color: var(--err); font-weight: 700; }
nav { margin: 0 0 1rem; color: var(--muted); }
</style>
<nav>{% for n in nav %}{% if not loop.first %} · {% endif %}
<a href="{{ n.href }}">{{ n.text }}</a>{% endfor %}</nav>
<h1>{{ title }}</h1>
<p>{{ intro }}</p>
{% macro segments(segs) %}{% for s in segs %}{% if s.href %}
<a href="{{ s.href }}">{{ s.text }}</a>{% else %}{{ s.text }}{% endif %}{% endfor %}{% endmacro %}
"""

MAILBOX = (
    _HEAD
    + """{% for m in items %}
<article class="mail">
<dl><dt>{{ labels.date }}</dt><dd>{{ m.date }}</dd>
<dt>{{ labels.to }}</dt><dd>{{ m.to }}</dd>
<dt>{{ labels.subject }}</dt><dd><strong>{{ m.subject }}</strong></dd></dl>
{% if m.html %}
<iframe class="mail-html" title="{{ labels.html }}: {{ m.subject }}" srcdoc="{{ m.html }}"
 sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
 referrerpolicy="no-referrer"></iframe>
<details><summary>{{ labels.text }}</summary>
<div class="body">{{ segments(m.body) }}</div>
</details>
{% else %}
<div class="body">{{ segments(m.body) }}</div>
{% endif %}
</article>
{% else %}
<p class="notice">{{ empty }}</p>
{% endfor %}
{% endblock %}
"""
)

CHAT = (
    _HEAD
    + """{% for p in items %}
<article class="mail">
<dl><dt>{{ labels.date }}</dt><dd>{{ p.date }}</dd>
<dt>{{ labels.signature }}</dt><dd>{% if p.verified %}
<span class="ok">✓ {{ labels.verified }}</span>{% else %}
<span class="bad">✗ {{ labels.refused }}</span>{% endif %}</dd>
<dt>{{ labels.key }}</dt><dd><code>{{ p.key }}</code></dd></dl>
<div class="body">{{ segments(p.body) }}</div>
</article>
{% else %}
<p class="notice">{{ empty }}</p>
{% endfor %}
{% endblock %}
"""
)


@functools.cache
def _template(lang: str, source: str) -> Template:
    from fluide.templating import environment

    return environment("fluide.api", lang).from_string(source)


def inbox_of(request: Request) -> DemoInbox:
    """The app's demo inbox (one is made on first use when ``fluide demo`` gave none)."""
    state = request.app.state
    inbox = getattr(state, "demo_inbox", None)
    if inbox is None:
        inbox = DemoInbox()
        state.demo_inbox = inbox
    assert isinstance(inbox, DemoInbox)
    return inbox


def _nav(lang: str) -> list[dict[str, str]]:
    other = "en" if lang == "fr" else "fr"
    return [
        {"href": f"/demo/mailbox?lang={lang}", "text": gettext(lang, "Demo mailbox")},
        {"href": f"/demo/inbox?lang={lang}", "text": gettext(lang, "Demo chat inbox")},
        {"href": "/demo/shop", "text": gettext(lang, "Demo shop")},
        {"href": f"?lang={other}", "text": "English" if other == "en" else "Français"},
    ]


def _zone(factory: FactoryDep) -> str:
    """The demo workspace's time zone (UTC without one)."""
    with factory() as s:
        ws = widget_repo.workspace_named(s, DEMO_NAME)
        name = ws.timezone if ws is not None else "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def _moment(lang: str, when: datetime, zone: str) -> str:
    """``when`` in ``zone``, the zone named: ``7 déc. 2026, 13:45 (Europe/Paris)``."""
    return f"{fmt_datetime(lang, when.astimezone(ZoneInfo(zone)))} ({zone})"


# Links in the e-mail open in the whole tab: the survey page may not be framed.
_TOP: Final = '<base target="_top">'
_HEAD_TAG: Final = re.compile(r"<head(\s[^>]*)?>", re.I)


def _framed(html: str) -> str:
    """The e-mail's HTML with its links aimed at the whole tab (after ``<head>``, so that
    the document keeps its doctype)."""
    if not html:
        return ""
    found = _HEAD_TAG.search(html)
    if found is None:
        return _TOP + html
    return html[: found.end()] + _TOP + html[found.end() :]


@router.get("/demo/mailbox", response_class=HTMLResponse)
def mailbox(
    request: Request, factory: FactoryDep, settings: SettingsDep, lang: LangQuery = "fr"
) -> Response:
    """The e-mails the demo's SMTP server received, newest first."""
    zone = _zone(factory)
    items = [
        {
            "date": _moment(lang, m.received_at, zone),
            "to": m.to,
            "subject": m.subject,
            "body": linkify(m.text, settings.public_url),
            "html": _framed(m.html),
        }
        for m in inbox_of(request).emails()
    ]
    title = gettext(lang, "Demo mailbox")
    html = _template(lang, MAILBOX).render(
        lang=lang,
        title=title,
        nav=_nav(lang),
        intro=gettext(
            lang,
            "The e-mails Fluide sent through the demo's local SMTP server, newest first "
            "(the last 100, in memory). Click a score to answer as the customer would.",
        ),
        labels={
            "date": gettext(lang, "Received"),
            "to": gettext(lang, "To"),
            "subject": gettext(lang, "Subject"),
            "html": gettext(lang, "The e-mail as the customer sees it"),
            "text": gettext(lang, "Plain-text version"),
        },
        items=items,
        empty=gettext(
            lang,
            "No e-mail yet. Send an event for a customer with an e-mail address and "
            '"channel": "email" (docs/collection.md, walkthrough step 7), then reload this page.',
        ),
    )
    return page(html)


@router.get("/demo/inbox", response_class=HTMLResponse)
def chat_inbox(
    request: Request, factory: FactoryDep, settings: SettingsDep, lang: LangQuery = "fr"
) -> Response:
    """The chat posts received on ``/demo/webhook``, newest first."""
    zone = _zone(factory)
    items = [
        {
            "date": _moment(lang, p.received_at, zone),
            "verified": p.verified,
            "key": p.idempotency_key or "—",
            "body": slack_segments(p.text, settings.public_url),
        }
        for p in inbox_of(request).chats()
    ]
    title = gettext(lang, "Demo chat inbox")
    html = _template(lang, CHAT).render(
        lang=lang,
        title=title,
        nav=_nav(lang),
        intro=gettext(
            lang,
            "The chat posts Fluide signed and sent to the demo workspace's webhook, "
            "%(url)s, newest first (the last 100, in memory).",
            url=settings.public_url.rstrip("/") + "/demo/webhook",
        ),
        labels={
            "date": gettext(lang, "Received"),
            "signature": gettext(lang, "Signature"),
            "verified": gettext(lang, "verified"),
            "refused": gettext(lang, "wrong signature, refused"),
            "key": gettext(lang, "Idempotency-Key"),
        },
        items=items,
        empty=gettext(
            lang,
            "No chat post yet. Send a ticket_resolved event for a new customer "
            "(docs/collection.md, walkthrough step 8), then reload this page.",
        ),
    )
    return page(html)


def _secret(factory: FactoryDep, settings: Settings, ws: str | None) -> str | None:
    with factory() as s:
        workspace = s.get(Workspace, ws) if ws else widget_repo.workspace_named(s, DEMO_NAME)
        stored = workspace.webhook_secret if workspace is not None else None
    return secret_of(settings, stored)


@router.post("/demo/webhook")
async def webhook(
    request: Request, factory: FactoryDep, settings: SettingsDep, ws: WorkspaceQuery = None
) -> Response:
    """A chat webhook receiver: verify the signature, drop repeats, keep the post."""
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"ok": False, "error": "too large"}, status_code=413)
    secret = _secret(factory, settings, ws) or ""
    verified = verify(
        secret,
        request.headers.get(TIMESTAMP_HEADER),
        request.headers.get(SIGNATURE_HEADER),
        body,
    )
    try:
        payload: Any = json.loads(body)
    except ValueError:
        payload = None
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str):
        text = body.decode("utf-8", "replace")[:4000]
    key = (request.headers.get(IDEMPOTENCY_HEADER) or "")[:300] or None
    stored = inbox_of(request).add_chat(
        verified=verified, idempotency_key=key, payload=payload, text=text
    )
    if not verified:
        return JSONResponse({"ok": False, "error": "invalid signature"}, status_code=401)
    return JSONResponse({"ok": True, "duplicate": not stored})
