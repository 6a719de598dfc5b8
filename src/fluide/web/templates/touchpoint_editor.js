/* The touchpoint editor: the preview follows the form as the admin types (the server
   renders it; this only swaps it in), and a save that starts a question version asks first. */
(function () {
  "use strict";
  const form = document.getElementById("touchpoint-form");
  const block = document.getElementById("preview-block");
  if (!form || !block) return;
  let timer = null;
  let seq = 0;
  async function refresh() {
    const n = ++seq;
    const body = new URLSearchParams(new FormData(form));
    body.delete("confirmed");
    try {
      const response = await fetch(form.dataset.preview, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (!response.ok || n !== seq) return;
      const html = await response.text();
      if (n !== seq) return;
      const current = document.getElementById("preview-block");
      const holder = document.createElement("div");
      holder.innerHTML = html;
      const fresh = holder.querySelector("#preview-block");
      if (current && fresh) current.replaceWith(fresh);
    } catch (e) {
      /* the server-side preview button still works */
    }
  }
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", (e) => {
    if (e.submitter && e.submitter.name === "preview") return;
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
