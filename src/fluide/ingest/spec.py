"""What a scan reads and groups, and what it returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from fluide.domain.periods import Period
from fluide.domain.scales import Question
from fluide.ingest.errors import InputProblem
from fluide.ingest.source import Columns

Progress = Callable[[float], None]


@dataclass(frozen=True)
class ScanSpec:
    """What to read and how to group it."""

    question: Question
    tz: str
    columns: Columns
    periods: tuple[Period, ...] = (Period.WEEK,)
    touchpoint: str | None = None
    new_days: int = 90
    change_at: datetime | None = None  # split into before/after sides
    verbatims: int = 10
    # When the file states each row's scale/polarity, scan only one combination:
    only_scale: str | None = None
    only_polarity: str | None = None
    # ... and whether rows with an empty scale/polarity cell belong to this scan.
    takes_empty_scale: bool = False
    takes_empty_polarity: bool = False


@dataclass(frozen=True)
class Verbatim:
    """A high-effort answer's comment, as the person wrote it (never trusted as markup)."""

    at: float  # epoch seconds, for ordering
    responded_at: str  # ISO 8601 in the analysis time zone
    score: int
    comment: str
    touchpoint: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "responded_at": self.responded_at,
            "score": self.score,
            "comment": self.comment,
            "touchpoint": self.touchpoint,
        }


@dataclass
class ScanResult:
    k: int
    overall: NDArray[np.int64]
    groups: dict[str, dict[str | None, NDArray[np.int64]]] = field(default_factory=dict)
    periods: dict[Period, dict[str, NDArray[np.int64]]] = field(default_factory=dict)
    sides: dict[str, NDArray[np.int64]] = field(default_factory=dict)
    side_versions: dict[str, set[str]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    verbatims: list[Verbatim] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None
    problems: list[InputProblem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return int(self.overall.sum())
