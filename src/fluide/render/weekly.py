"""The weekly ritual report as HTML, PDF and plain text, from one document.

The HTML is standalone (inline CSS and SVG, no script, no external
resource) and prints on one A4 page; the PDF is that same HTML laid out by
WeasyPrint, and the dashboard page embeds the same body
(:func:`report_body`), so the e-mail, the PDF, the CLI and the page cannot
drift apart. Customer text (verbatims, comments) is escaped by the templates.
"""

from __future__ import annotations

import logging
from typing import Any

from markupsafe import Markup

from fluide.i18n import check_lang
from fluide.render.weekly_view import DENSITIES, Limits, view
from fluide.templating import environment


def _render(
    template: str,
    doc: dict[str, Any],
    lang: str,
    limits: Limits = DENSITIES[0],
    *,
    action_links: bool = False,
) -> str:
    lang = check_lang(lang)
    env = environment("fluide.render", lang)
    return env.get_template(template).render(
        lang=lang, v=view(lang, doc, limits), action_links=action_links
    )


def report_body(doc: dict[str, Any], lang: str, *, action_links: bool = False) -> Markup:
    """The report's ``<article>`` with its own scoped CSS, for embedding in a page.

    ``action_links``: each top friction gets "Create an action" (the dashboard page, for a
    reader allowed to create one); the e-mail and the PDF never have it, as a link there
    would lead a reader with no session nowhere.
    """
    css = environment("fluide.render", check_lang(lang)).get_template("weekly.css.j2").render()
    body = _render("weekly_body.html.j2", doc, lang, action_links=action_links)
    # Both come from autoescaped templates: customer text in them is already escaped.
    return Markup("<style>{}</style>\n").format(Markup(css)) + Markup(body)  # noqa: S704


def render_report_html(doc: dict[str, Any], lang: str) -> str:
    """The report as one standalone HTML document (A4 print CSS included)."""
    return _render("weekly.html.j2", doc, lang)


def render_report_text(doc: dict[str, Any], lang: str) -> str:
    """The report as plain text: the e-mail's text alternative."""
    text = _render("weekly.txt.j2", doc, lang)
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


def render_report_pdf(doc: dict[str, Any], lang: str) -> bytes:
    """The report as a one-page A4 PDF (WeasyPrint lays the HTML out; nothing is fetched).

    When a busy week does not fit, shorter lists are tried (each still says
    how many items it leaves out), so the printed report stays one page.
    """
    from weasyprint import HTML  # type: ignore[import-untyped]  # Pango loads only when needed

    # WeasyPrint reports each CSS property it does not know at WARNING; none matters here.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    for limits in DENSITIES:
        html = _render("weekly.html.j2", doc, lang, limits)
        laid_out = HTML(string=html, base_url=None, url_fetcher=_no_fetch).render()
        if len(laid_out.pages) == 1:
            break
    pdf: bytes = laid_out.write_pdf()
    return pdf


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The report has no external resource; refuse any, so a PDF never goes online."""
    raise ValueError(f"the weekly report fetches nothing: {url}")
