"""E-mail: an invitation composed as text and HTML, in French or English, sent by SMTP.

Composing is pure: an :class:`~fluide.channels.InvitationMessage` (and the
workspace's own wording, if any) in, an :class:`~email.message.EmailMessage`
out. Each score is a link that records it in one click; the opt-out link stops
every future question for the user and is also given to mail clients as
``List-Unsubscribe`` (one-click, RFC 8058).

Sending reads ``FLUIDE_SMTP_URL``::

    smtp://[user:password@]host[:port][?starttls=1]   port 25, STARTTLS only if asked
    smtps://[user:password@]host[:port]               implicit TLS, port 465

and tells temporary failures (network, SMTP 4xx: ``retry``) from permanent
ones (SMTP 5xx, no address: ``failed``). The password never appears in a
result, a log line or an exception text.
"""

from __future__ import annotations

import base64
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from fluide.channels import DeliveryResult, InvitationMessage, ScaleLink
from fluide.i18n import N_, gettext
from fluide.settings import Settings
from fluide.storage.models import EmailTemplate
from fluide.templating import environment

log = logging.getLogger("fluide.email")

TASK = "{task}"
"""The one placeholder a workspace's wording may use."""

# Bodies are encoded in lines of at most 76 characters (RFC 2045); headers are
# then written with the SMTP limit, since folding would turn a long
# List-Unsubscribe URL into encoded words that no mail client reads.
POLICY = policy.SMTP.clone(max_line_length=998)
_BODY_POLICY = policy.SMTP.clone(max_line_length=76)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")


# --- Wording ------------------------------------------------------------------------------


def default_subject(lang: str, polarity: str) -> str:
    """The built-in subject, with the ``{task}`` placeholder."""
    if polarity == "effort":
        return gettext(lang, "%(task)s: how much effort did it take?", task=TASK)
    return gettext(lang, "%(task)s: was it easy?", task=TASK)


def default_intro(lang: str, workspace: str) -> str:
    """The built-in greeting and first sentence, with the ``{task}`` placeholder."""
    return (
        gettext(lang, "Hello,")
        + "\n\n"
        + gettext(
            lang,
            "%(workspace)s would like to know how this step went for you: %(task)s.",
            workspace=workspace,
            task=TASK,
        )
    )


def default_signature(lang: str, workspace: str) -> str:
    return gettext(lang, "The %(workspace)s team", workspace=workspace)


def _one_line(text: str) -> str:
    """A header value: control characters (CR, LF…) become spaces, spaces collapse."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _first_capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _paragraphs(text: str) -> list[list[str]]:
    """Plain text as paragraphs (blank-line separated) of lines."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n").strip())
    return [[line.strip() for line in b.split("\n") if line.strip()] for b in blocks if b.strip()]


def texts_for(msg: InvitationMessage, template: EmailTemplate | None) -> tuple[str, str, str]:
    """``(subject, intro, signature)`` of a message: the workspace's wording, else the default."""
    if template is not None and template.locale == msg.lang:
        subject, intro, signature = template.subject, template.intro, template.signature
    else:
        subject = default_subject(msg.lang, msg.polarity)
        intro = default_intro(msg.lang, msg.workspace_name)
        signature = default_signature(msg.lang, msg.workspace_name)
    subject = _first_capital(_one_line(subject.replace(TASK, msg.task)))
    return subject, intro.replace(TASK, msg.task).strip(), signature.replace(TASK, msg.task).strip()


@dataclass(frozen=True)
class _Point:
    face: str  # what the button shows: the number or the emoticon
    word: str  # the point's words ("" for unnamed middles)
    url: str


def _point(p: ScaleLink) -> _Point:
    face, word = p.symbol, p.label
    head, _, rest = p.label.partition(" ")
    if head and not head[0].isalnum() and not p.symbol.isdigit():
        face, word = head, rest  # emoji scales: the label carries the face the page shows
    return _Point(face, word, p.url)


def _end(p: _Point) -> str:
    return f"{p.face} = {p.word}" if p.word else p.face


def _context(msg: InvitationMessage, template: EmailTemplate | None) -> dict[str, Any]:
    subject, intro, signature = texts_for(msg, template)
    points = [_point(p) for p in msg.points]
    return {
        "lang": msg.lang,
        "subject": subject,
        "intro": _paragraphs(intro),
        "question": msg.question,
        "points": points,
        "faces": bool(points) and not points[0].face.isdigit(),
        "low_end": _end(points[0]) if points else "",
        "high_end": _end(points[-1]) if points else "",
        "comment_prompt": msg.comment_prompt,
        "survey_url": msg.survey_url,
        "signature": _paragraphs(signature),
        "workspace": msg.workspace_name,
        "task": msg.task,
        "opt_out_url": msg.opt_out_url,
    }


def message_id(idempotency_key: str) -> str:
    """The same ``Message-ID`` for every attempt at one delivery."""
    return f"<{_ID_UNSAFE.sub('-', idempotency_key).strip('-') or 'x'}@fluide>"


def _address(addr: str, name: str = "") -> Address | None:
    try:
        return Address(display_name=_one_line(name), addr_spec=_one_line(addr))
    except (HeaderParseError, ValueError, IndexError):
        return None


def compose_email(
    msg: InvitationMessage,
    settings: Settings,
    template: EmailTemplate | None = None,
    *,
    idempotency_key: str,
) -> EmailMessage:
    """The invitation as ``multipart/alternative`` (plain text, then HTML).

    Without a usable address the message has no ``To``, and :func:`send_email`
    reports it as ``failed``.
    """
    context = _context(msg, template)
    env = environment("fluide.channels", msg.lang)
    text = env.get_template("email.txt.j2").render(**context)
    html = env.get_template("email.html.j2").render(**context)

    out = EmailMessage(policy=_BODY_POLICY)
    name, addr = parseaddr(settings.mail_from)
    sender = _address(addr, msg.workspace_name or name) or _address(addr) or settings.mail_from
    out["From"] = sender
    to = _address(msg.email) if msg.email else None
    if to is not None:
        out["To"] = to
    out["Subject"] = context["subject"]
    out["Date"] = formatdate(localtime=False, usegmt=True)
    out["Message-ID"] = message_id(idempotency_key)
    out["List-Unsubscribe"] = f"<{msg.opt_out_url}>"
    out["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    out["Auto-Submitted"] = "auto-generated"
    out["X-Fluide-Invitation"] = _one_line(msg.invitation_id)
    out.set_content(text, cte="quoted-printable")
    out.add_alternative(html, subtype="html", cte="quoted-printable")
    out["Content-Language"] = msg.lang  # after the content: setting it clears Content-*
    out.policy = POLICY
    return out


# --- SMTP ---------------------------------------------------------------------------------

URL_PROBLEMS = {
    "scheme": N_("FLUIDE_SMTP_URL must start with smtp:// or smtps://."),
    "host": N_("FLUIDE_SMTP_URL names no server: smtp://HOST:PORT."),
    "port": N_("FLUIDE_SMTP_URL has a port that is not a number from 1 to 65535."),
    "starttls": N_("FLUIDE_SMTP_URL: starttls must be 1 or 0 (and smtps:// is already TLS)."),
}
"""English msgids of what can be wrong with an SMTP URL (never quoting it: it holds a password)."""


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to send. ``repr`` never shows the password."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}:***@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}" + (
            "?starttls=1" if self.starttls else ""
        )


def _parse(url: str) -> tuple[SmtpTarget | None, str | None]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None, URL_PROBLEMS["port"]
    if parts.scheme not in ("smtp", "smtps"):
        return None, URL_PROBLEMS["scheme"]
    if not parts.hostname:
        return None, URL_PROBLEMS["host"]
    if port == 0:
        return None, URL_PROBLEMS["port"]
    flags = parse_qs(parts.query).get("starttls", ["0"])
    if len(flags) != 1 or flags[0].lower() not in ("0", "1", "true", "false"):
        return None, URL_PROBLEMS["starttls"]
    starttls = flags[0].lower() in ("1", "true")
    implicit = parts.scheme == "smtps"
    if implicit and starttls:
        return None, URL_PROBLEMS["starttls"]
    return SmtpTarget(
        host=parts.hostname,
        port=port or (465 if implicit else 25),
        implicit_tls=implicit,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    ), None


def smtp_url_problem(url: str) -> str | None:
    """What is wrong with an SMTP URL (an English msgid), or ``None`` if it can be used."""
    return _parse(url)[1]


def parse_smtp_url(url: str) -> SmtpTarget:
    """The target of a valid SMTP URL; a :class:`ValueError` (without the URL) otherwise."""
    target, problem = _parse(url)
    if target is None:
        raise ValueError(problem)
    return target


def _scrub(text: str, target: SmtpTarget) -> str:
    """``text`` without the password in any form the SMTP dialogue could echo."""
    if not target.password:
        return text
    user = target.username or ""
    secrets = {
        target.password,
        base64.b64encode(f"\0{user}\0{target.password}".encode()).decode(),
        base64.b64encode(target.password.encode()).decode(),
    }
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {_one_line(text)}"[:500]


def _temporary(code: int) -> Literal["retry", "failed"]:
    """SMTP 4xx is worth another try later; 5xx (or anything else) is final."""
    return "retry" if 400 <= code < 500 else "failed"


def _classify(exc: Exception, where: str) -> DeliveryResult:
    """A failed SMTP dialogue as ``retry`` (temporary) or ``failed`` (permanent)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, message = next(iter(exc.recipients.values()), (550, b"refused"))
        return DeliveryResult(
            _temporary(code), f"recipient refused by {where}: {_reply(code, message)}"
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # Our credentials, not this message: retried once FLUIDE_SMTP_URL is fixed.
        return DeliveryResult(
            "retry",
            f"{where} refused the SMTP credentials ({_reply(exc.smtp_code, exc.smtp_error)}): "
            "check the user and password of FLUIDE_SMTP_URL",
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryResult(
            _temporary(exc.smtp_code), f"{where} answered {_reply(exc.smtp_code, exc.smtp_error)}"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryResult("failed", f"{where} does not support what is needed: {exc}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryResult("retry", f"{where} closed the connection: {exc}")
    if isinstance(exc, ssl.SSLError):
        return DeliveryResult("retry", f"TLS with {where} failed: {exc}")
    if isinstance(exc, OSError):
        reason = str(exc) or type(exc).__name__
        return DeliveryResult("retry", f"cannot reach {where}: {reason}")
    return DeliveryResult("retry", f"SMTP error with {where}: {exc}")


def _close(smtp: smtplib.SMTP, *, politely: bool) -> None:
    """QUIT after a success; just hang up after a failure (the server may be gone)."""
    try:
        if politely:
            smtp.quit()
            return
    except (smtplib.SMTPException, OSError):
        pass
    smtp.close()


def send_email(settings: Settings, message: EmailMessage, *, timeout: float = 30) -> DeliveryResult:
    """Send one composed message; ``provider_id`` is its ``Message-ID``."""
    mid = str(message.get("Message-ID", "")) or None
    if not message.get("To"):
        return DeliveryResult("failed", "no e-mail address for this user", mid)
    if settings.smtp_url is None:
        return DeliveryResult("failed", "no SMTP server configured: set FLUIDE_SMTP_URL", mid)
    target, problem = _parse(settings.smtp_url.get_secret_value())
    if target is None:
        return DeliveryResult("failed", f"FLUIDE_SMTP_URL cannot be used: {problem}", mid)
    where = f"{target.host}:{target.port}"
    smtp: smtplib.SMTP | None = None
    result: DeliveryResult | None = None
    try:
        if target.implicit_tls:
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=timeout)
        smtp.ehlo()
        if target.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if target.username:
            smtp.login(target.username, target.password or "")
        smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        result = _classify(exc, where)
    except UnicodeEncodeError as exc:  # AUTH sends ASCII only; the text would show the secret
        result = DeliveryResult(
            "failed", f"cannot send to {where} ({exc.reason}): use ASCII in FLUIDE_SMTP_URL"
        )
    finally:
        if smtp is not None:
            _close(smtp, politely=result is None)
    if result is not None:
        detail = _scrub(result.detail, target)
        log.warning("e-mail %s not sent (%s): %s", mid, result.status, detail)
        return DeliveryResult(result.status, detail, mid)
    log.info("e-mail %s sent through %s", mid, target.describe())
    return DeliveryResult("sent", f"accepted by {where}", mid)
