"""Dates and ISO weeks named by a request: within :mod:`fluide.domain.date_range`, or a 422
naming the field, the value and the range."""

from __future__ import annotations

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
