"""Secrets Fluide must read back (the widget and webhook secrets), encrypted at rest.

Fluide computes signatures with them, so a hash cannot do: they are stored as
``fernet:v1:<Fernet token>`` under a key derived from ``FLUIDE_SECRET_KEY``
(HKDF-SHA256), so a copy of the database alone does not give them away.
Tokens made under a key of ``FLUIDE_PREVIOUS_SECRET_KEYS`` still open
(MultiFernet); ``fluide secrets reencrypt`` rewrites them under the current key.
A stored value without the prefix is legacy plaintext: it is read as it is,
and encrypted at its next write or by ``fluide secrets reencrypt``.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence
from typing import Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fluide.i18n import N_
from fluide.settings import Settings

PREFIX: Final = "fernet:v1:"
# Derivation label: the same FLUIDE_SECRET_KEY signs survey links, and the two
# uses must never share a key.
_INFO: Final = b"fluide/secretbox/v1: workspace secrets"

MISMATCH: Final = N_(
    "A stored secret cannot be decrypted with FLUIDE_SECRET_KEY: it was encrypted "
    "with another key. Put the former key in FLUIDE_PREVIOUS_SECRET_KEYS (then run "
    "fluide secrets reencrypt), or make a new secret."
)
"""What to do when no configured key opens a stored secret (English msgid)."""


class UndecryptableSecret(ValueError):
    """A stored secret that no configured key opens (the key changed, or it was altered)."""

    def __init__(self) -> None:
        super().__init__(MISMATCH)


def _fernet(secret: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def is_sealed(stored: str) -> bool:
    """Whether ``stored`` is in the encrypted form (else: legacy plaintext)."""
    return stored.startswith(PREFIX)


class SecretBox:
    """Seals with the current key; opens with the current or any previous key."""

    def __init__(self, current: bytes, previous: Sequence[bytes] = ()) -> None:
        self._current = _fernet(current)
        self._any = MultiFernet([self._current, *(_fernet(p) for p in previous)])

    def seal(self, plain: str) -> str:
        return PREFIX + self._current.encrypt(plain.encode()).decode("ascii")

    def open(self, stored: str) -> str:
        """The secret; legacy plaintext as it is; :class:`UndecryptableSecret` otherwise."""
        if not is_sealed(stored):
            return stored
        try:
            return self._any.decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            raise UndecryptableSecret() from None

    def is_current(self, stored: str) -> bool:
        """Whether ``stored`` is sealed under the current key (nothing to rewrite)."""
        if not is_sealed(stored):
            return False
        try:
            self._current.decrypt(stored[len(PREFIX) :].encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True


@functools.lru_cache(maxsize=8)
def _box(current: bytes, previous: tuple[bytes, ...]) -> SecretBox:
    return SecretBox(current, previous)


def box(settings: Settings) -> SecretBox:
    """The box of these settings' keys (made once per set of keys)."""
    return _box(settings.secret, settings.previous_secrets)


def seal(settings: Settings, plain: str) -> str:
    return box(settings).seal(plain)


def open_secret(settings: Settings, stored: str | None) -> str | None:
    """The plain secret of a stored value (``None`` stays ``None``)."""
    return None if stored is None else box(settings).open(stored)
