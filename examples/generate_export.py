"""Generate ``examples/ces_export.csv``: a realistic CES survey export.

What a CSM would download from a survey tool after twelve weeks of asking
"J'ai pu [tâche] facilement" (1 = pas du tout d'accord, 7 = tout à fait
d'accord) right after six precise actions. The data is synthetic but tells a
story the demo must show:

- on 2026-09-14 a fix ships on ``payer``: when the card fails, a fallback
  payment method (SEPA direct debit, transfer) is offered. Most refused
  payments now end well, ``payer`` ease clearly improves, and the verbatims
  stop complaining about the refused card so often;
- the week of 15 August (2026-W33) is a holiday week with very few answers,
  so small-sample pooling shows;
- support and activation are harder than the rest; failures are much harder
  than successes; new customers (< 90 days) struggle on activation; one
  support agent is clearly worse, another has a lucky score on few answers.

The script is deterministic (seeded ``numpy.random.Generator``): running it
again gives the same file byte for byte.

    .venv/bin/python examples/generate_export.py [--out examples/ces_export.csv] [--seed 14]
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

PARIS = ZoneInfo("Europe/Paris")
FIRST_DAY = date(2026, 8, 3)  # Monday of ISO week 2026-W32
WEEKS = 12  # 2026-W32 .. 2026-W43, last day Sunday 2026-10-25
FIX_DAY = date(2026, 9, 14)  # the fallback payment method ships on `payer`
HOLIDAY_WEEK = 1  # index of 2026-W33 (10-16 August, with the 15th)

HEADER = [
    "responded_at",
    "score",
    "comment",
    "touchpoint",
    "channel",
    "outcome",
    "agent",
    "customer_since",
    "plan",
    "question_version",
]

# --- Volumes -----------------------------------------------------------------

TOUCHPOINTS = {
    # key: share of answers
    "payer": 0.34,
    "contacter_support": 0.20,
    "trouver_facture": 0.16,
    "activer": 0.13,
    "changer_carte": 0.09,
    "annuler": 0.08,
}

CHANNELS = {
    "payer": {"in_app": 0.70, "email": 0.20, "link": 0.10},
    "changer_carte": {"in_app": 0.80, "email": 0.20},
    "trouver_facture": {"in_app": 0.60, "email": 0.40},
    "contacter_support": {"chat": 1.0},
    "activer": {"in_app": 0.55, "email": 0.45},
    "annuler": {"in_app": 0.50, "email": 0.30, "link": 0.20},
}

PLANS = {"starter": 0.50, "pro": 0.35, "entreprise": 0.15}

# Agents on the support chat: (share of answers, effect on ease).
AGENTS = {
    "Camille": (0.23, +0.30),
    "Julien": (0.22, -1.10),  # clearly worse
    "Sophie": (0.21, +0.10),
    "Karim": (0.20, 0.00),
    "Mathieu": (0.12, -0.10),
    "Léa": (0.02, +0.90),  # lucky: a great mean on a handful of answers
}

# Share of new customers (< 90 days) among the answers of each touchpoint.
NEW_SHARE = {
    "payer": 0.18,
    "changer_carte": 0.10,
    "trouver_facture": 0.15,
    "contacter_support": 0.22,
    "activer": 0.65,
    "annuler": 0.08,
}

# Probability that the action failed (payment refused, invoice not found,
# ticket not resolved, activation abandoned, cancellation impossible...).
FAILURE = {
    "payer": 0.18,  # mostly refused cards; see the fix below
    "changer_carte": 0.07,
    "trouver_facture": 0.15,
    "contacter_support": 0.22,
    "activer": 0.12,  # for established customers; new ones fail more
    "annuler": 0.10,
}
ACTIVATION_FAILURE_NEW = 0.24
# After the fix, a refused card is followed by a fallback payment method that
# works for most customers: the payment succeeds, with a bit more effort.
FALLBACK_RESCUES = 0.78

# Latent ease (1-7) by touchpoint and outcome, before modifiers and noise.
EASE = {
    "payer": (5.95, 1.70),
    "changer_carte": (5.70, 2.30),
    "trouver_facture": (5.30, 2.20),
    "contacter_support": (4.90, 2.10),
    "activer": (5.00, 2.00),
    "annuler": (4.80, 1.80),
}
EASE_FALLBACK = 5.10  # paid with the fallback method after the card failed
NOISE_SD = 1.10

# Chance that a comment is left, by score: unhappy people write more.
COMMENT_RATE = {1: 0.82, 2: 0.76, 3: 0.64, 4: 0.50, 5: 0.37, 6: 0.30, 7: 0.28}
ENGLISH_RATE = 0.05

# --- Verbatims (written for this example) -------------------------------------
# Keys: (touchpoint, situation). Situations: "fail" (failed action), "neg"
# (succeeded but hard), "mid", "pos"; payer also has "fail_card" (before the
# fix), "fallback" (rescued by the fallback method) and "fail_after".

FR: dict[tuple[str, str], list[str]] = {
    ("payer", "fail_card"): [
        "Paiement refusé alors que ma carte est valide",
        "Carte refusée trois fois, j'ai abandonné",
        "Ma CB a été refusée et aucun autre moyen de paiement n'est proposé",
        "Paiement refusé, j'ai dû appeler ma banque qui ne voyait rien",
        'Le message "transaction refusée" s\'affiche, sans aucune explication',
        "Carte refusée. Je paie comment, du coup ?",
        "Impossible de payer avec ma carte pro, refusée à chaque fois",
        "Refus de paiement systématique avec une Visa, c'est pénible",
        "La carte ne passe pas, j'ai dû demander à un collègue de payer avec la sienne",
        "Paiement refusé, puis compte bloqué pendant une heure",
        "3e tentative, toujours refusé. Je laisse tomber",
        "Ma carte fonctionne partout sauf chez vous",
    ],
    ("payer", "fail_after"): [
        "Paiement échoué, et le prélèvement proposé demande un IBAN que je n'ai pas sur moi",
        "Page blanche après la validation du paiement",
        "Le code 3D Secure n'est jamais arrivé",
        "Paiement refusé, même avec l'autre moyen proposé",
        "Erreur technique au moment de payer, réessayé 2 fois",
        "La validation bancaire a expiré avant que je reçoive le SMS",
        "Bug sur la page de paiement, le bouton ne répond pas",
    ],
    ("payer", "fallback"): [
        "Ma carte n'est pas passée mais le prélèvement proposé a marché",
        "Bien d'avoir proposé un autre moyen de paiement tout de suite",
        "Payé par virement quand ça a coincé, ok",
        "Deuxième moyen de paiement proposé directement, pratique",
        "Un peu de stress au début, mais le paiement par prélèvement m'a sauvé",
        "Il a fallu saisir mon IBAN, mais au moins ça a fonctionné",
        "Le paiement de secours, c'est une bonne idée",
    ],
    ("payer", "neg"): [
        "Le code 3D Secure a mis 5 minutes à arriver",
        "J'ai dû ressaisir ma carte deux fois",
        "Trop d'étapes pour un simple paiement",
        "Il a fallu se reconnecter en plein paiement",
        "La page de paiement est très lente",
    ],
    ("payer", "mid"): [
        "Correct, mais la validation bancaire est un peu longue",
        "Ça marche, sans plus",
        "Il a fallu chercher où saisir le code promo",
        "Adresse de facturation à ressaisir à chaque fois",
        "Ok, mais pourquoi redemander mon adresse ?",
        "Le récapitulatif avant paiement n'est pas très lisible",
        "Pas mal, mais l'appli bancaire m'a fait valider deux fois",
        "Fonctionne, un peu lent sur mobile",
        "Le montant TTC n'apparaît qu'à la fin",
        "Bien, sauf la page qui recharge après la validation",
    ],
    ("payer", "pos"): [
        "Paiement en un clic, ça passe",
        "Rapide et simple",
        "Rien à redire, paiement immédiat",
        "Apple Pay fonctionne très bien",
        "Nickel 👍",
        "Très fluide",
        "Carte enregistrée, donc aucun effort",
        "Parfait, comme d'habitude",
    ],
    ("changer_carte", "fail"): [
        "Impossible d'enregistrer la nouvelle carte, message d'erreur",
        "J'ai dû appeler deux fois pour changer ma CB",
        "La nouvelle carte est refusée alors que l'ancienne a expiré",
        "Le formulaire se vide quand je valide",
        "Je ne trouve pas où mettre à jour ma carte",
    ],
    ("changer_carte", "neg"): [
        "Le formulaire a refusé ma carte la première fois",
        "Pas évident de trouver la page, cachée dans les paramètres",
        "J'ai dû valider avec un code SMS qui a mis du temps",
    ],
    ("changer_carte", "mid"): [
        "Ok, mais le menu n'est pas très clair",
        "Fait, après un petit moment à chercher",
        "Ça va, mais pourquoi un code SMS pour ça ?",
        "Correct, la date d'expiration est mal placée dans le formulaire",
        "Fait, mais je ne sais pas si l'ancienne carte est bien supprimée",
    ],
    ("changer_carte", "pos"): [
        "Changement de carte fait en deux minutes",
        "Simple et rapide",
        "Très clair, merci",
        "Rien à dire",
    ],
    ("trouver_facture", "fail"): [
        "Facture introuvable dans l'espace client",
        "Je cherche la facture de septembre depuis dix minutes",
        "Où sont les factures ??? Rien dans le menu",
        "Les factures de plus de 3 mois ont disparu",
        "Le lien vers la facture renvoie une erreur 404",
        "Impossible de télécharger le PDF",
        "J'ai dû demander la facture au support, elle n'est nulle part",
    ],
    ("trouver_facture", "neg"): [
        "Trouvée, mais au bout de trois menus",
        "La facture ne mentionne pas notre numéro de TVA",
        "Il faut se reconnecter pour chaque facture",
        "Le moteur de recherche ne trouve pas les factures",
    ],
    ("trouver_facture", "mid"): [
        "Trouvée, mais le menu n'est pas clair",
        "Ok, mais un export de toutes les factures d'un coup serait pratique",
        "Correct",
        "Pas évident : c'est dans Paramètres et pas dans Facturation",
        "Trouvée au deuxième essai",
        "Il faudrait pouvoir filtrer par mois",
        "Ok, mais le nom du fichier PDF est illisible",
    ],
    ("trouver_facture", "pos"): [
        "Trouvée tout de suite dans Mon compte > Factures",
        "Le lien direct dans le mail est pratique",
        "Facile",
        "Tout est là, merci",
        "Très bien, PDF en un clic",
    ],
    ("contacter_support", "fail"): [
        "J'ai dû répéter mon problème à trois personnes",
        "Toujours pas de solution, je dois recontacter demain",
        "45 minutes d'attente sur le chat pour rien",
        "On m'a renvoyé vers la FAQ que j'avais déjà lue",
        "Ticket fermé sans réponse",
        "Le chat s'est coupé, tout à réexpliquer",
        "On me dit que c'est transmis, mais rien ne bouge",
        "Troisième contact pour le même souci",
    ],
    ("contacter_support", "neg"): [
        "Réglé, mais après 30 minutes d'attente",
        "Il a fallu réexpliquer le problème depuis le début",
        "Réponse correcte mais très lente",
        "J'ai dû envoyer trois fois la même capture",
    ],
    ("contacter_support", "mid"): [
        "Bon accueil mais il a fallu attendre 20 min",
        "Résolu, au deuxième échange",
        "Correct, un peu d'attente",
        "Réponse ok, mais le bot avant l'humain fait perdre du temps",
        "Il a fallu donner mon numéro client deux fois",
        "Réglé, mais j'attends encore la confirmation par mail",
        "Aimable, mais la réponse était un peu vague",
    ],
    ("contacter_support", "pos"): [
        "Réponse rapide et claire",
        "Problème réglé en 5 minutes, merci !",
        "Très bon échange, efficace",
        "Au top, merci pour votre patience",
        "Conseiller sympa et compétent",
    ],
    ("activer", "fail"): [
        "Le mail d'activation n'arrive pas",
        "Toujours pas reçu le lien d'activation, même dans les spams",
        "Lien d'activation expiré quand je l'ai ouvert",
        "Impossible de me connecter après l'activation, mot de passe refusé",
        "Le code de vérification ne marche pas",
        "Activation bloquée à l'étape 3, je ne sais pas quoi faire",
        "J'ai renvoyé le mail 4 fois, rien",
    ],
    ("activer", "neg"): [
        "Le mail d'activation a mis une heure à arriver",
        "Pas clair du tout, je ne savais pas par où commencer",
        "Mot de passe refusé deux fois avant que ça passe",
        "Trop d'informations demandées à l'inscription",
    ],
    ("activer", "mid"): [
        "Ok, mais un petit tuto aurait aidé",
        "Activé, après avoir cherché le bon menu",
        "Ça va",
        "Le mail est arrivé au bout de 10 minutes",
        "Les règles du mot de passe ne sont affichées qu'après l'erreur",
        "Il a fallu valider mon mail puis mon téléphone, un peu long",
    ],
    ("activer", "pos"): [
        "Activation en 3 clics",
        "Le tuto m'a bien guidé",
        "Simple, le mail est arrivé tout de suite",
        "Très facile",
    ],
    ("annuler", "fail"): [
        "Impossible de trouver où résilier",
        "On m'oblige à appeler pour annuler, en 2026...",
        "Le bouton d'annulation renvoie vers une page d'erreur",
        "Toujours prélevé alors que j'ai annulé",
        "Il faut envoyer un courrier recommandé ??",
    ],
    ("annuler", "neg"): [
        'Beaucoup trop de pages "êtes-vous sûr ?" avant de pouvoir annuler',
        "Il a fallu passer par le chat pour confirmer",
        "Caché tout en bas des paramètres",
    ],
    ("annuler", "mid"): [
        "Fait, mais pas très bien indiqué",
        "Ok, sans plus",
        "On m'a proposé trois offres avant de me laisser partir",
        "Pas de mail de confirmation, j'espère que c'est bien pris en compte",
        "Correct, mais il faut passer par le site, pas par l'appli",
    ],
    ("annuler", "pos"): [
        "Résiliation simple, merci",
        "Rapide, rien à redire",
        "Annulé en une minute",
    ],
}

# Cross-cutting frictions that can hit any touchpoint on a low score.
FR_ANY_NEG = [
    "Déconnecté en plein milieu, tout à refaire",
    "Mot de passe oublié, le mail de réinitialisation n'arrive pas",
    "Le site était en panne ce matin",
    "L'appli plante au moment de valider",
    "Je n'ai pas trouvé l'information, j'ai dû contacter le support",
    "Trop long, vraiment",
]

EN: dict[str, list[str]] = {
    "payer_fail": [
        "Card declined twice, no other way to pay",
        "Payment failed with no explanation",
    ],
    "trouver_facture_fail": ["Couldn't find my invoice anywhere"],
    "activer_fail": ["Still waiting for the activation email", "Activation link expired"],
    "contacter_support_fail": ["Had to explain my issue again to a second agent"],
    "neg": ["Way too many steps", "Had to log in again halfway through", "Slow and confusing"],
    "pos": ["Quick and easy, thanks", "Smooth payment", "Worked fine", "Easy, no complaints"],
}

SUFFIXES_NEG = ["", "", "", "", ".", ". Dommage.", " !", " 😕", ". À revoir.", "..."]
SUFFIXES_MID = ["", "", "", ".", ". Merci", " 🙂"]
PREFIXES_NEG = [
    "",
    "",
    "",
    "",
    "",
    "Franchement, ",
    "Encore une fois : ",
    "Bof. ",
    "Sérieusement, ",
]
PREFIXES_POS = ["", "", "", "", "", "Super, ", "Top : ", "Franchement, "]
SUFFIXES_POS = ["", "", "", "", ".", " !", " 🙂", ". Merci."]

# One answer written on two lines, as a real export has.
MULTILINE = (
    "Carte refusée au premier essai.\n"
    "J'ai réessayé le lendemain, pareil, alors j'ai payé par virement."
)


@dataclass
class Row:
    moment: datetime
    score: int
    comment: str
    touchpoint: str
    channel: str
    outcome: str
    agent: str
    customer_since: date
    plan: str


def _choice(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _pick(rng: np.random.Generator, bank: list[str]) -> str:
    return bank[int(rng.integers(len(bank)))]


# Office hours: a morning and an afternoon peak, a lunch dip, quiet nights.
HOUR_WEIGHTS = np.array(
    [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.4, 1.2, 3.0, 5.0, 5.5, 5.0,
     3.2, 3.6, 5.0, 5.2, 4.8, 4.0, 2.8, 2.0, 1.8, 1.5, 1.0, 0.5]
)  # fmt: skip
DAY_WEIGHTS = np.array([1.0, 1.05, 1.0, 1.0, 0.9, 0.3, 0.2])  # Monday .. Sunday


def _moment(rng: np.random.Generator, week: int) -> datetime:
    day = FIRST_DAY + timedelta(
        days=7 * week + int(rng.choice(7, p=DAY_WEIGHTS / DAY_WEIGHTS.sum()))
    )
    hour = int(rng.choice(24, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum()))
    minute, second = int(rng.integers(60)), int(rng.integers(60))
    # zoneinfo gives the right offset: +02:00 in summer, +01:00 from
    # 2026-10-25 03:00 (the ambiguous hour 02:00-03:00 that day takes fold=0).
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=PARIS)


def _comment(rng: np.random.Generator, tp: str, outcome: str, score: int, situation: str) -> str:
    if rng.random() < ENGLISH_RATE:
        if outcome == "failure" and f"{tp}_fail" in EN:
            return _pick(rng, EN[f"{tp}_fail"])
        return _pick(rng, EN["neg" if score <= 4 else "pos"])
    if situation in ("neg", "fail") and rng.random() < 0.10:
        text = _pick(rng, FR_ANY_NEG)
    else:
        text = _pick(rng, FR[(tp, situation)])
    if situation != "mid":
        prefix = _pick(rng, PREFIXES_POS if situation in ("pos", "fallback") else PREFIXES_NEG)
        if prefix:
            text = prefix + text[0].lower() + text[1:]
    if situation in ("pos", "fallback"):
        text += _pick(rng, SUFFIXES_POS)
    elif situation == "mid":
        text += _pick(rng, SUFFIXES_MID)
    else:
        text += _pick(rng, SUFFIXES_NEG)
    if rng.random() < 0.08:  # typed fast, no capital
        text = text[0].lower() + text[1:]
    return text


def _row(rng: np.random.Generator, week: int, week_shift: float) -> Row:
    moment = _moment(rng, week)
    tp = _choice(rng, TOUCHPOINTS)
    channel = _choice(rng, CHANNELS[tp])
    plan = _choice(rng, PLANS)
    new = rng.random() < NEW_SHARE[tp]
    tenure = int(rng.integers(0, 90)) if new else 90 + int(rng.lognormal(6.2, 0.8))
    since = moment.date() - timedelta(days=tenure)

    after_fix = moment.date() >= FIX_DAY
    fail_p = ACTIVATION_FAILURE_NEW if (tp == "activer" and new) else FAILURE[tp]
    failed = rng.random() < fail_p
    ease_ok, ease_fail = EASE[tp]
    situation = ""
    if tp == "payer" and failed:
        if after_fix and rng.random() < FALLBACK_RESCUES:
            failed, mu, situation = False, EASE_FALLBACK, "fallback"
        else:
            mu = ease_fail
            situation = "fail_card" if not after_fix or rng.random() < 0.4 else "fail_after"
    else:
        mu = ease_fail if failed else ease_ok

    agent = ""
    if tp == "contacter_support":
        names = list(AGENTS)
        shares = np.array([AGENTS[a][0] for a in names])
        agent = names[int(rng.choice(len(names), p=shares / shares.sum()))]
        mu += AGENTS[agent][1]
        if plan == "entreprise":
            mu += 0.2  # dedicated queue
    if new:
        mu += -0.9 if tp == "activer" else -0.2
    if plan == "starter":
        mu -= 0.1
    mu += week_shift

    score = int(np.clip(np.rint(mu + rng.normal(0.0, NOISE_SD)), 1, 7))
    outcome = "failure" if failed else "success"
    if not situation:
        band = "neg" if score <= 3 else "mid" if score <= 5 else "pos"
        situation = "fail" if failed else band
    comment = ""
    if rng.random() < COMMENT_RATE[score]:
        if situation in ("fail", "fail_card", "fail_after") and score >= 5:
            situation = "mid"  # a failed action rated easy: a lukewarm word
        if situation == "fallback" and score <= 3:
            situation = "neg"  # rescued, but it was still a struggle
        comment = _comment(rng, tp, outcome, score, situation)
    return Row(moment, score, comment, tp, channel, outcome, agent, since, plan)


def generate(seed: int = 14) -> list[Row]:
    rng = np.random.default_rng(seed)
    rows: list[Row] = []
    for week in range(WEEKS):
        # 15 August: almost nobody answers; otherwise slow growth.
        n = int(rng.integers(22, 29)) if week == HOLIDAY_WEEK else int(rng.poisson(330 + 6 * week))
        shift = float(rng.normal(0.0, 0.06))  # week-to-week wobble
        rows.extend(_row(rng, week, shift) for _ in range(n))
    rows.sort(key=lambda r: r.moment)
    # A real export always has an answer someone typed on two lines.
    for r in rows:
        if r.touchpoint == "payer" and r.moment.date() >= FIX_DAY and r.comment and r.score == 5:
            r.comment = MULTILINE
            break
    return rows


def write_csv(rows: list[Row], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for r in rows:
            w.writerow(
                [
                    r.moment.isoformat(timespec="seconds"),
                    r.score,
                    r.comment,
                    r.touchpoint,
                    r.channel,
                    r.outcome,
                    r.agent,
                    r.customer_since.isoformat(),
                    r.plan,
                    "v1",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("ces_export.csv"))
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rows = generate(args.seed)
    write_csv(rows, args.out)
    commented = sum(1 for r in rows if r.comment)
    print(f"wrote {len(rows)} answers ({commented} with a comment) to {args.out}")
    print(f"mean ease (1-7) before / after the {FIX_DAY} fix:")
    for tp in TOUCHPOINTS:
        before = [r.score for r in rows if r.touchpoint == tp and r.moment.date() < FIX_DAY]
        after = [r.score for r in rows if r.touchpoint == tp and r.moment.date() >= FIX_DAY]
        print(
            f"  {tp:<18} {np.mean(before):.2f} (n={len(before)})"
            f" -> {np.mean(after):.2f} (n={len(after)})"
        )


if __name__ == "__main__":
    main()
