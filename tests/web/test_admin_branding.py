"""The admin page sets the survey page's colour and logo (both databases)."""

from __future__ import annotations

from fastapi import FastAPI

from fluide.services.workspaces import NewWorkspace
from fluide.storage.models import Workspace
from tests.service.test_survey_branding import png
from tests.web.conftest import logged_in

FORM = {"name": "Boutique", "timezone": "Europe/Paris", "fatigue_days": "14", "sender_name": ""}


def brand(app: FastAPI, ws: str) -> tuple[str | None, str | None, int]:
    with app.state.sessions() as s:
        row = s.get_one(Workspace, ws)
        return row.brand_color, row.logo_type, len(row.logo_data or b"")


def test_the_settings_form_sets_checks_and_clears_the_colour(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    admin = logged_in(app, workspace.id, "admin")
    assert 'name="brand_color"' in admin.client.get("/app/admin").text
    form = FORM | {"csrf": admin.csrf, "brand_color": "#0A7F3F"}
    r = admin.client.post("/app/admin/settings", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert brand(app, workspace.id)[0] == "#0a7f3f"
    assert 'value="#0a7f3f"' in admin.client.get("/app/admin").text
    admin.client.post("/app/admin/settings", data=FORM | {"csrf": admin.csrf})
    assert brand(app, workspace.id)[0] == "#0a7f3f"  # an older form without the field
    r = admin.client.post("/app/admin/settings", data=form | {"brand_color": "vert"})
    assert r.status_code == 422
    field = r.text.split('name="brand_color"')[1].split("</label>")[0]
    assert "vert n&#39;est pas une couleur" in field and 'value="vert"' in r.text
    assert brand(app, workspace.id)[0] == "#0a7f3f"
    admin.client.post("/app/admin/settings", data=form | {"brand_color": ""})
    assert brand(app, workspace.id)[0] is None


def test_the_logo_form_uploads_previews_refuses_and_removes(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="en")
    image = png()
    files = {"logo": ("logo.png", image, "image/png")}
    data = {"csrf": admin.csrf}
    r = admin.client.post("/app/admin/logo", data=data, files=files, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/app/admin?done=logo#branding"
    assert brand(app, workspace.id)[1:] == ("image/png", len(image))
    page = admin.client.get("/app/admin?done=logo").text
    assert 'id="logo-preview" src="/app/admin/logo"' in page and "The logo was saved" in page
    preview = admin.client.get("/app/admin/logo")
    assert preview.content == image and preview.headers["content-type"] == "image/png"
    svg = {"logo": ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png")}
    r = admin.client.post("/app/admin/logo", data=data, files=svg)
    assert r.status_code == 422 and "PNG, JPEG or WebP" in r.text
    assert brand(app, workspace.id)[1:] == ("image/png", len(image))
    r = admin.client.post("/app/admin/logo", files=files, follow_redirects=False)
    assert r.status_code == 403  # no CSRF field
    r = admin.client.post(
        "/app/admin/logo", data=data | {"action": "remove"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert brand(app, workspace.id)[1:] == (None, 0)
    assert admin.client.get("/app/admin/logo").status_code == 404


def test_only_admins_set_the_logo(app: FastAPI, workspace: NewWorkspace) -> None:
    analyst = logged_in(app, workspace.id, "analyst")
    files = {"logo": ("logo.png", png(), "image/png")}
    r = analyst.client.post("/app/admin/logo", data={"csrf": analyst.csrf}, files=files)
    assert r.status_code == 403
    assert brand(app, workspace.id)[1] is None
