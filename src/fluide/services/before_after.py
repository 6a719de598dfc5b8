"""The before/after of a delivered action: the touchpoint's answers around the date.

The ``window_days`` days before the delivery date against the delivery day
and the days after it (cut at now), in the workspace's time zone, as
``fluide compare`` splits them. The difference, its bootstrap interval, the
Mann–Whitney p-value and Cliff's delta come from
:func:`fluide.domain.compare.compare`; the verdict is read from the
interval, in the direction the question's polarity says is better.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from fluide.domain import before_after as ba
from fluide.domain.compare import Side, compare
from fluide.domain.metrics import Block, summarize, summarize_effort_index
from fluide.domain.scales import Polarity, Question
from fluide.serialize import scale_json
from fluide.services.tags import resolve
from fluide.storage import actions as store
from fluide.storage import repo
from fluide.storage import verbatims as verbatim_store
from fluide.storage.models import QuestionVersion, Tag, Touchpoint, Workspace
from fluide.storage.questions import question_of
from fluide.storage.verbatims import AnswerRow


class Evidence:
    """Reads one workspace's answers, question versions and tags for before/afters."""

    def __init__(
        self, s: Session, ws: Workspace, now: datetime, window_days: int, tags: Mapping[str, Tag]
    ) -> None:
        self.s, self.ws, self.now, self.days = s, ws, now, window_days
        self.zone = ZoneInfo(ws.timezone)
        self.today = now.astimezone(self.zone).date()
        self.tags = dict(tags)
        self._versions: dict[str, dict[str, QuestionVersion]] = {}

    def versions(self, touchpoint_id: str) -> dict[str, QuestionVersion]:
        if touchpoint_id not in self._versions:
            self._versions[touchpoint_id] = {
                v.id: v for v in repo.versions(self.s, self.ws.id, touchpoint_id)
            }
        return self._versions[touchpoint_id]

    def midnight(self, d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=self.zone)

    def of(self, tp: Touchpoint, delivered_on: date, tag: str | None) -> dict[str, Any]:
        """The before/after of a fix delivered on ``delivered_on`` at ``tp``."""
        w = ba.windows(delivered_on, self.today, self.days)
        split = self.midnight(delivered_on)
        end = min(self.midnight(delivered_on + timedelta(days=self.days)), self.now)
        rows = verbatim_store.answers_between(
            self.s, self.ws.id, self.midnight(w.before.start), max(split, end), tp.id
        )
        sides = (
            [r for r in rows if r.responded_at < split],
            [r for r in rows if r.responded_at >= split],
        )
        versions = self.versions(tp.id)
        used = [_used(side, versions) for side in sides]
        seen = sorted({v.number: v for side in used for v in side}.values(), key=_number)
        changed = ba.question_changed(ba.Asked(v.question, v.scale, v.polarity) for v in seen)
        # The question the after side asked (what customers see now) sets the direction.
        latest = (used[1] or used[0] or [versions[str(tp.current_version_id)]])[-1]
        q = question_of(latest)
        blocks, diff = _compare(q, sides, used, changed)
        why = ba.reason(after=w.after, n_before=blocks[0].n, n_after=blocks[1].n, changed=changed)
        lower_is_better = q.polarity is Polarity.EFFORT
        ci = diff["ci"] if diff is not None else None
        verdict = None
        if why is None and ci is not None:
            verdict = ba.verdict((ci[0], ci[1]), lower_is_better=lower_is_better)
        return {
            "comparable": why is None,
            "reason": why,
            "window_days": self.days,
            "tz": self.ws.timezone,
            # Raw means are read on one scale only; otherwise the effort index (0–100).
            "metric": "mean" if len({(v.scale, v.polarity) for v in seen}) <= 1 else "effort_index",
            "min_answers": ba.MIN_ANSWERS,
            "before": _block_json(blocks[0], w.before, used[0]),
            "after": _block_json(blocks[1], w.after, used[1]),
            "difference": diff or dict.fromkeys(_DIFF_KEYS),
            "verdict": verdict,
            "improved": None if verdict is None else verdict == "improved",
            "tag_share": self.tag_share(tag, sides),
            "scale": scale_json(q, [str(v.number) for v in seen]),
            "lower_is_better": lower_is_better,
        }

    def tag_share(
        self, key: str | None, sides: Sequence[Sequence[AnswerRow]]
    ) -> dict[str, Any] | None:
        if key is None:
            return None
        # Merging moves a tag's verbatims to the other tag: count them where they went.
        target = resolve(self.tags, key)
        counted = target.key if target is not None else key
        commented = [[r.response_id for r in side if r.has_comment] for side in sides]
        tags = store.comment_tags(self.s, self.ws.id, [rid for ids in commented for rid in ids])
        tagged = [[t for rid in ids if (t := tags.get(rid)) is not None] for ids in commented]
        return {
            "tag": counted,
            "before": ba.tag_share(tagged[0], counted),
            "after": ba.tag_share(tagged[1], counted),
            "n_before": len(tagged[0]),
            "n_after": len(tagged[1]),
            # Comments the tagger has not read yet are left out of both shares.
            "pending": sum(len(ids) for ids in commented) - sum(len(t) for t in tagged),
        }


_DIFF_KEYS: Final = ("value", "ci", "p_value", "cliffs_delta", "effect")


def _number(v: QuestionVersion) -> int:
    return v.number


def _used(
    rows: Sequence[AnswerRow], versions: Mapping[str, QuestionVersion]
) -> list[QuestionVersion]:
    """The question versions answered on one side, oldest first."""
    return sorted({versions[r.version_id] for r in rows}, key=_number)


def _counts(q: Question, rows: Sequence[AnswerRow]) -> np.ndarray:
    return np.bincount([r.score - 1 for r in rows], minlength=q.k).astype(np.int64)[: q.k]


def _side_block(q: Question, rows: Sequence[AnswerRow], used: Sequence[QuestionVersion]) -> Block:
    """One side on its own question; pooled on the effort index if it mixes scales."""
    questions = {v.id: question_of(v) for v in used}
    if len({qq.key for qq in questions.values()}) <= 1:
        own = questions[used[-1].id] if used else q
        return summarize(_counts(own, rows), own)
    parts = [
        (questions[v.id], _counts(questions[v.id], [r for r in rows if r.version_id == v.id]))
        for v in used
    ]
    return summarize_effort_index(parts)


def _compare(
    q: Question,
    sides: tuple[list[AnswerRow], list[AnswerRow]],
    used: Sequence[Sequence[QuestionVersion]],
    changed: bool,
) -> tuple[tuple[Block, Block], dict[str, Any] | None]:
    """Both blocks, and the difference when the same question was asked on both sides."""
    if changed:
        return (_side_block(q, sides[0], used[0]), _side_block(q, sides[1], used[1])), None
    c = compare(
        Side(q, _counts(q, sides[0]), frozenset(str(v.number) for v in used[0])),
        Side(q, _counts(q, sides[1]), frozenset(str(v.number) for v in used[1])),
    )
    if c.diff_mean is None:
        return (c.before, c.after), None
    return (c.before, c.after), {
        "value": c.diff_mean,
        "ci": list(c.diff_ci95) if c.diff_ci95 else None,
        "p_value": c.p_value,
        "cliffs_delta": c.cliffs_delta,
        "effect": ba.effect_size(c.cliffs_delta),
    }


def _block_json(b: Block, w: ba.Window, used: Sequence[QuestionVersion]) -> dict[str, Any]:
    scales = {v.scale for v in used}
    return {
        "n": b.n,
        "mean": b.mean,
        "ci": list(b.ci95) if b.ci95 else None,
        "start": w.start.isoformat(),
        "end": w.end.isoformat() if w.days else None,
        "days": w.days,
        "complete": w.complete,
        "effort_index": b.effort_index,
        "effort_index_ci": list(b.effort_index_ci95) if b.effort_index_ci95 else None,
        "small_sample": b.small_sample,
        "scale": scales.pop() if len(scales) == 1 else None,
        "question_versions": [v.number for v in used],
    }
