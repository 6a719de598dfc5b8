"""The week's top frictions: which friction tags cost customers the most effort.

Each answer with a comment carries 0 to 3 friction tags (``payment``,
``login``, ``delay``…). For one scope (a touchpoint, or the whole workspace)
and one ISO week, a tag's figures are:

- **volume**: the answers of the week carrying the tag;
- **effort gap**: how much higher their effort index (0–100) is than the
  week's usual level — the mean effort index of *every* answer of the week in
  the scope, with or without a comment;
- **impact score** = volume × effort gap: many answers a little harder, or a
  few much harder.

Only a positive gap is a friction. Frictions rank by score, then volume, then
key, and each comes with last week's figures for the same tag, its share of
the week's comments and up to three representative verbatims. **The top needs
evidence:** a tag seen in fewer than :data:`MIN_TOP_COMMENTS` comments of the
week never reaches it, and tags carried by exactly the same answers are one
friction (the best-scored tag, the others in ``also_tags``), so one comment
under two tags cannot fill two of the three places.

**Workspace-wide**, each tagged answer's gap is taken against *its own
touchpoint's* mean of the week, then averaged. Touchpoints have different
baselines (contacting support is harder than paying): compared with the
workspace mean, a tag frequent on a hard touchpoint would look like a
friction only because of where it is said, and one on an easy touchpoint
would be hidden. Within one touchpoint both definitions are the same.

>>> at = "2026-11-20T10:00:00+01:00"
>>> rows = [  # the last field counts identical answers: three of each
...     TaggedAnswer("payer", "2026-W47", 50.0, ("payment",), "Carte refusée", at, 4, 3),
...     TaggedAnswer("payer", "2026-W47", 0.0, (), None, at, 7, 3),
... ]
>>> f = rank_frictions(rows, "2026-W47", "2026-W46")[0]
>>> f.tag, f.volume, f.effort_gap, f.score, f.previous
('payment', 3, 25.0, 75.0, None)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from fluide.domain.date_range import check_week_year
from fluide.domain.friction_shrinkage import GapSample, shrink_gaps
from fluide.domain.periods import local_day_bounds
from fluide.domain.taxonomy import normalize

DEFAULT_TOP = 3
DEFAULT_SMALL_VOLUME = 5
"""A friction seen on fewer answers than this is flagged as a small sample."""
DEFAULT_VERBATIMS = 3
MIN_TOP_COMMENTS: Final = 3
"""A friction seen in fewer comments is listed but never reaches a top 3 (one or two
comments are an anecdote, not evidence)."""

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
_NON_WORD = re.compile(r"[\W_]+")


def parse_iso_week(label: str) -> tuple[int, int]:
    """``(year, week)`` of an ISO week label, or a :class:`ValueError`
    (:class:`~fluide.domain.date_range.OutOfRange` for a year outside the range).

    >>> parse_iso_week("2026-W53")
    (2026, 53)
    """
    m = _WEEK_RE.match(label)
    if m is None:
        raise ValueError(f"not an ISO week such as 2026-W47: {label!r}")
    year, week = int(m.group(1)), int(m.group(2))
    check_week_year(year, label)
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{label!r}: week {week} does not exist in {year}") from None
    return year, week


def iso_week_start(label: str) -> date:
    """The Monday of an ISO week.

    >>> iso_week_start("2026-W01")
    datetime.date(2025, 12, 29)
    """
    year, week = parse_iso_week(label)
    return date.fromisocalendar(year, week, 1)


def _week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def previous_iso_week(label: str) -> str:
    """The ISO week before ``label``, across years of 52 or 53 weeks.

    >>> previous_iso_week("2026-W01"), previous_iso_week("2027-W01")
    ('2025-W52', '2026-W53')
    """
    return _week_of(iso_week_start(label) - timedelta(days=7))


def two_weeks_bounds(label: str, tz: str) -> tuple[datetime, datetime]:
    """UTC instants from the local midnight starting the week before ``label`` to the
    one ending ``label``: the answers a week's frictions and their change need.

    >>> two_weeks_bounds("2026-W47", "Europe/Paris")[0].isoformat()
    '2026-11-08T23:00:00+00:00'
    """
    monday = iso_week_start(label)
    start, end = local_day_bounds(monday - timedelta(days=7), monday + timedelta(days=6), tz)
    assert start is not None and end is not None  # weeks of the range in date_range
    return start, end


@dataclass(frozen=True)
class TaggedAnswer:
    """One answer, as the frictions see it.

    ``effort_index`` is 100·(e − 1)/(k − 1) for the answer's own question, so
    answers on different scales compare. Answers without a comment have no
    tags but count in their touchpoint's weekly mean. ``count`` lets one row
    stand for several identical answers (a reader may group them; the latest
    ``responded_at`` is kept): every figure weighs the row by it.
    """

    touchpoint: str | None
    week: str
    effort_index: float
    tags: tuple[str, ...]
    comment: str | None
    responded_at: str
    score: int
    count: int = 1

    @property
    def has_comment(self) -> bool:
        return self.comment is not None and self.comment.strip() != ""


def canonical_order(answers: Iterable[TaggedAnswer]) -> list[TaggedAnswer]:
    """``answers`` in one fixed order, whatever order a database returned them in.

    Float sums depend on the order of their terms: sorting first makes every
    figure the same for the same answers, on SQLite as on PostgreSQL.

    >>> rows = [TaggedAnswer("b", "", 0.0, (), None, "2026-01-02", 1),
    ...         TaggedAnswer("a", "", 0.0, (), None, "2026-01-02", 1)]
    >>> [a.touchpoint for a in canonical_order(rows)]
    ['a', 'b']
    """
    return sorted(
        answers,
        key=lambda a: (
            a.responded_at,
            a.touchpoint or "",
            a.week,
            a.effort_index,
            a.score,
            a.count,
            a.tags,
            a.comment or "",
        ),
    )


def latest_week(answers: Iterable[TaggedAnswer]) -> str | None:
    """The latest ISO week with answers (``None`` when there are none).

    >>> latest_week([TaggedAnswer(None, "2026-W09", 0.0, (), None, "", 1),
    ...              TaggedAnswer(None, "2026-W10", 0.0, (), None, "", 1)])
    '2026-W10'
    """
    # Zero-padded labels sort in time order.
    return max((a.week for a in answers), default=None)


@dataclass(frozen=True)
class TagWeek:
    """One tag's figures in one week and scope."""

    volume: int
    mean_effort_index: float
    effort_gap: float

    @property
    def score(self) -> float:
        """The impact score: volume × effort gap."""
        return self.volume * self.effort_gap

    def to_json(self) -> dict[str, Any]:
        return {"volume": self.volume, "effort_gap": self.effort_gap, "score": self.score}


@dataclass(frozen=True)
class FrictionVerbatim:
    """A customer's comment, as written (never trusted as markup)."""

    comment: str
    score: int
    responded_at: str
    touchpoint: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "comment": self.comment,
            "score": self.score,
            "responded_at": self.responded_at,
            "touchpoint": self.touchpoint,
        }


@dataclass(frozen=True)
class Friction:
    """One of the week's top frictions (figures unrounded; renderers round)."""

    tag: str
    rank: int
    week: TagWeek
    share: float | None
    """Volume over the week's answers with a comment, 0–1, in the scope."""
    previous: TagWeek | None
    """The same tag in the previous week; ``None`` when it was not seen there."""
    small_sample: bool
    verbatims: tuple[FrictionVerbatim, ...]
    also_tags: tuple[str, ...] = ()
    """Tags carried by exactly the same answers of the week, merged into this one."""
    expected_gap: float | None = None
    """The effort gap pulled towards 0 by the evidence (:mod:`fluide.domain.friction_shrinkage`):
    what the week's ranking uses."""

    @property
    def expected_score(self) -> float | None:
        """Volume × expected gap: the figure the top 3 is ranked on."""
        return None if self.expected_gap is None else self.volume * self.expected_gap

    @property
    def volume(self) -> int:
        return self.week.volume

    @property
    def mean_effort_index(self) -> float:
        return self.week.mean_effort_index

    @property
    def effort_gap(self) -> float:
        return self.week.effort_gap

    @property
    def score(self) -> float:
        return self.week.score

    @property
    def change(self) -> tuple[int, float] | None:
        """``(volume, score)`` this week minus the previous week's."""
        if self.previous is None:
            return None
        return self.volume - self.previous.volume, self.score - self.previous.score

    def to_json(self) -> dict[str, Any]:
        change = self.change
        return {
            "tag": self.tag,
            "volume": self.volume,
            "share": self.share,
            "mean_effort_index": self.mean_effort_index,
            "effort_gap": self.effort_gap,
            "score": self.score,
            "rank": self.rank,
            "previous": None if self.previous is None else self.previous.to_json(),
            "change": None if change is None else {"volume": change[0], "score": change[1]},
            "small_sample": self.small_sample,
            "verbatims": [v.to_json() for v in self.verbatims],
            "also_tags": list(self.also_tags),
            "expected_gap": self.expected_gap,
            "expected_score": self.expected_score,
        }


def _same_answers(rows: Sequence[TaggedAnswer]) -> dict[str, tuple[str, ...]]:
    """Each tag that leads a set of answers → the other tags carried by exactly that set.

    The leader is the first by key; :func:`rank_frictions` only ranks leaders.
    """
    members: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        for tag in dict.fromkeys(r.tags):
            members.setdefault(tag, []).append(i)
    by_set: dict[tuple[int, ...], list[str]] = {}
    for tag, idx in sorted(members.items()):
        by_set.setdefault(tuple(idx), []).append(tag)
    return {tags[0]: tuple(tags[1:]) for tags in by_set.values()}


def _tag_weeks(rows: Sequence[TaggedAnswer]) -> dict[str, TagWeek]:
    """Every tag's figures among ``rows`` (one week, one scope).

    Each answer's gap is against its own touchpoint's mean of these rows.
    """
    totals: dict[str | None, tuple[int, float]] = {}
    for r in rows:
        n, s = totals.get(r.touchpoint, (0, 0.0))
        totals[r.touchpoint] = (n + r.count, s + r.count * r.effort_index)
    baseline = {tp: s / n for tp, (n, s) in totals.items() if n > 0}
    acc: dict[str, list[float]] = {}  # tag -> [volume, sum of index, sum of gaps]
    for r in rows:
        for tag in dict.fromkeys(r.tags):  # a tag counts once per answer
            a = acc.setdefault(tag, [0, 0.0, 0.0])
            a[0] += r.count
            a[1] += r.count * r.effort_index
            a[2] += r.count * (r.effort_index - baseline[r.touchpoint])
    return {tag: TagWeek(int(n), s / n, g / n) for tag, (n, s, g) in acc.items() if n > 0}


def same_text_key(text: str) -> str:
    """What two comments must share to be the same text: words, without case or accents.

    >>> same_text_key("Carte REFUSÉE !!") == same_text_key("carte refusée.")
    True
    """
    return " ".join(_NON_WORD.sub(" ", normalize(text)).split())


def _moment(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return float("-inf")


def representative_verbatims(
    rows: Iterable[TaggedAnswer], tag: str, limit: int = DEFAULT_VERBATIMS
) -> tuple[FrictionVerbatim, ...]:
    """Comments carrying ``tag``: highest effort first, then the most recent; distinct texts.

    Texts are compared by :func:`same_text_key` (case, accents, spaces and
    punctuation do not count), so the same complaint typed twice is shown once.

    >>> rows = [TaggedAnswer("payer", "2026-W47", e, ("payment",), c, t, 1) for e, c, t in [
    ...     (50.0, "Carte refusée", "2026-11-20T10:00:00+01:00"),
    ...     (100.0, "carte  REFUSÉE", "2026-11-18T10:00:00+01:00"),
    ...     (50.0, "Débité deux fois", "2026-11-21T10:00:00+01:00")]]
    >>> [v.comment for v in representative_verbatims(rows, "payment")]
    ['carte  REFUSÉE', 'Débité deux fois']
    """
    candidates = [r for r in rows if tag in r.tags and r.has_comment]
    candidates.sort(key=lambda r: (-r.effort_index, -_moment(r.responded_at), r.comment or ""))
    seen: set[str] = set()
    out: list[FrictionVerbatim] = []
    for r in candidates:
        key = same_text_key(r.comment or "")
        if key in seen:
            continue
        seen.add(key)
        out.append(FrictionVerbatim(r.comment or "", r.score, r.responded_at, r.touchpoint))
        if len(out) == limit:
            break
    return tuple(out)


def rank_frictions(
    answers: Sequence[TaggedAnswer],
    week: str,
    previous_week: str | None,
    touchpoint: str | None = None,
    top: int = DEFAULT_TOP,
    *,
    small_sample: int = DEFAULT_SMALL_VOLUME,
    verbatims: int = DEFAULT_VERBATIMS,
    min_comments: int = MIN_TOP_COMMENTS,
) -> list[Friction]:
    """The ``top`` frictions of ``week`` for ``touchpoint`` (``None``: the whole workspace).

    ``previous_week`` (usually :func:`previous_iso_week`) gives each friction
    last week's figures for the same tag; ``None`` skips the comparison.
    A friction seen on fewer than ``small_sample`` answers is flagged; one seen
    on fewer than ``min_comments`` is left out; tags carried by the same
    answers count once.
    """
    scoped = [
        a for a in canonical_order(answers) if touchpoint is None or a.touchpoint == touchpoint
    ]
    this = [a for a in scoped if a.week == week]
    figures = _tag_weeks(this)
    merged = _same_answers(this)
    before = _tag_weeks([a for a in scoped if a.week == previous_week]) if previous_week else {}
    commented = sum(a.count for a in this if a.has_comment)
    expected = _expected_gaps(this, figures)
    ranked = sorted(
        (
            tag
            for tag, f in figures.items()
            if f.effort_gap > 0 and f.volume >= min_comments and tag in merged
        ),
        key=lambda tag: (
            -figures[tag].volume * expected[tag],
            -figures[tag].score,
            -figures[tag].volume,
            tag,
        ),
    )[:top]
    return [
        Friction(
            tag=tag,
            rank=i,
            week=figures[tag],
            share=figures[tag].volume / commented if commented else None,
            previous=before.get(tag),
            small_sample=figures[tag].volume < small_sample,
            verbatims=representative_verbatims(this, tag, verbatims),
            also_tags=merged[tag],
            expected_gap=expected[tag],
        )
        for i, tag in enumerate(ranked, start=1)
    ]


def _expected_gaps(rows: Sequence[TaggedAnswer], figures: dict[str, TagWeek]) -> dict[str, float]:
    """Each tag's effort gap shrunk towards 0 by its evidence, the backlog's way: a gap
    seen on a few comments, or on scattered ones, counts for less than a steady one."""
    sums: dict[str, list[float]] = {}
    for r in rows:
        for tag in dict.fromkeys(r.tags):
            a = sums.setdefault(tag, [0.0, 0.0, 0.0])
            a[0] += r.count
            a[1] += r.count * r.effort_index
            a[2] += r.count * r.effort_index**2
    samples = []
    for tag, f in figures.items():
        n, s1, s2 = sums[tag]
        var = max(0.0, (s2 - s1 * s1 / n) / (n - 1)) if n >= 2 else None
        samples.append(GapSample(tag, f.volume, f.effort_gap, f.mean_effort_index, var))
    estimates = shrink_gaps(samples).estimates
    return {
        tag: estimates[tag].gap if tag in estimates else f.effort_gap for tag, f in figures.items()
    }


@dataclass(frozen=True)
class WeeklyFrictions:
    """The week's top frictions, workspace-wide and per touchpoint (the JSON ``frictions``)."""

    week: str
    previous_week: str
    overall: list[Friction]
    by_touchpoint: dict[str, list[Friction]]
    tagger: str
    """How the comments were tagged: ``model``, ``rules`` (the model could not load), or
    ``loading`` (the rules' tags while the worker loads the model)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "previous_week": self.previous_week,
            "overall": [f.to_json() for f in self.overall],
            "by_touchpoint": {
                tp: [f.to_json() for f in rows] for tp, rows in self.by_touchpoint.items()
            },
            "tagger": self.tagger,
        }


def weekly_frictions(
    answers: Sequence[TaggedAnswer],
    week: str,
    *,
    tagger: str,
    top: int = DEFAULT_TOP,
    small_sample: int = DEFAULT_SMALL_VOLUME,
    verbatims: int = DEFAULT_VERBATIMS,
    min_comments: int = MIN_TOP_COMMENTS,
) -> WeeklyFrictions:
    """:func:`rank_frictions` workspace-wide and for each touchpoint with answers in ``week``.

    Touchpoints are listed by name; answers without a touchpoint count
    workspace-wide only (against their own mean), having no touchpoint to list.

    >>> rows = [TaggedAnswer("payer", "2026-W01", 50.0, ("payment",), "Refusé", "", 4, 3),
    ...         TaggedAnswer("payer", "2026-W01", 0.0, (), None, "", 7)]
    >>> w = weekly_frictions(rows, "2026-W01", tagger="rules")
    >>> w.previous_week, [f.tag for f in w.by_touchpoint["payer"]]
    ('2025-W52', ['payment'])
    """
    previous = previous_iso_week(week)
    kwargs: dict[str, Any] = {
        "top": top,
        "small_sample": small_sample,
        "verbatims": verbatims,
        "min_comments": min_comments,
    }
    by_tp: dict[str, list[TaggedAnswer]] = {}
    for a in answers:
        if a.touchpoint is not None and a.week in (week, previous):
            by_tp.setdefault(a.touchpoint, []).append(a)
    return WeeklyFrictions(
        week=week,
        previous_week=previous,
        overall=rank_frictions(answers, week, previous, **kwargs),
        by_touchpoint={
            tp: rank_frictions(rows, week, previous, tp, **kwargs)
            for tp, rows in sorted(by_tp.items())
            if any(a.week == week for a in rows)
        },
        tagger=tagger,
    )
