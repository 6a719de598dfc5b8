"""The week's top frictions, against hand-worked figures."""

from __future__ import annotations

import doctest
import json
from functools import partial

import pytest

from fluide.domain import frictions
from fluide.domain.frictions import (
    TaggedAnswer,
    iso_week_start,
    latest_week,
    parse_iso_week,
    previous_iso_week,
    rank_frictions,
    representative_verbatims,
    weekly_frictions,
)

W, PREV = "2026-W47", "2026-W46"

# Most tests here are about the figures, on a handful of answers: the 3-comment
# rule of the top aside (its own tests below).
rank_any = partial(rank_frictions, min_comments=1)


def row(
    tp: str | None,
    ei: float,
    tags: tuple[str, ...] = (),
    comment: str | None = None,
    *,
    week: str = W,
    at: str = "2026-11-18T10:00:00+01:00",
    score: int = 4,
    count: int = 1,
) -> TaggedAnswer:
    return TaggedAnswer(tp, week, ei, tags, comment, at, score, count)


# payer, W47: mean (100 + 80 + 20 + 0) / 4 = 50.
# support, W47: mean (100 + 100 + 40 + 40) / 4 = 70.
# payer, W46: mean (60 + 20) / 2 = 40. W45 must be ignored.
ANSWERS = [
    row("payer", 100, ("payment",), "Carte refusée", at="2026-11-20T10:00:00+01:00", score=1),
    row("payer", 80, ("payment", "delay"), "Paiement en attente", score=2),
    row("payer", 20),
    row("payer", 0, (), "Rapide", score=7),
    row("support", 100, ("delay",), "45 minutes d'attente", score=1),
    row("support", 100, ("delay", "recontact"), "Rappelé trois fois", score=1),
    row("support", 40),
    row("support", 40, ("login",), "Mot de passe oublié", score=5),
    row("payer", 60, ("payment",), "Refus de carte", week=PREV),
    row("payer", 20, week=PREV),
    row("payer", 100, ("outage",), "Panne", week="2026-W45"),
]


def test_workspace_wide_gaps_are_against_each_touchpoint_mean() -> None:
    top = rank_any(ANSWERS, W, PREV)
    # delay: payer 80 - 50 = 30, support 100 - 70 = 30 twice -> gap 30, volume 3.
    # payment: 100 - 50 = 50 and 80 - 50 = 30 -> gap 40, volume 2.
    # recontact: 100 - 70 = 30, volume 1. login: 40 - 70 < 0, not a friction.
    assert [(f.tag, f.rank, f.volume) for f in top] == [
        ("delay", 1, 3),
        ("payment", 2, 2),
        ("recontact", 3, 1),
    ]
    delay, payment, recontact = top
    assert delay.effort_gap == pytest.approx(30.0)
    assert delay.score == pytest.approx(90.0)
    assert delay.mean_effort_index == pytest.approx(280 / 3)
    assert payment.effort_gap == pytest.approx(40.0)
    assert payment.score == pytest.approx(80.0)
    assert payment.mean_effort_index == pytest.approx(90.0)
    assert recontact.score == pytest.approx(30.0)


def test_share_is_over_the_answers_with_a_comment() -> None:
    delay, payment, _ = rank_any(ANSWERS, W, PREV)
    # Comments in W47: 6 of the 8 answers (two have none).
    assert delay.share == pytest.approx(3 / 6)
    assert payment.share == pytest.approx(2 / 6)


def test_one_touchpoint_gap_is_against_its_week_mean() -> None:
    top = rank_any(ANSWERS, W, PREV, touchpoint="payer")
    assert [(f.tag, f.volume, f.effort_gap, f.score) for f in top] == [
        ("payment", 2, 40.0, 80.0),
        ("delay", 1, 30.0, 30.0),
    ]
    assert top[0].share == pytest.approx(2 / 3)  # 3 comments on payer in W47
    support = rank_any(ANSWERS, W, PREV, touchpoint="support")
    assert [(f.tag, f.score) for f in support] == [("delay", 60.0), ("recontact", 30.0)]


def test_workspace_wide_gaps_do_not_mix_touchpoint_baselines() -> None:
    # support is hard (mean 80), payer easy (mean 20). "login" at 80 on support
    # is no harder than support itself, "payment" at 40 is 20 above payer. Against
    # the workspace mean (44) it would be the other way round: login +36, payment -4.
    rows = [
        row("support", 80, ("login",), "code"),
        row("support", 80),
        row("payer", 40, ("payment",), "carte"),
        row("payer", 20),
        row("payer", 0),
    ]
    assert [(f.tag, f.effort_gap) for f in rank_any(rows, W, None)] == [("payment", 20.0)]


def test_previous_week_figures_and_change() -> None:
    _, payment, recontact = rank_any(ANSWERS, W, PREV)
    assert payment.previous is not None
    # W46 payer: 60 - 40 = 20, volume 1.
    assert (payment.previous.volume, payment.previous.effort_gap) == (1, 20.0)
    assert payment.previous.score == 20.0
    assert payment.change == (1, 60.0)
    assert recontact.previous is None and recontact.change is None
    no_comparison = rank_any(ANSWERS, W, None)
    assert all(f.previous is None for f in no_comparison)


def test_higher_score_first_then_key() -> None:
    rows = [
        row("payer", 100, ("b_tag",), "x"),
        row("payer", 100, ("a_tag",), "y"),
        row("payer", 70, ("c_tag",), "z"),
        row("payer", 70, ("c_tag",), "w"),
        row("payer", 10),
        *[row("payer", 0)] * 5,
    ]
    # mean 350 / 10 = 35: a_tag and b_tag 1 x 65, c_tag 2 x 35 = 70.
    top = rank_any(rows, W, None)
    assert [(f.tag, f.score) for f in top] == [("c_tag", 70.0), ("a_tag", 65.0), ("b_tag", 65.0)]


def test_equal_scores_rank_by_volume_then_key() -> None:
    rows = [
        row("payer", 40, ("zeta",), "a"),
        row("payer", 40, ("alpha",), "b"),
        row("payer", 25, ("many",), "c"),
        row("payer", 25, ("many",), "d"),
        row("payer", 0),
        row("payer", 0),
        row("payer", 10),
        row("payer", 20),
    ]
    # mean 160 / 8 = 20: zeta 20, alpha 20, many 2 x 5 = 10.
    top = rank_any(rows, W, None)
    assert [(f.tag, f.score) for f in top] == [("alpha", 20.0), ("zeta", 20.0), ("many", 10.0)]
    tie = [
        row("payer", 40, ("zeta",), "a"),
        row("payer", 30, ("many",), "c"),
        row("payer", 30, ("many",), "d"),
        row("payer", 0),
        row("payer", 0),
    ]
    top = rank_any(tie, W, None)
    # mean 100 / 5 = 20: zeta 20, many 2 x 10 = 20 -> many first (higher volume).
    assert [(f.tag, f.volume, f.score) for f in top] == [("many", 2, 20.0), ("zeta", 1, 20.0)]


def test_top_limits_and_only_positive_gaps_count() -> None:
    assert [f.tag for f in rank_any(ANSWERS, W, PREV, top=1)] == ["delay"]
    rows = [row("payer", 10, ("easy",), "super"), row("payer", 90)]
    assert rank_any(rows, W, None) == []
    assert rank_any(ANSWERS, "2026-W40", None) == []


def test_small_sample_threshold_is_a_parameter() -> None:
    default = rank_any(ANSWERS, W, PREV)
    assert all(f.small_sample for f in default)  # volumes 3, 2, 1 < 5
    custom = rank_any(ANSWERS, W, PREV, small_sample=2)
    assert [f.small_sample for f in custom] == [False, False, True]


def test_a_row_counting_several_answers_weighs_as_many() -> None:
    grouped = [row("payer", 100, ("payment",), "KO", count=3), row("payer", 0, count=2)]
    expanded = [row("payer", 100, ("payment",), "KO")] * 3 + [row("payer", 0)] * 2
    a, b = rank_any(grouped, W, None)[0], rank_any(expanded, W, None)[0]
    # mean 60: gap 40, volume 3, score 120; share 3 / 3.
    assert (a.volume, a.effort_gap, a.score, a.share) == (3, 40.0, 120.0, 1.0)
    assert (b.volume, b.effort_gap, b.score, b.share) == (3, 40.0, 120.0, 1.0)


def test_verbatims_highest_effort_then_most_recent_and_distinct() -> None:
    rows = [
        row("payer", 50, ("payment",), "Vieux", at="2026-11-16T09:00:00+01:00"),
        row("payer", 50, ("payment",), "Récent", at="2026-11-21T09:00:00+01:00"),
        row("payer", 100, ("payment",), "Carte refusée", at="2026-11-17T09:00:00+01:00"),
        row("payer", 100, ("payment",), "  carte REFUSEE ", at="2026-11-19T09:00:00+01:00"),
        row("payer", 100, ("delay",), "Pas ce tag", at="2026-11-22T09:00:00+01:00"),
        row("payer", 100, ("payment",), "   ", at="2026-11-22T09:00:00+01:00"),
    ]
    texts = [v.comment for v in representative_verbatims(rows, "payment")]
    assert texts == ["  carte REFUSEE ", "Récent", "Vieux"]
    assert len(representative_verbatims(rows, "payment", limit=1)) == 1


def test_verbatims_are_from_the_week_only() -> None:
    payment = rank_any(ANSWERS, W, PREV, touchpoint="payer")[0]
    assert [v.comment for v in payment.verbatims] == ["Carte refusée", "Paiement en attente"]
    v = payment.verbatims[0]
    assert (v.score, v.responded_at, v.touchpoint) == (1, "2026-11-20T10:00:00+01:00", "payer")


def test_json_keys_are_stable() -> None:
    _, payment, recontact = rank_any(ANSWERS, W, PREV)
    doc = payment.to_json()
    assert list(doc) == [
        "tag",
        "volume",
        "share",
        "mean_effort_index",
        "effort_gap",
        "score",
        "rank",
        "previous",
        "change",
        "small_sample",
        "verbatims",
        "also_tags",
        "expected_gap",
        "expected_score",
    ]
    assert doc["previous"] == {"volume": 1, "effort_gap": 20.0, "score": 20.0}
    assert doc["change"] == {"volume": 1, "score": 60.0}
    assert list(doc["verbatims"][0]) == ["comment", "score", "responded_at", "touchpoint"]
    assert recontact.to_json()["previous"] is None and recontact.to_json()["change"] is None
    json.dumps(doc)


def test_weekly_frictions_workspace_and_each_touchpoint() -> None:
    w = weekly_frictions(
        [*ANSWERS, row(None, 100, ("outage",), "Bug")], W, tagger="rules", min_comments=1
    )
    assert (w.week, w.previous_week, w.tagger) == (W, PREV, "rules")
    assert list(w.by_touchpoint) == ["payer", "support"]
    assert [f.tag for f in w.by_touchpoint["payer"]] == ["payment", "delay"]
    # The answer without a touchpoint is its own baseline: gap 0, no friction.
    assert "outage" not in [f.tag for f in w.overall]
    doc = w.to_json()
    assert list(doc) == ["week", "previous_week", "overall", "by_touchpoint", "tagger"]
    assert doc["overall"][0]["tag"] == "delay"


def test_touchpoints_without_answers_this_week_are_not_listed() -> None:
    rows = [*ANSWERS, row("annuler", 100, ("delay",), "x", week=PREV)]
    assert "annuler" not in weekly_frictions(rows, W, tagger="model").by_touchpoint


def test_iso_weeks() -> None:
    assert previous_iso_week("2026-W01") == "2025-W52"
    assert previous_iso_week("2027-W01") == "2026-W53"  # 2026 has 53 ISO weeks
    assert previous_iso_week("2026-W48") == "2026-W47"
    assert iso_week_start("2026-W47").isoformat() == "2026-11-16"
    assert parse_iso_week("2020-W53") == (2020, 53)
    for bad in ("2026W47", "2026-W5", "2025-W53", "2026-W00", "semaine 47"):
        with pytest.raises(ValueError):
            parse_iso_week(bad)
    assert latest_week(ANSWERS) == W
    assert latest_week([]) is None


def test_docstring_examples() -> None:
    assert doctest.testmod(frictions).failed == 0


def thin_and_solid() -> list[TaggedAnswer]:
    """payer, W47: mean (100 + 3 × 40 + 6 × 0) / 10 = 22.

    ``outage``: one comment, gap 78, score 78; ``delay``: three, gap 18, score 54.
    """
    return [
        row("payer", 100, ("outage",), "Tout a planté"),
        *[row("payer", 40, ("delay",), f"Long {i}") for i in range(3)],
        *[row("payer", 0)] * 6,
    ]


def test_a_tag_seen_in_fewer_than_three_comments_never_reaches_the_top() -> None:
    assert frictions.MIN_TOP_COMMENTS == 3
    assert [(f.tag, f.score) for f in rank_frictions(thin_and_solid(), W, None)] == [
        ("delay", 54.0)
    ]
    assert [f.tag for f in rank_any(thin_and_solid(), W, None)] == ["outage", "delay"]
    w = weekly_frictions(thin_and_solid(), W, tagger="model")
    assert [f.tag for f in w.overall] == [f.tag for f in w.by_touchpoint["payer"]] == ["delay"]


def test_tags_carried_by_the_same_comments_take_one_place_in_the_top() -> None:
    rows = [
        *[row("payer", 100, ("recontact", "delay"), f"Rappelé {i}") for i in range(3)],
        *[row("payer", 60, ("payment",), f"Carte {i}") for i in range(3)],
        row("payer", 80, ("login",), "Code"),
        *[row("payer", 60, ("login",), f"Mot de passe {i}") for i in range(2)],
        *[row("payer", 0)] * 3,
    ]
    top = rank_frictions(rows, W, None)
    # mean (300 + 180 + 200 + 0) / 12 = 56.67: delay (= recontact) 3 × 43.3, login
    # 3 × 10, payment 3 × 3.3; one comment under two tags is one friction.
    assert [(f.tag, f.also_tags) for f in top] == [
        ("delay", ("recontact",)),
        ("login", ()),
        ("payment", ()),
    ]
    assert top[0].to_json()["also_tags"] == ["recontact"]


def test_an_answer_under_two_tags_counts_in_each_when_their_comments_differ() -> None:
    rows = [
        *[row("payer", 100, ("delay", "recontact"), f"Rappelé {i}") for i in range(3)],
        row("payer", 100, ("recontact",), "Encore rappelé"),
        *[row("payer", 0)] * 4,
    ]
    top = rank_frictions(rows, W, None)
    assert [(f.tag, f.volume, f.also_tags) for f in top] == [
        ("recontact", 4, ()),
        ("delay", 3, ()),
    ]


def test_the_week_is_ranked_on_gaps_shrunk_by_their_evidence() -> None:
    """One comment at +60 no longer outranks three at +18.

    « payer », week W: 15 answers, mean 750 / 15 = 50. ``a``: one answer at 110 (gap
    +60); ``b``: 48, 68, 88 (gap +18, variance 400); ``c``: 36, 56, 76 (+6, 400);
    ``d``: 24, 44, 64 (−6, 400); five untagged answers (20, 24, 28, 30, 34).
    Under ten answers each, so every friction uses the pooled variance 400:
    v = 400 for ``a``, 400/3 for the others. Σ g²/v = 9 + 2.43 + 0.27 + 0.27 = 11.97,
    Σ 1/v = 1/400 + 9/400 = 1/40, so τ² = (11.97 − 4) × 40 = 318.8; the weights are
    318.8/718.8 for ``a`` and 318.8/(318.8 + 400/3) for the others.
    Expected scores: ``a`` 1 × 60 × 0.4435 = 26.6, ``b`` 3 × 18 × 0.7051 = 38.1,
    ``c`` 3 × 6 × 0.7051 = 12.7 (raw scores 60, 54, 18).
    """
    tagged = [("a", [110]), ("b", [48, 68, 88]), ("c", [36, 56, 76]), ("d", [24, 44, 64])]
    rows = [row("payer", ei, (tag,), f"{tag} {ei}") for tag, eis in tagged for ei in eis]
    rows += [row("payer", ei) for ei in (20, 24, 28, 30, 34)]
    top = rank_any(rows, W, None)
    assert [f.tag for f in top] == ["b", "a", "c"]
    assert [f.score for f in top] == pytest.approx([54.0, 60.0, 18.0])
    w_a, w_b = 318.8 / 718.8, 318.8 / (318.8 + 400 / 3)
    gaps = {f.tag: f.expected_gap for f in top}
    assert gaps == pytest.approx({"a": 60 * w_a, "b": 18 * w_b, "c": 6 * w_b}, abs=1e-9)
    assert top[0].expected_score == pytest.approx(3 * 18 * w_b, abs=1e-9)


def test_the_same_answers_in_any_order_give_the_same_top_to_the_last_digit() -> None:
    # SQLite and PostgreSQL return rows in different orders; float sums depend on it.
    import random

    rng = random.Random(5)
    efforts = [0.0, 100 / 6, 100 / 3, 50.0, 200 / 3, 500 / 6, 100.0]
    answers = []
    for i in range(120):
        tags = tuple(rng.sample(["payment", "login", "delay", "bug"], rng.choice([0, 1, 1, 2])))
        answers.append(
            row(
                rng.choice(["payer", "annuler"]),
                rng.choice(efforts),
                tags,
                f"commentaire {i}" if tags else None,
                week=rng.choice([W, PREV]),
                at=f"2026-11-{1 + i % 20:02d}T10:00:00+01:00",
            )
        )
    first = weekly_frictions(answers, W, tagger="model").to_json()
    for _ in range(10):
        rng.shuffle(answers)
        assert weekly_frictions(answers, W, tagger="model").to_json() == first
