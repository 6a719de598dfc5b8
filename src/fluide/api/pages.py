"""HTML pages of the public survey: templates, CSRF tokens, security headers.

Autoescaping is on for every template: questions are written by the
workspace and comments by customers, and both must render as text, never as
markup. Pages load nothing from elsewhere and carry no script, except the one
that posts the score of a score link (:data:`SCORE_LINK_SCRIPT`), allowed by
its hash in that page's CSP only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from importlib import resources
from typing import Annotated, Any, Final

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from fluide.templating import environment

SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # The URL carries the survey token: never send it to another site.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

_CSRF_PURPOSE: Final = b"fluide-survey-form-v1:"

SCORE_LINK_SCRIPT: Final = Markup(  # noqa: S704 - our own file, never data
    (resources.files("fluide.api") / "templates" / "score_link.js").read_text(encoding="utf-8")
)
"""The inline script of a score link's page: it posts the chosen score once the page is seen."""
_SCRIPT_HASH: Final = base64.b64encode(
    hashlib.sha256(str(SCORE_LINK_SCRIPT).encode("utf-8")).digest()
).decode()
SCRIPT_CSP: Final = SECURITY_HEADERS["Content-Security-Policy"] + (
    f"; script-src 'sha256-{_SCRIPT_HASH}'"
)
"""The survey CSP plus that one script, by its hash: no other script may run."""


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


def page(html: str, status: int = 200, *, script: bool = False) -> HTMLResponse:
    """An HTML page with the security headers; ``script``: it carries the score link's script."""
    headers = dict(SECURITY_HEADERS)
    if script:
        headers["Content-Security-Policy"] = SCRIPT_CSP
    return HTMLResponse(html, status_code=status, headers=headers)


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form fields (text only); empty if the body is not a readable form."""
    try:
        form = await request.form()
    except (StarletteHTTPException, MultiPartException, ValueError, UnicodeDecodeError):
        return {}
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_fields)]
