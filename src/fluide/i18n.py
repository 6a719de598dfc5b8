"""French and English texts, and numbers and dates written the local way.

Msgids are English; ``locale/fr/LC_MESSAGES/fluide.po`` holds French. The
``.po`` is compiled in memory on first use, so neither a build step nor a
committed ``.mo`` can drift from the catalogue.

>>> gettext("fr", "before")
'avant'
>>> fmt_number("fr", 4.5)
'4,5'
>>> fmt_number("en", None)
'—'
"""

from __future__ import annotations

import copy
import functools
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from io import BytesIO
from typing import TYPE_CHECKING, Final

# Babel is imported where a text is translated or a figure formatted, not here:
# every command imports this module, and ``fluide --help`` must not pay for Babel.
if TYPE_CHECKING:
    from babel.support import Translations

SUPPORTED_LANGS: Final = ("fr", "en")
DEFAULT_LANG: Final = "fr"
DOMAIN: Final = "fluide"
MISSING: Final = "—"
"""Shown wherever a figure is absent (no answers, not applicable)."""


def check_lang(lang: str) -> str:
    """``lang`` itself, or a :class:`ValueError` naming the allowed languages."""
    if lang not in SUPPORTED_LANGS:
        raise ValueError(f"unsupported language {lang!r}; allowed: {', '.join(SUPPORTED_LANGS)}")
    return lang


@functools.cache
def translations(lang: str) -> Translations:
    """The catalogue of ``lang`` (English msgids translate to themselves)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    check_lang(lang)
    if lang == "en":
        return Translations()
    po = resources.files("fluide") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=lang, domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def N_(msgid: str) -> str:
    """Mark a text kept in a table for extraction; translate it later with :func:`gettext`.

    ``N_`` is the name pybabel looks for by default.
    """
    return msgid


def lang_of(locale: str | None) -> str:
    """The supported language of a locale such as ``fr-CA`` or ``en_GB``; French otherwise.

    >>> lang_of("en-GB"), lang_of("de"), lang_of(None)
    ('en', 'fr', 'fr')
    """
    lang = (locale or DEFAULT_LANG)[:2].lower()
    return lang if lang in SUPPORTED_LANGS else DEFAULT_LANG


def gettext(lang: str, msgid: str, /, **params: object) -> str:
    """``msgid`` in ``lang``, with ``%(name)s`` placeholders filled from ``params``.

    Positional-only, so that a placeholder may be called ``lang`` or ``n``.
    """
    text: str = translations(lang).gettext(msgid)
    return text % params if params else text


def ngettext(lang: str, singular: str, plural: str, n: int, /, **params: object) -> str:
    """The form of ``singular``/``plural`` that suits ``n`` in ``lang``, filled from ``params``."""
    text: str = translations(lang).ngettext(singular, plural, n)
    return text % params if params else text


def _clean(x: float, digits: int) -> Decimal:
    # Round before formatting so that -0.04 shows as "0.0", not "-0.0".
    return Decimal(repr(round(float(x), digits) + 0.0))


def fmt_number(lang: str, x: float | None, digits: int = 1) -> str:
    """A decimal number with ``digits`` decimals: ``4,5`` in French."""
    if x is None:
        return MISSING
    from babel import numbers as babel_numbers

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    text: str = babel_numbers.format_decimal(
        _clean(x, digits), format=pattern, locale=check_lang(lang)
    )
    return text


def fmt_percent(lang: str, pct_0_100: float | None, digits: int = 0) -> str:
    """A percentage given on 0–100: ``45 %`` in French, ``45%`` in English."""
    if pct_0_100 is None:
        return MISSING
    from babel import Locale

    # The locale's own pattern keeps its spacing rules; only the decimals change.
    pattern = copy.copy(Locale.parse(check_lang(lang)).percent_formats[None])
    pattern.frac_prec = (digits, digits)
    text: str = pattern.apply(_clean(pct_0_100, digits) / 100, Locale.parse(lang))
    return text


def fmt_int(lang: str, n: int | None) -> str:
    """A whole number with the locale's thousands separator."""
    if n is None:
        return MISSING
    from babel import numbers as babel_numbers

    text: str = babel_numbers.format_decimal(int(n), format="#,##0", locale=check_lang(lang))
    return text


def _as_date(d: date | str) -> date:
    if isinstance(d, datetime):
        return d.date()
    return d if isinstance(d, date) else date.fromisoformat(d)


def fmt_date(lang: str, d: date | str | None) -> str:
    """A calendar date (a ``date`` or an ISO string): ``4 mai 2026``."""
    if d is None:
        return MISSING
    from babel import dates as babel_dates

    text: str = babel_dates.format_date(_as_date(d), "medium", locale=check_lang(lang))
    return text


def fmt_datetime(lang: str, dt: datetime | str | None) -> str:
    """A moment (a ``datetime`` or an ISO string) in its own time zone, to the minute."""
    if dt is None:
        return MISSING
    from babel import Locale
    from babel import dates as babel_dates

    moment = dt if isinstance(dt, datetime) else datetime.fromisoformat(dt)
    # Babel converts to its own default zone unless told otherwise; a moment
    # is shown in the offset it was recorded in (the analysis time zone).
    tz = moment.tzinfo or UTC
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    loc = Locale.parse(check_lang(lang))
    day = babel_dates.format_date(moment, "medium", locale=loc)
    time = babel_dates.format_time(moment, "short", tzinfo=tz, locale=loc)
    text: str = loc.datetime_formats["medium"].format(time, day)
    return text
