/* The touchpoint editor: the preview follows the form as the admin types (the server
   renders it; this only swaps it in), and a save that starts a question version asks first. */
(function () {
  "use strict";
  const form = document.getElementById("touchpoint-form");
  if (!form || !document.getElementById("preview-block")) return;
  let timer = null;
  let seq = 0;
  const busy = (on) => {
    const block = document.getElementById("preview-block");
    if (block && on) block.setAttribute("aria-busy", "true");
    else if (block) block.removeAttribute("aria-busy");
  };
  async function refresh() {
    const n = ++seq;
    const body = new URLSearchParams(new FormData(form));
    body.delete("confirmed");
    let fresh = null;
    try {
      const response = await fetch(form.dataset.preview, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (response.ok) {
        const holder = document.createElement("div");
        holder.innerHTML = await response.text();
        fresh = holder.querySelector("#preview-block");
      }
    } catch (e) {
      /* the server-side preview button still works */
    }
    if (n !== seq) return; // a later preview is on its way
    const current = document.getElementById("preview-block");
    if (current && fresh) current.replaceWith(fresh);
    else busy(false);
  }
  const later = () => {
    busy(true); // until the fresh block replaces it
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", (e) => {
    clearTimeout(timer); // the page is leaving: no preview to draw
    if (e.submitter && ["preview", "confirmed"].includes(e.submitter.name)) return;
    const warning = document.getElementById("version-warning");
    const confirmed = form.querySelector("input[name=confirmed]");
    if (!warning || (confirmed && confirmed.value === "1")) return;
    if (!window.confirm(warning.dataset.confirm || warning.textContent)) {
      e.preventDefault();
      return;
    }
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "confirmed";
    field.value = "1";
    form.appendChild(field);
  });
})();
