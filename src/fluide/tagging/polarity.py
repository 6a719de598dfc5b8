"""Praise and complaint cues: a friction needs a complaint.

"Paiement en un clic, ça passe." names a topic (payment) but reports no
problem; tagging it *payment* would put a compliment on the payment card as
evidence of friction. A text is **praise** when it has a praise cue or a
negated problem ("aucun souci", "pas eu besoin de rappeler") and, once the
negated problems are set aside, no complaint cue at all. Irony keeps its
tags: "génial, encore une coupure" has a praise word but also complaint
cues ("encore", "coupure").

Cues are matched by RE2 on the normalised text (lower case, no accents), in
linear time; French and English.

>>> is_praise("Paiement en un clic, ça passe.")
True
>>> is_praise("Génial, encore une coupure !")
False
>>> is_praise("Aucun souci pour payer, merci")
True
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from fluide.domain.taxonomy import normalize

_ELONGATION = re.compile(r"([a-z])\1{2,}")

PRAISE = (
    r"\bmerci( (beaucoup|bcp|pour|a vous|a toi|a l'equipe|infiniment|encore|mille fois)|\s*[!.)]*$"
    r"|,)|\b(parfait\w*|nickel|impec+\w*|top|super|genial\w*|excellent\w*|bravo|facile\w*|fastoche"
    r"|simple|simplissime|rapide\w*|rapidement|vite|efficace\w*|fluide|intuiti\w*|pratique|logique"
    r"|clair|claire|claires?|lisible|rassurant\w*|sympa|cool|gentil\w*|pro|honnete|carre|conforme"
    r"|correct\w*|agreable\w*|satisfait\w*|content\w*|ravie?s?|recommande|au top|respect|ouf|waouh"
    r"|rien a (redire|signaler|dire|ajouter|reprocher)|\bras\b|que du bon|bien joue|tres bien"
    r"|pas mal|ca (passe|roule|va|a (marche|roule|glisse|fonctionne))|ca marche( bien| nickel"
    r"| impec)?|ca fonctionne( bien| tres bien)?|tout (est )?(ok|bon|bien|fonctionne|marche|roule)"
    r"|c'est (bon|ok|regle|resolu|fait)|regle|resolu|trop (bien|fort|cool|simple|pratique|top)"
    r"|en (un|1|deux|2|trois|3|quelques) (clics?|taps?|minutes?|min|secondes?|sec)|du premier coup"
    r"|des le premier|tout seul|tout de suite|direct|bien (passe|recu|fonctionne|marche|explique"
    r"|accueilli)|ok|d'accord|great|easy|easily|quick\w*|fast|smooth\w*|perfect\w*|thanks?"
    r"|thank you|love|awesome|helpful|fine|good|nice|happy|glad|clear|painless|straight away"
    r"|first try|recommend\w*|stars?|etoiles?|works? (fine|great|well|perfectly)|worked)\b"
)
"""Praise or satisfaction: alone, it marks a text with no friction."""

NEGATED_PROBLEM = (
    r"\b((aucun|aucune|pas de|pas d'|pas un|pas une|pas un seul|pas une seule|pas eu de"
    r"|jamais eu de|zero|sans|plus de|pas le moindre|pas la moindre|never had (a|any)|no"
    r"|without( any)?|not a single) ?(\w+ )?(d'|de |du |des )?(souci|soucis|probleme|problemes|pb"
    r"|bug|bugs|difficulte|difficultes|attente|accroc|blocage|interruption|penalite|regret|mal"
    r"|surprise|frais|frais caches?|mauvaise surprise|erreur|panne|coupure|complication|galere"
    r"|retard|file|queue|stress|prise de tete|effort|encombre|histoire|discussion|plainte|remarque"
    r"|opinion|avis|commentaire|issues?|problems?|trouble|hassle|hiccups?|tricks?|fuss|drops?"
    r"|surprises?|charges?|fees?|paperwork|complaints?|bugs?|wait\w*|dropped calls?"
    r"|minute d'attente|message d'erreur|prelevements?)|(pas|plus|jamais|n'ai pas|n'avons pas"
    r"|sans) (eu )?(besoin|a) (de |d')?(\w+ )?(rappeler|relancer|appeler|attendre|chercher"
    r"|insister|revenir|contacter|me deplacer|bouger|demander|reexpliquer|me plaindre|faire)"
    r"|sans (rien|l'aide|aide|avoir|devoir|discuter|chercher|appeler|attendre|bouger|que j'aie"
    r"|me deplacer|personne|difficulte)|rien (de|a) (complique|bloquant|grave|special|particulier"
    r"|notable|signaler|redire|dire|ajouter|reprocher|plus|fou)|ni (long|facile|plus|bien) ni"
    r"|(jamais|pas) eu a me plaindre|(ne|n') ?(m'a|a) (meme )?pas gene|sans plus|sans commentaire"
    r"|(je )?(ne )?sais pas (trop )?quoi (dire|mettre|ecrire)|nothing (special|to report|to add)"
    r"|never had to|didn'?t (have|need) to \w+|(ca|c'est|c est) (pas|plus) (complique|long|galere)"
    r"|(n'est|nest) (pas|plus) (complique|long)|(n'a|n'ont) pas rame|pas ramee?|(m'|s'|m'y "
    r"|j')attend\w*|plus (vite|rapide|simple|clair|pratique|facile|fluide|lisible)|plus besoin"
    r"|(je )?(rappeler|rappelle|rappelons) que|pour rappel"
    r"|(pas|jamais|sans) (eu (besoin|a)|besoin) (de |d')?\w+|never had to \w+|en \d+ fois)"
    r"|en (moins d'une?|\d+|une?|deux|trois|quelques) (jours?|j|h|heures?|min|minutes?|secondes?"
    r"|sec|semaines?)"
)
"""A problem said not to have happened, or a neutral "nothing to say": not a complaint cue."""

COMPLAINT = (
    r"(\b(pas|plus|jamais|rien|aucun\w*|impossible|toujours|encore|sauf|mais|malgre|probleme\w*"
    r"|souci\w*|pb|panne\w*|bug\w*|beug\w*|erreur\w*|bloque\w*|refus\w*|attend\w*|attente|delai\w*"
    r"|nul\w*|galere\w*|marre|honte\w*|scandal\w*|inadmissible|arnaqu\w*|lamentable|catastroph\w*"
    r"|pire|horrible|inacceptable|deplorable|incompetent\w*|pourri\w*|merde\w*|chiant\w*|penible"
    r"|trop (long|lent|cher|complique)|longtemps|lent|lente|lenteurs?|complique\w*|difficile\w*"
    r"|dommage|helas|malheureusement|regrett?\w*|decu\w*|decevant\w*|enerv\w*|agace\w*|inutile"
    r"|perdu\w*|plus cher|hors de prix|coupe|coupee|coupure\w*|hs|ko|plant\w*|crash\w*|n'|ne|non"
    r"|not|no|never|nothing|can'?t|cannot|won'?t|doesn'?t|didn'?t|isn'?t|wasn'?t|still|again|but"
    r"|slow\w*|fail\w*|error\w*|issue\w*|problem\w*|wait\w*|declin\w*|broken|worst|terrible|awful"
    r"|useless|annoying|difficult|hard|confus\w*|lost|missing|fou|folle|ras le bol|quand (ca|il"
    r"|elle) (marche|fonctionne)|seulement|a part|sauf|sans (internet|connexion|co|reseau|wifi"
    r"|tele|tv|ligne|telephone|service|reponse|nouvelles?|retour|explication|suivi|solution"
    r"|rien faire)|(etre|devient|trop|c'est) long|ca commence|balad\w*|inac+es+ible|decalage|wtf"
    r"|au lieu de|remettez|rendez|mecontent\w*|raccroch\w*|help|svp|stp|s'il (vous|te) plait"
    r"|a force|moquer|abuse\w*|galer\w*|urgent\w*|s'eteint|eteint|chauffe|escargot|ecran (blanc"
    r"|noir|fige)|page blanche|echou\w*|efface\w*|grise\w*|inactif|disparu\w*|en boucle"
    r"|dans le vide|freez\w*|fig(e|ee|ent)|ralenti\w*|chut\w*|effondr\w*|mort|rame|ramer|saute\w*"
    r"|sautent|perd\w*|insupportable|interminable|introuvable|cache|manque\w*|limite|derangement"
    r"|indisponible|hors service|eternite|redirig\w*|renvoi\w*|renvoy\w*|bataille|silence radio"
    r"|a tatons|incomprehensible|bizarre|capte|dropped|drops|froze|frozen|locked|late|keeps?"
    r"|bounced|penalty|charged|unwatchable|(deux|trois|quatre|cinq|plusieurs) fois|en double"
    r"|double|doublon|abime\w*|casse\w*|endommag\w*|dechir\w*|ecras\w*|raye\w*|defonce\w*|damaged"
    r"|greyed|stuck|hasn'?t|haven'?t|couldn'?t|wrong|twice|bloqu\w*|plus rien|except\w*|only"
    r"|uniquement|par contre|une fois que|blague|vol|recommande|sans prevenir|surprise|rejet\w*"
    r"|pour (un|une) simple|shame|when it|fallu|oblige\w*|du (aller|appeler)|\d+ ?(e|eme|fois"
    r"|jours?|j|h|semaines?|mois|relances?|appels?|mails?|personnes|euros?|eur))\b|\?|!!|€|\d+ ?(€"
    r"|\$))"
    r"|personne (ne |n')?(decroche|repond|rappelle|vient|passe)|silence"
)
"""Anything that may report a problem; its absence is what lets praise win."""


@lru_cache(maxsize=1)
def _compiled() -> tuple[Any, Any, Any]:
    import re2

    opts = re2.Options()
    opts.max_mem = 1 << 22
    return (
        re2.compile(PRAISE, opts),
        re2.compile(NEGATED_PROBLEM, opts),
        re2.compile(COMPLAINT, opts),
    )


def _norm(text: str) -> str:
    # Elongations squeezed to one letter: "merciii" reads "merci", "pluuus" reads "plus".
    return _ELONGATION.sub(r"\1", normalize(text))


def has_complaint(text: str) -> bool:
    """Whether ``text`` has a complaint cue once its negated problems are set aside.

    >>> has_complaint("Pas eu besoin de rappeler"), has_complaint("Il a fallu rappeler 3 fois")
    (False, True)
    """
    _, negated, complaint = _compiled()
    return bool(complaint.search(_strip(negated, _norm(text))))


def _strip(pattern: Any, text: str) -> str:
    """``text`` with every match of ``pattern`` replaced by a space."""
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(text[last : m.start()])
        out.append(" ")
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def has_praise(text: str) -> bool:
    """Whether ``text`` has a praise cue or a negated problem (complaint cues aside).

    >>> has_praise("Génial, encore une coupure !"), has_praise("Encore une coupure")
    (True, False)
    """
    praise, negated, _ = _compiled()
    t = _norm(text)
    return bool(praise.search(t) or negated.search(t))


def is_praise(text: str) -> bool:
    """Praise or a negated problem, and no complaint cue: such a text carries no friction."""
    return has_praise(text) and not has_complaint(text)


def without_negated(text: str) -> str:
    """The normalised text with its negated problems blanked: what keyword rules read.

    "Sans frais, aucun message d'erreur" must not match *payment* or *outage*.

    >>> without_negated("Remboursé sans frais, aucun message d'erreur").split()
    ['rembourse', ',']
    """
    _, negated, _ = _compiled()
    return " ".join(_strip(negated, _norm(text)).split())
