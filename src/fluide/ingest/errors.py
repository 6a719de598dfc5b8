"""Input problems, named by line, field and value, and what is allowed instead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class InputProblem:
    """One thing wrong with one record of the input.

    ``line`` is the physical line in the file where the record starts (1 =
    header), or the spreadsheet row for XLSX. ``kind`` is a stable code;
    ``allowed`` says what would have been accepted.
    """

    line: int
    field: str
    kind: str
    value: str | None = None
    allowed: str | None = None


class InputError(Exception):
    """The input cannot be analysed as it is.

    ``problems`` lists every bad record; ``message`` explains a problem with
    the file as a whole (missing column, unreadable file).
    """

    def __init__(
        self, message: str, problems: list[InputProblem] | None = None, **params: object
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problems = sorted(problems or [])
        self.params = params


@dataclass
class SkipReport:
    """Records left out under ``--skip-invalid``, and why."""

    problems: list[InputProblem] = field(default_factory=list)

    @property
    def lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})


def line_ranges(lines: Sequence[int]) -> str:
    """Every line named, compactly: ``[9, 2, 3, 4]`` → ``"2-4, 9"``.

    >>> line_ranges([9, 2, 3, 4])
    '2-4, 9'
    """
    out: list[str] = []
    xs = sorted(set(lines))
    i = 0
    while i < len(xs):
        j = i
        while j + 1 < len(xs) and xs[j + 1] == xs[j] + 1:
            j += 1
        out.append(str(xs[i]) if i == j else f"{xs[i]}-{xs[j]}")
        i = j + 1
    return ", ".join(out)
