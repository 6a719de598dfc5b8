"""`make demo`'s dashboard: a newcomer logs in and every page works, in French and English."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.api.app import create_app
from fluide.demo import DemoResult, build_demo
from fluide.demo.dashboard import CSM
from fluide.services.actions import list_actions
from fluide.services.follow_ups import counts
from fluide.settings import load_settings
from tests.demo_database import demo_database
from tests.web.conftest import log_in

PAGES = [
    "/app",
    "/app/touchpoints/payer",
    "/app/verbatims",
    "/app/frictions",
    "/app/actions",
    "/app/follow-ups",
    "/app/agents",
    "/app/agents/Julien",
    "/app/report",
]
# One heading per page that must read in the viewer's language.
FRENCH = ["Vue d'ensemble", "Rappels clients", "Rapport hebdomadaire", "Se déconnecter"]
ENGLISH = ["Overview", "Follow-ups", "Weekly report", "Log out"]


@dataclass(frozen=True)
class Demo:
    app: FastAPI
    result: DemoResult

    def password(self, email: str) -> str:
        return next(x.password for x in self.result.logins if x.email == email)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp: Path = tmp_path_factory.mktemp("demo")
    settings = load_settings(
        demo=True,
        database_url=demo_database(f"sqlite:///{tmp / 'fluide.db'}"),
        data_dir=tmp,
        worker="external",
    )
    app = create_app(settings)
    result = build_demo(app.state.sessions, settings, weeks=8)
    yield Demo(app, result)
    app.state.engine.dispose()


def test_demo_prints_logins_for_every_role(demo: Demo) -> None:
    roles = {x.role for x in demo.result.logins}
    assert roles == {"admin", "analyst", "agent"}
    assert all(len(x.password) >= 10 for x in demo.result.logins)


def test_demo_has_a_delivered_fix_whose_before_after_shows_a_real_improvement(
    demo: Demo,
) -> None:
    delivered = list_actions(demo.app.state.sessions, demo.result.workspace_id, status="delivered")
    fix = next(a for a in delivered if a["touchpoint"] == "payer")
    ba = fix["before_after"]
    assert ba["comparable"] and ba["improved"] is True, ba["difference"]
    low, _high = ba["difference"]["ci"]
    assert low > 0  # on an ease scale higher is better: the whole interval is a gain
    to_deliver = list_actions(
        demo.app.state.sessions, demo.result.workspace_id, status="to_deliver"
    )
    assert len(to_deliver) >= 3


def test_demo_has_open_and_overdue_follow_ups(demo: Demo) -> None:
    c = counts(demo.app.state.sessions, demo.result.workspace_id)
    assert c["open"] > 0 and c["overdue"] > 0
    assert c["overdue"] < c["open"] + 40  # most are handled: the history is realistic


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_works_for_the_csm_in_both_languages(demo: Demo, lang: str) -> None:
    client = log_in(demo.app, CSM, demo.password(CSM))
    client.post("/app/lang", data={"csrf": _csrf(client), "lang": lang, "next": "/app"})
    for path in PAGES:
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert f'<html lang="{lang}">' in r.text, path
        page = html.unescape(r.text)
        for text in FRENCH if lang == "fr" else ENGLISH:
            assert text in page, (path, text)
    pdf = client.get("/app/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_an_agent_of_the_demo_sees_their_own_pages(demo: Demo) -> None:
    email = "julien@demo.fluide.dev"
    client = log_in(demo.app, email, demo.password(email))
    assert client.get("/app/follow-ups").status_code == 200
    assert (
        client.get("/app/agents", follow_redirects=False)
        .headers["location"]
        .startswith("/app/agents/Julien")
    )
    assert client.get("/app/agents/Camille").status_code == 403
    assert client.get("/app", follow_redirects=False).headers["location"] == "/app/follow-ups"


def _csrf(client: TestClient) -> str:
    from tests.web.conftest import csrf_of

    return csrf_of(client.get("/app/follow-ups").text)
