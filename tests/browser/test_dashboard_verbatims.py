"""The verbatims page and the frictions backlog in a real browser: log in through the
form, filter, tick two verbatims and tag them in bulk, then change a feasibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from fluide.storage import verbatims as verbatim_store
from tests.browser.conftest import NO_BROWSER, SKIP_REASON, screenshot
from tests.verbatims import answer
from tests.web.conftest import PASSWORD, make_account
from tests.web.test_verbatims_page import SCRIPT, human_tag, machine_tag

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)


def seed(app: FastAPI, settings: Settings, ws: str) -> dict[str, list[str]]:
    """Two touchpoints' answers of the last days, tagged by the worker or a person."""
    f = app.state.sessions
    at = datetime.now(UTC) - timedelta(days=2)
    payer = answer(
        f,
        settings,
        ws,
        [
            (1, "Carte refusée trois fois, j'ai dû appeler ma banque"),
            (2, "Paiement très lent, la page a tourné longtemps"),
            (2, "Le code de validation n'arrive jamais par SMS"),
            (3, "Livraison annoncée en retard après le paiement"),
            (1, SCRIPT),
            (6, "Simple et rapide"),
            (7, None),
            (7, None),
            (6, None),
        ],
        at=at,
    )
    support = answer(
        f,
        settings,
        ws,
        [
            (2, "Trois appels pour le même problème"),
            (3, "Attente de 20 minutes au téléphone"),
            (6, "Conseiller efficace"),
            (7, None),
            (2, "Encore une demi-heure d'attente"),
        ],
        touchpoint="support",
        at=at,
    )
    machine_tag(
        f,
        ws,
        {
            payer[0]: [("payment", "model", 0.91)],
            payer[1]: [("payment", "model", 0.74), ("delay", "rule", 0.8)],
            payer[2]: [("login", "model", 0.66)],
            payer[3]: [("delay", "model", 0.58)],
            payer[4]: [("payment", "model", 0.52)],
            payer[5]: [],
            support[0]: [("recontact", "model", 0.88)],
            support[1]: [("delay", "rule", 0.9)],
            support[2]: [],
            support[4]: [("delay", "model", 0.81)],
        },
    )
    human_tag(f, ws, support[0], ["recontact", "delay"])
    return {"payer": payer, "support": support}


def log_in(page: Any, live_url: str, email: str) -> None:
    page.goto(f"{live_url}/app/login?next=/app/verbatims")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/app/verbatims")


def test_filter_tag_in_bulk_then_reprioritise_a_friction(
    app: FastAPI, settings: Settings, live_url: str, page: Any
) -> None:
    ws = create_workspace(app.state.sessions, "Boutique Démo")
    ids = seed(app, settings, ws.id)
    _, email = make_account(app, ws.id, "analyst", lang="fr", name="Camille Martin")
    log_in(page, live_url, email)
    assert page.locator("h1").inner_text() == "Verbatims"
    # The script a customer typed is shown as text, and never runs.
    assert page.locator("p.comment", has_text='<script>alert("x")</script>').count() == 1

    page.select_option("select[name=touchpoint]", "payer")
    page.fill("input[name=max_score]", "3")
    page.click("#filter")
    page.wait_for_url("**/app/verbatims?*touchpoint=payer*")
    rows = page.locator("tbody tr")
    assert rows.count() == 5  # payer's answers scored 1 to 3, all with a comment

    slow, sms = ids["payer"][1], ids["payer"][2]
    page.check(f"#v-{slow} input[name=ids]")
    page.check(f"#v-{sms} input[name=ids]")
    page.select_option("select[name=action]", "add")
    page.select_option("#bulk select[name=tag]", "onboarding")
    page.click("#apply")
    page.wait_for_selector("#bulk-result")
    assert "ajoutée à 2 verbatims" in page.locator("#bulk-result").inner_text()
    assert "touchpoint=payer" in page.url and "max_score=3" in page.url  # filters kept
    assert page.locator("select[name=touchpoint]").input_value() == "payer"
    assert page.locator(f"#v-{sms} .tag.human").count() == 2
    with app.state.sessions() as s:
        tags = verbatim_store.tags_of(s, ws.id, [slow, sms])
    assert sorted(k for k, _, _ in tags[slow]) == ["delay", "onboarding", "payment"]
    assert {src for _, src, _ in tags[sms]} == {"human"}
    screenshot(page, "dashboard-verbatims")

    page.click("nav a[href='/app/frictions']")
    page.wait_for_url(f"{live_url}/app/frictions")
    assert page.locator("h1").inner_text() == "Backlog des frictions"
    # Support's delay (3 comments, +27.8 on 3 answers of 5) leads payer's payment
    # (3 comments, +42.6 on 3 of 9) until payment is rated easier to fix.
    first = page.locator("table > tbody").first.get_attribute("id")
    target = page.locator("tbody#friction-payer-payment")
    assert first == "friction-support-delay"
    target.locator("select[name=feasibility]").select_option("5")
    target.get_by_role("button", name="Enregistrer").click()
    page.wait_for_selector("#saved")
    assert "fixée à 5/5" in page.locator("#saved").inner_text()
    assert "faisabilité 5/5" in page.locator("tbody#friction-payer-payment .explain").inner_text()
    assert page.locator("table > tbody").first.get_attribute("id") == "friction-payer-payment"
    assert page.locator("script").count() == 0
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "dashboard-frictions")
    assert page.messages == []
