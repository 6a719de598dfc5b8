"""Friction tags: the labels every verbatim gets, per workspace.

A :class:`Taxonomy` is a tuple of :class:`TagDef`; each tag has a stable
``key``, names and a one-line definition in French and English, example
phrases (both languages) that train the tagger, and keyword patterns that
the rule tagger uses (and that keep tagging alive without the model).

>>> DEFAULT_TAXONOMY.keys()[:3]
('payment', 'login', 'onboarding')
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from fluide.domain.default_phrases import NO_TAG, PHRASES
from fluide.domain.default_tags import DEFAULT_TAGS

MAX_TAGS = 3
"""A verbatim carries 0 to 3 tags."""

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class TaxonomyError(ValueError):
    """A tag key or an example that cannot be used (the message says why)."""


@dataclass(frozen=True)
class TagDef:
    """One friction tag.

    >>> TagDef("delay", {"fr": "Délai", "en": "Delay"}).name_in("en")
    'Delay'
    """

    key: str
    names: dict[str, str]
    definitions: dict[str, str] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_key(self.key)

    def name_in(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.key

    def definition_in(self, lang: str) -> str:
        return self.definitions.get(lang) or self.definitions.get("en") or ""

    def __hash__(self) -> int:
        return hash(self.key)


@dataclass(frozen=True)
class Example:
    """A text with the tags a person gave it (an empty set means "no tag").

    >>> Example("Carte refusée", frozenset({"payment"})).tags
    frozenset({'payment'})
    """

    text: str
    tags: frozenset[str]
    human: bool = False
    """True for a correction made on a real verbatim (it wins over the model)."""


@dataclass(frozen=True)
class Taxonomy:
    """The tags of a workspace, in display order.

    >>> t = DEFAULT_TAXONOMY.with_tag(TagDef("pricing", {"fr": "Prix", "en": "Pricing"}))
    >>> t.keys()[-1]
    'pricing'
    """

    tags: tuple[TagDef, ...]
    none_examples: tuple[str, ...] = ()
    """Phrases that carry no tag: they teach the tagger when to say nothing."""

    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.tags)

    def get(self, key: str) -> TagDef | None:
        return next((t for t in self.tags if t.key == key), None)

    def with_tag(self, tag: TagDef) -> Taxonomy:
        """The taxonomy with ``tag`` added, or replacing the tag of the same key."""
        if self.get(tag.key) is None:
            return replace(self, tags=(*self.tags, tag))
        return replace(self, tags=tuple(tag if t.key == tag.key else t for t in self.tags))

    def with_examples(self, examples: list[Example]) -> tuple[Taxonomy, list[Example]]:
        """Add new tags for unknown keys in ``examples`` (named after their key)."""
        out = self
        for ex in examples:
            for k in sorted(ex.tags):
                if out.get(k) is None:
                    label = k.replace("_", " ").capitalize()
                    out = out.with_tag(TagDef(k, {"fr": label, "en": label}))
        return out, examples

    def without(self, key: str) -> Taxonomy:
        return replace(self, tags=tuple(t for t in self.tags if t.key != key))

    def renamed(self, key: str, names: dict[str, str]) -> Taxonomy:
        tag = self.get(key)
        if tag is None:
            raise TaxonomyError(f"unknown tag {key!r}")
        return self.with_tag(replace(tag, names={**tag.names, **names}))

    def seed_examples(self) -> list[Example]:
        """Every tag's own example phrases, each as a one-tag example, then the no-tag ones."""
        out = [Example(text, frozenset({t.key})) for t in self.tags for text in t.examples]
        return out + [Example(text, frozenset()) for text in self.none_examples]


def check_key(key: str) -> str:
    """A tag key: lower case letters, digits and ``_``, starting with a letter."""
    if not KEY_RE.match(key):
        raise TaxonomyError(
            f"tag key {key!r} is not allowed: use 1 to 40 lower-case letters, digits "
            "or '_', starting with a letter (for example 'late_refund')"
        )
    return key


def parse_tags(cell: str) -> frozenset[str]:
    """Tags of an examples file's cell: keys joined by ``|``; empty means no tag.

    >>> sorted(parse_tags("delay| recontact"))
    ['delay', 'recontact']
    >>> parse_tags("")
    frozenset()
    """
    keys = [k.strip() for k in cell.split("|")]
    return frozenset(check_key(k) for k in keys if k)


def normalize(text: str) -> str:
    """Lower case, accents removed, spaces squeezed: what rules and look-ups see.

    >>> normalize("  Délai   TROP long ")
    'delai trop long'
    """
    t = unicodedata.normalize("NFKD", text.lower())
    t = "".join(c for c in t if not unicodedata.combining(c))
    return " ".join(t.replace("’", "'").split())


def _default() -> Taxonomy:
    tags = []
    for d in DEFAULT_TAGS:
        tag = TagDef(**d)
        tags.append(replace(tag, examples=(*tag.examples, *PHRASES.get(tag.key, ()))))
    return Taxonomy(tuple(tags), none_examples=NO_TAG)


DEFAULT_TAXONOMY = _default()
