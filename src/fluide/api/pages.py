"""HTML pages of the public survey: templates, CSRF tokens, security headers.

Autoescaping is on for every template: questions are written by the
workspace and comments by customers, and both must render as text, never as
markup. Pages carry no script and load nothing from elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Annotated, Any, Final

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from fluide.templating import environment

SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # The URL carries the survey token: never send it to another site.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

_CSRF_PURPOSE: Final = b"fluide-survey-form-v1:"


def csrf_token(secret: bytes, invitation_id: str) -> str:
    """The hidden form field proving a POST comes from the page we served.

    An HMAC of the invitation id with its own purpose, so it differs from the
    survey token even though both are derived from the same secret.
    """
    digest = hmac.new(secret, _CSRF_PURPOSE + invitation_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def csrf_ok(secret: bytes, invitation_id: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(
        (sent or "").encode(), csrf_token(secret, invitation_id).encode()
    )


def render(template: str, lang: str, **context: Any) -> str:
    return environment("fluide.api", lang).get_template(template).render(lang=lang, **context)


def page(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers=dict(SECURITY_HEADERS))


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form fields (text only); empty if the body is not a readable form."""
    try:
        form = await request.form()
    except (StarletteHTTPException, MultiPartException, ValueError, UnicodeDecodeError):
        return {}
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_fields)]
