"""The documented shapes of ``GET /v1/touchpoints/{key}/loyalty`` and ``/drivers``
(the JSON of ``fluide loyalty`` and ``fluide drivers``, with the service's own keys)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class CellOut(BaseModel):
    answers: int = Field(description="Answers in the cell")
    observed: int = Field(description="Answers with responded_at + horizon <= until")
    followed: int = Field(description="Observed answers whose customer had the event within H")
    rate: float | None = Field(description="100 × followed / observed; null when none observed")
    ci95: list[float] | None = Field(description="Wilson 95 % interval of the rate, in %")


class RelativeRiskOut(BaseModel):
    high_vs_low: float | None = Field(description="Rate after high effort / rate after low")
    ci95: list[float] | None = Field(description="Katz (log) 95 % interval")


class GroupValueOut(BaseModel):
    value: str | None
    by_group: dict[str, CellOut]


class LoyaltyOut(BaseModel):
    event: str = Field(description="The outcome studied, e.g. churned")
    horizon_days: int
    until: str | None = Field(description="The end of observation (ISO 8601)")
    by_group: dict[str, CellOut] = Field(description="low, moderate, high")
    by_score: dict[str, CellOut] = Field(description="One cell per score point")
    relative_risk: RelativeRiskOut
    groups: dict[str, list[GroupValueOut]] = Field(description="One list per `by`")
    warnings: list[dict[str, Any]]
    input: dict[str, Any] = Field(
        description="source, touchpoint, event_types, scale, polarity, rows, "
        "answers_other_question, outcome_rows, events, tz, first, last"
    )


class DriverOut(BaseModel):
    feature: str = Field(
        description="outcome, tenure, channel, agent, recontacted, attempts, or tag:KEY"
    )
    lmg: float = Field(description="The share of R² this feature explains (LMG)")
    share: float | None = Field(description="lmg / r2")
    ci95: list[float] | None = Field(description="Bootstrap 95 % interval of lmg")
    levels: int


class LeftOutOut(BaseModel):
    feature: str
    reason: str = Field(description="one_level, too_few_answers or limit")
    answers: int = Field(description="Answers of the period, or those carrying the tag")


class FeaturesOut(BaseModel):
    considered: list[str]
    left_out: list[LeftOutOut]


class DriversOut(BaseModel):
    touchpoint: str
    from_: str = Field(alias="from")
    to: str
    n: int = Field(description="Answers of the period on the current question")
    r2: float | None = Field(description="R² of all features together; null when not estimated")
    drivers: list[DriverOut] = Field(description="Sorted by lmg, largest first")
    resamples: int
    seed: int
    features: FeaturesOut
    min_answers: int
    min_tag_answers: int
    warnings: list[dict[str, Any]]
    input: dict[str, Any]
