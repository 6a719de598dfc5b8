"""The contract of ``fluide tag`` and ``fluide tag-eval`` (tests and benchmarks rely on it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fluide.cli import app

runner = CliRunner()


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_tag_prints_one_json_line_per_row_in_order(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "in.csv",
        'text\nMa carte a été refusée\n"J\'attends depuis 3 semaines"\nRien à redire\n',
    )
    r = runner.invoke(app, ["tag", str(f), "--format", "jsonl"])
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["row"] for x in lines] == [0, 1, 2]
    assert set(lines[0]) == {"row", "tags", "scores"}
    assert "payment" in lines[0]["tags"]
    assert "delay" in lines[1]["tags"]
    assert lines[2]["tags"] == []
    assert set(lines[0]["scores"]) >= {"payment", "outage", "recontact"}


def test_examples_add_a_new_tag(tmp_path: Path) -> None:
    ex = write(
        tmp_path,
        "ex.csv",
        "text,tags\n"
        + "".join(
            f"{t},damaged\n"
            for t in (
                "Colis reçu écrasé",
                "Produit arrivé cassé",
                "Article livré abîmé",
                "Emballage déchiré et objet brisé",
                "The parcel arrived damaged",
                "Vase en morceaux à la livraison",
            )
        )
        + "Merci,\n",
    )
    f = write(tmp_path, "in.csv", "comment\nLe carton était défoncé et l'objet cassé\n")
    r = runner.invoke(app, ["tag", str(f), "--examples", str(ex)])
    assert r.exit_code == 0, r.output
    line = json.loads(r.stdout)
    assert "damaged" in line["scores"]
    assert "damaged" in line["tags"]


def test_bad_examples_name_the_line_and_stop(tmp_path: Path) -> None:
    ex = write(tmp_path, "ex.csv", "text,tags\nok,delay\nko,Not A Key\n")
    f = write(tmp_path, "in.csv", "text\nx\n")
    r = runner.invoke(app, ["tag", str(f), "--examples", str(ex), "--lang", "en"])
    assert r.exit_code == 2
    assert "line 3" in r.stderr and "Not A Key" in r.stderr


def test_missing_text_column_is_a_clear_error(tmp_path: Path) -> None:
    f = write(tmp_path, "in.csv", "avis\nx\n")
    r = runner.invoke(app, ["tag", str(f), "--lang", "en"])
    assert r.exit_code == 2
    assert "text or comment" in r.stderr


def test_tag_eval_prints_per_tag_scores_and_macro_f1(tmp_path: Path) -> None:
    test = write(
        tmp_path,
        "test.csv",
        "text,tags\n"
        "Ma carte a été refusée,payment\n"
        "Prélevé deux fois ce mois-ci,payment\n"
        "Plus d'internet depuis hier,outage\n"
        "L'appli plante sans arrêt,outage\n"
        "Rapide et simple,\n",
    )
    r = runner.invoke(app, ["tag-eval", "--test", str(test), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc["per_tag"]) == {"payment", "outage"}
    assert doc["per_tag"]["payment"]["support"] == 2
    assert doc["macro_f1"] == 1.0
    r = runner.invoke(app, ["tag-eval", "--test", str(test), "--no-model", "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "macro-F1" in r.stdout and "precision" in r.stdout


def test_no_neighbours_tags_each_row_as_if_it_were_alone(tmp_path: Path) -> None:
    rows = [
        "J'attends toujours mon code",
        *[f"J'attends toujours mon code depuis {n} semaines" for n in (2, 3, 4, 5)],
    ]
    f = write(tmp_path, "in.csv", "text\n" + "\n".join(f'"{r}"' for r in rows) + "\n")
    one = write(tmp_path, "one.csv", f'text\n"{rows[0]}"\n')

    def first_scores(path: Path, *flags: str) -> dict[str, float]:
        r = runner.invoke(app, ["tag", str(path), "--format", "jsonl", *flags])
        assert r.exit_code == 0, r.output
        scores: dict[str, float] = json.loads(r.stdout.splitlines()[0])["scores"]
        return scores

    alone = first_scores(one)
    assert first_scores(f, "--no-neighbours") == pytest.approx(alone, abs=2e-4)
    with_neighbours = first_scores(f)
    assert with_neighbours["delay"] != pytest.approx(alone["delay"], abs=1e-3)
