"""Pushing follow-ups to a help desk or CRM: the pure rules.

Which providers exist, which Fluide fields an admin may map to the vendor's
fields (and how a vendor field is spelled), how long to wait before the next
attempt, and which vendor status closes a follow-up.

>>> mapping_problem("zendesk", {"score": "360001234567"}) is None
True
>>> mapping_problem("zendesk", {"score": "priority"})[0]
'score'
>>> mapping_problem("hubspot", {"customer_email": "fluide_email"}) is None
True
>>> mapping_problem("hubspot", {"nickname": "x"})[0]
'nickname'
>>> next_wait(1, None), next_wait(2, None), next_wait(2, 600)
(datetime.timedelta(seconds=60), datetime.timedelta(seconds=300), datetime.timedelta(seconds=600))
>>> closes("zendesk", "solved"), closes("zendesk", "open"), closes("hubspot", "4")
(True, False, True)
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

from fluide.i18n import N_

PROVIDERS: Final = ("zendesk", "hubspot", "webhook")
PROVIDER_NAMES: Final = {
    "zendesk": "Zendesk",
    "hubspot": "HubSpot",
    "webhook": N_("Signed webhook"),
}

FIELDS: Final = (
    "customer_id",
    "customer_email",
    "customer_name",
    "touchpoint_task",
    "score",
    "comment",
    "tag",
    "answer_link",
)
"""The Fluide fields an admin may map to the vendor's fields."""
FIELD_NAMES: Final = {
    "customer_id": N_("Customer id"),
    "customer_email": N_("Customer e-mail"),
    "customer_name": N_("Customer name"),
    "touchpoint_task": N_("Touchpoint task"),
    "score": N_("Score"),
    "comment": N_("Comment"),
    "tag": N_("Tag"),
    "answer_link": N_("Answer link"),
}

_ZENDESK_FIELD: Final = re.compile(r"[1-9][0-9]{0,19}")
"""A Zendesk custom ticket field is named by its numeric id."""
_HUBSPOT_PROPERTY: Final = re.compile(r"[a-z][a-z0-9_]{0,99}")
"""A HubSpot property's internal name: lower case, digits and underscores."""
SUBDOMAIN: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")

MAX_ATTEMPTS: Final = 6
"""Attempts of one push before it is given up (a refusal stops at the first)."""
BACKOFF: Final = (60, 300, 900, 3600, 3 * 3600)
"""Seconds before attempt 2, 3, …: a vendor down for a few hours is caught up."""
MAX_WAIT: Final = 6 * 3600
"""A ``Retry-After`` longer than this is capped: the push is tried again by then."""

CLOSED_STATUSES: Final = {
    "zendesk": frozenset({"solved", "closed"}),
    "hubspot": frozenset({"4", "closed", "completed"}),
    "webhook": frozenset({"solved", "closed", "done", "resolved"}),
}
"""Vendor statuses that close a follow-up. HubSpot: the default pipeline's "Closed"
stage is ``4``; a task's ``hs_task_status`` is ``COMPLETED`` (compared in lower case)."""


def mapping_problem(provider: str, mapping: dict[str, str]) -> tuple[str, str] | None:
    """``(field, English msgid)`` of the first bad entry of ``mapping``, or ``None``."""
    seen: set[str] = set()
    for field, target in mapping.items():
        if field not in FIELDS:
            return field, N_("Unknown Fluide field; allowed: %(allowed)s.")
        if not isinstance(target, str) or not target:
            return field, N_("Give the vendor field this Fluide field goes to.")
        if provider == "zendesk" and not _ZENDESK_FIELD.fullmatch(target):
            return field, N_(
                "A Zendesk custom field is named by its numeric id, such as 360001234567."
            )
        if provider == "hubspot" and not _HUBSPOT_PROPERTY.fullmatch(target):
            return field, N_(
                "A HubSpot property is named by its internal name: lower-case letters, digits "
                "and underscores, such as fluide_score."
            )
        if provider == "webhook" and not _HUBSPOT_PROPERTY.fullmatch(target):
            return field, N_(
                "A key of the webhook body: lower-case letters, digits and underscores."
            )
        if target in seen:
            return field, N_("Two Fluide fields go to the same vendor field %(target)s.")
        seen.add(target)
    return None


def next_wait(attempts: int, retry_after: int | None) -> timedelta:
    """The wait after the ``attempts``-th attempt failed for now (``Retry-After`` honoured)."""
    planned = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    if retry_after is not None:
        planned = max(min(retry_after, MAX_WAIT), 1) if retry_after > planned else planned
    return timedelta(seconds=planned)


def closes(provider: str, status: str) -> bool:
    """Whether the vendor's ``status`` means the customer was dealt with."""
    return status.strip().lower() in CLOSED_STATUSES.get(provider, frozenset())


REFUSALS: Final = {
    400: N_("The help desk refused the ticket's fields: check the mapping and the pipeline."),
    401: N_("The help desk refused the credentials: check the e-mail and the API token."),
    403: N_(
        "The help desk refused this token the right to create tickets: give it the tickets "
        "scope (HubSpot) or an agent's rights (Zendesk)."
    ),
    404: N_("Not found at the help desk: check the subdomain, or the kind of object."),
    422: N_("The help desk refused the ticket's fields: check the mapping and the pipeline."),
}
"""Why a refusal stopped a push, by HTTP status (English msgids)."""
OTHER_REFUSAL: Final = N_("The help desk refused the call (HTTP %(status)s).")
UNREACHABLE: Final = N_("The help desk could not be reached (%(count)s attempts).")
NOT_SENT: Final = N_("Nothing was sent: the address is refused or the connection is incomplete.")
STATE_NAMES: Final = {
    "pending": N_("Being pushed"),
    "pushed": N_("Pushed"),
    "failed": N_("Push failed"),
}


def reason_of(state: str, status: int | None, attempts: int) -> str | None:
    """The English msgid that says why a push stopped (``None`` while it goes well)."""
    if state != "failed":
        return None
    if status is not None and 400 <= status < 500 and status not in (408, 425, 429):
        return REFUSALS.get(status, OTHER_REFUSAL)
    if status is None and attempts <= 1:
        return NOT_SENT
    return UNREACHABLE
