"""The comments demo customers leave: French mostly, English for English speakers.

Written for the demo. Keys are ``(touchpoint, situation)``; situations are
``fail`` (the action failed), ``neg`` (it worked, but hard), ``mid``, ``pos``,
and for ``payer``: ``fail_card`` (a refused card before the fix),
``fail_after`` (a failure the fix did not save) and ``fallback`` (the card
failed, the fallback payment method worked).
"""

from __future__ import annotations

import random

FR: dict[tuple[str, str], tuple[str, ...]] = {
    ("payer", "fail_card"): (
        "Carte refusée sans aucune explication",
        "Ma carte a été refusée deux fois, j'ai fini par abandonner",
        "Paiement refusé alors que j'ai de l'argent sur le compte",
        "Aucun autre moyen de paiement proposé quand la carte ne passe pas",
        "J'ai dû appeler ma banque, qui ne voyait aucune tentative",
        "Refusé, refusé, refusé. Et maintenant je fais comment ?",
        "La carte de l'entreprise ne passe jamais chez vous",
        "Le paiement échoue et on me renvoie au début du panier",
    ),
    ("payer", "fail_after"): (
        "Le prélèvement proposé demande un IBAN, je ne l'avais pas sous la main",
        "Le SMS de validation bancaire n'est jamais arrivé",
        "Erreur technique au moment de valider, deux fois de suite",
        "Refusé aussi avec l'autre moyen de paiement",
    ),
    ("payer", "fallback"): (
        "Carte refusée, mais le prélèvement proposé juste après a fonctionné",
        "Bonne idée de proposer tout de suite un autre moyen de paiement",
        "Payé par virement quand la carte a coincé, ça dépanne",
        "Un peu de stress, mais j'ai pu payer autrement sans recommencer",
    ),
    ("payer", "neg"): (
        "Il a fallu ressaisir tout le numéro de carte",
        "Trop d'étapes pour un simple paiement",
        "Déconnecté au milieu du paiement",
        "La page de paiement met une éternité à charger",
    ),
    ("payer", "mid"): (
        "Ça marche, mais la validation bancaire est longue",
        "Correct, sans plus",
        "Pourquoi me redemander mon adresse à chaque fois ?",
        "Le montant TTC n'apparaît qu'à la dernière étape",
        "Un peu lent sur mobile",
    ),
    ("payer", "pos"): (
        "Paiement en un clic, ça passe",
        "Rapide et simple",
        "Carte enregistrée, donc aucun effort",
        "Rien à redire",
        "Très fluide, merci",
    ),
    ("changer_carte", "fail"): (
        "J'ai dû appeler deux fois pour changer ma CB",
        "La nouvelle carte est refusée, l'ancienne a expiré : je suis coincé",
        "Le formulaire se vide quand je valide",
    ),
    ("changer_carte", "neg"): (
        "Page introuvable, cachée dans les paramètres du compte",
        "Le code SMS a mis cinq minutes à arriver",
    ),
    ("changer_carte", "mid"): (
        "Fait, après avoir un peu cherché le menu",
        "Ok, mais je ne sais pas si l'ancienne carte est bien supprimée",
    ),
    ("changer_carte", "pos"): (
        "Carte changée en deux minutes",
        "Simple et clair",
    ),
    ("trouver_facture", "fail"): (
        "Facture introuvable dans l'espace client",
        "Je cherche la facture du mois dernier depuis un quart d'heure",
        "Le lien vers la facture mène à une page d'erreur",
        "Impossible de télécharger le PDF",
    ),
    ("trouver_facture", "neg"): (
        "Trouvée, mais au fond de trois menus",
        "Il manque notre numéro de TVA sur la facture",
    ),
    ("trouver_facture", "mid"): (
        "Trouvée, mais dans Paramètres et pas dans Facturation",
        "Un export de toutes les factures d'un coup serait pratique",
        "Trouvée au deuxième essai",
    ),
    ("trouver_facture", "pos"): (
        "Le lien direct dans le mail est très pratique",
        "Trouvée tout de suite",
        "PDF en un clic, parfait",
    ),
    ("contacter_support", "fail"): (
        "J'ai dû répéter mon problème à trois personnes",
        "Ticket fermé sans solution",
        "Quarante minutes d'attente sur le chat pour rien",
        "On m'a renvoyé vers la FAQ que j'avais déjà lue",
    ),
    ("contacter_support", "neg"): (
        "Réglé, mais après une longue attente",
        "Il a fallu tout réexpliquer depuis le début",
        "J'ai dû envoyer trois fois la même capture d'écran",
    ),
    ("contacter_support", "mid"): (
        "Aimable, mais vingt minutes d'attente",
        "Résolu au deuxième échange",
        "Le robot avant l'humain fait perdre du temps",
    ),
    ("contacter_support", "pos"): (
        "Réponse rapide et claire",
        "Problème réglé en cinq minutes, merci !",
        "Conseillère compétente et sympathique",
    ),
    ("activer", "fail"): (
        "Le mail d'activation n'arrive pas",
        "Toujours pas de lien d'activation, même dans les spams",
        "Lien d'activation expiré quand je l'ai ouvert",
        "Bloqué à l'étape 3, je ne sais pas quoi faire",
    ),
    ("activer", "neg"): (
        "Le mail d'activation a mis une heure à arriver",
        "Je ne savais pas par où commencer",
        "Trop d'informations demandées à l'inscription",
    ),
    ("activer", "mid"): (
        "Activé, mais un petit tutoriel aurait aidé",
        "Les règles du mot de passe ne s'affichent qu'après l'erreur",
        "Valider le mail puis le téléphone, c'est un peu long",
    ),
    ("activer", "pos"): (
        "Activation en trois clics",
        "Le tutoriel m'a bien guidé",
        "Le mail est arrivé tout de suite",
    ),
    ("annuler", "fail"): (
        "Impossible de trouver où résilier",
        "On m'oblige à appeler pour annuler",
        "Le bouton d'annulation renvoie une erreur",
    ),
    ("annuler", "neg"): (
        "Trop de pages « êtes-vous sûr ? » avant de pouvoir annuler",
        "Il a fallu passer par le chat pour confirmer",
    ),
    ("annuler", "mid"): (
        "Fait, mais pas très bien indiqué",
        "Pas de mail de confirmation, j'espère que c'est pris en compte",
    ),
    ("annuler", "pos"): (
        "Résiliation simple, merci",
        "Annulé en une minute",
    ),
}

EN: dict[str, tuple[str, ...]] = {
    "fail": (
        "It just did not work, and nothing told me why",
        "Card declined and no other way to pay",
        "Still waiting for the activation email",
        "Had to explain my issue again to a second agent",
    ),
    "neg": ("Way too many steps", "Logged out halfway through", "Slow and confusing"),
    "mid": ("Fine, but it took a while", "OK, the menu is not obvious"),
    "pos": ("Quick and easy, thanks", "Worked fine", "No effort at all"),
}

# A friction no default tag names, appearing in the last weeks (the checkout's
# new dark theme is unreadable): what the emerging topics should surface.
EMERGING_WEEKS = 3
EMERGING: dict[str, tuple[str, ...]] = {
    "fr": (
        "Depuis le nouveau design, en mode sombre le texte du panier est illisible",
        "Le mode sombre rend la page du panier illisible",
        "Texte gris foncé sur fond noir en mode sombre, je ne lis rien",
        "Avec le thème sombre de mon téléphone, les montants sont invisibles",
        "Le nouveau thème sombre rend le récapitulatif du panier illisible",
        "Le récapitulatif est illisible quand le téléphone est en mode sombre",
    ),
    "en": (
        "In dark mode the checkout text is unreadable",
        "Dark mode makes the basket page impossible to read",
    ),
}
EMERGING_TOUCHPOINT = "payer"

FR_PREFIXES = ("", "", "", "Franchement, ", "Bof. ", "Encore une fois : ")
FR_SUFFIXES_NEG = ("", "", ".", " !", "...", ". À revoir.")
FR_SUFFIXES_POS = ("", "", ".", " !", " 🙂", ". Merci.")

# Unhappy customers write more: the chance of a comment by ease score (1-7).
COMMENT_RATE = {1: 0.85, 2: 0.78, 3: 0.65, 4: 0.45, 5: 0.32, 6: 0.25, 7: 0.22}


def situation_for(score: int, base: str) -> str:
    """The comment bank that suits a score: a failed action rated easy gets a lukewarm word."""
    if base in ("fail", "fail_card", "fail_after"):
        return base if score <= 4 else "mid"
    if base == "fallback":
        return base if score >= 4 else "neg"
    return "neg" if score <= 3 else "mid" if score <= 5 else "pos"


EMERGING_MAX_SCORE = 5
"""Checkouts rated up to this (moderate and high effort, what topics cluster) may mention it."""
EMERGING_RATE = 0.85


def emerging_comment(rng: random.Random, touchpoint: str, score: int, locale: str) -> str | None:
    """In the last weeks, most checkouts not rated easy talk about the new dark theme.

    After the payment fix hard checkouts are few: hard ones alone would leave a
    handful of comments some weeks, too few to stand out as a topic.
    """
    if (
        touchpoint != EMERGING_TOUCHPOINT
        or score > EMERGING_MAX_SCORE
        or rng.random() >= EMERGING_RATE
    ):
        return None
    return rng.choice(EMERGING["en" if locale == "en" else "fr"])


def comment(rng: random.Random, touchpoint: str, situation: str, locale: str) -> str:
    """One comment for this touchpoint and situation, in the customer's language."""
    if locale == "en":
        group = "fail" if situation.startswith("fail") else situation
        return rng.choice(EN.get(group, EN["neg"]))
    text = rng.choice(FR[(touchpoint, situation)])
    if situation in ("fail", "fail_card", "fail_after", "neg"):
        prefix = rng.choice(FR_PREFIXES)
        if prefix:
            text = prefix + (text if prefix.endswith(". ") else text[0].lower() + text[1:])
        return text + rng.choice(FR_SUFFIXES_NEG)
    if situation in ("pos", "fallback"):
        return text + rng.choice(FR_SUFFIXES_POS)
    return text
