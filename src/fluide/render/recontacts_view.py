"""The recontacts document as rows of text, shared by the text and HTML reports.

Only formatting: every figure comes from the JSON document. Customer ids,
reasons and segment values are data, returned as plain strings; the HTML
templates escape them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fluide.i18n import MISSING, N_, fmt_int, fmt_number, fmt_percent, gettext
from fluide.render import common
from fluide.render.common import Doc

FIGURES: tuple[tuple[str, str, str], ...] = (
    (
        "recontact_rate",
        N_("Recontact rate"),
        N_("Share of contacts followed by another contact of the same customer within the window."),
    ),
    (
        "one_and_done",
        N_("Solved at first contact"),
        N_("Share of contacts with no new contact of the customer within the window."),
    ),
    (
        "channel_switch_rate",
        N_("Channel switches"),
        N_("Among recontacts, the share where the customer came back through another channel."),
    ),
    (
        "contacts_per_episode",
        N_("Contacts per episode"),
        N_(
            "How many contacts one problem takes, on average (an episode ends after the window "
            "without contact)."
        ),
    ),
    (
        "resolution_median",
        N_("Resolution time (median)"),
        N_("Half of the resolved contacts were resolved faster than this."),
    ),
    (
        "resolution_p90",
        N_("Resolution time (90th percentile)"),
        N_("Nine resolved contacts in ten were resolved faster than this."),
    ),
    (
        "promise_kept",
        N_("Promises kept"),
        N_("Share of contacts resolved by the time promised to the customer."),
    ),
)


def hours_text(lang: str, hours: float | None) -> str:
    if hours is None:
        return MISSING
    if hours >= 48:
        return gettext(lang, "%(n)s days", n=fmt_number(lang, hours / 24, 1))
    return gettext(lang, "%(n)s h", n=fmt_number(lang, hours, 1))


def figure_value(lang: str, block: Doc, key: str) -> str:
    res = block.get("resolution_hours") or {}
    if key == "resolution_median":
        return hours_text(lang, res.get("median"))
    if key == "resolution_p90":
        return hours_text(lang, res.get("p90"))
    if key == "contacts_per_episode":
        return fmt_number(lang, block.get(key), 2)
    return fmt_percent(lang, block.get(key), 1)


def figure_detail(lang: str, block: Doc, key: str) -> str:
    """The counts behind a figure: ``12 of 80 observed contacts``."""
    if key in ("recontact_rate", "one_and_done"):
        part = block.get("recontacted") or 0
        if key == "one_and_done":
            part = (block.get("observed") or 0) - part
        return gettext(
            lang,
            "%(part)s of %(whole)s observed contacts",
            part=fmt_int(lang, part),
            whole=fmt_int(lang, block.get("observed")),
        )
    if key == "channel_switch_rate":
        return gettext(
            lang,
            "%(part)s of %(whole)s recontacts",
            part=fmt_int(lang, block.get("channel_switches")),
            whole=fmt_int(lang, block.get("recontacted")),
        )
    if key == "contacts_per_episode":
        return gettext(lang, "%(n)s episodes", n=fmt_int(lang, block.get("episodes")))
    if key.startswith("resolution"):
        n = (block.get("resolution_hours") or {}).get("n")
        return gettext(lang, "%(n)s resolved contacts", n=fmt_int(lang, n))
    return ""


def key_figures(lang: str, block: Doc) -> list[dict[str, str]]:
    return [
        {
            "label": gettext(lang, label),
            "value": figure_value(lang, block, key),
            "detail": figure_detail(lang, block, key),
            "help": gettext(lang, help_text),
        }
        for key, label, help_text in FIGURES
    ]


def table_headers(lang: str, first: str) -> list[str]:
    return [
        first,
        gettext(lang, "Contacts"),
        gettext(lang, "Observed"),
        gettext(lang, "Recontact rate"),
        gettext(lang, "Channel switches"),
        gettext(lang, "Contacts per episode"),
        gettext(lang, "Resolution time (median)"),
        gettext(lang, "Promises kept"),
    ]


def table_row(lang: str, name: str, block: Doc) -> list[str]:
    return [
        name,
        fmt_int(lang, block.get("contacts")),
        fmt_int(lang, block.get("observed")),
        fmt_percent(lang, block.get("recontact_rate"), 1),
        fmt_percent(lang, block.get("channel_switch_rate"), 1),
        fmt_number(lang, block.get("contacts_per_episode"), 2),
        hours_text(lang, (block.get("resolution_hours") or {}).get("median")),
        fmt_percent(lang, block.get("promise_kept"), 1),
    ]


def group_tables(lang: str, doc: Doc) -> list[dict[str, Any]]:
    out = []
    for name, rows in (doc.get("groups") or {}).items():
        title = gettext(lang, "By %(column)s", column=name)
        out.append(
            {
                "title": title,
                "headers": table_headers(lang, str(name)),
                "rows": [
                    table_row(
                        lang,
                        gettext(lang, "(empty)") if r.get("value") is None else str(r["value"]),
                        r,
                    )
                    for r in rows
                ],
            }
        )
    return out


def weekly_table(lang: str, doc: Doc) -> dict[str, Any]:
    rows = doc.get("weekly") or []
    return {
        "headers": table_headers(lang, gettext(lang, "Week")),
        "rows": [table_row(lang, common.period_name(lang, "week", r["week"]), r) for r in rows],
    }


def answers_rows(lang: str, answers: Doc) -> list[tuple[str, str, str]]:
    rec, other = answers.get("recontacted") or {}, answers.get("not_recontacted") or {}

    def ci(b: Doc) -> str:
        c = b.get("ci95")
        return MISSING if not c else f"[{fmt_number(lang, c[0], 2)} ; {fmt_number(lang, c[1], 2)}]"

    return [
        (gettext(lang, "Answers"), fmt_int(lang, rec.get("n")), fmt_int(lang, other.get("n"))),
        (
            gettext(lang, "Mean score"),
            fmt_number(lang, rec.get("mean"), 2),
            fmt_number(lang, other.get("mean"), 2),
        ),
        (gettext(lang, "95% CI"), ci(rec), ci(other)),
        (
            gettext(lang, "High effort"),
            fmt_percent(lang, (rec.get("effort_groups") or {}).get("high"), 1),
            fmt_percent(lang, (other.get("effort_groups") or {}).get("high"), 1),
        ),
    ]


def difference_text(lang: str, answers: Doc) -> str:
    diff, ci = answers.get("diff_mean"), answers.get("diff_ci95")
    if diff is None:
        return gettext(lang, "No difference can be computed: one of the two groups has no answer.")
    return gettext(
        lang,
        "Recontacted minus not recontacted: %(diff)s points (%(ci)s %(lo)s to %(hi)s).",
        diff=common.signed(lang, diff, 2),
        ci=gettext(lang, "95% CI"),
        lo=common.signed(lang, ci[0], 2) if ci else MISSING,
        hi=common.signed(lang, ci[1], 2) if ci else MISSING,
    )


def points_of(*blocks: Doc) -> list[int]:
    keys: set[int] = set()
    for b in blocks:
        keys |= {int(k) for k in (b.get("distribution") or {})}
    return sorted(keys)


def input_rows(lang: str, doc: Doc) -> list[tuple[str, str]]:
    inp = doc.get("input") or {}
    rows = [
        (gettext(lang, "File"), str(inp.get("file") or MISSING)),
        (gettext(lang, "Contacts analysed"), fmt_int(lang, inp.get("rows"))),
        (gettext(lang, "Customers"), fmt_int(lang, inp.get("customers"))),
        (gettext(lang, "Rows skipped"), fmt_int(lang, inp.get("skipped"))),
    ]
    if inp.get("skipped_lines"):
        rows.append((gettext(lang, "Skipped lines"), common.skipped_lines(inp["skipped_lines"])))
    rows += [
        (gettext(lang, "Period covered"), common.period_covered(lang, inp)),
        (gettext(lang, "Time zone"), str(inp.get("tz") or MISSING)),
        (
            gettext(lang, "Window"),
            gettext(lang, "%(n)s days", n=fmt_int(lang, doc.get("window_days"))),
        ),
    ]
    return rows


def window_note(lang: str, doc: Doc) -> str:
    return gettext(
        lang,
        "A recontact is a new contact of the same customer within %(n)s days (%(hours)s hours "
        "of elapsed time). Contacts of the last %(n)s days are not observed yet.",
        n=fmt_int(lang, doc.get("window_days")),
        hours=fmt_int(lang, 24 * int(doc.get("window_days") or 0)),
    )


def weekly_rates(doc: Doc) -> Sequence[tuple[str, float | None, int]]:
    return [
        (str(r["week"]), r.get("recontact_rate"), int(r.get("observed") or 0))
        for r in doc.get("weekly") or []
    ]
