"""Warnings as sentences: each notice code becomes French or English text.

The domain only emits codes and parameters (:class:`~fluide.domain.notices.Notice`);
this is the one place where they become prose, so a report in either language
says the same thing.

>>> notice_text("fr", Notice("empty_side", {"side": "after"}))
'Aucune réponse après la date du changement : aucune comparaison possible.'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fluide.domain.notices import Notice
from fluide.i18n import fmt_int, fmt_number, gettext, ngettext
from fluide.ingest.dates import Reading

Params = Mapping[str, object]


def side_name(lang: str, side: object) -> str:
    """``before``/``after`` as the word that precedes "the change date"."""
    if side == "before":
        return gettext(lang, "before")
    if side == "after":
        return gettext(lang, "after")
    return str(side)


def polarity_name(lang: str, polarity: object) -> str:
    if polarity == "ease":
        return gettext(lang, "ease (high score = easy)")
    if polarity == "effort":
        return gettext(lang, "effort (low score = easy)")
    return str(polarity)


def channel_name(lang: str, channel: object) -> str:
    """A channel as people call it (« Dans l'application », not ``in_app``)."""
    names = {
        "in_app": gettext(lang, "In-app"),
        "popover": gettext(lang, "Popover"),
        "email": gettext(lang, "E-mail"),
        "chat": gettext(lang, "Chat"),
        "link": gettext(lang, "Survey link"),
    }
    return names.get(str(channel), str(channel))


def channel_names(lang: str, channels: object) -> str:
    """Several channels, named and joined: « Dans l'application, E-mail »."""
    if not isinstance(channels, list | tuple):
        return channel_name(lang, channels)
    return ", ".join(channel_name(lang, c) for c in channels)


def _value(lang: str, x: object) -> str:
    """A parameter as text: numbers the local way, lists joined."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return fmt_int(lang, x)
    if isinstance(x, float):
        return fmt_number(lang, x)
    if isinstance(x, list | tuple | set | frozenset):
        return ", ".join(_value(lang, v) for v in x)
    return str(x)


def _count(p: Params, key: str) -> int:
    value = p[key]
    if not isinstance(value, int | float):
        raise TypeError(f"{key} must be a number")
    return int(value)


def _scale_changed(lang: str, p: Params) -> str:
    return gettext(
        lang,
        "The answer scale changed (%(before)s → %(after)s): the comparison uses the "
        "effort index (0–100), the only figure comparable across scales.",
        before=_value(lang, p["before"]),
        after=_value(lang, p["after"]),
    )


def _polarity_changed(lang: str, p: Params) -> str:
    return gettext(
        lang,
        "The direction of the question changed (%(before)s → %(after)s): raw scores "
        "mean different things, so the comparison uses the effort index.",
        before=polarity_name(lang, p["before"]),
        after=polarity_name(lang, p["after"]),
    )


def _question_version_changed(lang: str, p: Params) -> str:
    return gettext(
        lang,
        "The question wording changed (before: %(before)s; after: %(after)s): part "
        "of the difference may come from the wording itself.",
        before=_value(lang, p["before"]),
        after=_value(lang, p["after"]),
    )


def _empty_side(lang: str, p: Params) -> str:
    return gettext(
        lang,
        "No answers %(side)s the change date: no comparison is possible.",
        side=side_name(lang, p["side"]),
    )


def _small_sample_side(lang: str, p: Params) -> str:
    n = _count(p, "n")
    return ngettext(
        lang,
        "Only %(n)s answer %(side)s the change date: the comparison is fragile.",
        "Only %(n)s answers %(side)s the change date: the comparison is fragile.",
        n,
        n=fmt_int(lang, n),
        side=side_name(lang, p["side"]),
    )


def _question_versions_mixed(lang: str, p: Params) -> str:
    return gettext(
        lang,
        "Several versions of the question are pooled here (%(versions)s): check "
        "that their wording is equivalent.",
        versions=_value(lang, p["versions"]),
    )


def _small_sample(lang: str, p: Params) -> str:
    n = _count(p, "n")
    return ngettext(
        lang,
        "Only %(n)s answer (fewer than %(threshold)s): the figures are unstable, "
        "read them as a trend.",
        "Only %(n)s answers (fewer than %(threshold)s): the figures are unstable, "
        "read them as a trend.",
        n,
        n=fmt_int(lang, n),
        threshold=_value(lang, p["threshold"]),
    )


def _pooled_periods(lang: str, p: Params) -> str:
    count = _count(p, "count")
    return ngettext(
        lang,
        "%(count)s period has too few answers: it is shown pooled with the previous one.",
        "%(count)s periods have too few answers: each is shown pooled with the previous one.",
        count,
        count=fmt_int(lang, count),
    )


def _rows_skipped(lang: str, p: Params) -> str:
    count = _count(p, "count")
    lines = str(p.get("lines") or "")
    if not lines:
        return ngettext(
            lang,
            "%(count)s row could not be read and was skipped.",
            "%(count)s rows could not be read and were skipped.",
            count,
            count=fmt_int(lang, count),
        )
    return ngettext(
        lang,
        "%(count)s row could not be read and was skipped (line %(lines)s).",
        "%(count)s rows could not be read and were skipped (lines %(lines)s).",
        count,
        count=fmt_int(lang, count),
        lines=lines,
    )


def reading_name(lang: str, kind: object) -> str:
    """A date reading as people say it (« jour en premier »)."""
    names = {
        "iso": "ISO 8601",
        "day_first": gettext(lang, "day first"),
        "month_first": gettext(lang, "month first"),
        "year_first": gettext(lang, "year first"),
        "epoch_seconds": gettext(lang, "Unix time in seconds"),
        "epoch_milliseconds": gettext(lang, "Unix time in milliseconds"),
        "excel_serial": gettext(lang, "Excel serial numbers (days since 1899-12-30)"),
        "custom": "--date-format",
    }
    return names.get(str(kind), str(kind))


def _dates_ambiguous(lang: str, p: Params) -> str:
    fmt = str(p.get("format") or "")
    other = fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    why = {
        "lang": gettext(lang, "the report is in French (--lang fr)"),
        "delimiter": gettext(
            lang, "the file is separated by ';' (as French spreadsheets write it)"
        ),
        "default": gettext(lang, "that is the rule for English (--lang en) with ',' separators"),
    }.get(str(p.get("rule")), str(p.get("rule")))
    return gettext(
        lang,
        "Every date of column %(column)s reads both day first and month first: they were read "
        "%(reading)s (%(pattern)s) because %(why)s. To read them otherwise: "
        "--date-format '%(other)s'.",
        column=str(p["column"]),
        reading=reading_name(lang, p.get("reading")),
        pattern=Reading(str(p.get("reading")), fmt).pattern(lang),
        why=why,
        other=other,
    )


def _answers_rows_skipped(lang: str, p: Params) -> str:
    count = _count(p, "count")
    return ngettext(
        lang,
        "%(count)s answer of the CES file could not be read and was skipped (line %(lines)s).",
        "%(count)s answers of the CES file could not be read and were skipped (lines %(lines)s).",
        count,
        count=fmt_int(lang, count),
        lines=str(p.get("lines") or ""),
    )


def _answers_other_question(lang: str, p: Params) -> str:
    count = _count(p, "count")
    return ngettext(
        lang,
        "%(count)s answer was given to another question of the touchpoint (another scale or "
        "wording): it is left out, scales are never mixed.",
        "%(count)s answers were given to another question of the touchpoint (another scale or "
        "wording): they are left out, scales are never mixed.",
        count,
        count=fmt_int(lang, count),
    )


def _answers_without_customer(lang: str, p: Params) -> str:
    count = _count(p, "count")
    return ngettext(
        lang,
        "%(count)s answer has no customer_id: it is left out of asked vs shown effort.",
        "%(count)s answers have no customer_id: they are left out of asked vs shown effort.",
        count,
        count=fmt_int(lang, count),
    )


def _outcomes_rows_skipped(lang: str, p: Params) -> str:
    count = _count(p, "count")
    return ngettext(
        lang,
        "%(count)s record of the outcomes file could not be read and was skipped (line %(lines)s).",
        "%(count)s records of the outcomes file could not be read and were skipped "
        "(lines %(lines)s).",
        count,
        count=fmt_int(lang, count),
        lines=str(p.get("lines") or ""),
    )


def _loyalty_without_customer(lang: str, p: Params) -> str:
    count = _count(p, "count")
    return ngettext(
        lang,
        "%(count)s answer has no customer_id: it is left out.",
        "%(count)s answers have no customer_id: they are left out.",
        count,
        count=fmt_int(lang, count),
    )


def _event_absent(lang: str, p: Params) -> str:
    return gettext(
        lang,
        "The outcomes file has no outcome %(event)s; its outcomes are: %(found)s. Choose one "
        "with --event.",
        event=str(p["event"]),
        found=str(p["found"]),
    )


def _few_followed(lang: str, p: Params) -> str:
    group = {
        "low": gettext(lang, "low effort"),
        "moderate": gettext(lang, "moderate effort"),
        "high": gettext(lang, "high effort"),
    }.get(str(p["group"]), str(p["group"]))
    return gettext(
        lang,
        "Only %(followed)s followed answers in the %(group)s group: its rate is very uncertain.",
        followed=fmt_int(lang, _count(p, "followed")),
        group=group,
    )


_TEXTS: dict[str, Callable[[str, Params], str]] = {
    "dates_ambiguous": _dates_ambiguous,
    "scale_changed": _scale_changed,
    "polarity_changed": _polarity_changed,
    "question_version_changed": _question_version_changed,
    "empty_side": _empty_side,
    "small_sample_side": _small_sample_side,
    "question_versions_mixed": _question_versions_mixed,
    "small_sample": _small_sample,
    "pooled_periods": _pooled_periods,
    "rows_skipped": _rows_skipped,
    "answers_rows_skipped": _answers_rows_skipped,
    "answers_other_question": _answers_other_question,
    "answers_without_customer": _answers_without_customer,
    "outcomes_rows_skipped": _outcomes_rows_skipped,
    "loyalty_without_customer": _loyalty_without_customer,
    "event_absent": _event_absent,
    "few_followed": _few_followed,
}

KNOWN_CODES = frozenset(_TEXTS)
"""Notice codes with a sentence of their own."""


def generic_text(lang: str, code: str) -> str:
    return gettext(lang, "Warning: %(code)s.", code=code)


def notice_text(lang: str, notice: Notice) -> str:
    """The sentence for ``notice`` in ``lang``; never fails, even on an unknown code."""
    text = _TEXTS.get(notice.code)
    if text is None:
        return generic_text(lang, notice.code)
    try:
        return text(lang, notice.params)
    except (KeyError, TypeError, ValueError):
        # A notice from a newer or buggy producer must not sink the whole report.
        return generic_text(lang, notice.code)
