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
import json
import re
import socket
import time
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from fluide import __version__
from fluide.channels import DeliveryResult, InvitationMessage, outbound
from fluide.channels.outbound import PUBLIC_ONLY, Policy
from fluide.channels.pinned import post_pinned
from fluide.i18n import N_, gettext

PAYLOAD_TYPE: Final = "ces.invitation"
PAYLOAD_VERSION: Final = 1
SIGNATURE_VERSION: Final = "v1"
TIMESTAMP_HEADER: Final = "X-Fluide-Timestamp"
SIGNATURE_HEADER: Final = "X-Fluide-Signature"
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
DEFAULT_TOLERANCE: Final = 300
MAX_URL_LENGTH: Final = 2000

URL_PROBLEMS: Final = {
    "too_long": N_("The webhook URL is too long (2000 characters at most)."),
    "malformed": N_("The webhook URL is not a valid URL."),
    "scheme": N_(
        "The webhook URL must start with https:// (plain http:// is allowed only to a receiver "
        "on a private network when FLUIDE_WEBHOOK_ALLOW_PRIVATE=true, or to this machine in "
        "demo mode)."
    ),
    "credentials": N_(
        "The webhook URL must not contain a user name or password; "
        "Fluide signs every post with the webhook secret instead."
    ),
    "loopback": N_(
        "The webhook URL points to this machine (loopback: 127.0.0.0/8, ::1, localhost), which "
        "is refused so that nobody can reach the server's own services through it. A self-hosted "
        "install whose receiver runs on this machine or an internal network can set "
        "FLUIDE_WEBHOOK_ALLOW_PRIVATE=true."
    ),
    "private": N_(
        "The webhook URL points to a private network (10.0.0.0/8, 172.16.0.0/12, "
        "192.168.0.0/16, 100.64.0.0/10, fc00::/7, another range not routed on the internet, or "
        "a local name such as *.internal or a name without a dot), which is refused. A "
        "self-hosted install whose receiver runs on an internal network can set "
        "FLUIDE_WEBHOOK_ALLOW_PRIVATE=true."
    ),
    "link_local": N_(
        "The webhook URL points to a link-local address (169.254.0.0/16, fe80::/10), where cloud "
        "metadata services answer; it is always refused, even with "
        "FLUIDE_WEBHOOK_ALLOW_PRIVATE=true."
    ),
    "metadata": N_(
        "The webhook URL points to a cloud metadata service (169.254.169.254, "
        "metadata.google.internal…); it is always refused, even with "
        "FLUIDE_WEBHOOK_ALLOW_PRIVATE=true."
    ),
    "special": N_(
        "The webhook URL points to an address that is not one host (0.0.0.0/8, ::, multicast "
        "224.0.0.0/4 or ff00::/8, 240.0.0.0/4, broadcast 255.255.255.255); it is always refused."
    ),
}
"""English msgids of each URL problem, translated where they are shown.

The address rules (``loopback`` … ``special``) are those of :mod:`fluide.channels.outbound`.
"""


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


def url_problem_code(url: str, policy: Policy = PUBLIC_ONLY) -> str | None:
    """The key of :data:`URL_PROBLEMS` that refuses ``url``, or ``None``.

    The host is judged as written (no DNS): see :mod:`fluide.channels.outbound`.
    """
    if len(url) > MAX_URL_LENGTH:
        return "too_long"
    if not url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "malformed"
    try:
        parts = urlsplit(url)
        hostname = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "malformed"
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        return "scheme"
    if not hostname:
        return "malformed"
    if parts.username is not None or parts.password is not None:
        return "credentials"
    try:
        # Judge the host the HTTP client will use; two parsers that disagree are refused.
        target = httpx.URL(url)
        host = target.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError):
        # e.g. 0177.0.0.1, which the client will not send but a resolver would read: say why.
        literal = outbound.literal_address(hostname)
        rule = None if literal is None else outbound.address_rule(literal)
        return rule if rule is not None and policy.refuses(rule) else "malformed"
    if target.host != hostname or target.userinfo or not outbound.valid_host(host):
        return "malformed"
    rule = outbound.host_rule(host)
    if scheme == "http":
        public = rule is None and (
            outbound.literal_address(host) is not None or not policy.allow_private
        )
        if not policy.clear_text or public:
            return "scheme"
    if rule is not None and policy.refuses(rule):
        return rule
    return None


def webhook_url_problem(url: str, policy: Policy = PUBLIC_ONLY) -> str | None:
    """Why ``url`` cannot be a chat webhook (an English msgid), or ``None`` if it can.

    Only ``https://`` to a host on the internet by default: the body carries
    survey links, which are credentials, and must not cross the internet in
    clear text; and a workspace must not make the server post to its own
    network. ``policy`` opens loopback (demo mode) or private networks
    (``FLUIDE_WEBHOOK_ALLOW_PRIVATE``), with plain ``http://`` there.

    >>> webhook_url_problem("https://hooks.slack.com/services/T0/B0/xyz") is None
    True
    >>> webhook_url_problem("https://127.0.0.1:8080/hook") is not None
    True
    >>> webhook_url_problem("http://127.0.0.1:8080/hook", Policy(allow_loopback=True)) is None
    True
    >>> webhook_url_problem("http://example.com/hook") is not None
    True
    """
    code = url_problem_code(url, policy)
    return None if code is None else URL_PROBLEMS[code]


# --- posting -----------------------------------------------------------------


def blocked_result(blocked: outbound.Blocked, noun: str = "") -> DeliveryResult:
    """What a post whose host is refused or unresolved after DNS gave (``noun``: what it is)."""
    if blocked.rule is None:
        return DeliveryResult("retry", f"the {noun}host does not resolve now ({blocked.reason})")
    return DeliveryResult(
        "failed", f"{noun}host refused after DNS, nothing sent: {URL_PROBLEMS[blocked.rule]}"
    )


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
    policy: Policy = PUBLIC_ONLY,
    resolver: outbound.Resolver = socket.getaddrinfo,
) -> DeliveryResult:
    """POST ``payload`` signed with ``secret``; what the attempt gave.

    ``sent`` on 2xx (``provider_id``: the ``X-Request-Id`` answered, if it is
    a plain token); ``retry`` on 408, 425, 429, 5xx (``Retry-After`` kept as
    seconds), a timeout, a connection error or a name that does not resolve;
    ``failed`` on other answers, and on a URL or resolved address ``policy``
    refuses (nothing is sent then). The host is resolved once (``resolver``),
    every address checked, and the connection made to a vetted address with
    the original name in ``Host`` and in TLS (SNI and certificate check).
    Redirects are not followed; each step waits ``timeout`` seconds at most,
    and once connected the whole exchange three times that
    (:mod:`fluide.channels.pinned`). ``detail`` never holds the secret, the
    URL, or a byte the receiver chose.
    """
    problem = url_problem_code(url, policy)
    if problem is not None:
        return DeliveryResult(
            "failed", f"webhook URL refused, nothing sent: {URL_PROBLEMS[problem]}"
        )
    if not secret:
        return DeliveryResult("failed", "no webhook secret: create one before posting")
    found = outbound.destination(url, policy, resolver=resolver)
    if isinstance(found, outbound.Blocked):
        return blocked_result(found, "webhook ")
    body = encode_body(payload)
    timestamp = int(time.time()) if now is None else now
    headers = {
        "Host": found.url.netloc.decode("ascii"),
        "Content-Type": "application/json",
        "User-Agent": f"Fluide/{__version__}",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        IDEMPOTENCY_HEADER: idempotency_key,
    }
    own = client is None
    http = client or httpx.Client(
        timeout=timeout, follow_redirects=False, trust_env=False, verify=outbound.tls_context()
    )
    try:
        return post_pinned(http, found.url, found.addresses, body, headers, timeout)
    finally:
        if own:
            http.close()
