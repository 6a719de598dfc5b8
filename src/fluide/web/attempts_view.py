"""The card "Attempts and time on task" of a touchpoint's page, from the document of
:func:`fluide.services.attempts.attempts` (display strings only)."""

from __future__ import annotations

from typing import Any, Final

from fluide.i18n import N_, fmt_datetime, fmt_int, fmt_number, fmt_percent, gettext, ngettext
from fluide.render.common import ci_text, scale_bounds_of

Doc = dict[str, Any]
BUCKET_TITLES: Final = {
    "1": N_("Succeeded at the first attempt"),
    "2": N_("Needed 2 attempts"),
    "3+": N_("Needed 3 attempts or more"),
}


def seconds_text(lang: str, seconds: float | None) -> str:
    """A duration as a person reads it: ``45 s``, ``3.5 min``, ``2.1 h``."""
    if seconds is None:
        return fmt_number(lang, None)
    if seconds < 90:
        return f"{fmt_number(lang, seconds, 0)} s"
    if seconds < 90 * 60:
        return f"{fmt_number(lang, seconds / 60, 1)} min"
    return f"{fmt_number(lang, seconds / 3600, 1)} h"


def _figures(lang: str, doc: Doc) -> list[dict[str, str]]:
    att, time, fields = doc["attempts"], doc["time_on_task_s"], doc["fields_requested"]
    out = [
        {
            "label": gettext(lang, "Tasks"),
            "value": fmt_int(lang, doc["tasks"]),
            "detail": gettext(
                lang,
                "%(succeeded)s succeeded, %(abandoned)s abandoned, %(in_progress)s in progress",
                succeeded=fmt_int(lang, doc["succeeded"]),
                abandoned=fmt_int(lang, doc["abandoned"]),
                in_progress=fmt_int(lang, doc["in_progress"]),
            ),
        },
        {
            "label": gettext(lang, "Success"),
            "value": fmt_percent(lang, doc["success_rate"], 0),
            "detail": gettext(lang, "of the finished tasks ended in a success"),
        },
        {
            "label": gettext(lang, "Attempts per success"),
            "value": fmt_number(lang, att["mean"], 1),
            "detail": gettext(
                lang,
                "mean; median %(median)s. 1 attempt: %(one)s, 2: %(two)s, 3 or more: %(more)s",
                median=fmt_number(lang, att["median"], 1),
                one=fmt_int(lang, att["1"]),
                two=fmt_int(lang, att["2"]),
                more=fmt_int(lang, att["3+"]),
            ),
        },
    ]
    if time["n"]:
        out.append(
            {
                "label": gettext(lang, "Time on task"),
                "value": seconds_text(lang, time["median"]),
                "detail": ngettext(
                    lang,
                    "median; 9 customers in 10 took at most %(p90)s (%(n)s timed task)",
                    "median; 9 customers in 10 took at most %(p90)s (%(n)s timed tasks)",
                    time["n"],
                    p90=seconds_text(lang, time["p90"]),
                    n=fmt_int(lang, time["n"]),
                ),
            }
        )
    if fields["n"]:
        out.append(
            {
                "label": gettext(lang, "Fields requested"),
                "value": fmt_number(lang, fields["mean"], 1),
                "detail": gettext(
                    lang,
                    "mean per task; median %(median)s",
                    median=fmt_number(lang, fields["median"], 1),
                ),
            }
        )
    out.append(
        {
            "label": gettext(lang, "Never succeeded"),
            "value": fmt_int(lang, doc["never_succeeded_count"]),
            "detail": gettext(
                lang, "customers who gave up: no success after their failed attempts"
            ),
        }
    )
    return out


def _ces(lang: str, doc: Doc, scale: Doc | None) -> list[dict[str, Any]]:
    blocks = doc.get("ces_by_attempts") or {}
    out = []
    for key, title in BUCKET_TITLES.items():
        b = blocks.get(key) or {}
        n = b.get("n") or 0
        out.append(
            {
                "key": key,
                "title": gettext(lang, title),
                "mean": fmt_number(lang, b.get("mean"), 2),
                "ci": ci_text(lang, b.get("ci95"), 2, bounds=scale_bounds_of(scale), n=n),
                "n": ngettext(lang, "%(n)s answer", "%(n)s answers", n, n=fmt_int(lang, n)),
                "small": bool(b.get("small_sample")) and n > 0,
            }
        )
    return out


def attempts_card(lang: str, doc: Doc, scale: Doc | None) -> dict[str, Any]:
    """Figures, CES by attempts, the customers who never succeeded, or what to send."""
    types = ", ".join(doc["event_types"])
    notes = []
    for name, count in doc["ignored_values"].items():
        if count:
            notes.append(
                ngettext(
                    lang,
                    "%(n)s event had a %(name)s that is not a number ≥ 0: it was left out.",
                    "%(n)s events had a %(name)s that is not a number ≥ 0: they were left out.",
                    count,
                    n=fmt_int(lang, count),
                    name=f"properties.{name}",
                )
            )
    return {
        "empty": not doc["tasks"],
        "what_to_send": gettext(
            lang,
            "No attempts in this period. Send the events %(types)s (a failure, a success, "
            "a start), with properties.duration_s (seconds spent) and "
            "properties.fields_requested (fields asked) when you know them.",
            types=types,
        ),
        "figures": _figures(lang, doc),
        "ces": _ces(lang, doc, scale),
        "not_counted": ngettext(
            lang,
            "%(n)s answer to a task never succeeded or to another question is not in these "
            "columns.",
            "%(n)s answers to tasks never succeeded or to another question are not in these "
            "columns.",
            doc["answers_not_counted"],
            n=fmt_int(lang, doc["answers_not_counted"]),
        )
        if doc["answers_not_counted"]
        else "",
        "notes": notes,
        "never_succeeded": [
            {
                "user": r["user"],
                "failures": fmt_int(lang, r["failures"]),
                "last_at": fmt_datetime(lang, r["last_at"]),
            }
            for r in doc["never_succeeded"]
        ],
    }
