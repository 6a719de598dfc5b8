"""A demo host page (demo mode only): a small French e-shop that embeds the widget.

- ``GET /demo/shop``: a cart and a *Payer* button. Paying calls
  ``Fluide.track("payment_succeeded")`` (or ``payment_failed`` when the card is
  refused on purpose) then ``Fluide.refresh()``: the question appears, right
  after the action.
- ``GET /demo/shop/aide``: a help article that calls
  ``Fluide.track("help_article_read")`` once read. The demo workspace has no
  touchpoint for it, so the browser may not send it (refused): create one on
  the ``popover`` channel to see the mini popover (the page says how).

The workspace is the demo's (named as ``fluide demo`` creates it), or
``?ws=<workspace id>``; it gets widget keys if it has none. The visitor is
``?user=`` (a new ``visiteur-…`` when absent, kept across reloads by the
URL), signed here, on the server, as a host's server would sign it.
"""

from __future__ import annotations

import html
import secrets
from string import Template
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fluide.api.deps import FactoryDep, SettingsDep
from fluide.demo import DEMO_NAME
from fluide.services.widget import ensure_widget_keys, user_hmac
from fluide.storage import widget as widget_repo
from fluide.storage.models import Workspace

router = APIRouter(tags=["demo"], include_in_schema=False)

UserQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.@\-]{1,64}$")]
WorkspaceQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_\-]{1,40}$")]

STYLE = """
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
color:#222;background:#f6f4ef}
header{background:#2d3142;color:#fff;padding:14px 24px;display:flex;gap:24px;align-items:baseline}
header a{color:#fff}main{max-width:720px;margin:24px auto;padding:0 16px}
.box{background:#fff;border-radius:10px;padding:18px 22px;margin-bottom:18px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
table{width:100%;border-collapse:collapse}td{padding:6px 0}td:last-child{text-align:right}
.total td{border-top:1px solid #ddd;font-weight:700}
#pay{font:inherit;font-weight:700;padding:10px 22px;border:0;border-radius:8px;background:#e07a5f;
color:#fff;cursor:pointer}#pay:focus-visible{outline:3px solid #2d3142;outline-offset:2px}
#pay[disabled]{opacity:.6}
#log{font:13px/1.5 ui-monospace,monospace;background:#f0f0f0;padding:8px;border-radius:6px;
white-space:pre-wrap;min-height:2em}
code,pre{font:13px/1.5 ui-monospace,monospace}pre{background:#f0f0f0;padding:8px;overflow:auto}
"""

SHOP = Template("""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>La Papeterie — démo Fluide</title><style>$style</style></head>
<body><header><strong>La Papeterie</strong><span>Boutique de démonstration</span>
<a href="$help_url">Aide : retrouver ma facture</a></header>
<main>
<section class="box" aria-labelledby="cart-title"><h1 id="cart-title">Votre panier</h1>
<table><tr><td>Carnet en lin A5</td><td>24,00 €</td></tr>
<tr><td>Stylo plume</td><td>18,00 €</td></tr>
<tr class="total"><td>Total</td><td>42,00 €</td></tr></table>
<p><label><input type="checkbox" id="refuse"> Simuler une carte refusée</label></p>
<button id="pay" type="button">Payer 42,00 €</button>
<p id="status" role="status"></p></section>
<section class="box"><h2>En coulisses</h2>
<p>Visiteur : <code>$user</code> — <a href="$new_visitor">nouveau visiteur</a>
(un même visiteur n'est interrogé qu'une fois par période de fatigue).</p>
<div id="log" aria-live="polite"></div>
<details><summary>Comment la boutique intègre Fluide</summary>
<pre>$snippet</pre></details></section>
</main>
$widget
<script nonce="$nonce">
$ready
const log = (text) => { document.getElementById("log").textContent += text + "\\n"; };
document.getElementById("pay").addEventListener("click", async (e) => {
  const button = e.currentTarget, refused = document.getElementById("refuse").checked;
  button.disabled = true;
  document.getElementById("status").textContent = "Paiement en cours…";
  await new Promise((r) => setTimeout(r, 400));
  document.getElementById("status").textContent =
    refused ? "Paiement refusé : carte expirée." : "Paiement accepté, merci !";
  button.disabled = false;
  const type = refused ? "payment_failed" : "payment_succeeded";
  const fluide = await ready();
  const d = await fluide.track(type, {amount: 42, currency: "EUR"});
  log(type + " → " + (d ? d.decision + (d.touchpoint ? " (" + d.touchpoint + ")" : "") : "erreur"));
  await fluide.refresh();
});
</script></body></html>
""")

HELP = Template("""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aide : retrouver ma facture — La Papeterie</title><style>$style</style></head>
<body><header><strong>La Papeterie</strong><span>Centre d'aide</span>
<a href="$shop_url">Retour à la boutique</a></header>
<main><article class="box"><h1>Comment retrouver ma facture ?</h1>
<ol><li>Ouvrez <em>Mon compte</em>, en haut à droite.</li>
<li>Choisissez <em>Mes commandes</em>, puis la commande voulue.</li>
<li>Cliquez sur <em>Télécharger la facture</em> : elle arrive en PDF.</li></ol>
<p>Vous ne la trouvez pas ? Écrivez-nous depuis <em>Contact</em>, nous vous l'envoyons.</p>
</article>
<section class="box"><h2>En coulisses</h2>
<p>Une fois l'article lu, la page envoie <code>help_article_read</code>.</p>
<div id="log" aria-live="polite"></div>
<p id="hint" hidden>L'espace démo n'a pas de point de contact pour <code>help_article_read</code> :
créez-en un sur le canal <code>popover</code> pour voir le mini popover, par exemple :</p>
<pre id="hint-code" hidden>$touchpoint</pre></section></main>
$widget
<script nonce="$nonce">
$ready
const log = (text) => { document.getElementById("log").textContent += text + "\\n"; };
setTimeout(async () => {
  const fluide = await ready();
  const d = await fluide.track("help_article_read", {article: "retrouver-ma-facture"});
  log("help_article_read → " + (d ? d.decision : "refusé (voir la console)"));
  if (!d || d.decision === "no_trigger") {
    document.getElementById("hint").hidden = false;
    document.getElementById("hint-code").hidden = false;
  }
  await fluide.refresh();
}, 1500);
</script></body></html>
""")

READY = """const ready = () => new Promise((resolve) => {
  if (window.Fluide && window.Fluide.version) return resolve(window.Fluide);
  document.getElementById("fluide-js").addEventListener("load", () => resolve(window.Fluide));
});"""

SNIPPET = """<script src="https://fluide.example/widget.js" data-key="pk_…"
        data-user="ID DU CLIENT" data-sig="HMAC calculé par votre serveur"
        data-lang="fr" async></script>

# Côté serveur (Python) : jamais le secret dans la page
hmac.new(WIDGET_SECRET.encode(), user_id.encode(), hashlib.sha256).hexdigest()

# Après le paiement, dans la page :
Fluide.track("payment_succeeded", {amount: 42})"""

HELP_TOUCHPOINT = """POST /v1/touchpoints
{"key": "aide_article", "task": "trouver une réponse dans l'aide",
 "question": {"fr": "Cet article m'a aidé facilement", "en": "This article helped me easily"},
 "scale": "emoji-3", "polarity": "ease",
 "triggers": [{"event": "help_article_read"}], "channels": ["popover"]}"""


def _workspace(factory: FactoryDep, ws: str | None) -> Workspace | None:
    with factory() as s:
        if ws is not None:
            return s.get(Workspace, ws)
        return widget_repo.workspace_named(s, DEMO_NAME)


def _headers(nonce: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


def _no_demo() -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang='fr'><meta charset='utf-8'><title>Pas d'espace démo</title>"
        "<h1>Pas d'espace démo</h1><p>Lancez d'abord <code>fluide demo</code>, "
        "ou passez l'identifiant d'un espace : <code>/demo/shop?ws=ws_…</code>.</p></html>",
        status_code=404,
    )


def _page(
    template: Template,
    factory: FactoryDep,
    settings: SettingsDep,
    ws: str | None,
    user: str | None,
    path: str,
) -> Response:
    workspace = _workspace(factory, ws)
    if workspace is None:
        return _no_demo()
    base = {"ws": ws} if ws else {}
    if user is None:
        visitor = f"visiteur-{secrets.token_hex(4)}"
        return RedirectResponse(f"{path}?{urlencode({**base, 'user': visitor})}", 303)
    keys = ensure_widget_keys(factory, settings, workspace.id)
    nonce = secrets.token_urlsafe(16)
    attrs = {
        "src": "/widget.js",
        "id": "fluide-js",
        "data-key": keys.public_key,
        "data-user": user,
        "data-sig": user_hmac(keys.secret, user),
        "data-lang": "fr",
    }
    widget = (
        "<script "
        + " ".join(f'{name}="{html.escape(value)}"' for name, value in attrs.items())
        + " async></script>"
    )
    query = urlencode({**base, "user": user})
    body = template.substitute(
        style=STYLE,
        widget=widget,
        nonce=nonce,
        ready=READY,
        user=html.escape(user),
        help_url=html.escape(f"/demo/shop/aide?{query}"),
        shop_url=html.escape(f"/demo/shop?{query}"),
        new_visitor=html.escape(f"/demo/shop?{urlencode(base)}" if base else "/demo/shop"),
        snippet=html.escape(SNIPPET),
        touchpoint=html.escape(HELP_TOUCHPOINT),
    )
    return HTMLResponse(body, headers=_headers(nonce))


@router.get("/demo/shop", response_class=HTMLResponse)
def shop(
    factory: FactoryDep, settings: SettingsDep, ws: WorkspaceQuery = None, user: UserQuery = None
) -> Response:
    """The shop: pay, then answer the question the widget shows."""
    return _page(SHOP, factory, settings, ws, user, "/demo/shop")


@router.get("/demo/shop/aide", response_class=HTMLResponse)
def help_article(
    factory: FactoryDep, settings: SettingsDep, ws: WorkspaceQuery = None, user: UserQuery = None
) -> Response:
    """A help article that sends ``help_article_read`` once read."""
    return _page(HELP, factory, settings, ws, user, "/demo/shop/aide")
