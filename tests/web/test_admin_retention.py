"""The admin settings form sets the retention periods (both databases)."""

from __future__ import annotations

from fastapi import FastAPI

from fluide.services.workspaces import NewWorkspace
from fluide.storage.models import Workspace
from tests.web.conftest import logged_in


def periods(app: FastAPI, ws: str) -> tuple[int | None, int | None]:
    with app.state.sessions() as s:
        row = s.get_one(Workspace, ws)
        return row.comment_retention_days, row.personal_data_retention_days


def test_the_settings_form_sets_clears_and_checks_the_retention_periods(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    admin = logged_in(app, workspace.id, "admin")
    page = admin.client.get("/app/admin").text
    assert 'name="comment_retention_days"' in page and "Conserver les commentaires" in page
    good = {"csrf": admin.csrf, "name": "Boutique", "timezone": "Europe/Paris"}
    good |= {"fatigue_days": "14", "sender_name": ""}
    form = good | {"comment_retention_days": "90", "personal_data_retention_days": "730"}
    r = admin.client.post("/app/admin/settings", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert periods(app, workspace.id) == (90, 730)
    assert 'value="730"' in admin.client.get("/app/admin").text
    admin.client.post("/app/admin/settings", data=good, follow_redirects=False)
    assert periods(app, workspace.id) == (90, 730)  # an older form without the fields
    for bad in ("0", "3651", "deux", "-3"):
        r = admin.client.post("/app/admin/settings", data=form | {"comment_retention_days": bad})
        assert r.status_code == 422, bad
        field = r.text.split('name="comment_retention_days"')[1].split("</label>")[0]
        assert "de 1 à 3650" in field and f'value="{bad}"' in r.text
    assert periods(app, workspace.id) == (90, 730)
    form |= {"comment_retention_days": "", "personal_data_retention_days": " "}
    r = admin.client.post("/app/admin/settings", data=form, follow_redirects=False)
    assert r.status_code == 303 and periods(app, workspace.id) == (None, None)
