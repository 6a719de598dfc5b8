"""The documented shape of ``GET /v1/recontacts`` (the JSON of ``fluide recontacts``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ResolutionOut(BaseModel):
    n: int = Field(description="Contacts of the block that have a resolved_at")
    median: float | None = Field(description="Median hours from contact to resolution")
    p90: float | None = Field(description="90th percentile of those hours")


class RBlockOut(BaseModel):
    contacts: int = Field(description="Contacts in the block")
    observed: int = Field(description="Contacts old enough to be judged (at + W <= latest)")
    recontacted: int = Field(description="Observed contacts followed by another within W")
    recontact_rate: float | None = Field(description="100 × recontacted / observed")
    one_and_done: float | None = Field(description="100 − recontact_rate")
    channel_switches: int = Field(description="Recontacts that came through another channel")
    channel_switch_rate: float | None = Field(description="100 × channel_switches / recontacted")
    episodes: int = Field(description="Episodes starting in the block")
    contacts_per_episode: float | None = Field(description="Mean contacts of those episodes")
    resolution_hours: ResolutionOut
    promise_kept: float | None = Field(
        description="100 × contacts resolved by promised_at / contacts with both times"
    )


class GroupRowOut(RBlockOut):
    value: str | None = Field(description="The group's value; null for contacts without one")


class WeekOut(RBlockOut):
    week: str = Field(description="ISO week of the contacts, e.g. 2026-W37")


class RecontactsOut(BaseModel):
    window_days: int
    overall: RBlockOut
    groups: dict[str, list[GroupRowOut]] = Field(description="One list per `by`")
    weekly: list[WeekOut]
    answers: dict[str, Any] | None = Field(
        description="Always null here: the asked-vs-shown split is `fluide recontacts --answers`"
    )
    warnings: list[dict[str, Any]]
    input: dict[str, Any] = Field(
        description="source, event_types, rows, customers, tz, from, to, first, last"
    )
