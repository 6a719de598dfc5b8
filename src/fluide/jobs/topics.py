"""Emerging topics: recent comments no tag covers, clustered on their stored embeddings.

Run by the worker when a workspace asks for it (``POST /v1/topics/refresh``).
It reads embeddings the tagging job stored, so it never loads the model.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.taxonomy import KEY_RE
from fluide.domain.topics import find_topics
from fluide.services.verbatims import effort_group, effort_index
from fluide.storage import tags as store
from fluide.storage import topics as topic_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.db import write_session
from fluide.storage.models import Topic, Workspace
from fluide.storage.types import new_id, utcnow

WEEKS = 8
"""How far back topics look."""
COVERED = 0.5
"""A verbatim whose best model score reaches this is covered by a tag."""
MIN_CLUSTER = 5
OVERLAP = 0.5
"""An open topic sharing this much of its members with a dismissed one is not shown again."""


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def refresh_topics(
    factory: sessionmaker[Session],
    workspace_id: str,
    *,
    now: datetime | None = None,
    weeks: int = WEEKS,
    min_cluster_size: int = MIN_CLUSTER,
    lang: str = "fr",
) -> int:
    """Replace the workspace's open topics with those of the last ``weeks``; how many."""
    started = now or utcnow()
    with factory() as s:
        if s.get(Workspace, workspace_id) is None:
            return 0
        rows = [
            r
            for r in verbatim_store.uncovered_since(
                s, workspace_id, started - timedelta(weeks=weeks), COVERED
            )
            # A topic is a candidate friction: praise ("rapide et simple") is uncovered
            # by design, so answers of the low-effort group stay out of the clustering.
            if effort_group(r.scale, r.polarity, r.score) != "low"
        ]
        dismissed = [set(t.member_ids) for t in topic_store.topics(s, workspace_id, "dismissed")]
        taken = {t.key for t in store.tags(s, workspace_id)}
    found = []
    if len(rows) >= min_cluster_size:
        x = np.vstack([np.frombuffer(r.embedding, dtype=np.float32) for r in rows])
        efforts = [effort_index(r.scale, r.polarity, r.score) for r in rows]
        found = find_topics(
            [r.comment for r in rows], x, efforts, min_cluster_size=min_cluster_size, lang=lang
        )
    new: list[Topic] = []
    for t in found:
        members = [rows[i].response_id for i in t.members]
        if any(_jaccard(set(members), d) >= OVERLAP for d in dismissed):
            continue
        by_text: dict[str, str] = {}
        for i in t.members:
            by_text.setdefault(rows[i].comment, rows[i].response_id)
        key = t.tag_key if KEY_RE.match(t.tag_key) else "topic"
        suggested, n = key, 2
        while suggested in taken:
            suffix = f"_{n}"
            suggested, n = key[: 40 - len(suffix)] + suffix, n + 1
        taken.add(suggested)
        new.append(
            Topic(
                id=new_id("top"),
                workspace_id=workspace_id,
                computed_at=started,
                label=(t.name or suggested)[:300],
                words=list(t.words),
                suggested_key=suggested,
                size=t.size,
                mean_effort_index=t.mean_effort_index,
                member_ids=members,
                representative_ids=[by_text[text] for text in t.texts if text in by_text],
                status="open",
            )
        )
    with write_session(factory) as s:
        topic_store.replace_open_topics(s, workspace_id, new, started)
    return len(new)
