"""The dashboard's touchpoint editor form, read into the API's input models.

The form is plain strings; each field is checked here with a message a CSM
reads (naming the field and what is allowed), then the body goes through the
very models the API validates (``TouchpointIn``, ``TouchpointPatch``) and the
same service functions, so the editor accepts exactly what the API accepts.
An edit sends only what differs from the touchpoint as stored: an unchanged
wording never starts a question version.
"""

from __future__ import annotations

import re
from typing import Any, Final

from pydantic import ValidationError

from fluide.domain.benchmark import CATEGORIES
from fluide.domain.scales import SCALES, EffortGroups, Polarity, Question, ScaleError
from fluide.i18n import N_
from fluide.inputs.requests import CHANNELS, TouchpointIn, TouchpointPatch
from fluide.services.errors import ServiceError
from fluide.storage.questions import DEFAULT_COMMENT_PROMPT

FIELDS: Final = (
    "key",
    "task",
    "task_en",
    "task_category",
    "question_fr",
    "question_en",
    "prompt_fr",
    "prompt_en",
    "scale",
    "polarity",
    "low_max",
    "high_min",
    "triggers",
    "sampling",
    "cooldown_days",
    "expires_after_hours",
    "active",
)
CHANNEL_FIELD: Final = "channel."
KEY_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,99}$")
MAX_TEXT: Final = 500
MAX_TRIGGERS: Final = 50
CHANNEL_NAMES: Final = {
    "in_app": N_("In-app widget"),
    "popover": N_("Popover (in-app, centred)"),
    "email": N_("E-mail"),
    "chat": N_("Chat message"),
    "link": N_("Survey link"),
}
SCALE_NAMES: Final = {
    "1-5": N_("1 to 5"),
    "1-7": N_("1 to 7"),
    "1-10": N_("1 to 10"),
    "emoji-3": N_("Three faces (emoticons)"),
}
POLARITY_NAMES: Final = {
    "ease": N_("Ease: the highest point means easy"),
    "effort": N_("Effort: the highest point means a lot of effort"),
}


def _refuse(field: str, message: str, **params: Any) -> ServiceError:
    return ServiceError("invalid", message, details=[{"field": field}], **params)


def values_from_form(form: dict[str, str]) -> dict[str, str]:
    """The editor's fields as the form sent them (channels as ``channel.<name>``)."""
    values = {k: form.get(k, "").strip() for k in FIELDS}
    values["triggers"] = form.get("triggers", "").strip()
    for c in CHANNELS:
        values[CHANNEL_FIELD + c] = "1" if form.get(CHANNEL_FIELD + c) else ""
    return values


def values_of(tp: dict[str, Any]) -> dict[str, str]:
    """A stored touchpoint (the API's JSON) as the form's fields."""
    question, prompt = tp["question"] or {}, tp["comment_prompt"] or {}
    names = tp.get("task_names") or {}
    values = {
        "key": tp["key"],
        "task": tp["task"],
        # Blank when it is the French name: it then follows the French name when that changes.
        "task_en": "" if names.get("en", tp["task"]) == tp["task"] else names["en"],
        "task_category": tp.get("task_category") or "",
        "question_fr": question.get("fr") or "",
        "question_en": question.get("en") or "",
        "prompt_fr": prompt.get("fr") or "",
        "prompt_en": prompt.get("en") or "",
        "scale": tp["scale"],
        "polarity": tp["polarity"],
        "low_max": str(tp["effort_groups"]["low_max"]),
        "high_min": str(tp["effort_groups"]["high_min"]),
        "triggers": "\n".join(
            f"{t['event']} {t['outcome']}" if t.get("outcome") else t["event"]
            for t in tp["triggers"]
        ),
        "sampling": _number_text(tp["sampling"] * 100),
        "cooldown_days": _number_text(tp["cooldown_days"]),
        "expires_after_hours": _number_text(tp["expires_after_hours"]),
        "active": "1" if tp["active"] else "",
    }
    for c in CHANNELS:
        values[CHANNEL_FIELD + c] = "1" if c in tp["channels"] else ""
    return values


def blank_values() -> dict[str, str]:
    """A new touchpoint's form: the API's defaults."""
    values = dict.fromkeys(FIELDS, "") | {
        "scale": "1-7",
        "polarity": "ease",
        "sampling": "100",
        "cooldown_days": "14",
        "expires_after_hours": "24",
        "active": "1",
    }
    for c in CHANNELS:
        values[CHANNEL_FIELD + c] = "1" if c in ("in_app", "link") else ""
    return values


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(round(x, 4))


def _number(values: dict[str, str], field: str, low: float, high: float, message: str) -> float:
    text = values[field].replace(",", ".")
    try:
        x = float(text)
    except ValueError:
        raise _refuse(field, message, low=_number_text(low), high=_number_text(high)) from None
    if not low <= x <= high:
        raise _refuse(field, message, low=_number_text(low), high=_number_text(high))
    return x


def _text(values: dict[str, str], field: str, *, required: bool) -> str | None:
    text = values[field]
    if not text:
        if required:
            raise _refuse(field, N_("This text is required (in French: French is asked first)."))
        return None
    if len(text) > MAX_TEXT:
        raise _refuse(field, N_("At most %(max)s characters."), max=MAX_TEXT)
    return text


def _triggers(values: dict[str, str]) -> list[dict[str, str]]:
    """One trigger a line: ``event_type`` or ``event_type outcome``."""
    out = []
    for number, line in enumerate(values["triggers"].splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) > 2 or len(parts[0]) > 200 or (len(parts) == 2 and len(parts[1]) > 64):
            raise _refuse(
                "triggers",
                N_(
                    "Line %(line)s: write an event type, then optionally its outcome "
                    "(e.g. payment_failed failure), separated by a space."
                ),
                line=number,
            )
        out.append({"event": parts[0], **({"outcome": parts[1]} if len(parts) == 2 else {})})
    if not out:
        raise _refuse("triggers", N_("Give at least one event type that asks this question."))
    if len(out) > MAX_TRIGGERS:
        raise _refuse("triggers", N_("At most %(max)s triggers."), max=MAX_TRIGGERS)
    return out


def _groups(values: dict[str, str], scale: str, polarity: str) -> dict[str, int] | None:
    """The cut points; both empty: the scale's defaults."""
    low, high = values["low_max"], values["high_min"]
    if not low and not high:
        return None
    k = SCALES[scale].k
    try:
        groups = EffortGroups(int(low), int(high))
        Question(SCALES[scale], Polarity(polarity))
        groups.validate(k)
    except (ValueError, ScaleError):
        raise _refuse(
            "low_max",
            N_(
                "Effort groups need whole numbers with 1 ≤ low effort up to < high effort "
                "from ≤ %(k)s (or both empty for the scale's defaults)."
            ),
            k=k,
        ) from None
    return {"low_max": groups.low_max, "high_min": groups.high_min}


def body_of(values: dict[str, str], *, with_key: bool) -> dict[str, Any]:
    """The API body the form stands for; a bad field is refused naming it."""
    body: dict[str, Any] = {}
    if with_key:
        if not KEY_PATTERN.match(values["key"]):
            raise _refuse(
                "key",
                N_(
                    "A key is 1 to 100 lowercase letters, digits, _ or -, starting with a "
                    "letter or digit (e.g. pay_invoice)."
                ),
            )
        body["key"] = values["key"]
    if not values["task"] or len(values["task"]) > 200:
        raise _refuse("task", N_("The task name needs 1 to 200 characters."))
    body["task"] = values["task"]
    if len(values["task_en"]) > 200:
        raise _refuse("task_en", N_("The task name needs 1 to 200 characters."))
    body["task_names"] = {"fr": values["task"], "en": values["task_en"] or values["task"]}
    category = values.get("task_category", "")
    if category and category not in CATEGORIES:
        raise _refuse(
            "task_category",
            N_("Choose a task category among: %(allowed)s."),
            allowed=", ".join(CATEGORIES),
        )
    body["task_category"] = category or None
    question_fr = _text(values, "question_fr", required=True)
    question_en = _text(values, "question_en", required=False)
    body["question"] = {"fr": question_fr, **({"en": question_en} if question_en else {})}
    prompt_fr = _text(values, "prompt_fr", required=False)
    prompt_en = _text(values, "prompt_en", required=False)
    if prompt_en and not prompt_fr:
        raise _refuse("prompt_fr", N_("This text is required (in French: French is asked first)."))
    if prompt_fr:
        body["comment_prompt"] = {"fr": prompt_fr, **({"en": prompt_en} if prompt_en else {})}
    if values["scale"] not in SCALES:
        raise _refuse("scale", N_("Choose a scale among: %(allowed)s."), allowed=", ".join(SCALES))
    body["scale"] = values["scale"]
    if values["polarity"] not in ("ease", "effort"):
        raise _refuse("polarity", N_("Choose a polarity: ease or effort."))
    body["polarity"] = values["polarity"]
    groups = _groups(values, body["scale"], body["polarity"])
    if groups is not None:
        body["effort_groups"] = groups
    body["triggers"] = _triggers(values)
    channels = [c for c in CHANNELS if values.get(CHANNEL_FIELD + c)]
    if not channels:
        raise _refuse("channels", N_("Tick at least one channel."))
    body["channels"] = channels
    sampling = _number(
        values, "sampling", 0, 100, N_("Sampling is a percentage from %(low)s to %(high)s.")
    )
    body["sampling"] = round(sampling / 100, 6)
    body["cooldown_days"] = _number(
        values,
        "cooldown_days",
        0,
        365,
        N_("The cooldown is a number of days from %(low)s to %(high)s."),
    )
    hours = _number(
        values,
        "expires_after_hours",
        0,
        24 * 30,
        N_("The expiry is a number of hours above 0, up to %(high)s."),
    )
    if hours <= 0:
        raise _refuse(
            "expires_after_hours",
            N_("The expiry is a number of hours above 0, up to %(high)s."),
            high=str(24 * 30),
        )
    body["expires_after_hours"] = hours
    body["active"] = bool(values["active"])
    return body


def _checked(model: type[TouchpointIn] | type[TouchpointPatch], body: dict[str, Any]) -> Any:
    """The API's own validation, as a last word (the field checks above come first)."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(p) for p in error.get("loc", ())]
        field = {"question": "question_fr", "comment_prompt": "prompt_fr"}.get(loc[0], loc[0])
        raise _refuse(
            field if field in FIELDS else "form",
            N_("Not accepted: %(problem)s"),
            problem=f"{'.'.join(loc)}: {error.get('msg', '')}",
        ) from None


def create_input(values: dict[str, str]) -> TouchpointIn:
    """The ``POST /v1/touchpoints`` body of a new touchpoint's form."""
    body = body_of(values, with_key=True)
    checked: TouchpointIn = _checked(TouchpointIn, body)
    return checked


def patch_input(values: dict[str, str], current: dict[str, Any]) -> TouchpointPatch:
    """The ``PATCH /v1/touchpoints/{key}`` body: only what differs from ``current``."""
    values = dict(values)
    stored = current["effort_groups"]
    if (values["scale"], values["polarity"]) != (current["scale"], current["polarity"]) and (
        values["low_max"],
        values["high_min"],
    ) == (str(stored["low_max"]), str(stored["high_min"])):
        values["low_max"] = values["high_min"] = ""  # untouched cut points: the new defaults
    body = body_of(values, with_key=False)
    body.setdefault("comment_prompt", DEFAULT_COMMENT_PROMPT)  # emptied: back to the default
    now = body_of(values_of(current), with_key=False)
    changes = {k: v for k, v in body.items() if now.get(k) != v}
    checked: TouchpointPatch = _checked(TouchpointPatch, changes)
    return checked
