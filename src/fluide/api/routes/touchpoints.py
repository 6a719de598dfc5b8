"""The question registry: ``/v1/touchpoints``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, status

from fluide.api.deps import FactoryDep, SessionDep, WorkspaceDep
from fluide.api.errors import request_lang
from fluide.api.params import FromQuery, ToQuery
from fluide.api.schemas import TouchpointIn, TouchpointPatch
from fluide.api.schemas_loyalty import DriversOut, LoyaltyOut
from fluide.domain.loyalty import DEFAULT_HORIZON_DAYS
from fluide.services import attempts as attempts_service
from fluide.services import drivers_live
from fluide.services import loyalty as loyalty_service
from fluide.services import touchpoints as service
from fluide.services.dashboard import DEFAULT_WEEKS, window
from fluide.storage.types import utcnow

router = APIRouter(prefix="/v1/touchpoints", tags=["touchpoints"])
KeyPath = Path(
    pattern=r"^[a-z0-9][a-z0-9_\-]{0,99}$", description="The touchpoint's key, e.g. payer"
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a touchpoint and its first question version",
)
def create(body: TouchpointIn, ws: WorkspaceDep, factory: FactoryDep) -> dict[str, Any]:
    return service.create(factory, ws.id, body)


@router.get("", summary="Every touchpoint of the workspace")
def list_touchpoints(ws: WorkspaceDep, session: SessionDep) -> dict[str, Any]:
    return {"touchpoints": service.list_all(session, ws.id)}


@router.get("/{key}", summary="One touchpoint with its question versions")
def get(ws: WorkspaceDep, session: SessionDep, key: str = KeyPath) -> dict[str, Any]:
    return service.get(session, ws.id, key)


@router.patch(
    "/{key}",
    summary="Change a touchpoint; wording, scale, polarity or groups make a new question version",
)
def patch(
    body: TouchpointPatch, ws: WorkspaceDep, factory: FactoryDep, key: str = KeyPath
) -> dict[str, Any]:
    return service.update(factory, ws.id, key, body)


ATTEMPTS = """
Attempts and time on task of the touchpoint, from its events (see the
documentation page *Attempts and time on task* for every rule): the tasks
ending in `from`–`to` (inclusive local dates, the workspace's time zone;
default the last 12 weeks), succeeded, abandoned or in progress, the attempts
a success needed (`1`, `2`, `3+`, `mean`, `median`), `time_on_task_s`
(`n`, `median`, `p90`), `fields_requested` (`n`, `mean`, `median`), the
customers who never succeeded, and `ces_by_attempts`: one CES block for the
answers given after a success that needed 1, 2 or 3+ attempts; and
`behaviour_index`: the behavioural effort index of the same tasks (0–100, its
weights, components, coverage and Spearman correlation with the asked CES; see
the documentation page *Behavioural effort index*).
"""


@router.get(
    "/{key}/attempts",
    summary="Attempts and time on task of a touchpoint, with the CES by attempts",
    description=ATTEMPTS,
    responses={404: {"description": "Unknown touchpoint"}},
)
def attempts(
    ws: WorkspaceDep,
    factory: FactoryDep,
    key: str = KeyPath,
    start: FromQuery = None,
    end: ToQuery = None,
) -> dict[str, Any]:
    win = window(ws.timezone, DEFAULT_WEEKS, utcnow())
    return attempts_service.attempts(factory, ws, key, start or win.start, end or win.end)


LOYALTY = """
What happened to the touchpoint's customers after they answered: the same JSON
document as `fluide loyalty --format json`, computed by the same code from the
answers and the outcome events sent to `POST /v1/events` (an event whose type is
in the workspace's `outcome_event_types`, default `churned`, `renewed`,
`repurchased`; its user is the customer, its `occurred_at` the time).

Every answer of the touchpoint's current question (and the versions asking the
same) counts; a warning says how many answers of other versions were left out.
An answer is *observed* when `responded_at + horizon days <= until`, *followed*
when its customer had an `event` in `(responded_at, responded_at + horizon]`.
`by_group` (low, moderate, high effort) and `by_score` give `answers`,
`observed`, `followed`, `rate` (%) and its Wilson `ci95`; `relative_risk` is
high over low with its Katz interval. `until` defaults to now (an ISO date or
time, the workspace's zone without an offset); `by` is repeatable: `outcome`,
`tenure`, `channel`, `agent`. Correlation, not causation.
"""


@router.get(
    "/{key}/loyalty",
    summary="Outcome rates (e.g. churn) after low, moderate and high effort",
    description=LOYALTY,
    response_model=LoyaltyOut,
    responses={404: {"description": "Unknown touchpoint"}},
)
def loyalty(
    request: Request,
    ws: WorkspaceDep,
    factory: FactoryDep,
    key: str = KeyPath,
    event: Annotated[
        str | None, Query(max_length=200, description="The outcome studied; default churned")
    ] = None,
    horizon: Annotated[int, Query(description="H, in days (1 to 3650)")] = DEFAULT_HORIZON_DAYS,
    until: Annotated[
        str | None, Query(max_length=64, description="End of observation; default now")
    ] = None,
    by: Annotated[
        list[Literal["outcome", "tenure", "channel", "agent"]],
        Query(max_length=4, description="Grouping; repeatable: outcome, tenure, channel, agent"),
    ] = [],  # noqa: B006
) -> dict[str, Any]:
    q = loyalty_service.LoyaltyQuery(event=event, horizon_days=horizon, until=until, by=tuple(by))
    return loyalty_service.loyalty(factory, ws, key, q, request_lang(request))


DRIVERS = """
What drives effort on the touchpoint: the same JSON as `fluide drivers --format
json` (`n`, `r2`, `drivers: [{feature, lmg, share, ci95}]`), by the same code
(OLS of the effort-oriented score, LMG relative importance, seeded bootstrap),
on the answers given `from`–`to` (inclusive local dates; default the last 12
weeks), current question only. Features: `outcome`, `tenure`, `channel`,
`agent`, `recontacted` (a contact of the customer in the 7 days before
answering), `attempts` (1, 2, 3+) and `tag:KEY`, one 0/1 column per active tag
carried by at least `min_tag_answers` answers, most carried first, at most 10
features in all. `features.left_out` says why a feature was not used:
`one_level`, `too_few_answers` (fewer than `min_answers` answers, or a rare
tag) or `limit`. Correlation, not causation.
"""


@router.get(
    "/{key}/drivers",
    summary="What drives effort: relative importance (LMG) of the answers' features",
    description=DRIVERS,
    response_model=DriversOut,
    response_model_by_alias=True,
    responses={404: {"description": "Unknown touchpoint"}},
)
def drivers(
    request: Request,
    ws: WorkspaceDep,
    factory: FactoryDep,
    key: str = KeyPath,
    start: FromQuery = None,
    end: ToQuery = None,
) -> dict[str, Any]:
    win = window(ws.timezone, DEFAULT_WEEKS, utcnow())
    return drivers_live.drivers(
        factory, ws, key, start or win.start, end or win.end, request_lang(request)
    )
