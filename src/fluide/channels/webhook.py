"""The chat channel: a signed JSON webhook carrying the invitation.

At ticket close the host sends ``ticket_resolved``; Fluide posts to the
workspace's chat webhook one JSON body that carries two forms of the same
message: structured fields for a generic receiver (a support tool, a bot), and
a Slack-compatible ``text`` (Slack incoming webhooks read ``text`` and ignore
the rest).

Every post is signed, so a receiver knows it comes from Fluide and was not
altered or replayed::

    X-Fluide-Timestamp: 1795430400
    X-Fluide-Signature: v1=<hex HMAC-SHA256(webhook secret, "<timestamp>." + raw body)>
    Idempotency-Key: <the same for every retry of one delivery>

A receiver checks it with :func:`verify` (or the same three lines in any
language), refuses timestamps more than five minutes away from its clock, and
drops an ``Idempotency-Key`` it has already handled: posts are retried, the
customer must see the message once.

>>> sig = sign("s3cret", 1795430400, b'{"a":1}')
>>> sig.startswith("v1=") and len(sig) == 67
True
>>> verify("s3cret", "1795430400", sig, b'{"a":1}', now=1795430460)
True
>>> verify("s3cret", "1795430400", sig, b'{"a":2}', now=1795430460)
False
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import time
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from fluide import __version__
from fluide.channels import DeliveryResult, InvitationMessage
from fluide.i18n import N_, gettext

PAYLOAD_TYPE: Final = "ces.invitation"
PAYLOAD_VERSION: Final = 1
SIGNATURE_VERSION: Final = "v1"
TIMESTAMP_HEADER: Final = "X-Fluide-Timestamp"
SIGNATURE_HEADER: Final = "X-Fluide-Signature"
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
DEFAULT_TOLERANCE: Final = 300
MAX_URL_LENGTH: Final = 2000
RETRY_STATUSES: Final = frozenset({408, 425, 429})

URL_PROBLEMS: Final = {
    "too_long": N_("The webhook URL is too long (2000 characters at most)."),
    "malformed": N_("The webhook URL is not a valid URL."),
    "scheme": N_(
        "The webhook URL must start with https:// (http:// is allowed only to this machine: "
        "127.0.0.1, localhost or [::1])."
    ),
    "credentials": N_(
        "The webhook URL must not contain a user name or password; "
        "Fluide signs every post with the webhook secret instead."
    ),
}
"""English msgids of each URL problem, translated where they are shown."""

_SURVEY_TOKEN = re.compile(r"(/[so]/)[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


# --- composing ---------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` as Slack's mrkdwn requires (nothing else).

    >>> slack_escape("<script> & <!channel>")
    '&lt;script&gt; &amp; &lt;!channel&gt;'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str) -> str:
    # Slack reads ``<url|label>``; a ``|`` or ``>`` in the URL would end it early.
    safe_url = slack_escape(url).replace("|", "%7C")
    return f"<{safe_url}|{slack_escape(label)}>"


def chat_text(msg: InvitationMessage) -> str:
    """The Slack-compatible mrkdwn text: question, one link per point, survey link."""
    first, last = msg.points[0], msg.points[-1]
    links = "   ".join(_link(p.url, p.symbol) for p in msg.points)
    ends = gettext(
        msg.lang,
        "%(low)s: %(low_label)s · %(high)s: %(high_label)s",
        low=slack_escape(first.symbol),
        low_label=slack_escape(msg.low_label),
        high=slack_escape(last.symbol),
        high_label=slack_escape(msg.high_label),
    )
    survey = gettext(
        msg.lang,
        "Or answer on the page, with a comment: %(link)s",
        link=_link(msg.survey_url, gettext(msg.lang, "open the survey")),
    )
    return "\n".join((f"*{slack_escape(msg.question)}*", links, ends, survey))


def compose_chat(msg: InvitationMessage) -> dict[str, Any]:
    """One JSON body: structured fields for any receiver, and ``text`` for Slack."""
    return {
        "type": PAYLOAD_TYPE,
        "version": PAYLOAD_VERSION,
        "invitation_id": msg.invitation_id,
        "workspace_id": msg.workspace_id,
        "touchpoint": msg.touchpoint,
        "task": msg.task,
        "lang": msg.lang,
        "question": msg.question,
        "comment_prompt": msg.comment_prompt,
        "survey_url": msg.survey_url,
        "scale": [
            {"point": p.point, "label": p.label, "symbol": p.symbol, "url": p.url}
            for p in msg.points
        ],
        "low_label": msg.low_label,
        "high_label": msg.high_label,
        "user_id": msg.user_id,
        "ticket_id": msg.ticket_id,
        "agent_id": msg.agent_id,
        "opt_out_url": msg.opt_out_url,
        "text": chat_text(msg),
    }


# --- signing -----------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=`` and the hex HMAC-SHA256 of ``"<timestamp>." + body`` under ``secret``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def verify(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    now: int | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """Whether ``body`` was signed with ``secret`` less than ``tolerance`` seconds ago.

    For receivers: pass the raw request body (before any JSON parsing) and the
    ``X-Fluide-Timestamp`` and ``X-Fluide-Signature`` headers. The signature
    header may list several signatures separated by commas or spaces (one
    matching is enough). Comparison is constant-time.
    """
    if not secret or not timestamp_header or not signature_header:
        return False
    stamp = timestamp_header.strip()
    if not stamp.isdigit() or len(stamp) > 12:
        return False
    timestamp = int(stamp)
    moment = int(time.time()) if now is None else now
    if abs(moment - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).encode()
    candidates = [c for c in re.split(r"[,\s]+", signature_header.strip()) if c]
    ok = False
    for candidate in candidates[:8]:
        ok |= hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
    return ok


# --- the URL policy ----------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem_code(url: str) -> str | None:
    """The key of :data:`URL_PROBLEMS` that refuses ``url``, or ``None``."""
    if len(url) > MAX_URL_LENGTH:
        return "too_long"
    if not url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "malformed"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "malformed"
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        return "scheme"
    if not host:
        return "malformed"
    if parts.username is not None or parts.password is not None:
        return "credentials"
    if scheme == "http" and not _is_loopback(host):
        return "scheme"
    return None


def webhook_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a chat webhook (an English msgid), or ``None`` if it can.

    Only ``https://``, except ``http://`` to this machine (127.0.0.0/8,
    ``localhost``, ``[::1]``): the body carries survey links, which are
    credentials, and must not cross the internet in clear text.

    >>> webhook_url_problem("https://hooks.slack.com/services/T0/B0/xyz") is None
    True
    >>> webhook_url_problem("http://127.0.0.1:8080/hook") is None
    True
    >>> webhook_url_problem("http://example.com/hook") is not None
    True
    """
    code = url_problem_code(url)
    return None if code is None else URL_PROBLEMS[code]


# --- posting -----------------------------------------------------------------


def _redact(text: str, url: str, secret: str) -> str:
    """``text`` without the webhook URL (Slack's carries its token), secret or survey tokens."""
    for value in (url, secret):
        if value:
            text = text.replace(value, "[redacted]")
    return _SURVEY_TOKEN.sub(r"\1[redacted]", text)


def _snippet(response: httpx.Response) -> str:
    try:
        text = response.text
    except (UnicodeDecodeError, LookupError, httpx.HTTPError):
        return ""
    text = " ".join(text.split())
    return text[:160]


def _classify(response: httpx.Response, url: str, secret: str) -> DeliveryResult:
    code = response.status_code
    reason = response.reason_phrase or ""
    head = f"HTTP {code} {reason}".strip()
    if 200 <= code < 300:
        request_id = response.headers.get("x-request-id")
        return DeliveryResult("sent", head, request_id[:300] if request_id else None)
    if 300 <= code < 400:
        detail = f"{head}: redirects are not followed; configure the final URL of the webhook"
        return DeliveryResult("failed", detail)
    body = _snippet(response)
    detail = f"{head}: {body}" if body else head
    if code == 429:
        retry_after = response.headers.get("retry-after")
        if retry_after:
            detail = f"{detail}; Retry-After: {retry_after.strip()[:40]}"
    detail = _redact(detail, url, secret)[:500]
    if code in RETRY_STATUSES or code >= 500:
        return DeliveryResult("retry", detail)
    return DeliveryResult("failed", detail)


def encode_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes posted (and signed): compact JSON, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def post_webhook(
    url: str,
    secret: str,
    payload: dict[str, Any],
    *,
    idempotency_key: str,
    timeout: float = 10,
    now: int | None = None,
    client: httpx.Client | None = None,
) -> DeliveryResult:
    """POST ``payload`` signed with ``secret``; what the attempt gave.

    ``sent`` on 2xx (``provider_id``: the ``X-Request-Id`` answered, if any);
    ``retry`` on 408, 425, 429 (``Retry-After`` kept in ``detail``), 5xx, a
    timeout or a connection error; ``failed`` on other answers, and on a URL
    the policy refuses (nothing is sent then). Redirects are not followed.
    ``detail`` never holds the secret, the URL or a survey token.
    """
    problem = url_problem_code(url)
    if problem is not None:
        return DeliveryResult(
            "failed", f"webhook URL refused, nothing sent: {URL_PROBLEMS[problem]}"
        )
    if not secret:
        return DeliveryResult("failed", "no webhook secret: create one before posting")
    body = encode_body(payload)
    timestamp = int(time.time()) if now is None else now
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Fluide/{__version__}",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        IDEMPOTENCY_HEADER: idempotency_key,
    }
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
    try:
        response = http.post(
            url, content=body, headers=headers, timeout=timeout, follow_redirects=False
        )
        return _classify(response, url, secret)
    except httpx.TimeoutException as exc:
        return DeliveryResult("retry", f"timeout after {timeout:g} s ({type(exc).__name__})")
    except httpx.InvalidURL:
        return DeliveryResult("failed", "webhook URL refused by the HTTP client, nothing sent")
    except httpx.TransportError as exc:
        text = _redact(str(exc), url, secret)[:300]
        return DeliveryResult("retry", f"connection error ({type(exc).__name__}): {text}".strip())
    finally:
        if own:
            http.close()
