"""One way to build Jinja environments: autoescaped, strict, translated.

Autoescape is always on (verbatims are customer-written text), undefined
names fail loudly, and ``_("msgid", name=value)`` goes through
:mod:`fluide.i18n` like Python code does.
"""

from __future__ import annotations

import functools

from jinja2 import Environment, PackageLoader, StrictUndefined

from fluide.i18n import check_lang, gettext, ngettext


@functools.cache
def environment(package: str, lang: str) -> Environment:
    """The environment for ``package``'s ``templates`` folder, in ``lang``."""
    env = Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The i18n extension's `_` looks these up: old-style callables, so the
    # templates fill placeholders through fluide.i18n.
    env.globals["gettext"] = functools.partial(gettext, check_lang(lang))
    env.globals["ngettext"] = functools.partial(ngettext, lang)
    return env
