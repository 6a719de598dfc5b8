"""The demo workspace's touchpoints: six precise actions, each with its one question.

Every question is an *ease* statement on 1–7 (« J'ai pu … facilement »,
7 = tout à fait d'accord), asked right after the action.
"""

from __future__ import annotations

from typing import Any

from fluide.inputs.requests import TouchpointIn

COMMENT_PROMPT = {
    "fr": "Qu'est-ce qui aurait pu être plus simple ?",
    "en": "What could have been easier?",
}


def _tp(
    key: str,
    category: str,
    task: tuple[str, str],
    fr: str,
    en: str,
    triggers: list[dict[str, str]],
    channels: list[str],
    **extra: Any,
) -> TouchpointIn:
    return TouchpointIn.model_validate(
        {
            "key": key,
            "task": task[0],
            "task_names": {"fr": task[0], "en": task[1]},
            "task_category": category,
            "question": {"fr": fr, "en": en},
            "scale": "1-7",
            "polarity": "ease",
            "comment_prompt": COMMENT_PROMPT,
            "triggers": triggers,
            "channels": channels,
            "cooldown_days": 14,
            "expires_after_hours": 24,
            **extra,
        }
    )


TOUCHPOINTS: tuple[TouchpointIn, ...] = (
    _tp(
        "payer",
        "payment",
        ("payer", "pay"),
        "J'ai pu payer facilement",
        "I could pay easily",
        [{"event": "payment_succeeded"}, {"event": "payment_failed", "outcome": "failure"}],
        ["in_app", "email", "link"],
    ),
    _tp(
        "changer_carte",
        "payment",
        ("changer la carte", "change the card"),
        "J'ai pu changer ma carte facilement",
        "I could change my card easily",
        [{"event": "card_updated"}, {"event": "card_update_failed", "outcome": "failure"}],
        ["in_app", "email"],
    ),
    _tp(
        "trouver_facture",
        "find_information",
        ("trouver la facture", "find the invoice"),
        "J'ai pu trouver ma facture facilement",
        "I could find my invoice easily",
        [{"event": "invoice_downloaded"}, {"event": "invoice_not_found", "outcome": "failure"}],
        ["in_app", "email"],
        sampling=0.7,  # invoices are looked up often: asking after most look-ups is enough
    ),
    _tp(
        "contacter_support",
        "support_contact",
        ("contacter le support", "contact support"),
        "J'ai pu obtenir de l'aide facilement",
        "I could get help easily",
        [{"event": "ticket_resolved"}, {"event": "ticket_closed_unresolved", "outcome": "failure"}],
        ["chat", "email"],
    ),
    _tp(
        "activer",
        "onboarding",
        ("activer le compte", "activate the account"),
        "J'ai pu activer mon compte facilement",
        "I could activate my account easily",
        [
            {"event": "activation_completed"},
            {"event": "activation_abandoned", "outcome": "failure"},
        ],
        ["in_app", "email"],
    ),
    _tp(
        "annuler",
        "cancellation",
        ("annuler l'abonnement", "cancel the subscription"),
        "J'ai pu annuler mon abonnement facilement",
        "I could cancel my subscription easily",
        [
            {"event": "subscription_cancelled"},
            {"event": "cancellation_failed", "outcome": "failure"},
        ],
        ["in_app", "email", "link"],
    ),
)

TRIGGERED_BY: dict[str, str] = {
    trigger.event: tp.key for tp in TOUCHPOINTS for trigger in tp.triggers
}
"""Event type → the touchpoint it triggers (each type triggers exactly one)."""
