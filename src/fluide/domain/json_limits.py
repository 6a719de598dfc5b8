"""Size limits of the free JSON objects a host sends: event ``properties``, user ``attributes``.

They are stored with every event and copied into invitations, so each is kept
small and shallow. ``where`` names the object (``properties``); a problem names
the key inside it and the limit.

>>> check_json_object({"plan": "pro", "cart": {"items": 3}}, "properties")
>>> check_json_object({"k" * 65: 1}, "properties")
Traceback (most recent call last):
...
fluide.domain.json_limits.JsonLimitError: properties: the key kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk... has more than 64 characters.
"""  # noqa: E501

from __future__ import annotations

import json
from typing import Any, Final

from fluide.i18n import N_

MAX_KEYS: Final = 50
"""Keys of the object, and of each object or list inside it."""
MAX_KEY_CHARS: Final = 64
MAX_STRING_CHARS: Final = 1000
MAX_DEPTH: Final = 3
"""Levels of nesting: ``{"a": {"b": {"c": 1}}}`` has three."""
MAX_JSON_BYTES: Final = 8192
"""The whole object as compact JSON, in UTF-8 bytes."""


class JsonLimitError(ValueError):
    """An object past a limit: ``message`` is a msgid, ``params`` fill it."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params)
        self.message = message
        self.params = params


def _shown(key: str) -> str:
    return key if len(key) <= MAX_KEY_CHARS else key[:MAX_KEY_CHARS] + "..."


def _walk(value: Any, path: str, depth: int) -> None:
    if isinstance(value, str):
        if len(value) > MAX_STRING_CHARS:
            raise JsonLimitError(
                N_("%(field)s: a text has at most %(max)s characters (this one has %(count)s)."),
                field=path,
                max=MAX_STRING_CHARS,
                count=len(value),
            )
        return
    if not isinstance(value, dict | list):
        return
    if depth > MAX_DEPTH:
        raise JsonLimitError(
            N_("%(field)s: objects and lists nest at most %(max)s levels deep."),
            field=path,
            max=MAX_DEPTH,
        )
    if len(value) > MAX_KEYS:
        raise JsonLimitError(
            N_("%(field)s: at most %(max)s keys or items (this one has %(count)s)."),
            field=path,
            max=MAX_KEYS,
            count=len(value),
        )
    if isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{path}.{i}", depth + 1)
        return
    for key, item in value.items():
        if len(key) > MAX_KEY_CHARS:
            raise JsonLimitError(
                N_("%(field)s: the key %(key)s has more than %(max)s characters."),
                field=path,
                key=_shown(key),
                max=MAX_KEY_CHARS,
            )
        _walk(item, f"{path}.{key}", depth + 1)


def check_json_object(value: dict[str, Any], where: str) -> None:
    """A :class:`JsonLimitError` if ``value`` passes a limit; ``None`` otherwise."""
    _walk(value, where, 1)
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode())
    if size > MAX_JSON_BYTES:
        raise JsonLimitError(
            N_("%(field)s: at most %(max)s bytes of JSON (this one has %(count)s)."),
            field=where,
            max=MAX_JSON_BYTES,
            count=size,
        )
