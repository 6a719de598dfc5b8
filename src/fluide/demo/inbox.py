"""The demo's own mailbox and chat inbox, in memory (``fluide demo`` only).

``fluide demo`` starts a local SMTP server (:meth:`DemoInbox.start_smtp`) and
points the demo workspace's chat webhook at ``/demo/webhook``: the e-mails and
chat posts Fluide sends land here, and ``/demo/mailbox`` and ``/demo/inbox``
show them. Only the last 100 of each are kept; nothing is written to disk.

The routes reach the inbox through ``app.state.demo_inbox``.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Final

KEEP: Final = 100


@dataclass(frozen=True)
class ReceivedEmail:
    received_at: datetime
    mail_from: str
    to: str
    subject: str
    text: str
    message: EmailMessage
    html: str = ""
    """The HTML part, as the customer's mail client shows it (empty if there is none)."""


@dataclass(frozen=True)
class ChatPost:
    received_at: datetime
    verified: bool
    idempotency_key: str | None
    payload: Any
    text: str


def plain_text(message: EmailMessage) -> str:
    """The plain-text part of ``message`` (empty if it has none)."""
    return _part(message, "plain")


def html_part(message: EmailMessage) -> str:
    """The HTML part of ``message`` (empty if it has none)."""
    return _part(message, "html")


def _part(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    if part is None or part.get_content_subtype() != kind:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        return ""
    return content if isinstance(content, str) else ""


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _Handler:
    def __init__(self, inbox: DemoInbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "replace")
        self.inbox.add_email(bytes(raw), list(envelope.rcpt_tos or []))
        return "250 Message accepted for delivery"


class DemoInbox:
    """E-mails and chat posts received by the demo, newest last, thread-safe."""

    def __init__(self, keep: int = KEEP) -> None:
        self._lock = threading.Lock()
        self._emails: deque[ReceivedEmail] = deque(maxlen=keep)
        self._chats: deque[ChatPost] = deque(maxlen=keep)
        self._seen_keys: deque[str] = deque(maxlen=keep * 10)
        self._controller: Any = None

    # --- e-mail -------------------------------------------------------------

    def add_email(self, raw: bytes, rcpt_tos: list[str] | None = None) -> ReceivedEmail:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        received = ReceivedEmail(
            received_at=datetime.now(UTC),
            mail_from=str(message.get("From", "")),
            to=str(message.get("To", "")) or ", ".join(rcpt_tos or []),
            subject=str(message.get("Subject", "")),
            text=plain_text(message),
            message=message,
            html=html_part(message),
        )
        with self._lock:
            self._emails.append(received)
        return received

    def emails(self) -> list[ReceivedEmail]:
        """The received e-mails, newest first."""
        with self._lock:
            return list(reversed(self._emails))

    # --- chat ---------------------------------------------------------------

    def add_chat(
        self, *, verified: bool, idempotency_key: str | None, payload: Any, text: str
    ) -> bool:
        """Store a post; ``False`` (not stored) for a verified repeat of an Idempotency-Key."""
        post = ChatPost(datetime.now(UTC), verified, idempotency_key, payload, text)
        with self._lock:
            if verified and idempotency_key:
                if idempotency_key in self._seen_keys:
                    return False
                self._seen_keys.append(idempotency_key)
            self._chats.append(post)
        return True

    def chats(self) -> list[ChatPost]:
        """The received chat posts, newest first."""
        with self._lock:
            return list(reversed(self._chats))

    def forget(self, *, email: str | None, user_id: str) -> int:
        """Drop the e-mails to ``email`` and the chat posts for ``user_id`` (an erased
        customer's copies); how many."""
        address = (email or "").strip().lower()
        with self._lock:
            mails = [m for m in self._emails if not address or address not in m.to.lower()]
            chats = [
                c
                for c in self._chats
                if not (isinstance(c.payload, dict) and c.payload.get("user_id") == user_id)
            ]
            dropped = len(self._emails) - len(mails) + len(self._chats) - len(chats)
            self._emails = deque(mails, maxlen=self._emails.maxlen)
            self._chats = deque(chats, maxlen=self._chats.maxlen)
        return dropped

    # --- the SMTP server ----------------------------------------------------

    def start_smtp(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start a local SMTP server storing what it receives; its ``smtp://`` URL."""
        from aiosmtpd.controller import Controller

        if self._controller is not None:
            raise RuntimeError("the demo SMTP server is already running")
        chosen = port or _free_port(host)
        controller = Controller(_Handler(self), hostname=host, port=chosen, enable_SMTPUTF8=True)
        controller.start()
        self._controller = controller
        shown = f"[{host}]" if ":" in host else host
        return f"smtp://{shown}:{chosen}"

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
