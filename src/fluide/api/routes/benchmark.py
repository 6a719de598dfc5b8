"""The CES benchmark: ``GET /v1/benchmark``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from fluide.api.deps import FactoryDep, WorkspaceDep
from fluide.api.params import FromQuery, ToQuery
from fluide.services import benchmark as service

router = APIRouter(prefix="/v1/benchmark", tags=["benchmark"])

DESCRIPTION = """
For each task category of the workspace's touchpoints (`task_category`):
`own`, the workspace's own effort index over `from`–`to` (inclusive local
dates; default the last 90 days): `answers`, `effort_index` (0–100, exact),
`ci95`; and `pool`, what it may see of the other companies' figures:
`contributors` (its own contribution left out), and, only with at least 5 of
them (k-anonymity), `median`, `p25`, `p75` of their effort-index means
(rounded to 5 points, or 10, or 20) and the workspace's `percentile` band
among them (`[from, to]`, the share of companies at or below its index).
A figure that one company could move is `null` with `reasons.<figure>:
"unstable"`; below 5 companies `reason` is `"not_enough_contributors"`.
`rounding` gives the step of each figure shown. See the documentation page
*Benchmark*.
"""


@router.get(
    "",
    summary="The workspace's effort index by task category, compared with other companies",
    description=DESCRIPTION,
)
def get_benchmark(
    ws: WorkspaceDep, factory: FactoryDep, start: FromQuery = None, end: ToQuery = None
) -> dict[str, Any]:
    return service.benchmark(factory, ws, start, end)
