"""Actions and their before/after, from answers recorded through the real services
(both databases). The touchpoint asks « J'ai pu payer facilement » on 1–7 (ease):
7 is no effort, so higher is better."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from scipy.stats import mannwhitneyu
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import Text, TouchpointPatch
from fluide.services import actions as service
from fluide.services import tags as tag_service
from fluide.services import touchpoints as touchpoint_service
from fluide.services.errors import ServiceError
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import write_session
from tests.verbatims import answer, ensure_touchpoint

DELIVERED = date(2026, 3, 10)
BEFORE_AT = datetime(2026, 3, 1, 10, tzinfo=UTC)
AFTER_AT = datetime(2026, 3, 15, 10, tzinfo=UTC)
NOW = datetime(2026, 4, 20, 12, tzinfo=UTC)  # the after window (28 days) is complete

HARD = [2] * 20 + [3] * 8 + [6] * 2  # mostly high effort
EASY = [6] * 20 + [7] * 6 + [3] * 4  # mostly low effort


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def scores(
    f: sessionmaker[Session], settings: Settings, ws: str, values: list[int], at: datetime
) -> list[str]:
    return answer(f, settings, ws, [(v, None) for v in values], at=at)


def delivered(f: sessionmaker[Session], ws: str, **kw: Any) -> dict[str, Any]:
    ensure_touchpoint(f, ws)
    fields: dict[str, Any] = {
        "touchpoint": "payer",
        "title": "Message clair quand la carte est refusée",
        "kind": "ux_change",
        "status": "delivered",
        "delivered_on": DELIVERED,
        **kw,
    }
    return service.create_action(f, ws, **fields)


def test_a_real_improvement_has_an_interval_excluding_zero_in_the_good_direction(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    scores(f, settings, workspace.id, HARD, BEFORE_AT)
    scores(f, settings, workspace.id, EASY, AFTER_AT)
    made = delivered(f, workspace.id, tag="payment", owner="Léa")

    ba = service.get_action(f, workspace.id, made["id"], NOW)["before_after"]

    before_mean = sum(HARD) / len(HARD)  # 76 / 30
    after_mean = sum(EASY) / len(EASY)  # 174 / 30
    assert ba["before"]["n"] == 30 and ba["after"]["n"] == 30
    assert ba["before"]["mean"] == pytest.approx(before_mean)
    assert ba["after"]["mean"] == pytest.approx(after_mean)
    diff = ba["difference"]
    assert diff["value"] == pytest.approx(after_mean - before_mean)  # 3.2667
    lo, hi = diff["ci"]
    assert 0 < lo < diff["value"] < hi
    expected_p = mannwhitneyu(EASY, HARD, alternative="two-sided").pvalue
    assert diff["p_value"] == pytest.approx(expected_p, rel=1e-6)
    # 820 pairs favour after, 8 favour before, out of 900.
    assert diff["cliffs_delta"] == pytest.approx(812 / 900)
    assert diff["effect"] == "large"
    assert ba["comparable"] is True and ba["reason"] is None
    assert ba["improved"] is True and ba["verdict"] == "improved"
    assert ba["lower_is_better"] is False and ba["scale"]["key"] == "1-7"
    assert ba["window_days"] == 28
    assert (ba["before"]["start"], ba["before"]["end"]) == ("2026-02-10", "2026-03-09")
    assert (ba["after"]["start"], ba["after"]["end"]) == ("2026-03-10", "2026-04-06")
    assert ba["after"]["complete"] is True


def test_no_change_gives_no_improvement(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    same = [2, 3, 4, 5, 6, 7] * 4
    scores(f, settings, workspace.id, same, BEFORE_AT)
    scores(f, settings, workspace.id, same, AFTER_AT)
    ba = delivered(f, workspace.id, now=NOW)["before_after"]
    assert ba["comparable"] is True
    assert ba["difference"]["value"] == pytest.approx(0.0)
    lo, hi = ba["difference"]["ci"]
    assert lo < 0 < hi
    assert ba["improved"] is False and ba["verdict"] == "no_change"


def test_a_change_for_the_worse_is_said(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    scores(f, settings, workspace.id, EASY, BEFORE_AT)
    scores(f, settings, workspace.id, HARD, AFTER_AT)
    ba = delivered(f, workspace.id, now=NOW)["before_after"]
    assert ba["verdict"] == "worse" and ba["improved"] is False
    assert ba["difference"]["ci"][1] < 0


def test_a_new_scale_across_the_date_is_not_comparable_but_both_sides_are_shown(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    scores(f, settings, workspace.id, HARD, BEFORE_AT)
    touchpoint_service.update(f, workspace.id, "payer", TouchpointPatch(scale="1-5"))
    scores(f, settings, workspace.id, [4, 5] * 15, AFTER_AT)
    ba = delivered(f, workspace.id, now=NOW)["before_after"]
    assert ba["comparable"] is False and ba["reason"] == "question_changed"
    assert ba["improved"] is None and ba["verdict"] is None
    assert ba["difference"]["value"] is None and ba["difference"]["ci"] is None
    assert (ba["before"]["n"], ba["before"]["scale"], ba["before"]["question_versions"]) == (
        30,
        "1-7",
        [1],
    )
    assert (ba["after"]["n"], ba["after"]["scale"], ba["after"]["question_versions"]) == (
        30,
        "1-5",
        [2],
    )
    assert ba["after"]["mean"] == pytest.approx(4.5)


def test_a_reworded_question_is_not_comparable_but_a_new_comment_prompt_is(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    scores(f, settings, workspace.id, HARD, BEFORE_AT)
    touchpoint_service.update(
        f, workspace.id, "payer", TouchpointPatch(comment_prompt=Text(fr="Un souci ?"))
    )
    scores(f, settings, workspace.id, EASY, AFTER_AT)
    made = delivered(f, workspace.id, now=NOW)
    ba = made["before_after"]
    assert ba["comparable"] is True and ba["improved"] is True
    assert ba["scale"]["question_versions"] == ["1", "2"]

    touchpoint_service.update(
        f, workspace.id, "payer", TouchpointPatch(question=Text(fr="Payer a été simple"))
    )
    scores(f, settings, workspace.id, EASY, AFTER_AT + timedelta(days=1))
    again = service.get_action(f, workspace.id, made["id"], NOW)["before_after"]
    assert again["reason"] == "question_changed" and again["improved"] is None


def test_too_few_answers_are_flagged_without_a_verdict(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    scores(f, settings, workspace.id, [2, 2, 3], BEFORE_AT)
    scores(f, settings, workspace.id, [6, 7, 7], AFTER_AT)
    ba = delivered(f, workspace.id, now=NOW)["before_after"]
    assert ba["comparable"] is False and ba["reason"] == "too_few_answers"
    assert ba["improved"] is None
    # The figures are still there, to read with care.
    assert ba["difference"]["value"] == pytest.approx(20 / 3 - 7 / 3)


def test_just_delivered_has_no_after_yet(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    scores(f, settings, workspace.id, HARD, BEFORE_AT)
    today = datetime(2026, 3, 10, 7, tzinfo=UTC)
    ba = delivered(f, workspace.id, now=today)["before_after"]
    assert ba["reason"] == "no_after_yet" and ba["comparable"] is False
    assert ba["after"]["n"] == 0 and ba["after"]["days"] == 1
    assert ba["after"]["end"] == "2026-03-10" and ba["after"]["complete"] is False
    assert ba["before"]["n"] == 30


def test_days_are_cut_in_the_workspace_time_zone(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    # 23:30 UTC on 9 March is 00:30 on 10 March in Paris: after the delivery.
    late = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    scores(f, settings, workspace.id, [7], late)
    scores(f, settings, workspace.id, [1], late - timedelta(hours=1))
    ba = delivered(f, workspace.id, now=NOW)["before_after"]
    assert (ba["before"]["n"], ba["before"]["mean"]) == (1, 1.0)
    assert (ba["after"]["n"], ba["after"]["mean"]) == (1, 7.0)


def test_the_window_is_a_parameter_and_the_after_side_stops_at_now(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    scores(f, settings, workspace.id, [2] * 3, datetime(2026, 2, 20, tzinfo=UTC))  # 18 days before
    scores(f, settings, workspace.id, [6] * 3, AFTER_AT)
    made = delivered(f, workspace.id)
    week = service.get_action(f, workspace.id, made["id"], NOW, window_days=7)["before_after"]
    assert week["window_days"] == 7 and week["before"]["n"] == 0
    assert week["before"]["start"] == "2026-03-03" and week["after"]["n"] == 3
    soon = datetime(2026, 3, 15, 9, tzinfo=UTC)  # before the after answers
    cut = service.get_action(f, workspace.id, made["id"], soon)["before_after"]
    assert cut["after"]["n"] == 0 and cut["after"]["end"] == "2026-03-15"
    assert cut["after"]["days"] == 6 and cut["before"]["n"] == 3
    with pytest.raises(ServiceError) as bad:
        service.get_action(f, workspace.id, made["id"], NOW, window_days=2)
    assert bad.value.details[0]["field"] == "window_days"


def test_tag_share_before_and_after_comes_from_stored_tags(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id
    tag_service.ensure_seeded(f, ws)
    before = answer(f, settings, ws, [(2, f"Carte refusée {i}") for i in range(7)], at=BEFORE_AT)
    after = answer(f, settings, ws, [(6, f"Très bien {i}") for i in range(5)], at=AFTER_AT)
    with write_session(f) as s:
        for rid in before[:4] + after[:1]:
            queue_store.set_human_tags(s, ws, rid, ["payment"], 1)
        for rid in before[4:6] + after[1:]:
            queue_store.set_human_tags(s, ws, rid, [], 1)  # read: no friction
    # before[6] was never tagged: it is left out, and counted as pending.
    made = delivered(f, ws, tag="payment", now=NOW)
    share = made["before_after"]["tag_share"]
    assert share == {
        "tag": "payment",
        "before": pytest.approx(4 / 6),
        "after": pytest.approx(1 / 5),
        "n_before": 6,
        "n_after": 5,
        "pending": 1,
    }
    # A merged tag's verbatims moved: they are counted where they went.
    tag_service.merge_tag(f, ws, "payment", "delay")
    moved = service.get_action(f, ws, made["id"], NOW)["before_after"]["tag_share"]
    assert moved["tag"] == "delay" and moved["before"] == pytest.approx(4 / 6)
    assert (
        service.create_action(f, ws, touchpoint="payer", title="t", kind="faq")["before_after"]
        is None
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "magic"}, "kind"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"touchpoint": "nowhere"}, "touchpoint"),
        ({"tag": "nope"}, "tag"),
        ({"status": "done"}, "status"),
        ({"status": "delivered"}, "delivered_on"),
        ({"delivered_on": "2026-03-01"}, "delivered_on"),
        ({"status": "delivered", "delivered_on": "2999-01-01"}, "delivered_on"),
        ({"due_on": "31/12/2026"}, "due_on"),
        ({"owner": "o" * 201}, "owner"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    f: sessionmaker[Session], workspace: NewWorkspace, fields: dict[str, Any], field: str
) -> None:
    ensure_touchpoint(f, workspace.id)
    base: dict[str, Any] = {"touchpoint": "payer", "title": "Nouvelle FAQ", "kind": "faq"}
    with pytest.raises(ServiceError) as refused:
        service.create_action(f, workspace.id, **{**base, **fields})
    assert refused.value.status == 422
    assert refused.value.details[0]["field"] == field
    assert service.list_actions(f, workspace.id) == []


def test_update_marks_delivered_reopens_and_empties_optional_fields(
    f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    ensure_touchpoint(f, workspace.id)
    made = service.create_action(
        f, workspace.id, touchpoint="payer", title="Macro", kind="macro", owner="Léa", tag="payment"
    )
    assert made["status"] == "to_deliver" and made["before_after"] is None
    done = service.update_action(f, workspace.id, made["id"], delivered_on="2026-03-10", now=NOW)
    assert (done["status"], done["delivered_on"]) == ("delivered", "2026-03-10")
    assert done["before_after"] is not None
    back = service.update_action(f, workspace.id, made["id"], status="to_deliver", owner=None)
    assert (back["status"], back["delivered_on"], back["owner"]) == ("to_deliver", None, None)
    with pytest.raises(ServiceError) as emptied:
        service.update_action(f, workspace.id, made["id"], title=None)
    assert emptied.value.code == "invalid_patch"
    with pytest.raises(ServiceError) as unknown:
        service.update_action(f, workspace.id, made["id"], colour="red")
    assert unknown.value.details[0]["field"] == "colour"


def test_list_puts_what_is_to_deliver_first_then_the_latest_delivered(
    f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    ensure_touchpoint(f, workspace.id)

    def make(title: str, **kw: Any) -> None:
        service.create_action(f, workspace.id, touchpoint="payer", title=title, kind="faq", **kw)

    make("old delivery", status="delivered", delivered_on="2026-01-05")
    make("undated")
    make("due later", due_on="2026-05-01")
    make("recent delivery", status="delivered", delivered_on="2026-03-01")
    make("due soon", due_on="2026-03-20")
    titles = [a["title"] for a in service.list_actions(f, workspace.id, now=NOW)]
    assert titles == ["due soon", "due later", "undated", "recent delivery", "old delivery"]
    todo = service.list_actions(f, workspace.id, status="to_deliver", now=NOW)
    assert [a["overdue"] for a in todo] == [True, False, False]
    with pytest.raises(ServiceError):
        service.list_actions(f, workspace.id, status="late")


def test_another_workspace_cannot_read_or_change_an_action(
    f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    ensure_touchpoint(f, workspace.id)
    made = service.create_action(f, workspace.id, touchpoint="payer", title="FAQ", kind="faq")
    other = create_workspace(f, "Autre")
    with pytest.raises(ServiceError) as unread:
        service.get_action(f, other.id, made["id"])
    with pytest.raises(ServiceError) as unchanged:
        service.update_action(f, other.id, made["id"], title="pris")
    assert unread.value.status == unchanged.value.status == 404
    assert service.list_actions(f, other.id) == []
    assert service.get_action(f, workspace.id, made["id"])["title"] == "FAQ"
