"""Reports for people: HTML pages and terminal text, in French or English.

Renderers take the JSON documents of ``fluide analyze`` and ``fluide compare``
(as ``json.loads`` gives them) and only format them: they never compute a figure.
"""

from fluide.render.html import render_compare_html, render_html
from fluide.render.text import render_compare_text, render_text

__all__ = ["render_compare_html", "render_compare_text", "render_html", "render_text"]
