"""Catalogue loading, translation and locale formatting (fluide.i18n)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.numbers import format_percent

from fluide import i18n
from fluide.i18n import (
    fmt_date,
    fmt_datetime,
    fmt_int,
    fmt_number,
    fmt_percent,
    gettext,
    ngettext,
    translations,
)

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "src" / "fluide" / "locale" / "fr" / "LC_MESSAGES" / "fluide.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalogue() -> Catalog:
    with PO.open("rb") as fp:
        return read_po(fp, locale="fr")


def extracted_msgids() -> set[str]:
    """Every msgid the source marks, found the way `make i18n` finds them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)  # type: ignore[no-untyped-call]
    out = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        out.add(message[0] if isinstance(message, tuple) else message)
    return out


def test_french_is_the_default_and_english_the_other_language() -> None:
    assert i18n.DEFAULT_LANG == "fr"
    assert i18n.SUPPORTED_LANGS == ("fr", "en")


def test_unknown_language_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="fr, en"):
        translations("de")
    with pytest.raises(ValueError, match="fr, en"):
        fmt_number("xx", 1.0)


def test_catalogue_is_loaded_once_per_language() -> None:
    assert translations("fr") is translations("fr")


def test_english_msgids_translate_to_themselves() -> None:
    assert gettext("en", "Key figures") == "Key figures"


def test_french_translation_fills_named_placeholders() -> None:
    assert gettext("fr", "W%(week)s · %(date)s", week="32", date="3 août") == "S32 · 3 août"


def test_unknown_msgid_falls_back_to_english() -> None:
    assert gettext("fr", "No such text %(x)s", x=1) == "No such text 1"


def test_percent_sign_is_literal_without_params() -> None:
    assert gettext("en", "95% CI") == "95% CI"


def test_french_plural_treats_zero_and_one_as_singular() -> None:
    def text(n: int) -> str:
        return ngettext(
            "fr",
            "%(count)s row could not be read and was skipped.",
            "%(count)s rows could not be read and were skipped.",
            n,
            count=n,
        )

    assert text(0).startswith("0 ligne n'a")
    assert text(1).startswith("1 ligne n'a")
    assert text(2).startswith("2 lignes n'ont")


def test_placeholders_may_be_named_like_the_positional_arguments() -> None:
    text = ngettext(
        "en",
        "Only %(n)s answer %(side)s the change date: the comparison is fragile.",
        "Only %(n)s answers %(side)s the change date: the comparison is fragile.",
        3,
        n="3",
        side="before",
    )
    assert text.startswith("Only 3 answers before")


@pytest.mark.parametrize(("lang", "expected"), [("fr", "4,5"), ("en", "4.5")])
def test_decimal_separator_follows_the_language(lang: str, expected: str) -> None:
    assert fmt_number(lang, 4.5) == expected


def test_number_digits_are_fixed() -> None:
    assert fmt_number("en", 4, digits=2) == "4.00"
    assert fmt_number("en", 1234.56, digits=0) == "1,235"


def test_rounding_to_zero_never_shows_a_minus_sign() -> None:
    assert fmt_number("fr", -0.04) == "0,0"
    assert fmt_percent("en", -0.2) == "0%"


def test_percent_takes_0_100_and_spaces_the_sign_as_babel_does() -> None:
    assert fmt_percent("fr", 45) == format_percent(0.45, locale="fr")
    assert fmt_percent("fr", 45).startswith("45") and fmt_percent("fr", 45).endswith("%")
    assert fmt_percent("fr", 45)[2].isspace()
    assert fmt_percent("en", 45.25, digits=1) == "45.2%"


def test_whole_numbers_get_thousands_separators() -> None:
    assert fmt_int("en", 3120) == "3,120"
    fr = fmt_int("fr", 3120)
    assert fr.startswith("3") and fr.endswith("120") and fr[1].isspace()


def test_dates_accept_date_objects_and_iso_strings() -> None:
    assert fmt_date("fr", "2026-05-04") == "4 mai 2026"
    assert fmt_date("en", date(2026, 5, 4)) == "May 4, 2026"


def test_datetimes_keep_the_offset_they_were_recorded_in() -> None:
    assert fmt_datetime("fr", "2026-08-03T09:15:00+02:00") == "3 août 2026, 09:15"
    moment = datetime(2026, 8, 3, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert fmt_datetime("en", moment) == "Aug 3, 2026, 11:30\u202fPM"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_helper_shows_a_dash_for_none(lang: str) -> None:
    for helper in (fmt_number, fmt_percent, fmt_int, fmt_date, fmt_datetime):
        assert helper(lang, None) == "—"


def test_every_catalogue_entry_has_a_french_translation() -> None:
    empty = []
    for message in catalogue():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            empty.append(message.id)
    assert empty == []


def test_translations_keep_every_placeholder() -> None:
    for message in catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(str(ids[0])))
        for s in strings:
            assert set(PLACEHOLDER.findall(str(s))) == expected, message.id


def test_every_text_marked_in_the_source_is_in_the_catalogue() -> None:
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue()}
    missing = sorted(extracted_msgids() - known)
    assert missing == [], "run `make i18n` and translate: " + "; ".join(missing)


def test_extraction_finds_python_and_template_texts() -> None:
    found = extracted_msgids()
    assert "Warning: %(code)s." in found  # fluide.messages, gettext(lang, msgid)
    assert "How to read this report" in found  # a Jinja template, _(msgid)
