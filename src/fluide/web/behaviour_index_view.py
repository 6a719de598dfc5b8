"""The card "Behavioural effort index" of a touchpoint's page, from the ``behaviour_index``
key of :func:`fluide.services.attempts.attempts` (display strings only)."""

from __future__ import annotations

from typing import Any, Final

from fluide.i18n import N_, fmt_int, fmt_number, fmt_percent, gettext, ngettext
from fluide.web.attempts_view import seconds_text

Doc = dict[str, Any]
NAMES: Final = {
    "attempts": N_("Attempts"),
    "time": N_("Time on task"),
    "recontact": N_("Contacted support"),
    "channel_switch": N_("Changed channel"),
}


def _explain(lang: str, name: str, doc: Doc) -> str:
    if name == "attempts":
        return gettext(
            lang,
            "0 for a success at the first try, 0.5 for 2 tries, 1 for 3 or more "
            "or a task given up.",
        )
    if name == "time":
        return gettext(
            lang,
            "0 at or under the median time (%(median)s), 1 at twice the median or more.",
            median=seconds_text(lang, doc["median_time_s"]),
        )
    if name == "recontact":
        return gettext(
            lang,
            "1 when the customer contacted support during the task or in the %(days)s days after.",
            days=fmt_int(lang, doc["window_days"]),
        )
    return gettext(lang, "1 when those contacts used two channels or more (chat, then phone…).")


def _correlation(lang: str, c: Doc) -> dict[str, str]:
    label = gettext(lang, "Link with the asked CES")
    if c["too_few"]:
        return {
            "label": label,
            "value": fmt_number(lang, None),
            "detail": gettext(
                lang,
                "too few tasks with an answer to say: %(n)s, at least %(min)s needed",
                n=fmt_int(lang, c["n"]),
                min=fmt_int(lang, c["min_pairs"]),
            ),
        }
    if c["rho"] is None:
        return {
            "label": label,
            "value": fmt_number(lang, None),
            "detail": gettext(lang, "the values do not vary: no correlation to compute"),
        }
    p = c["p_value"]
    return {
        "label": label,
        "value": fmt_number(lang, c["rho"], 2),
        "detail": gettext(
            lang,
            "Spearman's rho over %(n)s answered tasks (p %(p)s); above 0: the more effort "
            "customers show, the more they say",
            n=fmt_int(lang, c["n"]),
            p=f"< {fmt_number(lang, 0.001, 3)}"
            if p is not None and p < 0.001
            else f"= {fmt_number(lang, p, 3)}",
        ),
    }


def index_card(lang: str, doc: Doc) -> dict[str, Any]:
    """The index, who it covers, its link with the CES, and each component with its weight."""
    components = []
    for name, title in NAMES.items():
        comp = doc["components"][name]
        components.append(
            {
                "name": gettext(lang, title),
                "weight": fmt_percent(lang, 100 * doc["weights"][name], 0),
                "mean": fmt_number(lang, None if comp["mean"] is None else 100 * comp["mean"], 0),
                "known": fmt_int(lang, comp["n"]),
                "explain": _explain(lang, name, doc),
            }
        )
    return {
        "empty": not doc["indexed"],
        "figures": [
            {
                "label": gettext(lang, "Index"),
                "value": fmt_number(lang, doc["mean"], 0),
                "detail": ngettext(
                    lang,
                    "out of 100, mean over %(n)s task",
                    "out of 100, mean over %(n)s tasks",
                    doc["indexed"],
                    n=fmt_int(lang, doc["indexed"]),
                ),
            },
            {
                "label": gettext(lang, "Customers covered"),
                "value": fmt_int(lang, doc["customers"]),
                "detail": ngettext(
                    lang,
                    "of whom only %(m)s answered the CES",
                    "of whom only %(m)s answered the CES",
                    doc["answered_customers"],
                    m=fmt_int(lang, doc["answered_customers"]),
                ),
            },
            _correlation(lang, doc["correlation"]),
        ],
        "components": components,
    }
