"""The widget in a real browser: pay, answer with the keyboard; dismiss for good; hostile CSS.

Host pages are served from ``localhost`` while Fluide is ``127.0.0.1``: another
origin, as on a customer's site, so CORS and the preflight are exercised
(the demo shop is same-origin, as in ``fluide demo``).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from fluide.demo import DEMO_NAME
from fluide.services.widget import WidgetKeys, ensure_widget_keys, user_hmac
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage.models import Invitation
from tests.browser.conftest import NO_BROWSER, SKIP_REASON, screenshot
from tests.service.conftest import event_body, touchpoint_body

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)

ACTIVE = """() => {
  const root = document.querySelector("fluide-widget").shadowRoot;
  const a = root.activeElement;
  return a && {tag: a.tagName, role: a.getAttribute("role"), label: a.getAttribute("aria-label"),
               type: a.type || null, value: a.value || null, checked: Boolean(a.checked)};
}"""


def setup(
    app: FastAPI, live_url: str, name: str, **touchpoint: Any
) -> tuple[NewWorkspace, WidgetKeys]:
    ws = create_workspace(app.state.sessions, name)
    keys = ensure_widget_keys(app.state.sessions, app.state.settings, ws.id)
    r = httpx.post(
        f"{live_url}/v1/touchpoints", headers=bearer(ws), json=touchpoint_body(**touchpoint)
    )
    assert r.status_code == 201, r.text
    return ws, keys


def bearer(ws: NewWorkspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {ws.api_key}"}


def invite_in_app(live_url: str, ws: NewWorkspace, user: str) -> str:
    """The host's server reports the action; the invitation waits for the widget."""
    body = event_body(f"evt-{user}", user, "payment_succeeded", channel="in_app")
    r = httpx.post(f"{live_url}/v1/events", headers=bearer(ws), json=body)
    assert r.json()["decision"] == "invited", r.text
    return str(r.json()["invitation"]["id"])


def answer_of(live_url: str, ws: NewWorkspace, user: str) -> Any:
    history = httpx.get(f"{live_url}/v1/users/{user}/history", headers=bearer(ws)).json()
    return next((e["response"] for e in history["events"] if e["response"]), None)


def host_page(live_url: str, keys: WidgetKeys, user: str, *, css: str = "", body: str = "") -> str:
    sig = user_hmac(keys.secret, user)
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Site hôte</title><style>{css}</style></head>
<body><h1>Mon compte</h1>{body}
<script src="{live_url}/widget.js" data-key="{keys.public_key}" data-user="{user}"
        data-sig="{sig}" data-lang="fr" async></script></body></html>"""


def other_origin(live_url: str) -> str:
    return live_url.replace("127.0.0.1", "localhost")


def invitation(app: FastAPI, invitation_id: str) -> Invitation:
    with app.state.sessions() as s:
        return s.get_one(Invitation, invitation_id)


def test_pay_then_answer_with_the_keyboard_only(page: Any, app: FastAPI, live_url: str) -> None:
    ws, _ = setup(app, live_url, DEMO_NAME, channels=["in_app", "email"])
    page.goto(f"{live_url}/demo/shop?user=client-1")
    page.wait_for_function("() => window.Fluide && window.Fluide.version")
    page.focus("#pay")
    page.keyboard.press("Enter")
    dialog = page.locator("[role=dialog]")
    dialog.wait_for()
    assert dialog.get_attribute("aria-labelledby")
    assert page.locator("[role=radiogroup] input[type=radio]").count() == 7
    assert page.evaluate(ACTIVE)["role"] == "dialog"  # focus went to the card
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE)["label"] == "Fermer"
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE)["type"] == "radio"
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    active = page.evaluate(ACTIVE)
    assert active["value"] == "6" and active["checked"]
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE)["tag"] == "TEXTAREA"
    page.keyboard.type("Paiement rapide, rien à redire")
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE)["tag"] == "BUTTON"
    page.keyboard.press("Enter")
    page.get_by_text("Merci pour votre réponse !").wait_for()
    screenshot(page, "widget-demo-shop-answered")
    answer = answer_of(live_url, ws, "client-1")
    assert answer["score"] == 6 and answer["comment"] == "Paiement rapide, rien à redire"
    assert "payment_succeeded → invited (payer)" in page.locator("#log").inner_text()
    funnel = httpx.get(f"{live_url}/v1/funnel", headers=bearer(ws)).json()["total"]
    assert (funnel["invited"], funnel["shown"], funnel["answered"]) == (1, 1, 1)
    assert page.messages == []


def test_escape_dismisses_and_the_card_never_comes_back(
    page: Any, app: FastAPI, live_url: str, host_pages: dict[str, str]
) -> None:
    ws, keys = setup(app, live_url, "Boutique")
    invitation_id = invite_in_app(live_url, ws, "u-esc")
    host_pages["esc"] = host_page(live_url, keys, "u-esc")
    page.goto(f"{other_origin(live_url)}/test-host/esc")  # another origin than Fluide's
    dialog = page.locator("[role=dialog]")
    dialog.wait_for()
    screenshot(page, "widget-card-shown")
    # Wait for the dismissal's answer: a reload during it would abort the
    # page's side of the (keepalive) request, which the check below reports.
    with page.expect_response(lambda r: r.url.endswith("/dismissed")) as dismissed:
        page.keyboard.press("Escape")
    assert dismissed.value.ok
    dialog.wait_for(state="detached")
    deadline = time.monotonic() + 5
    while invitation(app, invitation_id).dismissed_at is None:
        assert time.monotonic() < deadline, "the dismissal was not recorded"
        time.sleep(0.05)
    assert invitation(app, invitation_id).shown_at is not None
    with page.expect_response(lambda r: "/w/v1/pending" in r.url) as pending:
        page.reload()
    assert pending.value.json() == {"invitation": None}
    page.wait_for_timeout(300)
    assert page.locator("[role=dialog]").count() == 0
    funnel = httpx.get(f"{live_url}/v1/funnel", headers=bearer(ws)).json()["total"]
    assert (funnel["shown"], funnel["dismissed"], funnel["answered"]) == (1, 1, 0)
    assert page.messages == []


HOSTILE_CSS = """
div, section, p, h2, form, label, span { display: none !important; }
button { color: transparent !important; background: transparent !important; }
* { font-size: 3px !important; line-height: 0 !important; letter-spacing: 9px !important; }
fluide-widget { display: none !important; transform: scale(0) !important; opacity: 0 !important; }
"""
QUESTION = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> Payer ?'


def test_the_hosts_css_cannot_break_the_card_and_questions_stay_text(
    page: Any, app: FastAPI, live_url: str, host_pages: dict[str, str]
) -> None:
    ws, keys = setup(app, live_url, "Boutique", question={"fr": QUESTION})
    invite_in_app(live_url, ws, "u-css")
    host_pages["css"] = host_page(live_url, keys, "u-css", css=HOSTILE_CSS)
    page.goto(f"{other_origin(live_url)}/test-host/css")
    dialog = page.locator("[role=dialog]")
    dialog.wait_for(state="visible")
    box = dialog.bounding_box()
    assert box is not None and box["width"] > 250 and box["height"] > 150
    assert page.locator("[role=dialog] h2").inner_text() == QUESTION
    assert page.evaluate("() => window.__xss") is None
    send = page.locator("button.send")
    assert send.is_visible()
    assert send.evaluate("b => getComputedStyle(b).color") == "rgb(255, 255, 255)"
    assert send.evaluate("b => getComputedStyle(b).fontSize") == "15px"
    screenshot(page, "widget-hostile-css")
    page.locator("label.pt").nth(6).click()
    send.click()
    page.get_by_text("Merci pour votre réponse !").wait_for()
    assert answer_of(live_url, ws, "u-css")["score"] == 7


def test_popover_after_a_help_article_keeps_the_focus_of_someone_typing(
    page: Any, app: FastAPI, live_url: str, host_pages: dict[str, str]
) -> None:
    ws, keys = setup(
        app,
        live_url,
        "Aide",
        key="aide",
        task="trouver une réponse dans l'aide",
        question={"fr": "Cet article m'a aidé facilement", "en": "This article helped me easily"},
        scale="emoji-3",
        triggers=[{"event": "help_article_read"}],
        channels=["popover"],
    )
    search = '<label>Rechercher <input id="search" type="search"></label>'
    host_pages["aide"] = host_page(live_url, keys, "u-aide", body=search)
    page.goto(f"{other_origin(live_url)}/test-host/aide")
    page.wait_for_function("() => window.Fluide && window.Fluide.version")
    page.click("#search")
    page.keyboard.type("facture")
    decision = page.evaluate("() => Fluide.track('help_article_read', {article: 'facture'})")
    assert decision["decision"] == "invited" and decision["invitation"]["channel"] == "popover"
    page.locator("[role=dialog].popover").wait_for()
    assert page.evaluate("() => document.activeElement.id") == "search"  # not stolen
    page.wait_for_function(
        """() => document.querySelector("fluide-widget").shadowRoot
                 .querySelector("[aria-live]").textContent.includes("Cet article m'a aidé")"""
    )
    assert page.locator(".face").all_inner_texts() == ["😞", "😐", "🙂"]
    assert page.locator(".word").all_inner_texts() == ["Difficile", "Moyen", "Facile"]
    screenshot(page, "widget-popover")
    page.keyboard.press("Tab")  # from the search field into the popover: its close button
    assert page.evaluate(ACTIVE)["label"] == "Fermer"
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(ACTIVE)["value"] == "3"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text("Merci pour votre réponse !").wait_for()
    assert answer_of(live_url, ws, "u-aide")["score"] == 3
