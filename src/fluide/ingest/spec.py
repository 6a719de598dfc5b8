"""What a scan reads and groups, and what it returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from fluide.domain.periods import Period
from fluide.domain.scales import Question
from fluide.ingest.dates import Choice
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
    # Answers grouped by touchpoint, ISO week, comment and score (for the week's
    # frictions): of the scan's last two weeks, or within ``answers_window``
    # (UTC instants, end excluded). Read only when the file has comments.
    answer_groups: bool = False
    answers_window: tuple[datetime, datetime] | None = None
    # How the time column is written (None: ISO 8601, DuckDB's typed reader).
    dates: Choice | None = None
    # Score cells written as words: ``--labels`` (label → point).
    labels: Mapping[str, int] = field(default_factory=dict)


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


@dataclass(frozen=True)
class AnswerGroup:
    """Answers alike in touchpoint, ISO week, comment and score, with their count.

    A comment is kept as written; an empty or blank one is ``None``.
    ``responded_at`` is the latest of them (ISO 8601 in the analysis time zone).
    """

    touchpoint: str | None
    week: str
    comment: str | None
    score: int
    count: int
    responded_at: str


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
    answer_groups: list[AnswerGroup] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None
    problems: list[InputProblem] = field(default_factory=list)
    max_day: int | None = None  # largest day of the month read (for ambiguous dates only)

    @property
    def rows(self) -> int:
        return int(self.overall.sum())
