from __future__ import annotations

import pytest

from fluide.domain.taxonomy import DEFAULT_TAXONOMY
from fluide.tagging.rules import rule_tags


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("Plus d'internet depuis hier soir", "outage"),
        ("plus d internet depuis hier", "outage"),
        ("L'appli plante à chaque ouverture", "outage"),
        ("Ma carte a été refusée", "payment"),
        ("Prélevé 49 € après ma résiliation", "payment"),
        ("Service client injoignable", "delay"),
        ("Toujours pas de réponse depuis 3 semaines", "delay"),
        ("J'ai appelé cinq fois pour la même chose", "recontact"),
        ("Je ne trouve pas ma facture", "info_not_found"),
        ("Impossible de me connecter à mon espace client", "login"),
        ("Activation de la ligne impossible", "onboarding"),
        ("I was charged twice", "payment"),
        ("The app keeps crashing", "outage"),
    ],
)
def test_keyword_rules_match_usual_wordings(text: str, tag: str) -> None:
    assert tag in rule_tags(DEFAULT_TAXONOMY, [text])[0]


def test_an_internet_connection_problem_is_not_a_login_problem() -> None:
    assert (
        "login"
        not in rule_tags(DEFAULT_TAXONOMY, ["Connexion internet instable tous les soirs"])[0]
    )


def test_praise_gets_no_rule() -> None:
    assert rule_tags(DEFAULT_TAXONOMY, ["Rapide et simple, merci"]) == [()]
