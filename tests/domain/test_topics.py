"""Emerging topics: clusters of synthetic embeddings, named from their texts."""

from __future__ import annotations

import doctest
import re

import numpy as np
import pytest

from fluide.domain import topics as topics_module
from fluide.domain.taxonomy import normalize
from fluide.domain.topics import STOP_WORDS, find_topics, slug

DIM = 384

INVOICE = [
    "Je ne trouve pas ma facture dans l'application",
    "Facture introuvable dans l'application",
    "Où est la facture de mars ? L'application ne la montre pas",
    "L'application ne donne pas la facture",
    "Impossible d'avoir ma facture sur l'application",
    "La facture n'est pas dans l'application, ni dans mes mails",
    "Application : facture de février introuvable",
    "CENTRE facture application",
]
PASSWORD = [
    "Mot de passe refusé dans l'application",
    "Mot de passe REFUSÉ, encore, dans l'application",
    "Application : mot de passe refusé trois fois",
    "Mon mot de passe est refuse par l'application",
    "Le mot de passe refusé, je suis bloqué dans l'application",
    "J'ai changé le mot de passe, l'application le dit refusé",
]
DELIVERY = [
    "Livraison rapide, l'application est claire",
    "Livraison reçue vite grâce à l'application",
    "La livraison est arrivée, application simple",
    "Livraison ok, application ok",
    "Application pratique pour suivre la livraison",
    "Livraison le lendemain, je suis content de l'application",
    "Livraison parfaite, l'application m'a prévenu",
    "Livraison suivie dans l'application",
    "Bonne livraison avec l'application",
    "Livraison impeccable, application au top",
]
NOISE = [
    "Rien à signaler avec l'application",
    "Le conseiller était aimable, application",
    "Tarif trop élevé, application",
    "Je voulais résilier mon contrat, application",
    "Question sur la TVA dans l'application",
]


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def blob(
    rng: np.random.Generator, common: np.ndarray, size: int, spread: float = 0.02
) -> np.ndarray:
    """Tight points around a centre sharing a direction with the other centres.

    Sentence embeddings of comments sit in a cone (they share a direction),
    so topics are nearer to each other (distance ~1) than to unrelated
    texts (~1.4), as here.
    """
    centre = unit(common + unit(rng.normal(size=DIM)))
    return centre + rng.normal(scale=spread, size=(size, DIM))


def corpus(seed: int = 0) -> tuple[list[str], np.ndarray, list[float]]:
    """Three tight blobs (invoice, password, delivery) and scattered noise."""
    rng = np.random.default_rng(seed)
    common = unit(rng.normal(size=DIM))
    invoice = blob(rng, common, len(INVOICE))
    invoice[-1] = invoice[:-1].mean(axis=0)  # "CENTRE…" sits at the centre of its blob
    x = np.vstack(
        [
            invoice,
            blob(rng, common, len(PASSWORD)),
            blob(rng, common, len(DELIVERY)),
            rng.normal(size=(len(NOISE), DIM)),
        ]
    )
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    efforts = (
        [80.0] * len(INVOICE)
        + [100.0, 80.0, 90.0, 90.0, 90.0, 90.0]  # mean 90
        + [20.0] * len(DELIVERY)
        + [100.0] * len(NOISE)
    )
    return INVOICE + PASSWORD + DELIVERY + NOISE, x.astype(np.float32), efforts


def ranges() -> dict[str, set[int]]:
    a = len(INVOICE)
    b = a + len(PASSWORD)
    c = b + len(DELIVERY)
    return {
        "invoice": set(range(a)),
        "password": set(range(a, b)),
        "delivery": set(range(b, c)),
        "noise": set(range(c, c + len(NOISE))),
    }


def test_three_blobs_are_found_and_noise_dropped() -> None:
    texts, x, efforts = corpus()
    found = find_topics(texts, x, efforts)
    r = ranges()
    assert [set(t.members) for t in found] == [r["invoice"], r["password"], r["delivery"]]
    assert all(not set(t.members) & r["noise"] for t in found)
    assert [t.size for t in found] == [8, 6, 10]


def test_sorted_by_size_times_mean_effort() -> None:
    texts, x, efforts = corpus()
    found = find_topics(texts, x, efforts)
    # invoice 8 x 80 = 640, password 6 x 90 = 540, delivery 10 x 20 = 200.
    assert [t.mean_effort_index for t in found] == [80.0, 90.0, 20.0]
    assert [t.impact for t in found] == [640.0, 540.0, 200.0]


def test_names_pick_the_distinctive_word_not_a_stop_word_nor_a_common_one() -> None:
    texts, x, efforts = corpus()
    invoice, password, delivery = find_topics(texts, x, efforts)
    assert invoice.words[0] == "facture"
    assert delivery.words[0] == "livraison"
    assert password.words == ("mot de passe", "refusé")  # a pair across « de »
    assert invoice.name == "facture / introuvable"
    # "application" is in every comment: it names nothing.
    assert all("application" not in t.words for t in (invoice, password, delivery))
    for t in (invoice, password, delivery):
        assert 1 <= len(t.words) <= 3
        assert t.name == " / ".join(t.words)
        for term in t.words:
            first, *_, last = normalize(term).split() * 2
            assert first not in STOP_WORDS["fr"] and last not in STOP_WORDS["fr"], term


def test_accents_are_kept_in_names_but_matched_without_them() -> None:
    texts, x, efforts = corpus()
    password = find_topics(texts, x, efforts)[1]
    # "refusé", "REFUSÉ" and "refuse" are one term, shown as most often written.
    assert "refusé" in password.words and "refuse" not in password.words


def test_tag_key_is_a_slug_of_the_top_word() -> None:
    texts, x, efforts = corpus()
    found = find_topics(texts, x, efforts)
    assert [t.tag_key for t in found] == ["facture", "mot_passe", "livraison"]
    for t in found:
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,39}", t.tag_key)
    assert slug("Élévation tarifaire " * 5) == "elevation_tarifaire_elevation_tarifaire"
    assert len(slug("x" * 80)) == 40
    assert slug("2FA") == "t_2fa"


def test_representatives_are_closest_to_the_centre_and_distinct() -> None:
    texts, x, efforts = corpus()
    invoice = find_topics(texts, x, efforts)[0]
    assert invoice.texts[0] == "CENTRE facture application"
    assert len(invoice.texts) == 3 and len(set(invoice.texts)) == 3
    assert set(invoice.texts) <= set(INVOICE)
    dup = [*texts[:-5], *texts[:5]]  # five copies of invoice texts as noise stand-ins
    x2 = np.vstack([x[:-5], x[:5]])
    again = find_topics(dup, x2, efforts)[0]
    assert len({normalize(t) for t in again.texts}) == len(again.texts)


def test_deterministic() -> None:
    texts, x, efforts = corpus()
    assert find_topics(texts, x, efforts) == find_topics(texts, x, efforts)


def test_noise_only_or_too_few_texts_give_no_topic() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(12, DIM))
    assert find_topics([f"texte {i}" for i in range(12)], x, [50.0] * 12) == []
    assert find_topics(["a", "b"], x[:2], [1.0, 2.0]) == []


def test_one_dense_group_amid_scattered_comments_is_a_topic() -> None:
    # HDBSCAN alone finds nothing here: the group is all that is left of its tree's root.
    rng = np.random.default_rng(4)
    scattered = [f"Remarque isolée numéro {i}" for i in range(20)]
    x = np.vstack(
        [blob(rng, unit(rng.normal(size=DIM)), len(PASSWORD)), rng.normal(size=(20, DIM))]
    )
    found = find_topics(PASSWORD + scattered, unit(x), [90.0] * 26)
    assert len(found) == 1
    assert set(found[0].members) <= set(range(len(PASSWORD))) and found[0].size >= 5
    assert "mot de passe" in found[0].words


def test_english_workspaces_keep_french_homographs() -> None:
    texts = ["Car rental was late"] * 5 + ["Refund took weeks"] * 5
    x = np.vstack([np.eye(DIM)[0]] * 5 + [np.eye(DIM)[1]] * 5)
    en = find_topics(texts, x, [60.0] * 10, lang="en")
    fr = find_topics(texts, x, [60.0] * 10, lang="fr")
    assert "car rental" in en[0].words
    assert all("car" not in w.split() for t in fr for w in t.words)  # « car » = because


def test_bad_input_is_refused() -> None:
    texts, x, efforts = corpus()
    with pytest.raises(ValueError, match="one embedding row"):
        find_topics(texts[:-1], x, efforts)
    with pytest.raises(ValueError, match="language"):
        find_topics(texts, x, efforts, lang="de")
    with pytest.raises(ValueError, match="min_cluster_size"):
        find_topics(texts, x, efforts, min_cluster_size=1)


def test_to_json() -> None:
    texts, x, efforts = corpus()
    doc = find_topics(texts, x, efforts)[0].to_json()
    assert list(doc) == [
        "name",
        "words",
        "size",
        "mean_effort_index",
        "texts",
        "tag_key",
        "members",
    ]
    assert doc["members"] == list(range(8))


def test_docstring_examples() -> None:
    assert doctest.testmod(topics_module).failed == 0


def test_one_complaint_worded_two_ways_is_one_topic() -> None:
    """HDBSCAN splits two close wordings into two groups; they are 0.44 apart against
    1.2 for the comments at large, under MERGE_CLOSER: one topic, named by what they share."""
    rng = np.random.default_rng(0)
    e = np.eye(8)

    def group(v: np.ndarray) -> list[np.ndarray]:
        rows = [v / np.linalg.norm(v) + 0.02 * rng.standard_normal(8) for _ in range(6)]
        return [r / np.linalg.norm(r) for r in rows]

    x = np.vstack(group(e[0]) + group(e[0] + 0.45 * e[1]) + group(e[2]) + group(e[3]))
    texts = (
        ["Le mode sombre rend le panier illisible"] * 6
        + ["Thème sombre : les montants sont invisibles"] * 6
        + ["Le code SMS n'arrive jamais"] * 6
        + ["Facture introuvable dans l'espace client"] * 6
    )
    topics = find_topics(texts, x, [80.0] * 24)
    assert sorted(t.size for t in topics) == [6, 6, 12]
    dark = next(t for t in topics if t.size == 12)
    assert "sombre" in dark.name and set(dark.members) == set(range(12))
