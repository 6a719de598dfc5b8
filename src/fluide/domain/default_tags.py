"""The default friction tags: names, definitions, example phrases, keyword rules.

The project's own writing (French first, English too). Example phrases teach
the tagger what each tag covers; keywords are regular expressions matched on
the normalised text (lower case, no accents, see ``taxonomy.normalize``).
"""

from __future__ import annotations

from typing import Any

DEFAULT_TAGS: tuple[dict[str, Any], ...] = (
    {
        "key": "payment",
        "names": {"fr": "Paiement", "en": "Payment"},
        "definitions": {
            "fr": "Payer, être débité, facturé ou remboursé : refus, frais, montant, prélèvement.",
            "en": "Paying, being charged, billed or refunded: declines, fees, amounts, debits.",
        },
        "examples": (
            "Ma carte a été refusée au moment de payer",
            "Paiement refusé alors que j'ai de l'argent sur mon compte",
            "J'ai été débité deux fois pour la même commande",
            "On m'a prélevé des frais que personne ne m'avait annoncés",
            "Le montant facturé ne correspond pas à l'offre souscrite",
            "J'attends toujours mon remboursement",
            "Prélèvement effectué après ma résiliation",
            "Impossible de payer avec ma carte bancaire",
            "Le virement a échoué sans explication",
            "Facture beaucoup trop élevée ce mois-ci",
            "Augmentation du prix de l'abonnement sans prévenir",
            "Aucun geste commercial malgré le préjudice",
            "Le paiement ne passe pas sur mobile",
            "Ils ont encaissé le chèque mais rien sur mon compte",
            "My card was declined at checkout",
            "I was charged twice for the same purchase",
            "There is a fee on my statement I don't understand",
            "The payment failed and I don't know why",
            "Why was my transfer declined?",
            "I was billed the wrong amount",
            "I want a refund for this transaction",
            "A direct debit I never authorised was taken",
            "The exchange rate applied to my payment is wrong",
            "The cash machine gave me the wrong amount",
        ),
        "keywords": (
            r"(paiement|payer|paye[rsz]?\b|debitee?s?\b|prelev|rembours|\bfrais\b"
            r"|(me|m'a|m'ont|nous|on|ils|vous|etre|suis) (\w+ )?factur|surfactur|facturation"
            r"|factur\w* (\w+ )?(double|trop|elevee?|erronee?|fausse|incorrecte|abusive|\d)"
            r"|virement|carte (bleue|bancaire)|\bcb\b|sans contact|\bmontant|\btarif|\bprix\b"
            r"|\d+ ?(euros?|eur|€)|€|\bargent\b|\bthunes?\b|geste commercial|encaiss|augmentation"
            r"|\bcheque|\bcredit\b|\bdette|\bpenalite|(carte|paiement|cb|virement|transaction)"
            r"( \w+){0,3} refus)",
            r"\b(payment|pay|paid|paying|charged?|charges|fees?|refund\w*|billed|billing|invoice"
            r"|declined|direct debits?|top.?up\w*|transfer\w*|exchange rate|cash|money|withdraw\w*"
            r"|reimburse\w*|atm|\d+ ?(eur|euros?|gbp|usd|pounds?))\b",
            r"(\bdebite[es]?\b|debiter|double debit|debit (sur|de) (ma|mon|la|le) (carte|compte)|"
            r"\bprelev|rembours|\bfrais\b|factur|\bpaye[rsz]?\b|\bpaie\b|\bpaient\b|payant|"
            r"payable|\bpayee?s?\b|paiement|\d+([,.]\d+)? ?(euros?|eur|€|balles)|€|\bballes\b|"
            r"\bargent\b|\bcher\b|trop cher|\bprix\b|\btarif|augment|geste commercial|dedommag|"
            r"indemnis|surtax|\bdouill|\bcb\b|carte (bleue|bancaire|refusee)|virement|"
            r"\bmontant|penalite|\bcaution|encaiss|\bavoir\b (promis|de)|\bagios?\b|decouvert|"
            r"cotisation|abonnement (plus cher|augmente|double))",
        ),
    },
    {
        "key": "login",
        "names": {"fr": "Connexion", "en": "Login"},
        "definitions": {
            "fr": "Se connecter à son compte : mot de passe, identifiant, code, compte bloqué.",
            "en": "Signing in to an account: password, username, codes, locked account.",
        },
        "examples": (
            "Impossible de me connecter à mon espace client",
            "Mot de passe oublié et le lien de réinitialisation ne marche pas",
            "Mon compte est bloqué après trois essais",
            "Le code de vérification par SMS n'arrive jamais",
            "L'application me déconnecte sans arrêt",
            "Je n'arrive pas à accéder à mon compte en ligne",
            "Identifiant refusé alors que je ne l'ai pas changé",
            "Double authentification impossible sans mon ancien téléphone",
            "I can't log in to my account",
            "I forgot my password and the reset email never came",
            "My PIN is blocked",
            "The app keeps logging me out",
            "The two-factor code doesn't work",
            "I lost my phone and can't access the app anymore",
        ),
        "keywords": (
            r"((me |se |pas a |pas me |arrive pas a )(re)?connecter (a|sur) (mon|l'|votre|son|mes)"
            r"|mot de passe|\bmdp\b|identifiant|code (pin|secret|confidentiel)|compte (est )?bloque"
            r"|authentification|acceder a (mon|l'espace|votre)|acces a (mon|l'espace) (compte|client)"
            r"|(connecter|connexion|acceder|entrer) (a|sur|dans) (mon |l'|votre )?espace client)",
            r"\b(log ?in|log ?onto|logged out|logging in|sign ?in|password|passcode|pin|locked out"
            r"|two.factor|2fa|credentials|username)\b",
            r"(mot de passe|\bmdp\b|identifiant|\bcode (pin|secret|confidentiel|de (verification|"
            r"confirmation|securite|validation))|compte (est )?(bloque|verrouille|suspendu)|"
            r"authentification|\b2fa\b|(me|se|pas a|pas me|arrive pas a|impossible de (me|"
            r"vous)?) ?(re)?connecter (a|sur|dans) (mon|ma|l'|votre|son|mes|l'appli|l'application|"
            r"le site|l'espace)|(acceder|acces) (a|au) (mon|ma|l'espace|votre|mes) ?(compte|"
            r"espace|mails?|messagerie|boite)|espace (client|abonne|perso)\w* (inaccessible|"
            r"bloque|impossible|ne (marche|fonctionne|charge|s'ouvre))|(connexion|connecter|"
            r"acceder|entrer) (a|sur|dans|au) (mon |l'|votre |son |le )?(espace|compte|webmail|"
            r"messagerie|appli)|\bwebmail\b|reinitialis)",
        ),
    },
    {
        "key": "onboarding",
        "names": {"fr": "Onboarding / activation", "en": "Onboarding / activation"},
        "definitions": {
            "fr": "Ouvrir un compte, activer un service ou une carte, vérifier son identité, "
            "démarrer avec une offre.",
            "en": "Opening an account, activating a service or a card, verifying identity, "
            "getting started with an offer.",
        },
        "examples": (
            "L'ouverture de compte est un vrai parcours du combattant",
            "Impossible d'activer ma carte",
            "La vérification d'identité échoue à chaque fois",
            "On me redemande sans cesse les mêmes justificatifs",
            "Je n'arrive pas à activer l'option incluse dans mon offre",
            "La mise en service de ma ligne n'est toujours pas faite",
            "Configuration de la box trop compliquée au démarrage",
            "Inscription interminable, trop de documents demandés",
            "How do I activate my new card?",
            "The identity verification keeps failing",
            "Opening an account took far too many steps",
            "I can't get the new service set up",
            "Why do I need to verify my identity again?",
            "How do I order a physical card?",
        ),
        "keywords": (
            r"(ouverture (de|du|d'un) compte|ouvrir (un|mon) compte|\bactiv(er|ation|e)\b"
            r"|mise en service|verification d'identite|justificatifs?|piece d'identite|inscription"
            r"|souscri|premiere utilisation|installation|installer|raccord|nouvelle offre"
            r"|beneficier de|nouveau client|mise en place)",
            r"\b(activat\w*|activate|open(ing)? (an|my|the|a new) account|account opening|sign(ing)? up"
            r"|verify (my )?identity|identity verification|onboarding|set ?up|new card|approved|application fee)\b",
            r"(raccord|eligib|demenag|migration|\bmigrer|souscri|m'abonner|\babonnement (max|"
            r"ultra|pop|fibre)|\bcommande\b|suivi de (commande|livraison)|\binstall|\bactiv|"
            r"mise en service|nouvelle (box|ligne|adresse|offre|carte|appli)|nouveau (logement|"
            r"client|compte|forfait|decodeur)|(passer|passe) (a|en) la fibre|(avoir|installer|"
            r"amener) la fibre|fibre (arrive|dispo|chez|dans (mon|notre|l'))|fibre\w* (mon|"
            r"notre) (immeuble|quartier|logement)|portabilit|\brio\b|ouvr(ir|ture) (d'un|un|mon|"
            r"de|du) compte|justificatif|piece d'identite|verification d'identite|inscription|"
            r"retractation|premiere (utilisation|connexion)|mise en place|"
            r"construction de (la )?ligne|ecrasement|changement d'offre|changer d'offre|deploi)",
        ),
    },
    {
        "key": "delay",
        "names": {"fr": "Délai / attente", "en": "Delay / waiting"},
        "definitions": {
            "fr": "Attendre trop longtemps : réponse, livraison, intervention, transaction en "
            "attente, service injoignable.",
            "en": "Waiting too long: for an answer, a delivery, an intervention, a pending "
            "transaction, a support that cannot be reached.",
        },
        "examples": (
            "Ça fait trois semaines que j'attends une réponse",
            "Toujours pas de nouvelles depuis ma demande",
            "Impossible de joindre le service client, personne ne répond",
            "Quarante minutes d'attente au téléphone",
            "Le technicien devait venir il y a dix jours",
            "Ma carte n'est toujours pas arrivée",
            "Le virement est en attente depuis une semaine",
            "Délai de traitement beaucoup trop long",
            "Le remboursement prend une éternité",
            "Le service client ne répond plus à mes messages",
            "I've been waiting for two weeks and still nothing",
            "My card still hasn't arrived",
            "The transfer has been pending for days",
            "Nobody answers the phone",
            "How long does it take for the money to arrive?",
            "My refund is still not showing up",
        ),
        "keywords": (
            r"(\battend|\battente|\bdelai|toujours (pas|rien|aucun|en attente)|depuis (des|plusieurs|\d+)"
            r" ?(h|heures?|jours?|semaines?|mois|ans)|(des|plusieurs) (jours|semaines|mois)"
            r"|joignable|\bjoindre|personne (ne )?(repond|au telephone)|aucune? (reponse|nouvelles?|retour)"
            r"|pas de (reponse|retour|nouvelles?)|sans (reponse|retour|nouvelles?)|trop long|tres lent|traine"
            r"|une eternite|\blent\b|interlocuteur|rendez.vous|\brdv\b|pas (de )?technicien"
            r"|(un|\d+|deux|trois) (jours?|semaines?|mois) (sans|que|plus tard)|(plus|pas) moyen d'avoir"
            r"|jamais (present|disponible)|ne revient pas vers)",
            r"\b(waiting|waited|wait|pending|still (not|no|nothing|hasn'?t|haven'?t|waiting)|how long"
            r"|delay\w*|takes? (so|too) long|no (reply|response|answer)|not arrived|for (days|weeks|months)"
            r"|(\d+|two|three|four|several) (days|weeks|months)|slow|absent|doesn'?t react|never (answer|respond)\w*)\b",
            r"(\battend|\battente|\bdelai|toujours (pas|rien|aucun|en attente|en panne|pas de|"
            r"sans|bloque)|\btjr?s? (pas|rien|aucun|sans)|depuis (des|plusieurs|quelques|qq|"
            r"plus d'une?|plus de|bientot|hier|avant.hier|ce matin|cette nuit|ce midi|ce soir|"
            r"la semaine|le mois|le debut|debut|mi|fin|lundi|mardi|mercredi|jeudi|vendredi|samedi|"
            r"dimanche|janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|"
            r"novembre|decembre|le \d|\d|un|une|deux|trois)|(ca|cela) fait (deja |maintenant |"
            r"bientot |plus d'|plus de |presque )?(\d|un|une|deux|trois|quatre|cinq|plusieurs|des|"
            r"quelques|qq)|\d+ ?(h|j|jours?|sem|semaines?|mois|min|mn|minutes?|heures?|"
            r"ans?)\b( \w+){0,2} (que|sans|d'attente|a attendre|de panne|pour)|(des|"
            r"plusieurs) (heures|jours|semaines|mois)|une (semaine|eternite)|trop long|(c'est|"
            r"etre|faire|ca commence a faire|ca commence a etre) long|longtemps|joignable|\bjoindre|"
            r"(personne|aucun conseiller) (ne )?(repond|decroche|pour)|personne au)",
            r"(aucune? (reponse|nouvelles?|retour|rappel)|pas de (reponse|retour|nouvelles?|"
            r"rappel)|sans (reponse|retour|nouvelles?)|\blent\b|lenteur|une eternite|rendez.vous|"
            r"\brdv\b|quand (est.ce|allez|vais|va|pourrai|aurai|sera)|c'est pour quand|pour quand|"
            r"(une idee|idee) (du|de) (delai|temps|date)|combien de temps|vous en etes ou|"
            r"ou en est|retabliss|reparation prevue|pas avant le|raccroche|de nouveau|remettez|"
            r"rendez.nous|\bdelais?\b|prochainement|encore (combien|longtemps)|toujours rien|"
            r"\bj\+\d|(le|la|les) (technicien|livreur|colis|carte|box)\w*( \w+){0,3} (n'est|"
            r"ne sont|n'a|n'ont) (toujours )?(pas|jamais) (venu|passe|arrive|livre|recu)|"
            r"jamais (venu|passe|arrive|recu|rappele)|pas (venu|passe|arrive|rappele|livre))",
        ),
    },
    {
        "key": "info_not_found",
        "names": {"fr": "Information introuvable", "en": "Information not found"},
        "definitions": {
            "fr": "Ne pas trouver une information, une page, un document ou une réponse "
            "claire ; ne pas savoir comment faire.",
            "en": "Not finding information, a page, a document or a clear answer; not "
            "knowing how to do something.",
        },
        "examples": (
            "Je ne trouve pas ma facture dans l'espace client",
            "Aucune information claire sur les frais",
            "Où est-ce que je peux trouver mon RIB ?",
            "La FAQ ne répond pas à ma question",
            "Le menu est introuvable, caché dans les paramètres",
            "Personne n'a su m'expliquer comment faire",
            "Les conditions de l'offre ne sont écrites nulle part",
            "Je ne sais pas quelle option choisir",
            "Where can I find my statement?",
            "Which currencies do you support?",
            "The help pages don't answer my question",
            "I can't find where to change this setting",
            "What are the limits on my card?",
            "Is there an agency near me?",
        ),
        "keywords": (
            r"(introuvable|je ne trouve pas|ne trouve pas|pas trouve|\bou (est|sont|trouver|puis)"
            r"|aucune information|pas d'information|\bfaq\b|comment (faire|on fait|faut|puis|peut|acced|fait-on)"
            r"|pas clair|nulle part|est.il possible|est.ce que (vous|je|c'est possible)|pourriez.vous"
            r"|auriez.vous|savoir (si|comment|pourquoi)|m'informer|nous informer|\binform"
            r"|renseign|explication|\bnumero (du|de|pour)|une adresse|quelle? (est|sont|option|offre))",
            r"\b(can'?t find|cannot find|where (can|do|is|are)|how (do|can) i|no information|unclear"
            r"|not clear|help page|faq|no (real )?reason|vague|explain\w*|which)\b",
            r"(introuvable|je ne trouve pas|ne trouve pas|trouve pas|pas trouve|\bou (est|sont|"
            r"trouver|puis|peut|se trouve)|aucune? (information|info|explication|communication|"
            r"idee|precision|visibilite|suivi|evolution)|pas d'(information|info|explication)|"
            r"sans (aucune )?(explication|information|info|communication|suivi|nouvelles?)|"
            r"\bfaq\b|comment (faire|on fait|faut|puis|peut|acced|fait.on|ca se fait|je fais|"
            r"ca marche|se fait|proceder|savoir|obtenir|joindre|contacter|resilier|annuler|avoir)|"
            r"on fait comment|que faire|quoi faire|pas clair|nulle part|pas (du tout )?(indique|"
            r"precise|specifie|mentionne|explique)|est.il possible|est.ce (que|qu'on|qu'il)|"
            r"pourriez.vous|auriez.vous|savoir (si|comment|pourquoi|quand|ou)|j'aimerais savoir|"
            r"voudrais savoir|m'informer|nous informer|\binform|renseign|explication|m'expliqu|expliquez|"
            r"pourquoi|\bpk\b|\bpq\b|une idee|il se passe quoi|qu'est.ce qu'il se passe|"
            r"qu'est ce qui se passe|que se passe|ca vient d'ou|d'ou vient|prevenir)",
            r"(previen|une question|petite question|des nouvelles|quelle? (est|sont|option|offre|"
            r"numero|adresse|demarche)|\bnumero (du|de|pour))",
        ),
    },
    {
        "key": "recontact",
        "names": {"fr": "Recontacts / répétition", "en": "Repeat contacts"},
        "definitions": {
            "fr": "Devoir recontacter, relancer ou réexpliquer plusieurs fois la même chose.",
            "en": "Having to contact again, chase, or explain the same thing several times.",
        },
        "examples": (
            "J'ai dû appeler trois fois pour le même problème",
            "À chaque appel je dois tout réexpliquer depuis le début",
            "Je relance pour la quatrième fois",
            "On me renvoie d'un service à l'autre",
            "Troisième message sans réponse, je répète encore",
            "Chaque conseiller me dit quelque chose de différent",
            "Malgré mes nombreux appels, rien n'avance",
            "I had to call three times about the same issue",
            "I keep having to explain everything again",
            "This is my fourth email about this",
            "I was transferred from one department to another",
        ),
        "keywords": (
            r"((appel|contact|relanc|ecri|mail|message|telephon|joindre|rappel)\w*( \w+){0,4} "
            r"(\d+|deux|trois|quatre|cinq|plusieurs|une dizaine de|dix|mille) fois"
            r"|(\d+|deux|trois|quatre|cinq|plusieurs|nombreux|nombreuses|maintes|une dizaine de|dix)"
            r" (appels|relances|mails|messages|courriers|techniciens|conseillers)|relanc|rappel|recontact"
            r"|re-?expliqu|a chaque (appel|fois)|encore une fois|de nouveau|renvoi|renvoy|baladent|balade"
            r"|puis le \d|(\d+ )?eme (fois|appel)|\bescalad|lettre recommandee|toujours la meme)",
            r"\b(twice|three times|several times|again and again|multiple times|called (again|back)"
            r"|keep (calling|explaining|having to)|chas\w+|follow.?up|escalat\w*|repeated\w*|every time)\b",
            r"((appel|contact|relanc|ecri|mail|message|telephon|joindre|rappel|signal|"
            r"reclam)\w*( \w+){0,4} (\d+|deux|trois|quatre|cinq|six|sept|huit|plusieurs|"
            r"une dizaine de|dix|mille|\d+e|\d+eme) fois|(\d+|deux|trois|quatre|cinq|six|"
            r"plusieurs|nombreux|nombreuses|maintes|une dizaine de|dix|\w+aine d'?) ?(appels|"
            r"relances|mails|messages|courriers|techniciens|conseillers|tickets|reclamations|"
            r"demandes|fois)|relanc|\brappel|recontact|re-?expliqu|a chaque (appel|fois)|"
            r"encore une fois|de nouveau|rebelote|renvoi|renvoy|baladent|balade|tourne en rond|"
            r"patate chaude|de (numero|service|conseiller) en (numero|service|conseiller)|"
            r"d'un service a l'autre|ne sert a rien|sert a rien|(malgre|apres) (mes|nos|plusieurs|"
            r"des|de nombreux|nombreux) (appels|mails|relances|messages|courriers|echanges|"
            r"demandes)|signale depuis|je (le )?signale|je repete|(je|on) me repete|"
            r"(vous )?mentez|mensonge|promesse|promis|\d+ (puis|et) (le )?\d|puis le \d)",
            r"(tous les \d+ (mois|jours|semaines)|(oblige|obligee|contraint|dois|devoir|"
            r"doit) (de )?(rappeler|appeler|relancer|revenir|aller en boutique|retourner)|"
            r"temps perdu|perdre mon temps|litige|mise en demeure|recommandee?\b|\bescalad|"
            r"toujours la meme|meme probleme|\bencore\b (un|une) (fois|appel|technicien)|"
            r"aucune solution|raccroch)",
        ),
    },
    {
        "key": "outage",
        "names": {"fr": "Panne / bug", "en": "Outage / bug"},
        "definitions": {
            "fr": "Quelque chose ne marche pas : panne, coupure, bug, erreur technique, "
            "service indisponible.",
            "en": "Something does not work: outage, cut, bug, technical error, service "
            "unavailable.",
        },
        "examples": (
            "Plus d'internet depuis hier soir",
            "Coupure de réseau dans tout le quartier",
            "L'application plante dès que je l'ouvre",
            "Message d'erreur à chaque tentative",
            "La box redémarre toute seule plusieurs fois par jour",
            "Le site est en panne",
            "Impossible de télécharger le document, le bouton ne fait rien",
            "Pas de télé ni de wifi depuis ce matin",
            "Le débit est catastrophique le soir",
            "The app crashes every time I open it",
            "The website is down",
            "My card is not working",
            "I get an error message when I try",
            "No internet connection since yesterday",
        ),
        "keywords": (
            r"(panne|coupure|\bcoupe|se coupe|\bbug|beug|plante|erreur|ne (marche|fonctionne) (plus|pas|jamais)"
            r"|(marche|fonctionne) (plus|pas|jamais)|hors service|indisponible|(plus|pas|sans) (d'|de )?"
            r"(internet|reseau|wifi|wi-fi|tele|tv|ligne|connexion|fibre|adsl|4g|5g|telephone|box|freebox)"
            r"|\bdebit\b|ne s'affiche|inaccessible|crash|bloquee? (sur|a|en|au) (l')?eta[pg]e|\beta[pg]e \d"
            r"|(plus|pas|sans) d (internet|reseau|wifi|tele|tv|ligne|connexion|fibre)|instable|\bdeco\b|deconnexion|rame|\brepar|retabli|incident|derangement|intervention"
            r"|technicien|debranch|s'eteint|redemarr|connexion (affreuse|instable|lente|nulle)"
            r"|non disponible|impossible de (telecharger|imprimer|ouvrir|utiliser))",
            r"\b(outage|down|crash\w*|bug\w*|error|not working|doesn'?t work|don'?t work|broken|faults?"
            r"|no (internet|signal|connection|service)|unavailable|glitch\w*)\b",
            r"(panne|coupure|\bcoupe|\bbug|beug|plante|erreur|ne (marche|fonctionne|capte|charge|"
            r"s'ouvre|s'allume|repond) (plus|pas|jamais|toujours pas|rien)|(marche|fonctionne|"
            r"capte) (plus|pas|jamais|rien|mal|a moitie)|hors service|\bhs\b|\bko\b|indisponib|"
            r"(plus|pas|sans|zero|aucun|prive de|privee? d') (d'|de |du |la |le |l')?(internet|"
            r"reseau|wifi|wi.fi|tele|tv|ligne|connexion|\bco\b|fibre|adsl|4g|5g|telephone|box|"
            r"signal|service|chaines?|son|image|net|mail|e.mail|appel)|\bdebits?\b|ne s'affiche|"
            r"inaccessible|crash|bloquee? (sur|a|en|au) (l')?eta[pg]e|\beta[pg]e \d|instab|"
            r"\bdeco\b|deconnect|deconnexion|\brame\b|ramer|\blag|\bping\b|repar|retabl|incident|"
            r"derangement|technicien|debranch|rebranch|s'eteint|redemarr|saute|\bsautent|"
            r"ecran noir|fige|saccad|decalage|pixelis|\bdown\b|\d+ ?(mb|mbps|mbits?|mo|ko|kb|gb|"
            r"gbps)(/s)?\b|capte (plus|pas|rien|nul)|reseau (de merde|pourri|nul|catastroph))",
            r"(connexion (de merde|pourrie|affreuse|instable|lente|nulle|coupee|catastroph|"
            r"ultra lente)|(problemes?|soucis?|pb|galeres?) (de|d'|avec|sur) (ma |la |mon |le |l'|"
            r"mes |votre )?(box|connexion|reseau|fibre|ligne|wifi|tv|tele|decodeur|mails?|appli|"
            r"application|site|debit|internet|telephone|co)\b|non disponible|"
            r"impossible d'(envoyer|acceder|ouvrir|imprimer|telecharger|utiliser|regarder|appeler|"
            r"recevoir)|impossible de (telecharger|imprimer|ouvrir|utiliser|regarder|envoyer|"
            r"recevoir|lancer|charger)|n'apparai|a disparu|disparue?s?\b|ne (recois|recoit|"
            r"recevons) plus|plus acces|pas acces|plus d'acces|(j'ai|on a|nous avons|n'ai|n'avons|"
            r"j'ai) plus (de |d')?(internet|co|connexion|reseau|tele|tv|wifi|ligne|telephone|"
            r"mails?)|remettez (la|le|moi|nous|internet)|rendez.(moi|nous) (la|le|internet)|"
            r"maintenance|vandalisme|travaux|dysfonctionn|defaillan|defectu|pas stable|(tres|trop|"
            r"ultra|super) lente?|en rade|plus rien ne marche|rien ne (marche|fonctionne))",
        ),
    },
)
