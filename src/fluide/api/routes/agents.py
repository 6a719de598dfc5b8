"""CES per support agent, ranked on shrunk estimates: ``GET /v1/agents``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from fluide.api.deps import FactoryDep, WorkspaceDep
from fluide.api.errors import request_lang
from fluide.api.params import FromQuery, ToQuery, TouchpointQuery, TzQuery
from fluide.services import agents as service

router = APIRouter(prefix="/v1/agents", tags=["metrics"])

DESCRIPTION = """
Every support agent's Customer Effort Score over the period, with `n` and
95 % intervals, ranked on **shrunk estimates** so that an agent with three
lucky answers does not top the table.

Agents are the `agent_id` of the answers (from the `agent_id` property of the
events), plus dashboard accounts linked to an agent id (listed with `n = 0`
and no rank when they have no answers). Each agent: `agent_id`, `name` (the
account's name, else the id), `n`, `mean` and `ci` (raw scale; `null` when the
answers are on different questions), `effort_index` and `effort_index_ci`
(0 = no effort, 100 = most), `shrunk` and `shrunk_ci` (effort index),
`shrunk_mean` and `shrunk_mean_ci` (back on the raw scale, single question
only), `weight` (share of the agent's own mean in the estimate),
`variance_source`, `rank` (1 = least effort; equal estimates share a rank),
`small_sample`, `response_rate`. The raw figures equal `GET /v1/metrics?by=agent`.

Shrinkage: empirical Bayes, normal–normal, on the effort index. Between-agent
variance `tau2` by DerSimonian–Laird (truncated at 0; `0` means the agents'
differences are within chance, so all share rank 1); each estimate is
`w·mean + (1 − w)·target` with `w = tau2 / (tau2 + σ²/n)`; `target` is the
level of a typical agent. An agent's own variance is used from 10 answers on
(and when not zero), else the team's pooled within-agent variance.

`from`/`to` are inclusive local dates in `tz` (default: the workspace's time
zone); by default the last 12 ISO weeks, this one included.
"""


@router.get(
    "",
    summary="CES per agent, with intervals, ranked on small-sample-corrected estimates",
    description=DESCRIPTION,
    responses={404: {"description": "Unknown touchpoint"}},
)
def get_agents(
    request: Request,
    ws: WorkspaceDep,
    factory: FactoryDep,
    touchpoint: TouchpointQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
    tz: TzQuery = None,
) -> dict[str, Any]:
    return service.agent_table(
        factory,
        ws.id,
        touchpoint=touchpoint,
        start=start,
        end=end,
        tz=tz,
        lang=request_lang(request),
    )


@router.get(
    "/{agent_id}",
    summary="One agent's figures, weekly trend, best and hardest verbatims",
    responses={404: {"description": "Unknown agent or touchpoint"}},
)
def get_agent(
    request: Request,
    ws: WorkspaceDep,
    factory: FactoryDep,
    agent_id: Annotated[str, Path(max_length=200)],
    touchpoint: TouchpointQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
    tz: TzQuery = None,
) -> dict[str, Any]:
    return service.agent_page(
        factory,
        ws.id,
        agent_id,
        touchpoint=touchpoint,
        start=start,
        end=end,
        tz=tz,
        lang=request_lang(request),
    )
