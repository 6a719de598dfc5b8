"""The survey page keeps the call-back consent, says "Add a comment" after a one-click
score, and shows the workspace's name, colour and logo (both databases)."""

from __future__ import annotations

import doctest
import re
import struct
import zlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.services import branding
from fluide.services.workspaces import NewWorkspace
from fluide.storage.dashboard_models import FollowUp
from tests.service.conftest import SECRET
from tests.service.test_responses import invite, stored
from tests.service.test_survey import csrf_of, post_link, submit


def png(width: int = 2, height: int = 1) -> bytes:
    """A real, tiny PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def consent_box(page: str) -> str:
    found = re.search(r'<input type="checkbox" name="callback"[^>]*>', page)
    assert found, "no consent box on the page"
    return found.group(0)


def main_button(page: str) -> str:
    """The text of the main form's button (the page's last one)."""
    found = re.findall(r'<button type="submit">([^<]*)</button>', page)
    assert found, "no main button"
    return str(found[-1])


def test_consent_is_shown_ticked_once_saved_and_unticking_withdraws_it(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth)
    assert "checked" not in consent_box(client.get(f"/s/{token}").text)
    r = submit(client, token, score="2", callback="1", consent_shown="1")
    assert r.status_code == 303
    assert "checked" in consent_box(client.get(f"/s/{token}").text)
    [row] = stored(app)
    assert row.extra_answers.get("_callback") is True
    # The score link's form has no box: it says nothing about consent.
    post_link(client, token, "1")
    assert "checked" in consent_box(client.get(f"/s/{token}").text)
    # The main form without the box ticked: consent withdrawn, and stored so.
    r = submit(client, token, score="2", consent_shown="1")
    assert r.status_code == 303
    assert "checked" not in consent_box(client.get(f"/s/{token}").text)
    [row] = stored(app)
    assert "_callback" not in (row.extra_answers or {})


def test_withdrawn_consent_closes_the_call_back_only_follow_up(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth)
    submit(client, token, score="1", callback="1", consent_shown="1")
    with app.state.sessions() as s:
        [fu] = s.scalars(select(FollowUp)).all()
        assert (fu.reason, fu.status) == ("callback", "open")
    submit(client, token, score="1", consent_shown="1")
    with app.state.sessions() as s:
        [fu] = s.scalars(select(FollowUp)).all()
        assert (fu.reason, fu.status, fu.outcome) == ("callback", "closed", "not_needed")
        assert fu.closed_by == "customer" and fu.closed_at is not None


def test_after_a_one_click_score_the_main_button_offers_to_add_a_comment(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth, locale="en")
    assert main_button(client.get(f"/s/{token}").text) == "Send my answer"
    r = post_link(client, token, "6")
    assert r.status_code == 303 and r.headers["location"].endswith("?thanks=score")
    assert main_button(client.get(f"/s/{token}?thanks=score").text) == "Add a comment"
    assert main_button(client.get(f"/s/{token}").text) == "Update my answer"
    french = invite(client, auth, user="u-43", locale="fr")
    post_link(client, french, "6")
    page = client.get(f"/s/{french}?thanks=score").text
    assert main_button(page) == "Ajouter un commentaire"


def test_the_page_shows_the_name_customers_know_escaped(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    page = client.get(f"/s/{token}").text
    assert '<p class="brand-name">Boutique</p>' in page
    assert "<img" not in page and "--brand:" not in page
    r = client.patch("/v1/workspace", headers=auth, json={"sender_name": "Durand <b>&</b> fils"})
    assert r.status_code == 200
    page = client.get(f"/s/{token}").text
    assert '<p class="brand-name">Durand &lt;b&gt;&amp;&lt;/b&gt; fils</p>' in page


def test_the_brand_colour_is_checked_and_painted_with_a_readable_ink(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    for bad in ("red", "#12345", "#12345g", "#1234567", "1d4ed8", "#fff;}body{"):
        english = auth | {"Accept-Language": "en"}
        r = client.patch("/v1/workspace", headers=english, json={"brand_color": bad})
        assert r.status_code == 422, bad
        error = r.json()["error"]
        assert error["details"][0]["field"] == "brand_color" and "#1d4ed8" in error["message"]
    assert client.get("/v1/workspace", headers=auth).json()["brand_color"] is None
    r = client.patch("/v1/workspace", headers=auth, json={"brand_color": "#FFD400"})
    assert r.status_code == 200 and r.json()["brand_color"] == "#ffd400"
    page = client.get(f"/s/{token}").text
    assert "--brand: #ffd400; --brand-ink: #000000;" in page  # black on yellow
    assert '<header class="brand branded">' in page
    client.patch("/v1/workspace", headers=auth, json={"brand_color": "#1e3a8a"})
    assert "--brand: #1e3a8a; --brand-ink: #ffffff;" in client.get(f"/s/{token}").text
    client.patch("/v1/workspace", headers=auth, json={"brand_color": None})
    assert "--brand:" not in client.get(f"/s/{token}").text


def test_the_readable_ink_always_reaches_the_wcag_contrast_for_text() -> None:
    # Every grey (the hardest case sits mid-way) and a sweep of hues.
    greys = [f"#{v:02x}{v:02x}{v:02x}" for v in range(256)]
    hues = [f"#{v:06x}" for v in range(0, 0x1000000, 0x010101 * 7 + 0x0305)]
    for color in greys + hues:
        assert branding.contrast(color, branding.readable_ink(color)) >= 4.5, color
    assert doctest.testmod(branding).failed == 0


def test_an_uploaded_logo_is_served_with_its_checked_type_and_shown(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    assert client.get(f"/s/{token}/logo").status_code == 404
    image = png()
    r = client.put(
        "/v1/workspace/logo", headers=auth | {"Content-Type": "text/html"}, content=image
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"content_type": "image/png", "bytes": len(image)}
    assert client.get("/v1/workspace", headers=auth).json()["logo"]["content_type"] == "image/png"
    logo = client.get(f"/s/{token}/logo")
    assert logo.status_code == 200 and logo.content == image
    assert logo.headers["content-type"] == "image/png"
    assert logo.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in logo.headers["content-security-policy"]
    page = client.get(f"/s/{token}")
    assert f'<img class="logo" src="{token}/logo" alt="">' in page.text
    assert "img-src 'self'" in page.headers["content-security-policy"]
    # A changed letter mid-signature (the last one may carry only padding bits).
    forged = token[:-5] + ("B" if token[-5] == "A" else "A") + token[-4:]
    assert client.get(f"/s/{forged}/logo").status_code == 404
    assert client.get("/v1/workspace/logo", headers=auth).content == image
    assert client.delete("/v1/workspace/logo", headers=auth).status_code == 204
    assert client.get(f"/s/{token}/logo").status_code == 404
    assert "<img" not in client.get(f"/s/{token}").text


def test_svg_unknown_empty_and_large_logos_are_refused_and_nothing_is_stored(
    client: TestClient, auth: dict[str, str]
) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    big = png() + b"\x00" * branding.MAX_LOGO_BYTES
    for body, words in (
        (svg, "PNG, JPEG or WebP"),
        (b"GIF89a......", "PNG, JPEG or WebP"),
        (b"", "No image"),
        (big, f"{len(big)} bytes"),
    ):
        headers = auth | {"Content-Type": "image/png", "Accept-Language": "en"}
        r = client.put("/v1/workspace/logo", headers=headers, content=body)
        assert r.status_code == 422, body[:10]
        error = r.json()["error"]
        assert error["details"][0]["field"] == "logo" and words in error["message"]
    assert client.get("/v1/workspace", headers=auth).json()["logo"] is None


def test_a_webp_and_a_jpeg_are_recognised_by_their_first_bytes() -> None:
    assert branding.sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert branding.sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert branding.sniff(b"<?xml version='1.0'?><svg/>") is None


def test_a_logo_is_only_served_for_its_own_workspace(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    from fluide.services.workspaces import create_workspace

    other = create_workspace(app.state.sessions, "Autre")
    other_auth = {"Authorization": f"Bearer {other.api_key}"}
    client.put("/v1/workspace/logo", headers=other_auth, content=png())
    token = invite(client, auth)
    assert client.get(f"/s/{token}/logo").status_code == 404
    assert client.get("/v1/workspace/logo", headers=auth).status_code == 404
    assert "<img" not in client.get(f"/s/{token}").text
    assert csrf_of(client.get(f"/s/{token}").text)


def test_the_logo_and_colour_move_with_a_workspace_export_and_import(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace, tmp_path: Path
) -> None:
    from fluide.services import transfer
    from fluide.settings import load_settings
    from fluide.storage.db import make_engine, migrate, session_factory
    from fluide.storage.models import Workspace

    image = png(3, 2)
    client.put("/v1/workspace/logo", headers=auth, content=image)
    client.patch("/v1/workspace", headers=auth, json={"brand_color": "#0a7f3f"})
    settings = app.state.settings
    out = tmp_path / "export"
    transfer.export_workspace(
        app.state.sessions, workspace.id, out, hooks=transfer.export_hooks(settings)
    )
    url = f"sqlite:///{tmp_path / 'target.db'}"
    engine = make_engine(url)
    try:
        migrate(engine)
        target = session_factory(engine)
        hooks = transfer.import_hooks(load_settings(database_url=url, secret_key=SECRET))
        transfer.import_workspace(target, transfer.open_export(out), hooks=hooks)
        with target() as s:
            ws = s.get_one(Workspace, workspace.id)
            assert (ws.logo_type, ws.logo_data, ws.brand_color) == ("image/png", image, "#0a7f3f")
    finally:
        engine.dispose()
