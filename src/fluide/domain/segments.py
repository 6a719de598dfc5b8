"""Segment rules derived from answer attributes.

>>> tenure_of(date(2026, 3, 10), date(2026, 1, 1), new_days=90)
'new'
>>> tenure_of(date(2026, 6, 1), date(2026, 1, 1), new_days=90)
'established'
"""

from __future__ import annotations

from datetime import date

TENURE = "tenure"
"""The name of the derived grouping (from ``customer_since``)."""
DEFAULT_NEW_DAYS = 90


def tenure_of(
    answered_on: date, customer_since: date | None, new_days: int = DEFAULT_NEW_DAYS
) -> str | None:
    """``new`` when the customer is fewer than ``new_days`` days old at the answer.

    ``None`` when the start date is unknown. A start date after the answer
    (a data entry slip) counts as new rather than failing the analysis.
    """
    if customer_since is None:
        return None
    return "new" if (answered_on - customer_since).days < new_days else "established"
