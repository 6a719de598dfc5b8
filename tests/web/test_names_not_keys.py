"""Names, not keys: pages name a touchpoint by its task and a channel by its name, in the
reader's language; the API and the CSV keep the keys (both databases)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI

from fluide.api.schemas import TouchpointIn
from fluide.services import touchpoints as touchpoint_service
from fluide.services.workspaces import NewWorkspace
from fluide.services.workspaces import create_workspace as new_workspace
from tests.service.conftest import touchpoint_body
from tests.web.conftest import logged_in
from tests.web.test_overview import Answer, record

KEY = "changer_carte"
TASK = "changer la carte bancaire"


def struggling_workspace(app: FastAPI, **task: object) -> NewWorkspace:
    """A workspace whose touchpoint ``KEY`` is named by ``task`` (``task=``, and
    ``task_names=`` if given), with low answers on the survey link."""
    made = new_workspace(app.state.sessions, "Boutique")
    body = touchpoint_body(
        key=KEY,
        channels=["in_app", "email", "link"],
        triggers=[{"event": f"{KEY}_done"}],
        **task,
    )
    touchpoint_service.create(app.state.sessions, made.id, TouchpointIn(**body))
    at = datetime.now(UTC) - timedelta(days=2)
    answers = [Answer(2, "Carte refusée trois fois", agent="a-1") for _ in range(6)]
    record(app, made.id, answers, touchpoint=KEY, at=at)
    return made


@pytest.fixture
def ws(app: FastAPI) -> NewWorkspace:
    """A touchpoint whose key and task differ."""
    return struggling_workspace(app, task=TASK)


def text_of(page: str) -> str:
    """What a person reads: the page without its tags, attributes and forms' values."""
    return html.unescape(re.sub(r"<style.*?</style>|<[^>]*>", " ", page, flags=re.S))


@pytest.mark.parametrize(
    "path",
    ["/app/verbatims", "/app/agents", "/app/agents/a-1", f"/app/touchpoints/{KEY}", "/app/report"],
)
def test_pages_name_the_touchpoint_by_its_task(app: FastAPI, ws: NewWorkspace, path: str) -> None:
    analyst = logged_in(app, ws.id, "analyst", lang="fr")
    r = analyst.client.get(path)
    assert r.status_code == 200, r.text[:300]
    read = text_of(r.text)
    assert TASK in read, path
    assert KEY not in read, (path, read[read.find(KEY) - 80 : read.find(KEY) + 80])


@pytest.mark.parametrize(
    ("lang", "names", "link"),
    [
        (
            "fr",
            "Dans l'application, E-mail, Lien vers le questionnaire",
            "Lien vers le questionnaire",
        ),
        ("en", "In-app, E-mail, Survey link", "Survey link"),
    ],
)
def test_channels_read_as_names_in_the_readers_language(
    app: FastAPI, ws: NewWorkspace, lang: str, names: str, link: str
) -> None:
    admin = logged_in(app, ws.id, "admin", lang=lang)
    page = text_of(admin.client.get("/app/admin").text)
    assert names in page
    assert KEY in page  # the admin still sees the key, as secondary text
    touchpoint = text_of(admin.client.get(f"/app/touchpoints/{KEY}").text)
    assert link in touchpoint  # the breakdown by channel and each verbatim's details
    assert not re.search(r"\bin_app\b|(?<!Survey )\blink\b", touchpoint)


def test_the_api_and_the_csv_keep_the_keys(app: FastAPI, ws: NewWorkspace) -> None:
    analyst = logged_in(app, ws.id, "analyst", lang="fr")
    data = analyst.client.get("/app/verbatims?format=json").json()
    assert {v["touchpoint"] for v in data["verbatims"]} == {KEY}
    csv = analyst.client.get("/app/verbatims?format=csv").text
    assert f",{KEY}," in csv
    report = analyst.client.get("/app/report?format=json").json()
    assert report["report"]["touchpoint_tasks"] == {KEY: TASK}
