"""Query parameters several routes share, declared once so that they mean the same."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

TouchpointQuery = Annotated[
    str | None,
    Query(pattern=r"^[a-z0-9][a-z0-9_\-]{0,99}$", description="Only this touchpoint's answers"),
]
FromQuery = Annotated[date | None, Query(alias="from", description="First local date, inclusive")]
ToQuery = Annotated[date | None, Query(alias="to", description="Last local date, inclusive")]
TzQuery = Annotated[
    str | None, Query(max_length=64, description="IANA time zone; default the workspace's")
]
