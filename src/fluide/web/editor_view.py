"""What the touchpoint editor page draws: the channel previews, the test event's result.

Each preview is a whole document shown in a sandboxed ``<iframe srcdoc>``: the
e-mail and the survey page run no script and submit nothing; the widget frame
runs only ``/widget.js`` (allowed by the page's CSP), which draws the card
from the same JSON the live widget gets.
"""

from __future__ import annotations

import base64
import hashlib
import json
from importlib import resources
from typing import Any, Final

from markupsafe import Markup

from fluide.api.routes.survey import _survey
from fluide.i18n import N_, gettext
from fluide.services import touchpoint_form as form_of
from fluide.services.touchpoint_preview import TEST_USER, DryRunResult, Preview
from fluide.settings import Settings
from fluide.templating import environment

SCRIPT: Final = Markup(  # noqa: S704 - our own file, never data
    (resources.files("fluide.web") / "templates" / "touchpoint_editor.js").read_text(
        encoding="utf-8"
    )
)
"""The editor's inline script, allowed by its hash."""
_HASH: Final = base64.b64encode(hashlib.sha256(str(SCRIPT).encode("utf-8")).digest()).decode()
CSP: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    f"script-src 'self' 'sha256-{_HASH}'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""The dashboard's policy, plus the editor's script, its preview calls and ``/widget.js``
in the widget's frame (a ``srcdoc`` frame keeps this policy)."""
TEST_FIELDS: Final = ("event_type", "outcome", "user_id", "channel", "lang")
REASONS: Final = {
    "invited": N_("Invited: the customer would get the question now."),
    "no_trigger": N_(
        "Not invited: no active touchpoint is triggered by the event type %(event_type)s."
    ),
    "cooldown": N_(
        "Not invited (cooldown): this touchpoint asked this user on %(last)s, and waits "
        "%(days)s days between two questions to one user."
    ),
    "fatigue": N_(
        "Not invited (fatigue): this user was asked a question on %(last)s, and the workspace "
        "asks a user at most once every %(days)s days."
    ),
    "sampled_out": N_(
        "Not invited (sampling): this touchpoint asks after %(percent)s of events, and this "
        "event was drawn out. Send it again to draw again."
    ),
    "too_late": N_("Not invited: the event is older than the expiry of %(hours)s hours."),
    "opted_out": N_("Not invited: this user has opted out of every question."),
}


def frames(shown: Preview, settings: Settings) -> dict[str, Any]:
    """The three documents of a preview, and what is said above them."""
    widget = (
        environment("fluide.web", shown.lang)
        .get_template("_widget_frame.html.j2")
        .render(lang=shown.lang, card=shown.widget)
    )
    survey = _survey(shown.survey, "#preview", settings).body
    return {
        "lang": shown.lang,
        "widget": widget,
        "email": shown.email_html,
        "email_subject": shown.email_subject,
        "survey": bytes(survey).decode("utf-8"),
    }


def test_defaults(current: dict[str, Any] | None, lang: str) -> dict[str, str]:
    """The test form's first values: the touchpoint's first trigger, the test user."""
    trigger = (current or {}).get("triggers") or [{}]
    channels = (current or {}).get("channels") or [""]
    return {
        "event_type": str(trigger[0].get("event", "")),
        "outcome": str(trigger[0].get("outcome") or ""),
        "user_id": TEST_USER,
        "channel": str(channels[0]),
        "lang": lang,
    }


def _days(value: object) -> str:
    x = float(str(value))
    return str(int(x)) if x.is_integer() else str(x)


def reason_text(result: DryRunResult, lang: str) -> str:
    """Why the test event was (not) invited, in words."""
    r = result.reason
    params: dict[str, object] = {}
    if result.decision == "no_trigger":
        params["event_type"] = result.event.event_type
    elif result.decision in ("cooldown", "fatigue"):
        params["last"] = str(r.get("last_invited_at", ""))[:16].replace("T", " ") + " UTC"
        params["days"] = _days(r.get("cooldown_days", r.get("fatigue_days", 0)))
    elif result.decision == "sampled_out":
        params["percent"] = f"{float(str(r.get('sampling', 0))) * 100:g} %"
    elif result.decision == "too_late":
        params["hours"] = _days(r.get("expires_after_hours", 0))
    msgid = REASONS.get(result.decision, REASONS["invited"])
    return gettext(lang, msgid, **params)


def test_view(result: DryRunResult, lang: str, settings: Settings) -> dict[str, Any]:
    """The test result as the page shows it."""
    channel = result.preview.channel if result.preview else None
    return {
        "error": None,
        "decision": result.decision,
        "invited": result.decision == "invited",
        "reason": reason_text(result, lang),
        "touchpoint": result.touchpoint,
        "known_user": result.known_user,
        "user_id": result.event.user_id,
        "channel": channel,
        "channel_name": gettext(lang, form_of.CHANNEL_NAMES[channel]) if channel else None,
        "subject": result.preview.email_subject if result.preview else None,
        "frames": frames(result.preview, settings) if result.preview else None,
    }


def test_json(result: DryRunResult) -> dict[str, Any]:
    """The test result for ``?format=json``."""
    p = result.preview
    return {
        "stored": False,
        "event": {
            "type": result.event.event_type,
            "outcome": result.event.outcome,
            "user_id": result.event.user_id,
        },
        "decision": result.decision,
        "touchpoint": result.touchpoint,
        "reason": json.loads(json.dumps(result.reason, default=str)),
        "known_user": result.known_user,
        "invitation": None
        if p is None
        else {
            "channel": p.channel,
            "lang": p.lang,
            "question": p.message.question,
            "email_subject": p.email_subject,
            "widget": p.widget,
        },
    }
