"""One touchpoint's page (``GET /app/touchpoints/{key}``) formatted: display strings and
charts, from the data of :func:`fluide.services.dashboard_touchpoint.touchpoint_page`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import urlencode

from fluide.domain.display import EFFORT_INDEX_BOUNDS
from fluide.i18n import N_, fmt_date, fmt_datetime, fmt_int, fmt_number, fmt_percent, gettext
from fluide.messages import channel_name, polarity_name
from fluide.render.common import (
    ci_text,
    figure_digits,
    group_value,
    scale_bounds_of,
    warning_texts,
)
from fluide.render.html import distribution_chart, effort_groups_chart, trend_section
from fluide.render.markers import chart_markers as chart_marks
from fluide.render.views import answer_text, key_figures
from fluide.services.dashboard_touchpoint import SPLITS
from fluide.web.attempts_view import attempts_card
from fluide.web.behaviour_index_view import index_card
from fluide.web.loyalty_view import drivers_card, loyalty_card
from fluide.web.overview_view import axis_end, flag_texts, period_text

SOURCES: Final = {"model": N_("model"), "rule": N_("rule"), "human": N_("human")}
OUTCOMES: Final = {"success": N_("success"), "failure": N_("failure")}
SPLIT_TITLES: Final = {
    "outcome": N_("Success or failure"),
    "tenure": N_("New or established customers"),
    "channel": N_("By channel"),
    "agent": N_("By agent"),
}


def _padded(doc: dict[str, Any], labels: Sequence[str]) -> dict[str, Any]:
    """The document with a weekly row for every week of the window (empty ones as gaps)."""
    rows = {r["week"]: r for r in doc.get("weekly") or []}
    empty = {"n": 0, "own_n": 0, "pooled": False, "pooled_with": None, "small_sample": False}
    return {**doc, "weekly": [rows.get(w, {"week": w, **empty}) for w in labels]}


def _split_value(lang: str, name: str, value: object) -> str:
    if name == "outcome" and value in OUTCOMES:
        return gettext(lang, OUTCOMES[str(value)])
    if name == "agent" and value in (None, ""):
        return gettext(lang, "(no agent)")
    return group_value(lang, name, value)


def split_tables(lang: str, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One small table per split: n, figure and its interval, response rate, flags."""
    digits = figure_digits(doc.get("metric"))
    mean_bounds = scale_bounds_of(doc.get("scale"))
    out = []
    for name in SPLITS:
        rows = []
        for r in (doc.get("groups") or {}).get(name) or []:
            rr = r.get("response_rate") or {}
            rate = rr.get("rate")
            rows.append(
                {
                    "value": _split_value(lang, name, r.get("value")),
                    "n": fmt_int(lang, r.get("n")),
                    "mean": fmt_number(lang, r.get("mean"), digits),
                    "ci": ci_text(lang, r.get("ci95"), digits, bounds=mean_bounds, n=r.get("n")),
                    "effort_index": fmt_number(lang, r.get("effort_index"), 1),
                    "effort_index_ci": ci_text(
                        lang,
                        r.get("effort_index_ci95"),
                        1,
                        bounds=EFFORT_INDEX_BOUNDS,
                        n=r.get("n"),
                    ),
                    "rate": fmt_percent(lang, None if rate is None else 100 * rate, 0),
                    "small": bool(r.get("small_sample")) and bool(r.get("n")),
                }
            )
        out.append({"name": name, "title": gettext(lang, SPLIT_TITLES[name]), "rows": rows})
    return out


def version_rows(lang: str, versions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    current = next((v for v in versions if v["current"]), None)
    out = []
    for v in versions:
        note = ""
        if current is not None and not v["pooled_with_current"]:
            if v["scale"] != current["scale"]:
                note = gettext(lang, "different scale: not pooled with the current version")
            elif v["polarity"] != current["polarity"]:
                note = gettext(lang, "different direction: not pooled with the current version")
            else:
                note = gettext(lang, "different effort groups: not pooled with the current version")
        out.append(
            {
                "number": fmt_int(lang, v["number"]),
                "question": v["question"],
                "scale": v["scale"],
                "polarity": polarity_name(lang, v["polarity"]),
                "from": fmt_date(lang, v["from"]),
                "to": fmt_date(lang, v["to"]) if v["to"] else gettext(lang, "current"),
                "note": note,
            }
        )
    return out


def verbatim_rows(
    lang: str,
    verbatims: Sequence[dict[str, Any]],
    tags: Sequence[dict[str, Any]],
    scale: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Verbatims as the tag form shows them (``_verbatims.html.j2``): each tag with its
    source and confidence, each active tag of the workspace as a checkbox.

    ``verbatims`` are ``/v1/verbatims`` items; ``tags`` the workspace's, as
    :func:`workspace_tags` gives them (inactive ones name old tags, are not offered).
    """
    names = {t["key"]: t["name"] for t in tags}
    choices = [t for t in tags if t.get("active", True)]
    out = []
    for v in verbatims:
        chosen = {t["key"] for t in v["tags"]}
        meta = [fmt_datetime(lang, v["responded_at"]), answer_text(lang, scale, v["score"])]
        if v.get("channel"):
            meta.append(channel_name(lang, v["channel"]))
        if v.get("outcome"):
            meta.append(_split_value(lang, "outcome", v["outcome"]))
        out.append(
            {
                "id": v["id"],
                "touchpoint": v["touchpoint"],
                "comment": v["comment"],
                "meta": " · ".join(meta),
                "pending": v.get("tagging") == "pending",
                "tags": [
                    {
                        "key": t["key"],
                        "name": t.get("name") or names.get(t["key"], t["key"]),
                        "source": t["source"],
                        "human": t["source"] == "human",
                        "detail": gettext(lang, SOURCES.get(t["source"], t["source"]))
                        if t["source"] == "human"
                        else gettext(
                            lang,
                            "%(source)s, confidence %(confidence)s",
                            source=gettext(lang, SOURCES.get(t["source"], t["source"])),
                            confidence=fmt_percent(lang, 100 * float(t["confidence"]), 0),
                        ),
                    }
                    for t in v["tags"]
                ],
                "choices": [
                    {"key": c["key"], "name": c["name"], "checked": c["key"] in chosen}
                    for c in choices
                ],
            }
        )
    return out


def touchpoint_view(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """The touchpoint's data as display strings and charts."""
    doc = data["metrics"]
    overall, scale, metric = doc["overall"], doc.get("scale"), doc.get("metric")
    period = data["period"]
    key = data["touchpoint"]["key"]
    warnings = warning_texts(lang, doc.get("warnings"))
    if data["flags"]["scales_not_pooled"]:
        warnings.insert(
            0,
            gettext(
                lang,
                "The answers of this period are on question versions with different scales: "
                "they are not pooled on a mean, only on the 0–100 effort index.",
            ),
        )
    more = None
    if data["next_cursor"]:
        more = f"/app/touchpoints/{key}?" + urlencode(
            {"weeks": period["weeks"], "cursor": data["next_cursor"]}
        )
    return {
        "period": period_text(lang, period, data["tz"]),
        "warnings": warnings,
        "flags": flag_texts(lang, data["flags"]),
        "figures": key_figures(lang, overall, metric, scale),
        "groups": effort_groups_chart(lang, overall, scale),
        "distribution": distribution_chart(lang, overall, scale),
        "trend": trend_section(
            lang,
            _padded(doc, period["week_labels"]),
            chart_marks(lang, data["markers"], period["from"], axis_end(period)),
        )
        if overall.get("n")
        else None,
        "splits": split_tables(lang, doc),
        "attempts": attempts_card(lang, data["attempts"], scale),
        "index": index_card(lang, data["attempts"]["behaviour_index"]),
        "loyalty": loyalty_card(lang, data["loyalty"]),
        "drivers": drivers_card(lang, data["drivers"], {t["key"]: t["name"] for t in data["tags"]}),
        "metric": metric,
        "versions": version_rows(lang, data["versions"]),
        "verbatims": verbatim_rows(lang, data["verbatims"], data["tags"], scale),
        "more": more,
        "here": f"/app/touchpoints/{key}?weeks={period['weeks']}",
    }
