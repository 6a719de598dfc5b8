"""``/docs`` (Swagger UI) and ``/redoc`` served entirely by Fluide, and its favicon.

FastAPI's own pages load Swagger UI and ReDoc from a CDN (and ReDoc its fonts
from Google): without internet they are blank. The assets ``fastapi-offline``
ships are served here under ``/static/docs``, so both pages work on a network
cut off from the outside, and no request leaves the server's address.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from importlib import resources
from pathlib import Path
from typing import Final

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute

ASSETS_URL: Final = "/static/docs"
ASSETS: Final = Path(fastapi_offline.__file__).parent / "static"
OAUTH2_REDIRECT: Final = "/docs/oauth2-redirect"
FAVICON: Final = (resources.files("fluide.api") / "templates" / "favicon.svg").read_bytes()
FAVICON_HEADERS: Final = {
    "Cache-Control": "public, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    # An SVG is a document: opened on its own, it may run nothing and load nothing.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
}


_INLINE_SCRIPT: Final = re.compile(r"<script>(.*?)</script>", re.S)


def _csp(html: str) -> str:
    """A CSP that lets the page load only from Fluide: its own inline scripts by hash,
    the assets and the OpenAPI document; anything else (ReDoc's Redocly logo on a
    CDN, say) is blocked in the browser and never requested."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "worker-src 'self' blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def _secured(page: HTMLResponse) -> HTMLResponse:
    html = bytes(page.body).decode()
    page.headers["Content-Security-Policy"] = _csp(html)
    page.headers["X-Content-Type-Options"] = "nosniff"
    page.headers["Referrer-Policy"] = "same-origin"
    return page


def install(app: FastAPI) -> None:
    """Add ``/docs``, ``/redoc``, their assets and ``/favicon.ico`` to ``app`` (created with
    ``docs_url=None, redoc_url=None``)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
    app.router.routes.extend(_routes())


@functools.cache
def _routes() -> list[BaseRoute]:
    """The pages' routes, made once per process (like ``fluide.api.app.api_routes``): each
    page reads its application's title and OpenAPI address when it is asked for."""
    router = APIRouter()

    @router.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        app = request.app
        return _secured(
            get_swagger_ui_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} API",
                oauth2_redirect_url=OAUTH2_REDIRECT,
                swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url="/favicon.ico",
                swagger_ui_parameters=app.swagger_ui_parameters,
            )
        )

    @router.get(OAUTH2_REDIRECT, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @router.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        app = request.app
        return _secured(
            get_redoc_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} API",
                redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url="/favicon.ico",
                with_google_fonts=False,
            )
        )

    @router.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(FAVICON, media_type="image/svg+xml", headers=FAVICON_HEADERS)

    return list(router.routes)
