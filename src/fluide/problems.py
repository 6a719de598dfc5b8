"""Bad-input reports a person can act on, in French or English.

Every bad record is named by its line; records with the same problem on the
same field are listed together so that 10 000 bad lines stay readable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from fluide.i18n import N_, ngettext
from fluide.i18n import gettext as _t
from fluide.ingest.dates import FIELD, ITEM, SEP, Reading
from fluide.ingest.errors import InputError, InputProblem, line_ranges
from fluide.messages import reading_name

_KINDS = {
    "empty": N_("empty"),
    "not_a_number": N_("not a number"),
    "unknown_answer": N_("not a number nor a known wording (see --labels)"),
    "not_whole": N_("not a whole number"),
    "out_of_scale": N_("outside the scale"),
    "bad_datetime": N_("not a date and time"),
    "bad_date": N_("not a date"),
    "bad_value": N_("not a valid value"),
    "unknown_scale": N_("unknown scale"),
    "unknown_polarity": N_("unknown polarity"),
    "missing_fields": N_("fewer fields than the header"),
    "too_many_fields": N_("more fields than the header"),
    "bad_quoting": N_("badly quoted field"),
    "bad_encoding": N_("not valid text in the file's encoding"),
    "line_too_long": N_("line too long"),
    "unreadable": N_("unreadable record"),
    "resolved_before_contact": N_("before its contact_at"),
}


def kind_text(lang: str, kind: str) -> str:
    return _t(lang, _KINDS.get(kind, "unreadable record"))


def allowed_text(lang: str, allowed: str) -> str:
    """What would have been accepted; ``@`` codes name a format to explain."""
    if allowed == "@datetime":
        return _t(lang, "ISO 8601, e.g. 2026-08-03T09:15:00+02:00 or 2026-08-03 09:15")
    if allowed == "@after_contact":
        return _t(lang, "a time at or after the contact's contact_at")
    if allowed == "@date":
        return _t(lang, "a date YYYY-MM-DD, e.g. 2025-03-01")
    if allowed.startswith("@reading"):
        return reading_text(lang, allowed)
    return allowed


def reading_text(lang: str, code: str) -> str:
    """The reading chosen for a time column, and the others tried when none fitted all."""
    _, kind, fmt, column, rule, fits_all, tried = code.split(SEP)
    reading = Reading(kind, fmt or None)
    if rule == "forced":
        return _t(lang, "%(pattern)s (--date-format)", pattern=reading.pattern(lang))
    if fits_all == "1":
        return _t(
            lang,
            "%(pattern)s (reading chosen for column %(column)s: %(reading)s)",
            pattern=reading.pattern(lang),
            column=column,
            reading=reading_name(lang, kind),
        )
    others = []
    for item in filter(None, tried.split(ITEM)):
        k, f, n = item.split(FIELD)
        name, pattern = reading_name(lang, k), Reading(k, f or None).pattern(lang)
        if pattern != name:
            name += f" ({pattern})"
        count = int(n)
        others.append(
            name + ": " + ngettext(lang, "%(count)s value", "%(count)s values", count, count=count)
        )
    if not others:
        return _t(
            lang,
            "%(pattern)s (no reading fits every date of column %(column)s; this one, "
            "%(reading)s, fits the most)",
            pattern=reading.pattern(lang),
            column=column,
            reading=reading_name(lang, kind),
        )
    return _t(
        lang,
        "%(pattern)s (no reading fits every date of column %(column)s; this one, %(reading)s, "
        "fits the most; also tried: %(tried)s)",
        pattern=reading.pattern(lang),
        column=column,
        reading=reading_name(lang, kind),
        tried="; ".join(others),
    )


def problem_lines(lang: str, problems: Sequence[InputProblem], *, examples: int = 3) -> list[str]:
    """One line per (field, problem): the lines concerned, examples, what is allowed."""
    by: dict[tuple[str, str], list[InputProblem]] = defaultdict(list)
    for p in problems:
        by[(p.field, p.kind)].append(p)
    out = []
    for (field, kind), items in sorted(by.items(), key=lambda kv: min(p.line for p in kv[1])):
        lines = line_ranges([p.line for p in items])
        values = []
        for p in items:
            if p.value is not None and repr(p.value) not in values:
                values.append(repr(p.value))
            if len(values) >= examples:
                break
        where = (_t(lang, "line") if len(items) == 1 else _t(lang, "lines")) + " " + lines
        problem = kind_text(lang, kind)
        if values:
            problem += (
                " ("
                + ", ".join(values)
                + (", …" if len({p.value for p in items}) > examples else "")
                + ")"
            )
        allowed = items[0].allowed
        if allowed:
            if kind.endswith("fields"):
                problem += " — " + _t(lang, "expected %(count)s fields", count=allowed)
            else:
                problem += " — " + _t(
                    lang, "allowed: %(allowed)s", allowed=allowed_text(lang, allowed)
                )
        if field:
            text = "  " + _t(
                lang, "%(where)s: %(field)s: %(problem)s", where=where, field=field, problem=problem
            )
        else:
            text = "  " + _t(lang, "%(where)s: %(problem)s", where=where, problem=problem)
        out.append(text)
    return out


def error_text(lang: str, error: InputError) -> str:
    """The whole message for a failed run: the reason, then every bad record."""
    head = _t(lang, error.message, **error.params) if error.params else _t(lang, error.message)
    if not error.problems:
        return head
    return "\n".join([head, *problem_lines(lang, error.problems)])
