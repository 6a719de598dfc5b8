/*! Fluide widget: the CES question in the host's page. Plain ES2017, no build, no dependency.
 *
 * <script src="https://fluide.example/widget.js" data-key="pk_…" data-user="u-42"
 *         data-sig="hex HMAC-SHA256(widget secret, user id), computed by YOUR server"
 *         data-lang="fr" async></script>
 *
 * window.Fluide.track(type, properties) → Promise of the decision (null if it failed);
 * window.Fluide.refresh() → Promise: shows the user's open question, if any.
 * Calls made before the script loads may be queued: window.Fluide = {q: [["track", [type, props]]]}.
 */
(function () {
  "use strict";
  if (window.Fluide && window.Fluide.version) return; // loaded twice

  const TEXTS = {
    fr: {
      close: "Fermer",
      send: "Envoyer",
      sending: "Envoi…",
      optional: "(facultatif)",
      choose: "Choisissez une réponse avant d’envoyer.",
      thanks: "Merci pour votre réponse !",
      thanksMore: "Elle nous aide à rendre ce parcours plus simple.",
      failed: "La réponse n’a pas pu être envoyée. Réessayez dans un instant.",
      announce: "Une question rapide s’affiche en bas de la page : ",
      intro: "Une question rapide",
      introPopover: "Une question sur ce que vous venez de lire",
    },
    en: {
      close: "Close",
      send: "Send",
      sending: "Sending…",
      optional: "(optional)",
      choose: "Choose an answer before sending.",
      thanks: "Thank you for your answer!",
      thanksMore: "It helps us make this easier.",
      failed: "Your answer could not be sent. Please try again in a moment.",
      announce: "A quick question appears at the bottom of the page: ",
      intro: "A quick question",
      introPopover: "A question about what you just read",
    },
  };

  const CSS = `
:host{all:initial!important;display:block!important;position:static!important;width:0!important;
height:0!important;margin:0!important;padding:0!important;border:0!important;transform:none!important;
filter:none!important;opacity:1!important;visibility:visible!important;clip-path:none!important}
*{box-sizing:border-box}
.sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap;border:0}
.card{position:fixed;right:16px;bottom:16px;z-index:2147483000;width:360px;max-width:calc(100vw - 32px);
max-height:calc(100vh - 32px);overflow:auto;background:#fff;color:#1b1b29;border:1px solid #c9cbd6;
border-radius:12px;box-shadow:0 8px 28px rgba(20,22,40,.22);padding:14px 16px 16px;text-align:left;
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
animation:fl-in .18s ease-out}
.card.popover{right:auto;left:50%;bottom:20px;width:420px;transform:translateX(-50%);
animation-name:fl-pop}
@keyframes fl-in{from{opacity:0;transform:translateY(8px)}to{opacity:1;transform:none}}
@keyframes fl-pop{from{opacity:0;transform:translate(-50%,8px)}to{opacity:1;transform:translateX(-50%)}}
@media (prefers-reduced-motion:reduce){.card{animation:none}}
.card:focus{outline:none}.card:focus-visible{outline:3px solid #b35c00;outline-offset:2px}
.head{display:flex;align-items:flex-start;gap:8px}
.intro{flex:1;margin:0;font-size:13px;color:#4a4f63}
.q{margin:4px 0 10px;font-size:16px;font-weight:600;line-height:1.35}
button{font:inherit;cursor:pointer}
.close{flex:none;width:32px;height:32px;margin:-6px -8px 0 0;border:0;border-radius:8px;background:transparent;
color:#4a4f63;font-size:22px;line-height:1}
.close:hover{background:#eef0f6;color:#1b1b29}
.scale{display:flex;flex-wrap:wrap;gap:6px;margin:0;padding:0;border:0}
.pt{flex:1 1 0;min-width:34px;position:relative;display:block}
.pt input{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.pt>span{display:flex;flex-direction:column;align-items:center;justify-content:center;min-height:40px;
padding:4px 2px;border:1px solid #8a8fa3;border-radius:8px;background:#fff;color:#1b1b29;font-weight:600;
cursor:pointer;user-select:none}
.pt .face{font-size:26px;line-height:1.1;font-family:"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji",sans-serif}.pt .word{font-size:12px;font-weight:400}
.pt>span:hover{border-color:#1f4fd1}
.pt input:checked+span{background:#1f4fd1;border-color:#1f4fd1;color:#fff}
.ends{display:flex;justify-content:space-between;gap:12px;margin:4px 0 0;font-size:12px;color:#4a4f63}
.ends span:last-child{text-align:right}
.pt input:focus-visible+span,.close:focus-visible,.send:focus-visible,textarea:focus-visible{
outline:3px solid #b35c00;outline-offset:2px}
label.c{display:block;margin:12px 0 4px;font-size:14px}
label.c small{color:#4a4f63;font-size:12px}
textarea{display:block;width:100%;min-height:56px;resize:vertical;padding:6px 8px;border:1px solid #8a8fa3;
border-radius:8px;font:inherit;color:#1b1b29;background:#fff}
.actions{display:flex;justify-content:flex-end;margin-top:10px}
.send{border:0;border-radius:8px;padding:8px 18px;background:#1f4fd1;color:#fff;font-weight:600}
.send:hover{background:#173da6}.send[disabled]{opacity:.7;cursor:wait}
.err{margin:8px 0 0;color:#a4161a;font-size:14px}.err:empty{display:none}
.thanks{margin:4px 0 0;font-weight:600}.more{margin:2px 0 0;color:#4a4f63;font-size:14px}`;

  const script =
    document.currentScript || document.querySelector('script[data-key][src*="widget.js"]');
  const ds = (script && script.dataset) || {};
  const base = script ? new URL(".", script.src).href : location.origin + "/";
  const pick = (lang) => (String(lang || "").slice(0, 2).toLowerCase() === "en" ? "en" : "fr");
  const cfg = {
    key: ds.key || "",
    user: ds.user || "",
    sig: ds.sig || "",
    lang: pick(ds.lang || document.documentElement.lang || navigator.language),
  };
  const ready = Boolean(cfg.key && cfg.user && cfg.sig);

  let host = null;
  let root = null;
  let live = null;
  let open = null; // {id, node, lang, previous}
  const done = new Set(); // answered or dismissed here: never shown again
  const shown = new Set();
  let seq = 0;

  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    }
    return node;
  };

  async function call(method, path, body, lang, keepalive) {
    const url = new URL(path, base);
    const init = {
      method,
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
      keepalive: Boolean(keepalive),
      headers: { "Accept-Language": lang || cfg.lang },
    };
    const signed = { key: cfg.key, user: cfg.user, sig: cfg.sig };
    if (method === "GET") {
      url.search = new URLSearchParams(signed).toString();
    } else {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(Object.assign(signed, body || {}));
    }
    const response = await fetch(url.href, init);
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const problem = (data && data.error) || {};
      const error = new Error(problem.message || "HTTP " + response.status);
      error.status = response.status;
      error.code = problem.code;
      throw error;
    }
    return data;
  }

  function ensureHost() {
    if (host && host.isConnected) return;
    host = document.createElement("fluide-widget");
    root = host.attachShadow({ mode: "open" });
    if (root.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      const sheet = new CSSStyleSheet(); // not an inline <style>: fine under a strict CSP
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", {}, CSS));
    }
    live = el("div", { class: "sr", "aria-live": "polite", "aria-atomic": "true" });
    root.appendChild(live);
    (document.body || document.documentElement).appendChild(host);
  }

  function announce(text) {
    live.textContent = "";
    setTimeout(() => {
      live.textContent = text;
    }, 100);
  }

  function typing() {
    const a = document.activeElement;
    if (!a || a === document.body || a === host) return false;
    if (a.isContentEditable || a.tagName === "TEXTAREA" || a.tagName === "SELECT") return true;
    return (
      a.tagName === "INPUT" &&
      !/^(button|submit|reset|checkbox|radio|image|range|color|file)$/i.test(a.type)
    );
  }

  function close(restoreFocus) {
    if (!open) return;
    const { node, previous } = open;
    const hadFocus = root.activeElement && node.contains(root.activeElement);
    node.remove();
    open = null;
    if (restoreFocus && hadFocus && previous && previous.isConnected) {
      try {
        previous.focus({ preventScroll: true });
      } catch (e) {
        /* nothing to give focus back to */
      }
    }
  }

  function dismiss() {
    if (!open) return;
    const { id, lang, answered } = open;
    done.add(id);
    close(true);
    if (answered) return; // closing the thank-you is not a dismissal
    call("POST", "w/v1/invitations/" + encodeURIComponent(id) + "/dismissed", {}, lang, true).catch(
      (e) => console.warn("Fluide: dismiss not recorded:", e.message)
    );
  }

  function point(inv, p, name) {
    const text = p.label && p.label !== String(p.value) ? p.label : "";
    const box = String(inv.scale).startsWith("emoji")
      ? el(
          "span",
          {},
          el("span", { class: "face", "aria-hidden": "true" }, p.symbol || String(p.value)),
          el("span", { class: "word" }, text || String(p.value))
        )
      : el("span", {}, String(p.value), text ? el("span", { class: "sr" }, ", " + text) : null);
    const input = el("input", { type: "radio", name, value: String(p.value) });
    return el("label", { class: "pt" }, input, box);
  }

  function build(inv) {
    const T = TEXTS[inv.lang] || TEXTS[cfg.lang];
    const n = ++seq;
    const ids = { q: "fl-q-" + n, intro: "fl-i-" + n, c: "fl-c-" + n };
    const popover = inv.channel === "popover";
    const closeButton = el("button", { type: "button", class: "close", "aria-label": T.close }, "×");
    const scale = el("div", { class: "scale", role: "radiogroup", "aria-labelledby": ids.q });
    for (const p of inv.points || []) scale.appendChild(point(inv, p, "score-" + n));
    const ends = String(inv.scale).startsWith("emoji")
      ? null
      : el(
          "div",
          { class: "ends", "aria-hidden": "true" },
          el("span", {}, "1 = " + inv.low_label),
          el("span", {}, (inv.points || []).length + " = " + inv.high_label)
        );
    const comment = el("textarea", { id: ids.c, name: "comment", rows: "2", maxlength: "5000" });
    const error = el("p", { class: "err", role: "alert" });
    const send = el("button", { type: "submit", class: "send" }, T.send);
    const form = el(
      "form",
      { novalidate: "" },
      scale,
      ends,
      el(
        "label",
        { class: "c", for: ids.c },
        inv.comment_prompt + " ",
        el("small", {}, T.optional)
      ),
      comment,
      error,
      el("div", { class: "actions" }, send)
    );
    const card = el(
      "div",
      {
        class: popover ? "card popover" : "card",
        role: "dialog",
        "aria-labelledby": ids.q,
        "aria-describedby": ids.intro,
        tabindex: "-1",
        lang: inv.lang,
        "data-invitation": inv.id,
      },
      el(
        "div",
        { class: "head" },
        el("p", { class: "intro", id: ids.intro }, popover ? T.introPopover : T.intro),
        closeButton
      ),
      el("h2", { class: "q", id: ids.q }, inv.question),
      form
    );
    closeButton.addEventListener("click", dismiss);
    card.addEventListener("keydown", (e) => {
      if (e.key === "Escape" || e.key === "Esc") {
        e.preventDefault();
        e.stopPropagation();
        dismiss();
      }
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      submit(inv, T, form, error, send, comment, card);
    });
    return card;
  }

  async function submit(inv, T, form, error, send, comment, card) {
    const checked = form.querySelector("input[type=radio]:checked");
    if (!checked) {
      error.textContent = T.choose;
      const first = form.querySelector("input[type=radio]");
      if (first) first.focus();
      return;
    }
    error.textContent = "";
    send.disabled = true;
    send.textContent = T.sending;
    // No comment field when the box is empty: a comment written elsewhere is kept.
    const body = { token: inv.token, score: Number(checked.value) };
    if (comment.value.trim()) body.comment = comment.value;
    try {
      await call("POST", "w/v1/responses", body, inv.lang);
    } catch (e) {
      error.textContent = e.status && e.status < 500 ? e.message : T.failed;
      send.disabled = false;
      send.textContent = T.send;
      return;
    }
    done.add(inv.id);
    if (open && open.node === card) open.answered = true;
    const hadFocus = root.activeElement && card.contains(root.activeElement);
    const thanks = el("p", { class: "thanks", tabindex: "-1" }, T.thanks);
    form.replaceWith(el("div", { role: "status" }, thanks, el("p", { class: "more" }, T.thanksMore)));
    if (hadFocus) thanks.focus({ preventScroll: true });
    setTimeout(() => {
      if (open && open.node === card) close(true);
    }, 6000);
  }

  function show(inv) {
    if (!inv || !inv.id || done.has(inv.id) || open) return;
    ensureHost();
    const previous = document.activeElement;
    const node = build(inv);
    root.appendChild(node);
    open = { id: inv.id, node, lang: inv.lang, previous };
    if (!shown.has(inv.id)) {
      shown.add(inv.id);
      call("POST", "w/v1/invitations/" + encodeURIComponent(inv.id) + "/shown", {}, inv.lang).catch(
        (e) => console.warn("Fluide: display not recorded:", e.message)
      );
    }
    if (typing()) {
      announce((TEXTS[inv.lang] || TEXTS.fr).announce + inv.question);
    } else {
      node.focus({ preventScroll: true });
    }
  }

  async function refresh() {
    if (!ready) return null;
    try {
      const data = await call("GET", "w/v1/pending");
      if (data && data.invitation) show(data.invitation);
      return (data && data.invitation) || null;
    } catch (e) {
      console.warn("Fluide:", e.message);
      return null;
    }
  }

  async function track(type, properties) {
    if (!ready) {
      console.warn("Fluide: data-key, data-user and data-sig are required on the script tag");
      return null;
    }
    try {
      const decision = await call("POST", "w/v1/track", {
        type: String(type),
        properties: properties || {},
        locale: cfg.lang,
      });
      if (decision && decision.invitation) show(decision.invitation);
      return decision;
    } catch (e) {
      console.warn("Fluide:", e.message);
      return null;
    }
  }

  const queued = (window.Fluide && Array.isArray(window.Fluide.q) && window.Fluide.q) || [];
  window.Fluide = { version: "1", track, refresh };
  if (ds.preview) {
    // The dashboard editor's preview: draw the card; no call, no focus.
    ensureHost();
    root.appendChild(build(JSON.parse(ds.preview)));
    return;
  }
  if (!ready) {
    console.warn("Fluide: data-key, data-user and data-sig are required on the script tag");
    return;
  }
  const start = () => {
    refresh();
    for (const [name, args] of queued) {
      if (name === "track" || name === "refresh") window.Fluide[name].apply(null, args || []);
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
