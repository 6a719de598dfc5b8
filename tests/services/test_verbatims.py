"""Verbatims: search, filters, corrections that teach the tagger, re-tagging (both databases)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fluide.jobs import tagging
from fluide.services import tags as tag_service
from fluide.services import verbatims as service
from fluide.services.errors import ServiceError
from fluide.services.verbatims import RetagIn, VerbatimQuery
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.models import TagExample, VerbatimState, Workspace
from tests.verbatims import WordsEmbedder, answer, workspace_row


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


@pytest.fixture
def ws(f: sessionmaker[Session], workspace: NewWorkspace) -> Workspace:
    return workspace_row(f, workspace.id)


def tags_of(page: dict[str, object], response_id: str) -> list[str]:
    rows = page["verbatims"]
    assert isinstance(rows, list)
    row = next(v for v in rows if v["id"] == response_id)
    return [t["key"] for t in row["tags"]]


def listed(f: sessionmaker[Session], ws: Workspace, **filters: object) -> list[str]:
    page = service.list_verbatims(f, ws, VerbatimQuery(**filters))  # type: ignore[arg-type]
    return [v["id"] for v in page["verbatims"]]


def test_a_correction_changes_what_the_tagger_says_of_similar_comments(
    f: sessionmaker[Session], settings: Settings, ws: Workspace
) -> None:
    """With the real model: before the corrections a parcel complaint gets no
    delivery tag; after four corrections, a new, differently worded one does."""
    tag_service.create_tag(
        f,
        ws.id,
        tag_service.TagIn(
            key="delivery",
            names=tag_service.TagNames(fr="Livraison", en="Delivery"),
            examples=["Commande reçue incomplète"],
        ),
    )
    corrected = answer(
        f,
        settings,
        ws.id,
        [
            (2, "Le colis est arrivé avec trois jours de retard"),
            (2, "Mon colis a été livré à la mauvaise adresse"),
            (3, "Le livreur n'a pas sonné, juste un avis de passage dans la boîte"),
            (2, "Colis abîmé à la livraison"),
        ],
    )
    [before] = answer(f, settings, ws.id, [(2, "Colis livré en retard et carton déchiré")])
    tagging.drain(f, settings)
    assert "delivery" not in tags_of(service.list_verbatims(f, ws, VerbatimQuery()), before)

    for rid in corrected:
        service.correct(f, ws, rid, ["delivery"])
    [new] = answer(
        f, settings, ws.id, [(2, "Mon colis est arrivé en retard et le carton était abîmé")]
    )
    tagging.drain(f, settings)

    page = service.list_verbatims(f, ws, VerbatimQuery())
    assert "delivery" in tags_of(page, new)
    assert "delivery" in tags_of(page, before)  # re-tagged from its stored embedding
    for rid in corrected:  # a person's tags stay as they were given
        row = next(v for v in page["verbatims"] if v["id"] == rid)
        assert row["tags"] == [{"key": "delivery", "source": "human", "confidence": 1.0}]


def test_a_correction_is_kept_as_training_data_and_queues_the_machine_tags(
    f: sessionmaker[Session], settings: Settings, ws: Workspace
) -> None:
    fake = WordsEmbedder()
    a, b = answer(f, settings, ws.id, [(2, "Débité deux fois"), (3, "Rien compris au menu")])
    tagging.drain(f, settings, embedder=lambda: fake)
    version = tag_service.list_tags(f, ws.id)["tagger_version"]

    out = service.correct(f, ws, a, ["payment", "recontact", "payment"])
    assert out["tags"] == [
        {"key": "payment", "source": "human", "confidence": 1.0},
        {"key": "recontact", "source": "human", "confidence": 1.0},
    ]
    assert tag_service.list_tags(f, ws.id)["tagger_version"] == version + 1
    with f() as s:
        example = s.execute(select(TagExample).where(TagExample.response_id == a)).scalar_one()
        assert (example.text, example.tags, example.human) == (
            "Débité deux fois",
            ["payment", "recontact"],
            True,
        )
        assert s.get_one(VerbatimState, b).status == "pending"
        assert s.get_one(VerbatimState, a).status == "done"
    # Correcting again replaces the correction; [] means "no tag fits".
    assert service.correct(f, ws, a, [])["tags"] == []
    with f() as s:
        assert (
            s.execute(select(TagExample).where(TagExample.response_id == a)).scalar_one().tags == []
        )


def test_a_correction_refuses_unknown_tags_naming_the_field_and_follows_merges(
    f: sessionmaker[Session], settings: Settings, ws: Workspace
) -> None:
    [rid] = answer(f, settings, ws.id, [(2, "Débité deux fois")])
    with pytest.raises(ServiceError) as err:
        service.correct(f, ws, rid, ["payment", "nope"])
    assert err.value.status == 422 and err.value.details[0]["field"] == "tags.1"
    tag_service.merge_tag(f, ws.id, "delay", "recontact")
    assert [t["key"] for t in service.correct(f, ws, rid, ["delay"])["tags"]] == ["recontact"]
    with pytest.raises(ServiceError) as missing:
        service.correct(f, ws, "rsp_unknown", ["payment"])
    assert missing.value.status == 404


def test_another_workspace_s_verbatims_are_never_seen_nor_corrected(
    f: sessionmaker[Session], settings: Settings, ws: Workspace
) -> None:
    other = create_workspace(f, "Autre")
    [theirs] = answer(f, settings, other.id, [(2, "Secret de l'autre boutique")])
    [mine] = answer(f, settings, ws.id, [(2, "Le mien")])
    assert listed(f, ws) == [mine]
    assert listed(f, ws, q="secret") == []
    with pytest.raises(ServiceError) as err:
        service.correct(f, ws, theirs, ["payment"])
    assert err.value.status == 404
    assert service.retag(f, ws, RetagIn(ids=[theirs])) == {"queued": 0, "kept_human": 0}


def test_search_and_filters_combine(
    f: sessionmaker[Session], settings: Settings, ws: Workspace
) -> None:
    old = datetime.now(UTC) - timedelta(days=20)
    [early] = answer(f, settings, ws.id, [(1, "Prélèvement refusé")], at=old)
    low, high = answer(f, settings, ws.id, [(2, "PRELEVEMENT en double"), (6, "Très bien")])
    [elsewhere] = answer(f, settings, ws.id, [(2, "Prélèvement bizarre")], touchpoint="activer")
    service.correct(f, ws, low, ["payment"])

    assert listed(f, ws) == [elsewhere, high, low, early]  # newest first
    assert listed(f, ws, q="prélèvement") == [elsewhere, low, early]
    assert listed(f, ws, q="prelev", touchpoint="payer") == [low, early]
    assert listed(f, ws, tag="payment") == [low]
    assert listed(f, ws, untagged=True) == [elsewhere, high, early]
    assert listed(f, ws, min_score=2, max_score=5) == [elsewhere, low]
    assert listed(f, ws, score=6) == [high]
    today = datetime.now(ZoneInfo(ws.timezone)).date()
    assert listed(f, ws, start=today - timedelta(days=2)) == [elsewhere, high, low]
    assert listed(f, ws, end=today - timedelta(days=10)) == [early]


def test_pages_follow_the_cursor_and_a_bad_cursor_names_the_field(
    f: sessionmaker[Session], settings: Settings, ws: Workspace
) -> None:
    ids = answer(f, settings, ws.id, [(2, f"Commentaire {i}") for i in range(5)])
    seen: list[str] = []
    cursor = None
    while True:
        page = service.list_verbatims(f, ws, VerbatimQuery(), limit=2, cursor=cursor)
        seen += [v["id"] for v in page["verbatims"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    with pytest.raises(ServiceError) as err:
        service.list_verbatims(f, ws, VerbatimQuery(), cursor="pas-un-curseur")
    assert err.value.details[0]["field"] == "cursor"


def test_bad_filters_name_their_field(f: sessionmaker[Session], ws: Workspace) -> None:
    cases = {
        "min_score": VerbatimQuery(min_score=5, max_score=2),
        "from": VerbatimQuery(start=date(2026, 2, 1), end=date(2026, 1, 1)),
    }
    for field, query in cases.items():
        with pytest.raises(ServiceError) as err:
            service.list_verbatims(f, ws, query)
        assert err.value.status == 422 and err.value.details[0]["field"] == field
    for query in (VerbatimQuery(tag="nope"), VerbatimQuery(touchpoint="nope")):
        with pytest.raises(ServiceError) as missing:
            service.list_verbatims(f, ws, query)
        assert missing.value.status == 404


def test_retag_by_filter_queues_machine_tagged_verbatims_and_keeps_people_s_tags(
    f: sessionmaker[Session], settings: Settings, ws: Workspace
) -> None:
    fake = WordsEmbedder()
    a, b, c = answer(f, settings, ws.id, [(2, "Débité deux fois"), (2, "Débit"), (6, "Parfait")])
    tagging.drain(f, settings, embedder=lambda: fake)
    service.correct(f, ws, a, ["payment"])
    tagging.drain(f, settings, embedder=lambda: fake)
    out = service.retag(f, ws, RetagIn.model_validate({"filter": {"q": "debit"}}))
    assert out == {"queued": 1, "kept_human": 1}
    with f() as s:
        assert [p.response_id for p in queue_store.pending(s, 10, ws.id)] == [b]
    assert service.retag(f, ws, RetagIn.model_validate({"filter": {}}))["queued"] == 2
    assert service.retag(f, ws, RetagIn(ids=[c])) == {"queued": 1, "kept_human": 0}


def test_retag_takes_ids_or_a_filter_not_both() -> None:
    from pydantic import ValidationError

    for body in ({}, {"ids": ["rsp_1"], "filter": {}}):
        with pytest.raises(ValidationError):
            RetagIn.model_validate(body)


def test_csv_cells_never_run_as_formulas() -> None:
    page = {
        "verbatims": [
            {
                "id": "rsp_1",
                "responded_at": "2026-11-20T10:00:00+01:00",
                "touchpoint": "payer",
                "score": 2,
                "effort_index": 83.333,
                "comment": '=HYPERLINK("http://evil")',
                "tags": [{"key": "payment"}, {"key": "delay"}],
                "channel": "email",
                "outcome": None,
            }
        ]
    }
    lines = service.to_csv(page).splitlines()
    assert lines[0].startswith("id,responded_at,touchpoint,score")
    assert "'=HYPERLINK" in lines[1] and "payment|delay" in lines[1] and "83.3" in lines[1]
