"""The workspaces' widget, webhook, single sign-on and help-desk secrets at rest: re-encryption
after a key change.

After ``FLUIDE_SECRET_KEY`` changes, the former key goes into
``FLUIDE_PREVIOUS_SECRET_KEYS`` (secrets it sealed still open), then
:func:`reencrypt` (``fluide secrets reencrypt``) seals every stored secret
under the current key, legacy plaintext included; the former key can then be
dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy.orm import Session, sessionmaker

from fluide import secretbox
from fluide.settings import Settings
from fluide.storage import credentials, helpdesk
from fluide.storage import sso as sso_store
from fluide.storage.db import compact, write_session
from fluide.storage.models import Workspace

log = logging.getLogger("fluide")

KINDS: Final = ("widget", "webhook")
HELPDESK_KINDS: Final = (("helpdesk_token", "credential"), ("helpdesk_signing", "signing_secret"))
"""The help-desk connection's sealed columns, by the kind reported."""


@dataclass
class Reencryption:
    rewritten: int = 0
    """Secrets sealed anew under the current key (legacy plaintext included)."""
    current: int = 0
    """Secrets already sealed under the current key."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """``(workspace id, kind)`` of the secrets no configured key opens (left as they are)."""


def _stored(ws: Workspace, kind: str) -> str | None:
    return ws.widget_secret if kind == "widget" else ws.webhook_secret


def _store(ws: Workspace, kind: str, value: str) -> None:
    if kind == "widget":
        ws.widget_secret = value
    else:
        ws.webhook_secret = value


def _pass(s: Session, settings: Settings, *, write: bool) -> Reencryption:
    box = secretbox.box(settings)
    done = Reencryption()
    for ws in credentials.workspaces_with_secrets(s):
        for kind in KINDS:
            fresh = _one(box, done, ws.id, kind, _stored(ws, kind))
            if fresh is not None and write:
                _store(ws, kind, fresh)
    for config in sso_store.configs(s):
        fresh = _one(box, done, config.workspace_id, "sso", config.client_secret)
        if fresh is not None and write:
            config.client_secret = fresh
    for conn in helpdesk.all_connections(s):
        for kind, column in HELPDESK_KINDS:
            fresh = _one(box, done, conn.workspace_id, kind, getattr(conn, column))
            if fresh is not None and write:
                setattr(conn, column, fresh)
    return done


def _one(
    box: secretbox.SecretBox, done: Reencryption, workspace_id: str, kind: str, stored: str | None
) -> str | None:
    """``stored`` sealed anew if it is not under the current key (counted in ``done``)."""
    if not stored:
        return None
    if box.is_current(stored):
        done.current += 1
        return None
    try:
        plain = box.open(stored)
    except secretbox.UndecryptableSecret:
        done.failed.append((workspace_id, kind))
        return None
    done.rewritten += 1
    return box.seal(plain)


def reencrypt(
    factory: sessionmaker[Session], settings: Settings, *, dry_run: bool = False
) -> Reencryption:
    """Seal every stored secret under the current key; ``dry_run`` only counts.

    On SQLite, when something was rewritten, the file is then compacted
    (VACUUM), so the former values leave no trace in it.

    A secret no key opens is left as it is and reported: its former key
    belongs in ``FLUIDE_PREVIOUS_SECRET_KEYS``, or the workspace makes a new one.
    """
    if dry_run:
        with factory() as s:
            return _pass(s, settings, write=False)
    with write_session(factory) as s:
        done = _pass(s, settings, write=True)
    if done.rewritten:
        # What was overwritten (plaintext, tokens of a former key) must not linger on disk.
        compact(factory)
    log.info("secrets re-encrypted: %s rewritten, %s already current", done.rewritten, done.current)
    return done


def warn_if_undecryptable(factory: sessionmaker[Session], settings: Settings) -> int:
    """Log, at start, how many stored secrets no configured key opens; that number."""
    with factory() as s:
        failed = _pass(s, settings, write=False).failed
    if failed:
        log.warning(
            "%s stored secret(s) cannot be decrypted (workspaces %s): %s",
            len(failed),
            ", ".join(sorted({ws for ws, _ in failed})),
            secretbox.MISMATCH,
        )
    return len(failed)
