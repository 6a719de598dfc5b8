"""A touchpoint's task name in the reader's language.

A touchpoint keeps ``task`` (the name sent by the API, French first) and
``task_names`` (``{"fr": ..., "en": ...}``). A language without a name of its
own reads ``task``: touchpoints made before names existed, or with ``task`` only.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("fr", "en")


def task_in(names: Mapping[str, str] | None, lang: str, task: str) -> str:
    """The task name to show in ``lang`` (``task`` when that language has none)."""
    return (names or {}).get(lang) or task


def all_task_names(names: Mapping[str, str] | None, task: str) -> dict[str, str]:
    """The name in every language, each falling back to ``task``."""
    return {lang: task_in(names, lang, task) for lang in LANGUAGES}


def renamed(names: Mapping[str, str] | None, old_task: str, new_task: str) -> dict[str, str]:
    """The names once ``task`` changes: a name equal to the old task follows the new one."""
    return {
        lang: new_task if name == old_task else name
        for lang, name in all_task_names(names, old_task).items()
    }
