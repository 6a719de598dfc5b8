"""Praise, negation and irony: a friction needs a complaint.

``praise_neutral.jsonl`` (220 comments, the project's own writing) is never used to
choose a cue or a setting; ``corpus_fr.jsonl`` (2,300 comments written for the
project, tagged) is where the cues were developed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fluide.domain.taxonomy import DEFAULT_TAXONOMY, TagDef
from fluide.tagging.embed import E5Embedder
from fluide.tagging.model import Tagger, TaggerConfig
from fluide.tagging.polarity import has_complaint, is_praise, without_negated

HERE = Path(__file__).parent


def _rows(name: str) -> list[dict[str, object]]:
    with (HERE / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.mark.parametrize(
    "text",
    [
        "Paiement en un clic, ça passe.",
        "connexion rapide, rien à redire",
        "Aucun souci pour payer, merci",
        "Remboursé en 2 jours, top",
        "pas eu besoin de rappeler, tout était noté",
        "nickel",
        "no issues at all, thanks",
    ],
)
def test_praise_and_negated_problems_are_praise(text: str) -> None:
    assert is_praise(text)


@pytest.mark.parametrize(
    "text",
    [
        "Génial, encore une coupure !",
        "bravo, 3e coupure cette semaine",
        "top le service client, personne décroche",
        "appli top mais impossible de télécharger ma facture",
        "Encore une fois : impossible de télécharger le PDF",
        "merci pour le prélèvement surprise de 29,99",
        "pas rapide du tout",
    ],
)
def test_irony_and_mixed_comments_are_not_praise(text: str) -> None:
    assert not is_praise(text)


def test_a_negated_problem_is_not_a_complaint_but_a_problem_is() -> None:
    assert not has_complaint("Pas eu besoin de rappeler")
    assert has_complaint("Il a fallu rappeler 3 fois")
    assert has_complaint("On m'a débité deux fois la même commande")


def test_rules_do_not_read_negated_problems() -> None:
    assert "frais" not in without_negated("Retour sans frais, aucun message d'erreur")
    assert "erreur" not in without_negated("aucun message d'erreur")
    assert "panne" in without_negated("encore en panne")


def test_without_the_model_praise_on_a_topic_gets_no_friction_tag() -> None:
    tagger = Tagger.train(DEFAULT_TAXONOMY, [], None)
    praise, complaint, negated = tagger.predict(
        [
            "Paiement en un clic, ça passe.",
            "Paiement refusé deux fois, impossible de payer",
            "aucun frais caché à la résiliation",
        ]
    )
    assert praise.tags == ()
    assert "payment" in complaint.tags
    assert negated.tags == ()


def test_an_easy_score_with_no_complaint_cue_gets_no_friction_tag() -> None:
    # Keywords alone would tag it: the score is what says nothing went wrong.
    tagger = Tagger.train(DEFAULT_TAXONOMY, [], None, TaggerConfig(rules_need_complaint=False))
    text = "changement de carte bancaire fait depuis l'appli"
    hard, easy = tagger.predict([text, text], easy=[False, True])
    assert "payment" in hard.tags
    assert easy.tags == ()
    (still,) = tagger.predict(["carte refusée au paiement"], easy=[True])
    assert "payment" in still.tags


def test_a_workspaces_own_tag_is_not_silenced_by_praise() -> None:
    tax = DEFAULT_TAXONOMY.with_tag(
        TagDef("kudos", {"fr": "Bravo", "en": "Kudos"}, keywords=(r"\bmerci\b",))
    )
    (p,) = Tagger.train(tax, [], None).predict(["Merci beaucoup, parfait"])
    assert p.tags == ("kudos",)


def test_the_cues_hold_on_the_development_corpus() -> None:
    """Where the cues were developed: almost no real complaint is taken for praise."""
    rows = _rows("corpus_fr.jsonl")
    tagged = [str(r["text"]) for r in rows if r["tags"]]
    untagged = [str(r["text"]) for r in rows if not r["tags"]]
    assert sum(map(is_praise, tagged)) / len(tagged) <= 0.03
    assert sum(map(is_praise, untagged)) / len(untagged) >= 0.5


def test_praise_and_neutral_comments_get_no_friction_tag(embedder: E5Embedder) -> None:
    """The held-out set: at least 95 % of praise and neutral comments carry no tag."""
    rows = _rows("praise_neutral.jsonl")
    assert len(rows) >= 150
    tagger = Tagger.train(DEFAULT_TAXONOMY, [], embedder)
    preds = tagger.predict([str(r["text"]) for r in rows])
    tagged = [(r["text"], p.tags) for r, p in zip(rows, preds, strict=True) if p.tags]
    assert 1 - len(tagged) / len(rows) >= 0.95, tagged
