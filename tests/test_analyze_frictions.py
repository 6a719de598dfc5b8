"""`fluide analyze`'s week's top frictions: read two weeks, tag their comments, rank.

The tagger is a stand-in that tags from a fixed table and records what it was
asked, so the figures are worked by hand and the cost (texts tagged) is seen.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fluide.analysis import AnalyzeOptions, analyze_file
from fluide.cli import app
from fluide.ingest.errors import InputError
from fluide.tagging import Prediction
from tests.factories import answer, write_csv

runner = CliRunner()
TZ = "Europe/Paris"
Q = ("--scale", "1-7", "--polarity", "ease", "--tz", TZ)
TAGS = {
    "Carte refusée": ("payment",),
    "Débité deux fois": ("payment", "recontact"),
    "Toujours pas de réponse": ("delay",),
    "Paiement refusé": ("payment",),
    "Vieux commentaire": ("payment",),
}


class FakeTagger:
    """Tags from :data:`TAGS`; remembers every batch it was given."""

    def __init__(self, model: bool = True) -> None:
        self.embedder = object() if model else None
        self.calls: list[list[str]] = []

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        self.calls.append(list(texts))
        return [Prediction(TAGS.get(t, ()), {}, {}) for t in texts]


def export(tmp_path: Path) -> Path:
    """1-7 ease: effort index 100·(7 − score)/6. Weeks 2026-W45 to W47 in Paris."""
    rows = [
        answer(when="2026-11-08T23:30:00+01:00", score=1, comment="Vieux commentaire"),  # W45
        # W46, payer: 3 × 66.67 and 3 × 0 -> mean 33.33 (three comments: a top needs them).
        *[
            answer(when=f"2026-11-1{d}T10:00:00+01:00", score=3, comment="Paiement refusé")
            for d in (0, 1, 2)
        ],
        *[answer(when=f"2026-11-1{d}T11:00:00+01:00", score=7) for d in (0, 1, 2)],
        # W47, payer: 100, 100, 50, 0, 16.67 -> mean 53.33. 00:30 on Monday in Paris.
        answer(when="2026-11-15T23:30:00Z", score=1, comment="Carte refusée"),
        answer(when="2026-11-18T10:00:00+01:00", score=1, comment="Carte refusée "),
        answer(when="2026-11-19T10:00:00+01:00", score=4, comment="Débité deux fois"),
        answer(when="2026-11-19T11:00:00+01:00", score=7),
        answer(when="2026-11-20T11:00:00+01:00", score=6, comment="Rapide"),
        # W47, support: 3 × 83.33 and 3 × 33.33 -> mean 58.33.
        *[
            answer(
                when=f"2026-11-21T0{h}:00:00+01:00",
                score=2,
                comment="Toujours pas de réponse",
                touchpoint="support",
            )
            for h in (7, 8, 9)
        ],
        *[
            answer(when=f"2026-11-22T0{h}:00:00+01:00", score=5, touchpoint="support")
            for h in (7, 8, 9)
        ],
    ]
    return write_csv(tmp_path / "export.csv", rows)


def analyse(path: Path, tagger: FakeTagger, **options: Any) -> dict[str, Any]:
    o = AnalyzeOptions(scale="1-7", polarity="ease", tz=TZ, **options)
    doc = analyze_file(path, o, tagger=lambda: tagger).to_json()  # type: ignore[arg-type,return-value]
    return json.loads(json.dumps(doc))  # type: ignore[no-any-return]


def test_frictions_of_the_latest_week_worked_by_hand(tmp_path: Path) -> None:
    tagger = FakeTagger()
    doc = analyse(export(tmp_path), tagger)
    fr = doc["frictions"]
    assert (fr["week"], fr["previous_week"], fr["tagger"]) == ("2026-W47", "2026-W46", "model")
    assert [f["tag"] for f in fr["overall"]] == ["payment", "delay"]
    payment, delay = fr["overall"]
    # payment: 100, 100, 50 on payer (mean 53.33): gap 30, score 90; recontact (50) is below.
    assert payment["volume"] == 3
    assert payment["effort_gap"] == pytest.approx(30.0)
    assert payment["score"] == pytest.approx(90.0)
    assert payment["mean_effort_index"] == pytest.approx(250 / 3)
    assert payment["share"] == pytest.approx(3 / 7)  # 7 comments in W47
    # W46: 66.67 against 33.33 -> gap 33.33, volume 3.
    assert payment["previous"]["volume"] == 3
    assert payment["previous"]["score"] == pytest.approx(100)
    assert payment["change"]["volume"] == 0
    assert payment["change"]["score"] == pytest.approx(90 - 100)
    assert payment["small_sample"] is True
    # delay: 83.33 on support (mean 58.33): gap 25, new this week.
    assert delay["effort_gap"] == pytest.approx(25.0)
    assert delay["previous"] is None and delay["change"] is None
    assert [v["comment"] for v in payment["verbatims"]] == [
        "Carte refusée ",
        "Débité deux fois",
    ]
    assert payment["verbatims"][0]["responded_at"] == "2026-11-18T10:00:00+01:00"
    assert list(fr["by_touchpoint"]) == ["payer", "support"]
    assert [f["tag"] for f in fr["by_touchpoint"]["support"]] == ["delay"]
    assert list(doc)[-2:] == ["frictions", "input"]


def test_only_the_two_weeks_comments_are_tagged_once_each(tmp_path: Path) -> None:
    tagger = FakeTagger()
    analyse(export(tmp_path), tagger)
    assert tagger.calls == [
        [
            "Carte refusée",
            "Débité deux fois",
            "Paiement refusé",
            "Rapide",
            "Toujours pas de réponse",
        ]
    ]


def test_an_explicit_week(tmp_path: Path) -> None:
    tagger = FakeTagger(model=False)
    fr = analyse(export(tmp_path), tagger, week="2026-W46")["frictions"]
    assert (fr["week"], fr["previous_week"], fr["tagger"]) == ("2026-W46", "2026-W45", "rules")
    assert tagger.calls == [["Paiement refusé", "Vieux commentaire"]]
    # W46 payer: 66.67 against a mean of 33.33.
    assert [(f["tag"], f["volume"]) for f in fr["overall"]] == [("payment", 3)]
    assert fr["overall"][0]["previous"] == {"volume": 1, "effort_gap": 0.0, "score": 0.0}


def test_a_week_without_answers_has_no_frictions(tmp_path: Path) -> None:
    tagger = FakeTagger()
    doc = analyse(export(tmp_path), tagger, week="2026-W30")
    assert "frictions" not in doc and tagger.calls == []


def test_bad_week_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        analyse(export(tmp_path), FakeTagger(), week="2026-47")
    assert "2026-W47" in err.value.message and err.value.params == {"value": "2026-47"}


def test_no_frictions_and_no_tagging_when_switched_off(tmp_path: Path) -> None:
    tagger = FakeTagger()
    doc = analyse(export(tmp_path), tagger, frictions=False)
    assert "frictions" not in doc and tagger.calls == []


def test_without_comments_the_key_is_absent_and_nothing_is_tagged(tmp_path: Path) -> None:
    tagger = FakeTagger()
    no_column = write_csv(
        tmp_path / "a.csv",
        [("2026-11-20T10:00:00+01:00", 1, "payer")],
        ("responded_at", "score", "touchpoint"),
    )
    assert "frictions" not in analyse(no_column, tagger)
    empty = write_csv(tmp_path / "b.csv", [answer(when="2026-11-20T10:00:00+01:00")] * 3)
    assert "frictions" not in analyse(empty, tagger)
    assert tagger.calls == []


def test_each_answer_takes_its_own_question_effort_index(tmp_path: Path) -> None:
    header = ("responded_at", "score", "comment", "touchpoint", "scale", "polarity")
    rows = [
        # 1-5 effort, 5 = very high effort: index 100. 1-7 ease, 7 = easy: index 0.
        *[("2026-11-20T10:00:00+01:00", 5, "Carte refusée", "payer", "1-5", "effort")] * 3,
        *[("2026-11-20T11:00:00+01:00", 7, "", "payer", "1-7", "ease")] * 3,
    ]
    path = write_csv(tmp_path / "q.csv", rows, header)
    o = AnalyzeOptions(tz=TZ, effort_index=True)
    doc = analyze_file(path, o, tagger=lambda: FakeTagger()).to_json()  # type: ignore[arg-type,return-value]
    (payment,) = doc["frictions"]["overall"]
    assert (payment["tag"], payment["effort_gap"], payment["score"]) == ("payment", 50.0, 150.0)


# --- The command line ------------------------------------------------------------


@pytest.fixture
def fake_tagger(monkeypatch: pytest.MonkeyPatch) -> FakeTagger:
    tagger = FakeTagger()
    monkeypatch.setattr("fluide.tagging.default_tagger", lambda: tagger)
    return tagger


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_cli_json_has_the_frictions_key(tmp_path: Path, fake_tagger: FakeTagger) -> None:
    result = invoke("analyze", str(export(tmp_path)), *Q, "--format", "json")
    assert result.exit_code == 0, result.output
    fr = json.loads(result.stdout)["frictions"]
    assert list(fr) == ["week", "previous_week", "overall", "by_touchpoint", "tagger"]
    assert list(fr["overall"][0]) == [
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


def test_cli_week_and_no_frictions(tmp_path: Path, fake_tagger: FakeTagger) -> None:
    path = str(export(tmp_path))
    doc = json.loads(invoke("analyze", path, *Q, "--format", "json", "--week", "2026-W46").stdout)
    assert doc["frictions"]["week"] == "2026-W46"
    off = invoke("analyze", path, *Q, "--format", "json", "--no-frictions")
    assert "frictions" not in json.loads(off.stdout)
    bad = invoke("analyze", path, *Q, "--week", "S47")
    assert bad.exit_code == 2 and "--week doit être une semaine ISO" in bad.stderr
    bad_en = invoke("analyze", path, *Q, "--week", "2026-W54", "--lang", "en")
    assert bad_en.exit_code == 2 and "2026-W54" in bad_en.stderr


@pytest.mark.parametrize(
    ("lang", "title", "payment"),
    [("fr", "Principales frictions de la semaine", "Paiement"), ("en", "Top frictions", "Payment")],
)
def test_cli_text_shows_the_frictions(
    tmp_path: Path, fake_tagger: FakeTagger, lang: str, title: str, payment: str
) -> None:
    result = invoke("analyze", str(export(tmp_path)), *Q, "--lang", lang)
    assert result.exit_code == 0, result.output
    assert title in result.stdout and payment in result.stdout
    assert "Carte refusée" in result.stdout


def test_cli_html_keeps_a_script_in_a_verbatim_inert(
    tmp_path: Path, fake_tagger: FakeTagger
) -> None:
    script = "<script>alert('friction')</script>"
    TAGS[script] = ("payment",)
    try:
        rows = [
            *[
                answer(when=f"2026-11-20T1{h}:00:00+01:00", score=1, comment=script)
                for h in (0, 1, 2)
            ],
            answer(when="2026-11-20T13:00:00+01:00", score=7),
        ]
        out = tmp_path / "r.html"
        path = str(write_csv(tmp_path / "e.csv", rows))
        result = invoke("analyze", path, *Q, "--format", "html", "-o", str(out), "--verbatims", "0")
        assert result.exit_code == 0, result.output
        html = out.read_text(encoding="utf-8")
    finally:
        del TAGS[script]
    assert "Principales frictions de la semaine" in html
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;friction&#39;)&lt;/script&gt;" in html


def test_the_number_of_comments_to_tag_is_announced_before_tagging(tmp_path: Path) -> None:
    tagger = FakeTagger()
    announced: list[int] = []
    o = AnalyzeOptions(scale="1-7", polarity="ease", tz=TZ)
    analyze_file(export(tmp_path), o, tagger=lambda: tagger, on_tagging=announced.append)  # type: ignore[arg-type,return-value]
    # W46 and W47's distinct comments, once each, announced before the one batch.
    assert announced == [len(tagger.calls[0])]
    assert announced[0] == 5
