"""The topics job: recent comments no tag covers, clustered on their stored embeddings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.jobs.topics import refresh_topics
from fluide.services import topics as service
from fluide.services.tags import ensure_seeded
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.verbatims import PARCEL, answer, embed_as, two_themes


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def test_uncovered_comments_are_clustered_into_named_topics(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    parcel, english = two_themes(f, settings, workspace.id)
    assert refresh_topics(f, workspace.id) == 2
    topics = service.list_topics(f, workspace.id)["topics"]
    by_key = {t["suggested_key"]: t for t in topics}
    first = topics[0]  # size × effort: the parcels are harder (score 2 vs 5)
    assert sorted(first["member_ids"]) == sorted(parcel)
    assert first["size"] == 6 and first["mean_effort_index"] == pytest.approx(500 / 6)
    assert len(first["verbatims"]) == 3 and first["verbatims"][0]["comment"] in PARCEL
    assert first["status"] == "open" and first["label"]
    assert sorted(topics[1]["member_ids"]) == sorted(english)
    assert all(k and k[0].isalpha() for k in by_key)


def test_covered_or_old_comments_make_no_topic(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    two_themes(f, settings, workspace.id, at=datetime.now(UTC) - timedelta(weeks=9))
    assert refresh_topics(f, workspace.id) == 0
    other = create_workspace(f, "Autre")
    ensure_seeded(f, other.id)
    ids = answer(f, settings, other.id, [(2, t) for t in PARCEL])
    v = np.zeros(384)
    v[0] = 1.0
    # The model is sure of a tag. (Without the tag, no tag covers them: six alike
    # comments are then a topic, HDBSCAN's single cluster.)
    embed_as(f, other.id, dict.fromkeys(ids, v), 0.9, "payment")
    assert refresh_topics(f, other.id) == 0
