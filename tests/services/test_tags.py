"""A workspace's friction tags: defaults, creation, renaming, merging, examples."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.taxonomy import DEFAULT_TAXONOMY
from fluide.services import tags as service
from fluide.services.errors import ServiceError
from fluide.services.tags import ExamplesIn, TagIn, TagNames, TagPatch
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import write_session
from fluide.storage.models import ResponseTag, VerbatimState
from tests.verbatims import answer


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def delivery(**overrides: object) -> TagIn:
    body: dict[str, object] = {
        "key": "delivery",
        "names": {"fr": "Livraison"},
        "examples": ["Le colis n'est jamais arrivé"],
    }
    body.update(overrides)
    return TagIn.model_validate(body)


def test_a_workspace_starts_with_the_default_tags(
    f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    out = service.list_tags(f, workspace.id)
    assert [t["key"] for t in out["tags"]] == list(DEFAULT_TAXONOMY.keys())
    assert out["tagger_version"] == 1
    payment = out["tags"][0]
    assert payment["names"] == {"fr": "Paiement", "en": "Payment"}
    assert payment["active"] and payment["merged_into"] is None and payment["examples"] > 5


def test_a_new_tag_is_taught_by_its_examples_and_the_verbatims_are_re_tagged(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    [rid] = answer(f, settings, workspace.id, [(2, "Colis perdu")])
    service.ensure_seeded(f, workspace.id)
    with write_session(f) as s:  # as if the worker had tagged it
        s.query(VerbatimState).filter_by(response_id=rid).update({"status": "done"})
    created = service.create_tag(f, workspace.id, delivery())
    assert created["names"] == {"fr": "Livraison", "en": "Livraison"}  # English falls back
    assert created["examples"] == 1 and created["verbatims"] == 0
    assert service.list_tags(f, workspace.id)["tagger_version"] == 2
    with f() as s:
        assert [p.response_id for p in queue_store.pending(s, 10, workspace.id)] == [rid]
    with pytest.raises(ServiceError) as err:
        service.create_tag(f, workspace.id, delivery())
    assert (err.value.status, err.value.code) == (409, "tag_exists")


def test_a_tag_needs_a_valid_key_and_at_least_one_example() -> None:
    from pydantic import ValidationError

    for bad in ({"key": "Livraison"}, {"key": "1st"}, {"examples": []}, {"names": {"en": "x"}}):
        with pytest.raises(ValidationError):
            delivery(**bad)


def test_keywords_must_be_regular_expressions_naming_the_bad_one(
    f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    with pytest.raises(ServiceError) as err:
        service.create_tag(f, workspace.id, delivery(keywords=[r"\bcolis\b", "livr(aison"]))
    assert err.value.status == 422 and err.value.details[0]["field"] == "keywords.1"


def test_renaming_keeps_the_key_and_the_verbatims_without_re_tagging(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    [rid] = answer(f, settings, workspace.id, [(2, "Débité deux fois")])
    service.ensure_seeded(f, workspace.id)
    with write_session(f) as s:
        queue_store.set_human_tags(s, workspace.id, rid, ["payment"], 1)
    out = service.update_tag(
        f, workspace.id, "payment", TagPatch(names=TagNames(fr="Règlement", en="Payment"))
    )
    assert (out["key"], out["names"]["fr"], out["verbatims"]) == ("payment", "Règlement", 1)
    assert service.list_tags(f, workspace.id)["tagger_version"] == 1
    out = service.update_tag(f, workspace.id, "payment", TagPatch(keywords=[r"\bdebit"]))
    assert out["keywords"] == [r"\bdebit"]
    assert service.list_tags(f, workspace.id)["tagger_version"] == 2
    with pytest.raises(ServiceError) as err:
        service.update_tag(f, workspace.id, "payment", TagPatch.model_validate({"names": None}))
    assert err.value.code == "invalid_patch"


def test_merging_moves_the_history_and_the_merged_tag_shows_where_it_went(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    a, b = answer(f, settings, workspace.id, [(2, "Attente"), (2, "Rappelé trois fois")])
    service.ensure_seeded(f, workspace.id)
    with write_session(f) as s:
        queue_store.set_human_tags(s, workspace.id, a, ["delay"], 1)
        queue_store.set_human_tags(s, workspace.id, b, ["recontact", "delay"], 1)
    service.create_tag(f, workspace.id, delivery())
    service.merge_tag(f, workspace.id, "delivery", "delay")  # an earlier merge into delay
    out = service.merge_tag(f, workspace.id, "delay", "recontact")
    assert out["key"] == "recontact" and out["verbatims"] == 2
    assert out["merged"] == {"key": "delay", "verbatims_moved": 1}
    tags = {t["key"]: t for t in service.list_tags(f, workspace.id)["tags"]}
    assert tags["delay"]["active"] is False and tags["delay"]["merged_into"] == "recontact"
    assert tags["delivery"]["merged_into"] == "recontact"  # follows to the end
    assert tags["delay"]["verbatims"] == 0 and tags["delay"]["examples"] == 0
    with f() as s:
        assert {r.tag for r in s.query(ResponseTag).filter_by(workspace_id=workspace.id)} == {
            "recontact"
        }
    for call, code in (
        (lambda: service.merge_tag(f, workspace.id, "delay", "payment"), "tag_merged"),
        (lambda: service.merge_tag(f, workspace.id, "payment", "delay"), "tag_merged"),
        (
            lambda: service.add_examples(f, workspace.id, "delay", ExamplesIn(examples=["x"])),
            "tag_merged",
        ),
        (lambda: service.merge_tag(f, workspace.id, "payment", "payment"), "invalid"),
        (lambda: service.merge_tag(f, workspace.id, "payment", "nope"), "not_found"),
    ):
        with pytest.raises(ServiceError) as err:
            call()
        assert err.value.code == code


def test_examples_teach_a_tag_once_each(f: sessionmaker[Session], workspace: NewWorkspace) -> None:
    before = service.get_tag(f, workspace.id, "payment")["examples"]
    body = ExamplesIn(examples=["Prélevé deux fois", "Prélevé deux fois", "Frais inconnus"])
    assert service.add_examples(f, workspace.id, "payment", body)["examples"] == before + 2
    assert service.add_examples(f, workspace.id, "payment", body)["examples"] == before + 2
    texts = [e["text"] for e in service.get_tag(f, workspace.id, "payment")["example_texts"]]
    assert "Frais inconnus" in texts


def test_tags_belong_to_their_workspace(f: sessionmaker[Session], workspace: NewWorkspace) -> None:
    other = create_workspace(f, "Autre")
    service.create_tag(f, other.id, delivery())
    assert "delivery" not in [t["key"] for t in service.list_tags(f, workspace.id)["tags"]]
    with pytest.raises(ServiceError) as err:
        service.get_tag(f, workspace.id, "delivery")
    assert err.value.status == 404
    service.create_tag(f, workspace.id, delivery())  # the same key is free here
