"""Storage of verbatims: tagging queue, tags, merges, and workspace isolation (both databases)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.taxonomy import DEFAULT_TAXONOMY
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import tags as store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.db import migrate, write_session
from fluide.storage.models import ResponseTag, Tag, TagExample, VerbatimState
from tests.verbatims import answer


def factory_of(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def test_an_answer_with_a_comment_waits_for_tagging_and_one_without_does_not(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    with_comment, without = answer(
        f, settings, workspace.id, [(2, "  Carte REFUSÉE deux fois "), (6, None)]
    )
    with f() as s:
        state = s.get(VerbatimState, with_comment)
        assert state is not None and state.status == "pending"
        assert state.search_text == "carte refusee deux fois"
        assert s.get(VerbatimState, without) is None
        assert [p.response_id for p in queue_store.pending(s, 10)] == [with_comment]


def test_seeding_the_default_tags_happens_once(app: FastAPI, workspace: NewWorkspace) -> None:
    f = factory_of(app)
    with write_session(f) as s:
        assert store.seed(s, workspace.id, DEFAULT_TAXONOMY) is True
    with write_session(f) as s:
        assert store.seed(s, workspace.id, DEFAULT_TAXONOMY) is False
    with f() as s:
        assert [t.key for t in store.tags(s, workspace.id)] == list(DEFAULT_TAXONOMY.keys())
        n_examples = sum(len(t.examples) for t in DEFAULT_TAXONOMY.tags)
        n_examples += len(DEFAULT_TAXONOMY.none_examples)  # phrases that carry no tag
        assert len(store.examples(s, workspace.id)) == n_examples


def _tag(s: Session, ws: str, response_id: str, key: str, source: str = "model") -> None:
    s.add(
        ResponseTag(
            id=f"rtg_{response_id[-8:]}_{key}",
            workspace_id=ws,
            response_id=response_id,
            tag=key,
            source=source,
            confidence=0.9,
        )
    )


def test_merging_moves_verbatims_and_examples_and_keeps_a_record(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    a, b = answer(f, settings, workspace.id, [(2, "Débité deux fois"), (3, "Frais cachés")])
    with write_session(f) as s:
        store.seed(s, workspace.id, DEFAULT_TAXONOMY)
        _tag(s, workspace.id, a, "delay")
        _tag(s, workspace.id, b, "delay")
        _tag(s, workspace.id, b, "payment")
    with write_session(f) as s:
        source = store.tag_by_key(s, workspace.id, "delay")
        target = store.tag_by_key(s, workspace.id, "payment")
        assert source is not None and target is not None
        assert store.merge(s, workspace.id, source, target) == 1
    with f() as s:
        assert verbatim_store.tags_of(s, workspace.id, [a, b]) == {
            a: [("payment", "model", 0.9)],
            b: [("payment", "model", 0.9)],
        }
        merged = store.tag_by_key(s, workspace.id, "delay")
        assert merged is not None and not merged.active and merged.merged_into == "payment"
        keys = {k for ex in store.examples(s, workspace.id) for k in ex.tags}
        assert "delay" not in keys and "payment" in keys


def test_a_worker_result_is_dropped_when_the_verbatim_changed_meanwhile(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    [rid] = answer(f, settings, workspace.id, [(2, "Carte refusée")])
    with write_session(f) as s:
        store.seed(s, workspace.id, DEFAULT_TAXONOMY)
    with f() as s:
        [item] = queue_store.pending(s, 10, workspace.id)
    with write_session(f) as s:  # a person corrects it while the worker predicts
        queue_store.set_human_tags(s, workspace.id, rid, ["payment"], 2)
    result = queue_store.Tagged(rid, item.revision, b"\0" * 1536, 0.9, [("delay", "model", 0.9)])
    with write_session(f) as s:
        assert queue_store.store_tags(s, workspace.id, 1, [result]) == 0
    with f() as s:
        assert verbatim_store.tags_of(s, workspace.id, [rid]) == {rid: [("payment", "human", 1.0)]}


def test_machine_tags_never_replace_a_person_s_tags(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    [rid] = answer(f, settings, workspace.id, [(2, "Carte refusée")])
    with write_session(f) as s:
        store.seed(s, workspace.id, DEFAULT_TAXONOMY)
        queue_store.set_human_tags(s, workspace.id, rid, ["payment"], 2)
        queue_store.mark_stale(s, workspace.id)
        assert queue_store.mark_ids_pending(s, workspace.id, [rid]) == (0, 1)
    with f() as s:  # still pending from its arrival: the worker embeds it, tags stay
        [item] = queue_store.pending(s, 10, workspace.id)
    result = queue_store.Tagged(rid, item.revision, b"\0" * 1536, 0.9, [("delay", "model", 0.9)])
    with write_session(f) as s:
        assert queue_store.store_tags(s, workspace.id, 3, [result]) == 1
    with f() as s:
        assert verbatim_store.tags_of(s, workspace.id, [rid]) == {rid: [("payment", "human", 1.0)]}
        assert queue_store.pending(s, 10, workspace.id) == []


def test_queries_never_cross_workspaces(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    other = create_workspace(f, "Autre")
    [mine] = answer(f, settings, workspace.id, [(2, "Carte refusée")])
    [theirs] = answer(f, settings, other.id, [(2, "Carte refusée")])
    with write_session(f) as s:
        _tag(s, other.id, theirs, "payment")
    everything = verbatim_store.VerbatimFilter()
    with f() as s:
        assert [
            v.response_id for v in verbatim_store.verbatims(s, workspace.id, everything, 10)
        ] == [mine]
        assert verbatim_store.matching_ids(s, workspace.id, everything) == [mine]
        assert [p.response_id for p in queue_store.pending(s, 10, workspace.id)] == [mine]
        assert verbatim_store.tags_of(s, workspace.id, [theirs]) == {}
        assert queue_store.state_of(s, workspace.id, theirs) is None
        assert verbatim_store.comments_of(s, workspace.id, [theirs]) == {}
    with write_session(f) as s:
        assert queue_store.mark_ids_pending(s, workspace.id, [theirs]) == (0, 0)


def test_search_ignores_case_and_accents_and_treats_wildcards_literally(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = factory_of(app)
    ids = answer(
        f, settings, workspace.id, [(2, "Le PRÉLÈVEMENT a échoué"), (3, "Remise de 100% promise")]
    )
    with f() as s:

        def found(q: str) -> list[str]:
            rows = verbatim_store.verbatims(s, workspace.id, verbatim_store.VerbatimFilter(q=q), 10)
            return [r.response_id for r in rows]

        assert found("prelevement a echoue") == [ids[0]]
        assert found("100%") == [ids[1]]
        assert found("%") == [ids[1]]
        assert found("_") == []


def test_migration_queues_the_comments_recorded_before_it(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    from alembic import command
    from alembic.config import Config

    f = factory_of(app)
    [rid] = answer(f, settings, workspace.id, [(2, "Déjà là avant les tags")])
    engine = app.state.engine
    config = Config()
    config.set_main_option("script_location", "fluide.storage:migrations")
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")
    migrate(engine)
    with f() as s:
        state = s.execute(select(VerbatimState).where(VerbatimState.response_id == rid)).scalar()
        assert state is not None and state.status == "pending"
        assert state.search_text == "deja la avant les tags"
        assert s.execute(text("SELECT count(*) FROM tags")).scalar() == 0
        assert s.execute(select(Tag)).first() is None
        assert s.execute(select(TagExample)).first() is None
