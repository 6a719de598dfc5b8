"""The benchmark file (``fluide-benchmark/1``) read back: every value checked, strictly.

A bad value raises :class:`FileProblem` with its JSON path (``$.categories.payment.mean``)
and a message naming what is allowed; an unknown key is refused too, so that nothing but
aggregates is ever stored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from fluide.domain.benchmark import CATEGORIES, FORMAT, MIN_ANSWERS, Contribution
from fluide.domain.scales import GROUP_NAMES
from fluide.i18n import N_

MAX_ANSWERS: Final = 1_000_000_000

CONTRIBUTOR_RE: Final = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")

NOT_OBJECT = N_("expected a JSON object.")
MISSING = N_("missing.")
UNKNOWN_KEY = N_("unknown key; allowed: %(allowed)s.")
WRONG_FORMAT = N_("%(value)s is not a format this Fluide reads; expected %(allowed)s.")
NOT_A_CATEGORY = N_("%(value)s is not a category; allowed: %(allowed)s.")
BAD_NUMBER = N_("%(value)s is not allowed: expected a number from %(low)s to %(high)s.")
BAD_COUNT = N_("%(value)s is not allowed: expected a whole number from %(low)s to %(high)s.")
BAD_CONTRIBUTOR = N_("%(value)s is not a contributor id: 8 to 64 letters, digits, _ or -.")
BAD_DATE = N_("%(value)s is not a date such as 2026-03-02.")
BAD_TIME = N_("%(value)s is not a time with its offset, such as 2026-03-02T10:00:00+00:00.")
GROUPS_SUM = N_("low, moderate and high add up to %(total)s, not the %(answers)s answers.")
PERIOD_ORDER = N_("from %(start)s is after to %(end)s.")


class FileProblem(ValueError):
    """A bad value of a benchmark file: ``path`` is its JSON path, ``message`` a msgid."""

    def __init__(self, path: str, message: str, **params: Any) -> None:
        super().__init__(f"{path}: {message % params}")
        self.path = path
        self.message = message
        self.params = params


@dataclass(frozen=True)
class BenchmarkFile:
    contributor: str
    exported_at: datetime
    contributions: list[Contribution]


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "…"


def _object(value: object, path: str, allowed: Sequence[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FileProblem(path, NOT_OBJECT)
    for key in value:
        if key not in allowed:
            raise FileProblem(f"{path}.{key}", UNKNOWN_KEY, allowed=", ".join(allowed))
    for key in allowed:
        if key not in value:
            raise FileProblem(f"{path}.{key}", MISSING)
    return value


def _number(value: object, path: str, low: float, high: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or not low <= float(value) <= high:  # type: ignore[arg-type]
        raise FileProblem(path, BAD_NUMBER, value=_shown(value), low=low, high=high)
    return float(value)  # type: ignore[arg-type]


def _count(value: object, path: str, low: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_ANSWERS:
        raise FileProblem(path, BAD_COUNT, value=_shown(value), low=low, high=MAX_ANSWERS)
    return value


def _date(value: object, path: str) -> date:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise FileProblem(path, BAD_DATE, value=_shown(value)) from None


def _period(value: object, path: str) -> tuple[date, date]:
    obj = _object(value, path, ("from", "to"))
    start, end = _date(obj["from"], f"{path}.from"), _date(obj["to"], f"{path}.to")
    if start > end:
        raise FileProblem(path, PERIOD_ORDER, start=start.isoformat(), end=end.isoformat())
    return start, end


def _contribution(contributor: str, category: str, value: object, path: str) -> Contribution:
    obj = _object(value, path, ("answers", "mean", "sd", "groups", "period"))
    answers = _count(obj["answers"], f"{path}.answers", MIN_ANSWERS)
    mean = _number(obj["mean"], f"{path}.mean", 0, 100)
    sd = _number(obj["sd"], f"{path}.sd", 0, 100)
    raw = _object(obj["groups"], f"{path}.groups", GROUP_NAMES)
    groups = {g: _count(raw[g], f"{path}.groups.{g}", 0) for g in GROUP_NAMES}
    if sum(groups.values()) != answers:
        raise FileProblem(f"{path}.groups", GROUPS_SUM, total=sum(groups.values()), answers=answers)
    start, end = _period(obj["period"], f"{path}.period")
    return Contribution(contributor, category, answers, mean, sd, groups, start, end)


def read_file(doc: object) -> BenchmarkFile:
    """A benchmark file's contributions, or :class:`FileProblem` naming the first bad value.

    Strict: an unknown key is refused too, so that nothing but aggregates is ever stored.
    """
    obj = _object(doc, "$", ("format", "contributor", "exported_at", "period", "categories"))
    if obj["format"] != FORMAT:
        raise FileProblem("$.format", WRONG_FORMAT, value=_shown(obj["format"]), allowed=FORMAT)
    contributor = obj["contributor"]
    if not isinstance(contributor, str) or not CONTRIBUTOR_RE.match(contributor):
        raise FileProblem("$.contributor", BAD_CONTRIBUTOR, value=_shown(contributor))
    try:
        if not isinstance(obj["exported_at"], str):
            raise ValueError
        exported_at = datetime.fromisoformat(obj["exported_at"])
        if exported_at.tzinfo is None:
            raise ValueError
    except ValueError:
        raise FileProblem("$.exported_at", BAD_TIME, value=_shown(obj["exported_at"])) from None
    _period(obj["period"], "$.period")
    categories = obj["categories"]
    if not isinstance(categories, dict):
        raise FileProblem("$.categories", NOT_OBJECT)
    out = []
    for category, value in categories.items():
        path = f"$.categories.{category}"
        if category not in CATEGORIES:
            raise FileProblem(
                path, NOT_A_CATEGORY, value=_shown(category), allowed=", ".join(CATEGORIES)
            )
        out.append(_contribution(contributor, category, value, path))
    return BenchmarkFile(contributor, exported_at, out)
