"""Dates and ISO weeks named by a request: within :mod:`fluide.domain.date_range`, or a 422
naming the field, the value and the range."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from fluide.domain.date_range import OutOfRange, check_day
from fluide.domain.frictions import parse_iso_week
from fluide.i18n import N_
from fluide.services.errors import invalid

NOT_A_WEEK = N_("%(value)s is not an ISO week: write it like 2026-W47.")


def checked_week(label: str, field: str = "week") -> str:
    """``label`` if it is an ISO week of the range (e.g. ``2026-W47``)."""
    try:
        parse_iso_week(label)
    except OutOfRange as exc:
        raise invalid(field, exc.message, **exc.params) from None
    except ValueError:
        raise invalid(field, NOT_A_WEEK, value=label) from None
    return label


def checked_day(field: str, day: date | None) -> date | None:
    """``day`` (or ``None``) if within the range."""
    if day is None:
        return None
    try:
        return check_day(day)
    except OutOfRange as exc:
        raise invalid(field, exc.message, **exc.params) from None


def period_days(params: Mapping[str, str]) -> dict[str, date | None]:
    """``from`` and ``to`` of a page's query (``YYYY-MM-DD``, empty for none), checked;
    a 422 names the one that is not a date of the range."""
    days: dict[str, date | None] = {}
    for param in ("from", "to"):
        text = (params.get(param) or "").strip()
        try:
            day = date.fromisoformat(text) if text else None
        except ValueError:
            raise invalid(
                param,
                N_("%(param)s must be a date such as 2026-03-02; got %(value)s."),
                param=param,
                value=text[:40],
            ) from None
        days[param] = checked_day(param, day)
    return days
