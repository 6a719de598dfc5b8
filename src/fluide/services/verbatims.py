"""Verbatims: the comments customers wrote, searchable, filterable, with their tags.

A person may correct a verbatim's tags (``PUT /v1/verbatims/{id}/tags``):
their tags replace the machine's and are never overwritten; the correction
becomes a training example, the workspace's tagger version moves on and its
machine-tagged verbatims are queued again, so the worker's next pass learns
from it. Comments are customer-written text: returned as plain JSON strings
(or CSV cells), never as markup.
"""

from __future__ import annotations

import base64
import binascii
import csv
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.date_range import check_day
from fluide.domain.periods import local_day_bounds
from fluide.domain.scales import Question, polarity_by_key, scale_by_key
from fluide.domain.taxonomy import MAX_TAGS, normalize
from fluide.i18n import N_
from fluide.inputs.requests import Day, Input
from fluide.services.errors import invalid, not_found
from fluide.services.tags import TagKey, ensure_seeded, resolve, unknown_tag
from fluide.services.touchpoints import touchpoint_id_of
from fluide.storage import tags as store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.db import write_session
from fluide.storage.models import Workspace

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@functools.cache
def _question(scale: str, polarity: str) -> Question:
    return Question(scale_by_key(scale), polarity_by_key(polarity))


def effort_index(scale: str, polarity: str, score: int) -> float:
    """100·(e − 1)/(k − 1) of one answer on its own question (0 = no effort).

    >>> effort_index("1-7", "ease", 7), effort_index("1-5", "effort", 5)
    (0.0, 100.0)
    """
    q = _question(scale, polarity)
    return q.effort_index_of(score)


def effort_group(scale: str, polarity: str, score: int) -> str:
    """``low``, ``moderate`` or ``high``: the answer's effort group on its scale's default cut.

    >>> effort_group("1-7", "ease", 7), effort_group("1-7", "ease", 2)
    ('low', 'high')
    """
    return _question(scale, polarity).group_of(score)


@dataclass(frozen=True)
class VerbatimQuery:
    """Filters of ``GET /v1/verbatims`` (``start``/``end``: local dates, inclusive)."""

    q: str | None = None
    tag: str | None = None
    touchpoint: str | None = None
    score: int | None = None
    min_score: int | None = None
    max_score: int | None = None
    start: date | None = None
    end: date | None = None
    untagged: bool | None = None


class FilterIn(Input):
    """The filters of ``GET /v1/verbatims``, as a JSON object."""

    q: Annotated[str, StringConstraints(max_length=200)] | None = None
    tag: TagKey | None = None
    touchpoint: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,99}$")] | None = (
        None
    )
    score: int | None = Field(default=None, ge=0, le=10)
    min_score: int | None = Field(default=None, ge=0, le=10)
    max_score: int | None = Field(default=None, ge=0, le=10)
    start: Day | None = Field(default=None, alias="from")
    end: Day | None = Field(default=None, alias="to")
    untagged: bool | None = None

    def query(self) -> VerbatimQuery:
        return VerbatimQuery(
            self.q,
            self.tag,
            self.touchpoint,
            self.score,
            self.min_score,
            self.max_score,
            self.start,
            self.end,
            self.untagged,
        )


class TagsIn(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"tags": ["payment", "delay"]}]}
    )
    tags: Annotated[list[TagKey], Field(max_length=MAX_TAGS)]


class RetagIn(Input):
    """Queue verbatims for tagging again: by ``ids``, or by ``filter`` (``{}``: all)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"filter": {"tag": "payment", "from": "2026-11-01"}}, {"ids": ["rsp_…"]}]
        },
    )
    ids: (
        Annotated[
            list[Annotated[str, StringConstraints(min_length=1, max_length=40)]],
            Field(min_length=1, max_length=1000),
        ]
        | None
    ) = None
    filter: FilterIn | None = None

    @model_validator(mode="after")
    def _one_of(self) -> RetagIn:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give either ids or filter (an empty filter {} means every verbatim)")
        return self


# --- Reading --------------------------------------------------------------------------------


def _cursor(at: datetime, response_id: str) -> str:
    raw = f"{at.isoformat()}|{response_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, response_id = raw.split("|", 1)
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None or not response_id:
            raise ValueError(raw)
        check_day(moment.date())  # a forged year 1 or 9999 would overflow in UTC
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid(
            "cursor",
            N_("This cursor is not valid: pass the next_cursor of the previous page as it is."),
        ) from None
    return moment, response_id


def _filter(s: Session, ws: Workspace, query: VerbatimQuery) -> verbatim_store.VerbatimFilter:
    """The storage filter of ``query``: names resolved, dates made instants."""
    touchpoint_id = touchpoint_id_of(s, ws.id, query.touchpoint)
    tag = None
    if query.tag is not None:
        found = resolve({t.key: t for t in store.tags(s, ws.id)}, query.tag)
        if found is None:
            raise unknown_tag(query.tag)
        tag = found.key
    if (
        query.min_score is not None
        and query.max_score is not None
        and query.min_score > query.max_score
    ):
        raise invalid(
            "min_score",
            N_("min_score (%(low)s) is above max_score (%(high)s)."),
            low=query.min_score,
            high=query.max_score,
        )
    if query.start is not None and query.end is not None and query.start > query.end:
        raise invalid(
            "from",
            N_("The period starts after it ends: from %(start)s is after to %(end)s."),
            start=query.start.isoformat(),
            end=query.end.isoformat(),
        )
    start, end = local_day_bounds(query.start, query.end, ws.timezone)
    text = normalize(query.q) if query.q else None
    return verbatim_store.VerbatimFilter(
        q=text or None,
        tag=tag,
        touchpoint_id=touchpoint_id,
        score=query.score,
        min_score=query.min_score,
        max_score=query.max_score,
        start=start,
        end=end,
        untagged=query.untagged,
    )


def _json(
    row: verbatim_store.VerbatimRow, tags: Sequence[tuple[str, str, float]], zone: ZoneInfo
) -> dict[str, Any]:
    return {
        "id": row.response_id,
        "touchpoint": row.touchpoint,
        "score": row.score,
        "effort_index": effort_index(row.scale, row.polarity, row.score),
        "comment": row.comment,
        "responded_at": row.responded_at.astimezone(zone).isoformat(),
        "channel": row.channel,
        "outcome": row.outcome,
        "tags": [{"key": k, "source": src, "confidence": conf} for k, src, conf in tags],
        "tagging": row.status,
    }


def list_verbatims(
    factory: sessionmaker[Session],
    ws: Workspace,
    query: VerbatimQuery,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """``{"verbatims": [...], "next_cursor"}``: newest first, ``limit`` per page."""
    after = _after(cursor)
    zone = ZoneInfo(ws.timezone)
    with factory() as s:
        f = _filter(s, ws, query)
        rows = verbatim_store.verbatims(s, ws.id, f, limit + 1, after)
        page, more = rows[:limit], len(rows) > limit
        tags = verbatim_store.tags_of(s, ws.id, [r.response_id for r in page])
    last = page[-1] if page else None
    return {
        "verbatims": [_json(r, tags.get(r.response_id, []), zone) for r in page],
        "next_cursor": _cursor(last.responded_at, last.response_id) if more and last else None,
    }


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA) else text


def to_csv(page: dict[str, Any]) -> str:
    """A page of verbatims as CSV (tags joined by ``|``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "id",
            "responded_at",
            "touchpoint",
            "score",
            "effort_index",
            "comment",
            "tags",
            "channel",
            "outcome",
        ]
    )
    for v in page["verbatims"]:
        w.writerow(
            _cell(x)
            for x in (
                v["id"],
                v["responded_at"],
                v["touchpoint"],
                v["score"],
                round(v["effort_index"], 1),
                v["comment"],
                "|".join(t["key"] for t in v["tags"]),
                v["channel"],
                v["outcome"],
            )
        )
    return buf.getvalue()


def get_verbatim(factory: sessionmaker[Session], ws: Workspace, response_id: str) -> dict[str, Any]:
    with factory() as s:
        rows = verbatim_store.verbatims(
            s, ws.id, verbatim_store.VerbatimFilter(response_ids=[response_id]), 1, None
        )
        if not rows:
            raise _no_verbatim(response_id)
        tags = verbatim_store.tags_of(s, ws.id, [response_id])
    return _json(rows[0], tags.get(response_id, []), ZoneInfo(ws.timezone))


def _no_verbatim(response_id: str) -> Exception:
    return not_found("No verbatim %(value)s in this workspace.", response_id)


# --- Corrections and re-tagging -------------------------------------------------------------


def correct(
    factory: sessionmaker[Session], ws: Workspace, response_id: str, keys: Sequence[str]
) -> dict[str, Any]:
    """A person's tags for one verbatim (``[]``: no tag fits); the tagger learns from it."""
    ensure_seeded(factory, ws.id)
    with write_session(factory) as s:
        state = queue_store.state_of(s, ws.id, response_id)
        if state is None:
            raise _no_verbatim(response_id)
        by_key = {t.key: t for t in store.tags(s, ws.id)}
        chosen: list[str] = []
        for i, key in enumerate(keys):
            tag = resolve(by_key, key)
            if tag is None or not tag.active:
                raise invalid(
                    f"tags.{i}",
                    N_("Unknown tag %(value)s: create it first with POST /v1/tags."),
                    value=key,
                )
            if tag.key not in chosen:
                chosen.append(tag.key)
        text = verbatim_store.comments_of(s, ws.id, [response_id]).get(response_id, "")
        version = store.bump_version(s, ws.id)
        queue_store.set_human_tags(s, ws.id, response_id, chosen, version)
        store.record_correction(s, ws.id, response_id, text, chosen)
        queue_store.mark_stale(s, ws.id)
    return get_verbatim(factory, ws, response_id)


def retag(factory: sessionmaker[Session], ws: Workspace, body: RetagIn) -> dict[str, Any]:
    """Queue verbatims for tagging again; a person's tags are kept (``kept_human``)."""
    with write_session(factory) as s:
        if body.ids is not None:
            ids = list(dict.fromkeys(body.ids))
        else:
            assert body.filter is not None
            ids = verbatim_store.matching_ids(s, ws.id, _filter(s, ws, body.filter.query()))
        queued, kept = queue_store.mark_ids_pending(s, ws.id, ids)
    return {"queued": queued, "kept_human": kept}


def tagging_status(factory: sessionmaker[Session], ws: str) -> dict[str, Any]:
    with factory() as s:
        return {"pending": queue_store.pending_count(s, ws)}
