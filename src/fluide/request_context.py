"""The id of the request being served, for logs and for the rows it creates.

Set by the API's request-id middleware; read wherever a record should carry it
(a delivery keeps the id of the request that created its invitation, so its
logs can be followed from the event to the send). Threads that FastAPI runs
sync routes in get a copy of the context, so the id is seen there too.
"""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("fluide_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this code runs for, or None outside a request.

    >>> current_request_id() is None
    True
    """
    return request_id.get()
