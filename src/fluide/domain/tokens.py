"""Signed, unguessable survey tokens: the invitation id and an HMAC of it.

The id is random (96 bits) and the signature (HMAC-SHA256, 192 bits kept)
proves the server made the link, so a token cannot be forged or altered.

>>> t = sign(b"k" * 32, "inv_0123")
>>> verify(b"k" * 32, t)
'inv_0123'
>>> verify(b"k" * 32, t[:-1] + ("A" if t[-1] != "A" else "B")) is None
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_PURPOSE = b"fluide-survey-v1:"


def _mac(secret: bytes, invitation_id: str) -> str:
    digest = hmac.new(secret, _PURPOSE + invitation_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def sign(secret: bytes, invitation_id: str) -> str:
    return f"{invitation_id}.{_mac(secret, invitation_id)}"


def verify(secret: bytes, token: str) -> str | None:
    """The invitation id in ``token``, or ``None`` if it was not signed by us."""
    if not token.isascii():  # hmac.compare_digest refuses non-ASCII text
        return None
    invitation_id, sep, mac = token.rpartition(".")
    if not sep or not invitation_id or len(token) > 200:
        return None
    if not hmac.compare_digest(mac, _mac(secret, invitation_id)):
        return None
    return invitation_id
