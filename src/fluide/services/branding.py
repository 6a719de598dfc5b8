"""A workspace's branding on the survey page: its name, a colour and a small logo.

The colour is ``#rrggbb``; the page paints only its button and its header band
with it, and writes on them in black or white, whichever contrasts more (WCAG
relative luminance), so that any colour stays readable.

The logo is an uploaded PNG, JPEG or WebP image of at most
:data:`MAX_LOGO_BYTES`, recognised by its first bytes (never by the name or
the type the sender claims) and stored in the database. Fluide serves it
itself with that exact type: no SVG (a script vector), no URL to another site
(the page loads nothing from elsewhere, and the customer's browser never
calls a third party).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.i18n import N_
from fluide.services.errors import ServiceError, invalid
from fluide.services.workspaces import workspace_in
from fluide.storage.db import write_session
from fluide.storage.models import Workspace

MAX_LOGO_BYTES: Final = 100 * 1024
COLOR: Final = re.compile(r"#[0-9a-fA-F]{6}")
LOGO_TYPES: Final = ("image/png", "image/jpeg", "image/webp")
BAD_COLOR: Final = N_(
    "%(value)s is not a colour: write it as # and six hexadecimal digits, e.g. #1d4ed8."
)
BAD_LOGO: Final = N_(
    "The logo must be a PNG, JPEG or WebP image (SVG and other types are refused)."
)
BIG_LOGO: Final = N_("The logo is %(size)s bytes; at most %(max)s bytes are accepted.")
EMPTY_LOGO: Final = N_("No image was sent: choose a PNG, JPEG or WebP file.")
DARK_INK: Final = "#000000"
LIGHT_INK: Final = "#ffffff"


@dataclass(frozen=True)
class Brand:
    """What the survey page shows of the workspace."""

    name: str
    color: str | None
    ink: str | None
    has_logo: bool


def check_color(value: str) -> str:
    """``#rrggbb`` in lower case; a 422 naming the value otherwise."""
    text = value.strip()
    if not COLOR.fullmatch(text):
        raise invalid("brand_color", BAD_COLOR, value=value)
    return text.lower()


def _luminance(color: str) -> float:
    channels = []
    for i in (1, 3, 5):
        c = int(color[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_ink(color: str) -> str:
    """Black or white text on ``color``, whichever contrasts more.

    >>> readable_ink("#ffd400"), readable_ink("#1d4ed8")
    ('#000000', '#ffffff')
    """
    return DARK_INK if contrast(color, DARK_INK) >= contrast(color, LIGHT_INK) else LIGHT_INK


def sniff(data: bytes) -> str | None:
    """The image type by its first bytes: PNG, JPEG or WebP, else ``None``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_logo(data: bytes) -> str:
    """The logo's content type; a 422 saying what is allowed otherwise."""
    if not data:
        raise invalid("logo", EMPTY_LOGO)
    if len(data) > MAX_LOGO_BYTES:
        raise invalid("logo", BIG_LOGO, size=len(data), max=MAX_LOGO_BYTES)
    kind = sniff(data)
    if kind is None:
        raise invalid("logo", BAD_LOGO)
    return kind


def logo_json(ws: Workspace) -> dict[str, object] | None:
    """What the settings show of the logo: its type and size (never the bytes)."""
    if not ws.logo_data or not ws.logo_type:
        return None
    return {"content_type": ws.logo_type, "bytes": len(ws.logo_data)}


def set_logo(factory: sessionmaker[Session], ws_id: str, data: bytes) -> dict[str, object]:
    """Store an uploaded logo, replacing the previous one."""
    kind = check_logo(data)
    with write_session(factory) as s:
        ws = workspace_in(s, ws_id)
        ws.logo_type, ws.logo_data = kind, data
        return {"content_type": kind, "bytes": len(data)}


def remove_logo(factory: sessionmaker[Session], ws_id: str) -> None:
    with write_session(factory) as s:
        ws = workspace_in(s, ws_id)
        ws.logo_type, ws.logo_data = None, None


def logo_of(session: Session, ws_id: str) -> tuple[str, bytes]:
    """The stored logo's type and bytes; a 404 when there is none."""
    ws = session.get(Workspace, ws_id)
    if ws is None or not ws.logo_data or ws.logo_type not in LOGO_TYPES:
        raise ServiceError("not_found", N_("This workspace has no logo."), status=404)
    return ws.logo_type, ws.logo_data


def brand_of(ws: Workspace) -> Brand:
    """The name customers know (the sender name, else the workspace's) and the branding."""
    color = ws.brand_color if ws.brand_color and COLOR.fullmatch(ws.brand_color) else None
    return Brand(
        name=ws.sender_name or ws.name,
        color=color,
        ink=readable_ink(color) if color else None,
        has_logo=bool(ws.logo_data) and ws.logo_type in LOGO_TYPES,
    )
