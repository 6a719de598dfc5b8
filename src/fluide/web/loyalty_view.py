"""The cards "Effort and loyalty" and "What drives effort" of a touchpoint's page, from
:func:`fluide.services.loyalty.card` and :func:`fluide.services.drivers_live.drivers`
(display strings only; every figure comes from the documents)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from fluide.domain.display import PERCENT_BOUNDS
from fluide.i18n import N_, fmt_int, fmt_number, fmt_percent, gettext
from fluide.render.common import ci_text
from fluide.render.loyalty import GROUP_LABELS, headline, risk_text
from fluide.services.drivers_live import TAG_PREFIX

Doc = dict[str, Any]
DOCS_LINK: Final = "/docs#/touchpoints"
FEATURES: Final = {
    "outcome": N_("Success or failure"),
    "tenure": N_("New or established customers"),
    "channel": N_("Channel"),
    "agent": N_("Agent"),
    "recontacted": N_("Recontacted support"),
    "attempts": N_("Attempts"),
}
REASONS: Final = {
    "one_level": N_("one value only"),
    "too_few_answers": N_("too few answers"),
    "limit": N_("more than 10 features"),
}


def feature_name(lang: str, feature: str, tag_names: Mapping[str, str]) -> str:
    if feature.startswith(TAG_PREFIX):
        key = feature[len(TAG_PREFIX) :]
        return gettext(lang, "Tag: %(name)s", name=tag_names.get(key, key))
    return gettext(lang, FEATURES[feature]) if feature in FEATURES else feature


def loyalty_card(lang: str, data: Doc) -> dict[str, Any]:
    """Churn (or the event studied) by effort group, with intervals, the sentence and the risk."""
    doc = data["doc"]
    event = data["event"]
    days = fmt_int(lang, doc["horizon_days"])
    if not doc["input"]["events"]:
        return {
            "empty": True,
            "text": gettext(
                lang,
                "No %(event)s event yet. Send one to POST /v1/events when a customer leaves "
                "(type %(event)s, the customer as user, occurred_at the day they left): this "
                "card then shows how often customers left after a high-effort experience, "
                "against a low-effort one.",
                event=event,
            ),
            "docs": DOCS_LINK,
        }
    rows = []
    for g, label in GROUP_LABELS.items():
        c = doc["by_group"][g]
        rate = c["rate"]
        rows.append(
            {
                "group": g,
                "name": gettext(lang, label),
                "answers": fmt_int(lang, c["answers"]),
                "observed": fmt_int(lang, c["observed"]),
                "followed": fmt_int(lang, c["followed"]),
                "rate": fmt_percent(lang, rate, 0),
                "ci": ci_text(lang, c["ci95"], 0, bounds=PERCENT_BOUNDS, n=c["observed"]),
                "width": 0.0 if rate is None else round(min(100.0, max(0.0, rate)), 1),
            }
        )
    return {
        "empty": False,
        "sentence": headline(lang, doc),
        "risk": risk_text(lang, doc),
        "rows": rows,
        "scope": gettext(
            lang,
            "The answers of this period given at least %(days)s days ago (observed), and "
            "whether the customer had a %(event)s event in the %(days)s days after answering.",
            days=days,
            event=event,
        ),
        "docs": DOCS_LINK,
    }


def drivers_card(lang: str, doc: Doc, tag_names: Mapping[str, str]) -> dict[str, Any]:
    """The features ranked by their share of the explained differences, with intervals."""
    left = [
        gettext(
            lang,
            "%(feature)s (%(reason)s)",
            feature=feature_name(lang, x["feature"], tag_names),
            reason=gettext(lang, REASONS.get(x["reason"], x["reason"])),
        )
        for x in doc["features"]["left_out"]
    ]
    left_text = gettext(lang, "Left out: %(list)s.", list=", ".join(left)) if left else ""
    if doc["n"] < doc["min_answers"]:
        return {
            "empty": True,
            "text": gettext(
                lang,
                "Too few answers in this period to say what drives effort: %(n)s, at least "
                "%(min)s needed.",
                n=fmt_int(lang, doc["n"]),
                min=fmt_int(lang, doc["min_answers"]),
            ),
            "left": "",
        }
    r2 = doc["r2"] or 0.0
    rows = []
    for d in doc["drivers"]:
        share = d["share"]
        ci = d["ci95"]
        shown = [100 * x / r2 for x in ci] if ci and r2 > 0 else None
        rows.append(
            {
                "name": feature_name(lang, d["feature"], tag_names),
                "share": fmt_percent(lang, None if share is None else 100 * share, 0),
                "ci": ci_text(lang, shown, 0, bounds=PERCENT_BOUNDS, n=doc["n"]),
                "width": 0.0 if share is None else round(min(100.0, max(0.0, 100 * share)), 1),
            }
        )
    return {
        "empty": not rows,
        "text": "" if rows else gettext(lang, "No feature varies in this period's answers."),
        "rows": rows,
        "r2": gettext(
            lang,
            "Together these features explain %(r2)s of the differences in effort between "
            "answers (R², %(n)s answers).",
            r2=fmt_percent(lang, 100 * r2, 0),
            n=fmt_int(lang, doc["n"]),
        ),
        "r2_value": fmt_number(lang, r2, 2),
        "left": left_text,
    }
