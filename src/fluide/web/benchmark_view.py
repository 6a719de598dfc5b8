"""The touchpoint page's benchmark card (« Comparé aux autres »), formatted from
:func:`fluide.services.benchmark.card`."""

from __future__ import annotations

from typing import Any, Final

from fluide.i18n import N_, fmt_date, fmt_int, fmt_number, gettext

UNSTABLE: Final = N_("not yet stable: one company could move it")
DOCS_LINK: Final = "/docs#/benchmark"


def _index(lang: str, value: float | None) -> str:
    return "—" if value is None else fmt_number(lang, value, 0)


def _figure(lang: str, pool: dict[str, Any], name: str) -> str:
    value = pool[name]
    if value is not None:
        return fmt_number(lang, value, 0)
    return gettext(lang, UNSTABLE) if pool["reasons"].get(name) == "unstable" else "—"


def card(data: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """The card's texts; ``None`` when the touchpoint has no task category."""
    if data is None:
        return None
    own, pool = data["own"], data["pool"]

    def t(msgid: str, **params: object) -> str:
        return gettext(lang, msgid, **params)

    out: dict[str, Any] = {
        "category": data["name"],
        "period": t(
            N_("From %(start)s to %(end)s"),
            start=fmt_date(lang, data["period"]["from"]),
            end=fmt_date(lang, data["period"]["to"]),
        ),
        "own": _index(lang, own["effort_index"]),
        "own_detail": t(N_("no answer in the period"))
        if not own["answers"]
        else t(
            N_("%(n)s answers to the category's touchpoints, 95 %% interval %(lo)s–%(hi)s"),
            n=fmt_int(lang, own["answers"]),
            lo=_index(lang, (own["ci95"] or [None])[0]),
            hi=_index(lang, (own["ci95"] or [None, None])[1]),
        ),
        "contributors": t(
            N_("%(n)s other companies in the pool"), n=fmt_int(lang, pool["contributors"])
        ),
        "not_enough": pool["reason"] == "not_enough_contributors",
        "not_enough_text": t(
            N_("Not enough companies yet (%(k)s minimum)."), k=data["min_contributors"]
        ),
        "docs": DOCS_LINK,
        "unstable": False,
    }
    if out["not_enough"]:
        return out
    out["median"] = _figure(lang, pool, "median")
    out["band"] = (
        t(N_("%(p25)s to %(p75)s"), p25=_figure(lang, pool, "p25"), p75=_figure(lang, pool, "p75"))
        if pool["p25"] is not None and pool["p75"] is not None
        else gettext(lang, UNSTABLE)
    )
    percentile = pool["percentile"]
    if percentile is not None:
        out["percentile"] = t(N_("%(lo)s–%(hi)s %%"), lo=int(percentile[0]), hi=int(percentile[1]))
        out["percentile_detail"] = t(
            N_(
                "of the companies have an effort index at or below yours (lower means easier "
                "for customers)"
            )
        )
    elif pool["reasons"].get("percentile") == "unstable":
        out["percentile"] = gettext(lang, UNSTABLE)
        out["percentile_detail"] = ""
    else:
        out["percentile"] = "—"
        out["percentile_detail"] = t(N_("no answer of yours in the period"))
    out["unstable"] = any(r == "unstable" for r in pool["reasons"].values())
    return out
