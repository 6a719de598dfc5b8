"""The tagging job: pending comments get tags and an embedding, in batches (both databases).

A fast stand-in embedder (words hashed) keeps these tests quick; what the real
model learns from corrections is tested in tests/services/test_verbatims.py.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.jobs import tagging
from fluide.services import tags as tag_service
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import tags as store
from fluide.storage import topics as topic_store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.db import write_session
from fluide.storage.models import VerbatimState
from fluide.tagging import rules
from tests.verbatims import WordsEmbedder, answer


def factory_of(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def test_pending_comments_get_tags_and_an_embedding(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    fake = WordsEmbedder()
    [refused] = answer(
        f, settings, workspace.id, [(1, "Ma carte a été refusée au moment de payer")]
    )
    assert tagging.tag_pending(f, settings, embedder=lambda: fake) == 1
    with f() as s:
        state = s.get_one(VerbatimState, refused)
        assert state.status == "done" and state.tagger_version == 1
        assert state.embedding is not None and len(state.embedding) == 384 * 4
        tags = verbatim_store.tags_of(s, workspace.id, [refused])[refused]
    assert tags[0][0] == "payment" and tags[0][1] in ("model", "rule")
    assert tagging.tag_pending(f, settings, embedder=lambda: fake) == 0


def test_a_bulk_import_is_tagged_progressively_64_at_a_time(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    answer(f, settings, workspace.id, [(2, f"Commentaire numéro {i}") for i in range(70)])
    fake = WordsEmbedder()
    seen: list[int] = []
    assert tagging.drain(f, settings, embedder=lambda: fake, progress=seen.append) == 70
    assert seen == [64, 70]
    with f() as s:
        assert queue_store.pending_count(s, workspace.id) == 0


def test_the_trained_tagger_is_kept_until_the_workspace_changes_it(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    fake = WordsEmbedder()
    version, first = tagging.workspace_tagger(f, workspace.id, fake)
    again = tagging.workspace_tagger(f, workspace.id, fake)
    assert again == (version, first)
    tag_service.add_examples(
        f, workspace.id, "payment", tag_service.ExamplesIn(examples=["Prélevé deux fois"])
    )
    newer, retrained = tagging.workspace_tagger(f, workspace.id, fake)
    assert newer == version + 1 and retrained is not first


def test_workspaces_on_the_same_tags_share_one_trained_tagger_until_one_is_taught(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    fake = WordsEmbedder()
    other = create_workspace(f, "Atelier")
    _, first = tagging.workspace_tagger(f, workspace.id, fake)
    _, shared = tagging.workspace_tagger(f, other.id, fake)
    assert shared is first  # trained once for both
    tag_service.add_examples(
        f,
        other.id,
        "payment",
        tag_service.ExamplesIn(examples=["Le terminal a refusé ma carte violette"]),
    )
    _, taught = tagging.workspace_tagger(f, other.id, fake)
    _, untaught = tagging.workspace_tagger(f, workspace.id, fake)
    assert taught is not first and untaught is first
    assert "Le terminal a refusé ma carte violette" in repr(taught.taxonomy)
    assert "Le terminal a refusé ma carte violette" not in repr(untaught.taxonomy)
    # Another model never reuses a tagger trained with this one.
    assert tagging.workspace_tagger(f, workspace.id, WordsEmbedder())[1] is not first


def test_without_the_model_keyword_rules_still_tag(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    [rid] = answer(f, settings, workspace.id, [(1, "Plus d'internet depuis hier soir")])
    assert tagging.tag_pending(f, settings, embedder=lambda: None) == 1
    with f() as s:
        state = s.get_one(VerbatimState, rid)
        # Marked as the rules' tags: the model tags it again once a worker has it.
        assert state.status == "rules" and state.embedding is None
        # "depuis hier" also reads as a wait: outage comes with delay.
        assert ("outage", "rule") in [
            t[:2] for t in verbatim_store.tags_of(s, workspace.id, [rid])[rid]
        ]


def test_a_stored_keyword_re2_cannot_take_is_skipped_and_every_workspace_is_tagged(
    app: FastAPI,
    settings: Settings,
    workspace: NewWorkspace,
    caplog: pytest.LogCaptureFixture,
) -> None:
    f = factory_of(app)
    other = create_workspace(f, "Autre")
    [mine] = answer(f, settings, workspace.id, [(1, "Ma carte a été refusée au paiement")])
    [theirs] = answer(f, settings, other.id, [(1, "Plus d'internet depuis hier soir")])
    tag_service.ensure_seeded(f, workspace.id)
    with write_session(f) as s:  # stored before keywords were checked as they are now
        tag = store.tag_by_key(s, workspace.id, "payment")
        assert tag is not None
        tag.keywords = ["(carte", "carte(?= refusee)", r"\bpaiement\b"]
    rules._compiled.cache_clear()  # the warning comes once per process
    with caplog.at_level(logging.WARNING, logger="fluide.tagging.rules"):
        assert tagging.tag_pending(f, settings, embedder=lambda: None) == 2
    assert "keyword rule skipped" in caplog.text and "(carte" in caplog.text
    with f() as s:
        assert verbatim_store.tags_of(s, workspace.id, [mine])[mine][0][:2] == ("payment", "rule")
        assert ("outage", "rule") in [
            t[:2] for t in verbatim_store.tags_of(s, other.id, [theirs])[theirs]
        ]


def test_a_stale_verbatim_is_re_tagged_from_its_stored_embedding(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    fake = WordsEmbedder()
    answer(f, settings, workspace.id, [(2, "Débité deux fois"), (3, "Rien à signaler")])
    tagging.drain(f, settings, embedder=lambda: fake)
    with write_session(f) as s:
        store.bump_version(s, workspace.id)
        assert queue_store.mark_stale(s, workspace.id) == 2
    fake.seen.clear()
    assert tagging.drain(f, settings, embedder=lambda: fake) == 2
    # The tagger is trained again on its examples, but the comments are not embedded again.
    assert "Débité deux fois" not in fake.seen and "Rien à signaler" not in fake.seen
    with f() as s:
        assert {st.tagger_version for st in s.query(VerbatimState)} == {2}


def test_the_worker_loop_tags_then_computes_the_topics_asked_for(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = factory_of(app)
    fake = WordsEmbedder()
    monkeypatch.setattr(tagging, "shared_embedder", lambda: fake)
    answer(f, settings, workspace.id, [(2, "Débité deux fois")])
    tag_service.ensure_seeded(f, workspace.id)
    with write_session(f) as s:
        topic_store.request_topics(s, workspace.id)
    worker = tagging.TaggingWorker(f, settings)
    assert worker.run_once() == tagging.Done(tagged=1, topics=1)
    with f() as s:
        assert topic_store.topics_requested(s) == []
        assert queue_store.pending_count(s) == 0
    assert not worker.run_once()


def test_tag_pending_and_the_tagging_only_worker_from_the_command_line(
    app: FastAPI,
    settings: Settings,
    workspace: NewWorkspace,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from fluide.cli import app as cli
    from tests.service.conftest import SECRET

    f = factory_of(app)
    fake = WordsEmbedder()
    monkeypatch.setattr(tagging, "shared_embedder", lambda: fake)
    answer(f, settings, workspace.id, [(2, "Débité deux fois"), (3, "Rien compris")])
    env = {"FLUIDE_DATABASE_URL": database_url, "FLUIDE_SECRET_KEY": SECRET}
    runner = CliRunner()
    r = runner.invoke(cli, ["tag-pending", "--workspace", workspace.id, "--lang", "en"], env=env)
    assert r.exit_code == 0, r.output
    assert "Comments tagged: 2." in r.stdout
    answer(f, settings, workspace.id, [(2, "Encore débité")])
    r = runner.invoke(cli, ["worker", "--tagging-only", "--once", "--lang", "fr"], env=env)
    assert r.exit_code == 0, r.output
    assert "Commentaires étiquetés : 1." in r.output
    with f() as s:
        assert queue_store.pending_count(s) == 0


def test_a_batch_is_read_beside_the_workspace_s_recent_verbatims_and_no_other_s(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    fake = WordsEmbedder()
    other = create_workspace(f, "Voisins")
    answer(f, settings, other.id, [(2, "Carte refusée chez eux")])
    first = answer(f, settings, workspace.id, [(2, f"Carte refusée, essai {i}") for i in range(3)])
    assert tagging.drain(f, settings, embedder=lambda: fake) == 4
    [later] = answer(f, settings, workspace.id, [(2, "Carte refusée encore")])
    with f() as s:
        group = queue_store.pending(s, 10, workspace.id)
        assert [g.response_id for g in group] == [later]
        stored = queue_store.embeddings_of(s, workspace.id, first)
    context = tagging._context(f, workspace.id, group)
    assert context is not None and context.shape == (3, 384)
    # Newest first, the workspace's own only, and never the batch itself.
    expected = [np.frombuffer(stored[r], dtype=np.float32) for r in reversed(first)]
    assert np.array_equal(context, np.vstack(expected))
    with f() as s:
        assert queue_store.recent_embeddings(s, workspace.id, 2) == [
            stored[first[2]],
            stored[first[1]],
        ]


def test_a_pending_comment_knows_whether_its_score_said_it_was_easy(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    """1–7 ease question, default groups: 7 is no effort (low group), 2 is high effort."""
    f = factory_of(app)
    easy, hard = answer(
        f, settings, workspace.id, [(7, "carte changée dans l'appli"), (2, "carte changée")]
    )
    with f() as s:
        flags = {p.response_id: p.easy for p in queue_store.pending(s, 10, workspace.id)}
    assert flags == {easy: True, hard: False}


def test_an_easy_answer_whose_comment_has_no_complaint_gets_no_friction_tag(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    fake = WordsEmbedder()
    easy, hard = answer(
        f,
        settings,
        workspace.id,
        [(7, "Paiement fait en deux minutes"), (1, "Paiement refusé, impossible de payer")],
    )
    tagging.tag_pending(f, settings, embedder=lambda: fake)
    with f() as s:
        tags = verbatim_store.tags_of(s, workspace.id, [easy, hard])
    assert tags.get(easy, []) == []
    assert "payment" in [t[0] for t in tags[hard]]
