"""Limits of the free JSON objects (event properties, user attributes): at and past each one."""

from __future__ import annotations

from typing import Any

import pytest

from fluide.domain.json_limits import (
    MAX_DEPTH,
    MAX_JSON_BYTES,
    MAX_KEY_CHARS,
    MAX_KEYS,
    MAX_STRING_CHARS,
    JsonLimitError,
    check_json_object,
)


def nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"in": value}
    return value


@pytest.mark.parametrize(
    "value",
    [
        {f"k{i}": i for i in range(MAX_KEYS)},
        {"k" * MAX_KEY_CHARS: 1},
        {"text": "x" * MAX_STRING_CHARS},
        nested(MAX_DEPTH),
        {"list": list(range(MAX_KEYS))},
        {f"k{i}": "é" * 700 for i in range(5)},  # 7,000 bytes and a little
        {},
    ],
)
def test_objects_at_the_limits_are_accepted(value: dict[str, Any]) -> None:
    check_json_object(value, "properties")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({f"k{i}": i for i in range(MAX_KEYS + 1)}, "properties: at most 50 keys"),
        ({"k" * (MAX_KEY_CHARS + 1): 1}, "more than 64 characters"),
        ({"text": "x" * (MAX_STRING_CHARS + 1)}, "properties.text: a text has at most 1000"),
        (nested(MAX_DEPTH + 1), "properties.in.in.in: objects and lists nest at most 3"),
        ({"list": list(range(MAX_KEYS + 1))}, "properties.list: at most 50 keys or items"),
        ({"a": [{"b": "x" * 1001}]}, "properties.a.0.b: a text"),
        ({f"k{i}": "é" * 900 for i in range(5)}, "at most 8192 bytes of JSON"),
    ],
)
def test_objects_past_a_limit_are_refused_naming_where_and_the_limit(
    value: dict[str, Any], words: str
) -> None:
    with pytest.raises(JsonLimitError) as err:
        check_json_object(value, "properties")
    assert words in str(err.value)


def test_the_size_is_counted_in_utf8_bytes() -> None:
    text = "é" * 900  # 1,800 bytes
    check_json_object({f"k{i}": text for i in range(4)}, "properties")
    with pytest.raises(JsonLimitError, match=str(MAX_JSON_BYTES)):
        check_json_object({f"k{i}": text for i in range(5)}, "properties")
