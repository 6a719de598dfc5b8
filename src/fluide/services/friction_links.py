"""From a friction to its actions: where a workspace-wide friction belongs, and the links
of its "Create an action" (a prefilled form) and of its actions so far."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fluide.i18n import fmt_int, ngettext


def main_touchpoint(
    f: dict[str, Any], by_touchpoint: dict[str, list[dict[str, Any]]]
) -> str | None:
    """Where a workspace-wide friction weighs most: the touchpoint whose top frictions count
    the most of its answers, else the one most of its quoted comments come from."""
    volumes = {
        tp: row["volume"]
        for tp, rows in by_touchpoint.items()
        for row in rows
        if row["tag"] == f["tag"]
    }
    if volumes:
        return max(sorted(volumes), key=lambda tp: volumes[tp])
    quoted = [v["touchpoint"] for v in f.get("verbatims") or [] if v.get("touchpoint")]
    return max(sorted(set(quoted)), key=quoted.count) if quoted else None


def _where(touchpoint: str | None, tag: str) -> dict[str, str]:
    return {"touchpoint": touchpoint, "tag": tag} if touchpoint else {"tag": tag}


def new_action_url(touchpoint: str | None, tag: str) -> str:
    """The address of the action form prefilled with a friction's touchpoint and tag."""
    return "/app/actions/new?" + urlencode(_where(touchpoint, tag))


def friction_links(lang: str, touchpoint: str | None, tag: str, count: int) -> dict[str, str]:
    """A friction's "Create an action" address (prefilled form) and, when it has actions,
    the link text and address of its filtered list."""
    where = _where(touchpoint, tag)
    out = {
        "new_action": new_action_url(touchpoint, tag),
        "actions_text": "",
        "actions_url": "",
    }
    if count:
        out["actions_text"] = ngettext(
            lang, "%(count)s action", "%(count)s actions", count, count=fmt_int(lang, count)
        )
        out["actions_url"] = "/app/actions?" + urlencode(where)
    return out
