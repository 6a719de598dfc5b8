"""Query parameters several routes share, declared once so that they mean the same."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from fluide.api.schemas import Day

TouchpointQuery = Annotated[
    str | None,
    Query(pattern=r"^[a-z0-9][a-z0-9_\-]{0,99}$", description="Only this touchpoint's answers"),
]
FromQuery = Annotated[
    Day | None, Query(alias="from", description="First local date, inclusive (2000 to 2100)")
]
ToQuery = Annotated[
    Day | None, Query(alias="to", description="Last local date, inclusive (2000 to 2100)")
]
TzQuery = Annotated[
    str | None, Query(max_length=64, description="IANA time zone; default the workspace's")
]
