"""Queries of friction tags: the workspace's tags, their examples, its tagger version.

Every function takes the workspace and filters on it. The tagging queue is
the ``verbatim_states`` table: a comment waiting for (re-)tagging is a
``pending`` row, found by one indexed query; every change of a row bumps its
``revision``, so a worker stores its tags only if nothing changed while it
was predicting (a correction, a new taxonomy, a new comment).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVarTuple

from sqlalchemy import (
    CursorResult,
    delete,
    func,
    select,
    update,
)
from sqlalchemy import insert as insert_rows
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fluide.domain.taxonomy import Taxonomy
from fluide.storage.models import (
    ResponseTag,
    Tag,
    TagExample,
    TaggerState,
)
from fluide.storage.types import new_id, utcnow

Ts = TypeVarTuple("Ts")
PENDING, DONE = "pending", "done"
WAKE = "fluide.tagging"
"""``Session.info`` key set when a transaction leaves work for the tagging worker."""


def _changed(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _wake(s: Session) -> None:
    s.info[WAKE] = True


# --- Tagger state and the workspace's tags -------------------------------------------------


def tagger_state(s: Session, ws: str) -> TaggerState | None:
    return s.get(TaggerState, ws, populate_existing=True)


def seed(s: Session, ws: str, taxonomy: Taxonomy) -> bool:
    """Give the workspace ``taxonomy`` (tags and example phrases) unless it has its tags.

    Safe when two transactions try at once: the tagger state row is inserted
    with ``ON CONFLICT DO NOTHING`` first, and only its inserter seeds.
    """
    dialect = s.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    inserted = s.execute(
        insert(TaggerState)
        .values(workspace_id=ws, version=1, updated_at=now)
        .on_conflict_do_nothing(index_elements=["workspace_id"])
        .returning(TaggerState.workspace_id)
    ).first()
    if inserted is None:
        return False
    # Hundreds of rows: one executemany per table, not an ORM object per row.
    s.execute(
        insert_rows(Tag),
        [
            {
                "id": new_id("tag"),
                "workspace_id": ws,
                "key": t.key,
                "names": dict(t.names),
                "definitions": dict(t.definitions),
                "keywords": list(t.keywords),
                "position": i,
                "active": True,
                "merged_into": None,
                "created_at": now,
                "updated_at": now,
            }
            for i, t in enumerate(taxonomy.tags)
        ],
    )
    examples = [(text, [t.key]) for t in taxonomy.tags for text in t.examples]
    examples += [(text, []) for text in taxonomy.none_examples]  # teach when to say nothing
    s.execute(
        insert_rows(TagExample),
        [
            {
                "id": new_id("tex"),
                "workspace_id": ws,
                "text": text,
                "tags": tags,
                "human": False,
                "response_id": None,
                "created_at": now,
                "created_by": "default",
            }
            for text, tags in examples
        ],
    )
    s.flush()
    return True


def bump_version(s: Session, ws: str) -> int:
    """The workspace's tagger version, plus one (every taxonomy change or correction)."""
    s.execute(
        update(TaggerState)
        .where(TaggerState.workspace_id == ws)
        .values(version=TaggerState.version + 1, updated_at=utcnow())
    )
    version = s.execute(
        select(TaggerState.version).where(TaggerState.workspace_id == ws)
    ).scalar_one()
    return int(version)


def tags(s: Session, ws: str) -> list[Tag]:
    """Every tag, merged ones included, in display order."""
    return list(
        s.execute(
            select(Tag).where(Tag.workspace_id == ws).order_by(Tag.position, Tag.key)
        ).scalars()
    )


def tag_by_key(s: Session, ws: str, key: str) -> Tag | None:
    return s.execute(select(Tag).where(Tag.workspace_id == ws, Tag.key == key)).scalar_one_or_none()


def next_position(s: Session, ws: str) -> int:
    top = s.execute(select(func.max(Tag.position)).where(Tag.workspace_id == ws)).scalar()
    return 0 if top is None else int(top) + 1


def tag_usage(s: Session, ws: str) -> dict[str, int]:
    """How many verbatims carry each tag."""
    rows = s.execute(
        select(ResponseTag.tag, func.count())
        .where(ResponseTag.workspace_id == ws)
        .group_by(ResponseTag.tag)
    ).all()
    return {str(k): int(n) for k, n in rows}


def examples(s: Session, ws: str) -> list[TagExample]:
    return list(
        s.execute(
            select(TagExample)
            .where(TagExample.workspace_id == ws)
            .order_by(TagExample.created_at, TagExample.id)
        ).scalars()
    )


def add_example(
    s: Session, ws: str, text: str, keys: Sequence[str], created_by: str | None
) -> TagExample:
    row = TagExample(
        id=new_id("tex"),
        workspace_id=ws,
        text=text,
        tags=list(dict.fromkeys(keys)),
        human=False,
        created_by=created_by,
        created_at=utcnow(),
    )
    s.add(row)
    s.flush()
    return row


def record_correction(
    s: Session, ws: str, response_id: str, text: str, keys: Sequence[str]
) -> None:
    """A person's tags for a verbatim, kept as a training example that wins on its text."""
    row = s.execute(
        select(TagExample).where(
            TagExample.workspace_id == ws, TagExample.response_id == response_id
        )
    ).scalar_one_or_none()
    if row is None:
        s.add(
            TagExample(
                id=new_id("tex"),
                workspace_id=ws,
                text=text,
                tags=list(keys),
                human=True,
                response_id=response_id,
                created_by="correction",
                created_at=utcnow(),
            )
        )
    else:
        row.text, row.tags, row.created_at = text, list(keys), utcnow()
    s.flush()


def merge(s: Session, ws: str, source: Tag, target: Tag) -> int:
    """Move ``source``'s verbatims and examples to ``target``; keep ``source`` as a record.

    Returns how many verbatims moved (those already carrying ``target`` just
    lose ``source``).
    """
    has_target = (
        select(ResponseTag.response_id)
        .where(ResponseTag.workspace_id == ws, ResponseTag.tag == target.key)
        .scalar_subquery()
    )
    s.execute(
        delete(ResponseTag).where(
            ResponseTag.workspace_id == ws,
            ResponseTag.tag == source.key,
            ResponseTag.response_id.in_(has_target),
        )
    )
    moved = _changed(
        s.execute(
            update(ResponseTag)
            .where(ResponseTag.workspace_id == ws, ResponseTag.tag == source.key)
            .values(tag=target.key)
        )
    )
    for ex in examples(s, ws):
        if source.key in ex.tags:
            ex.tags = list(dict.fromkeys(target.key if k == source.key else k for k in ex.tags))
    now = utcnow()
    # Tags merged into the source earlier now point where it went.
    s.execute(
        update(Tag)
        .where(Tag.workspace_id == ws, Tag.merged_into == source.key)
        .values(merged_into=target.key, updated_at=now)
    )
    source.active, source.merged_into, source.updated_at = False, target.key, now
    s.flush()
    return moved
