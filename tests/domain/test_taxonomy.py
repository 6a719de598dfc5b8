from __future__ import annotations

import pytest

from fluide.domain.taxonomy import (
    DEFAULT_TAXONOMY,
    Example,
    TagDef,
    TaxonomyError,
    check_key,
    normalize,
    parse_tags,
)


def test_default_taxonomy_has_the_seven_tags_in_both_languages() -> None:
    assert DEFAULT_TAXONOMY.keys() == (
        "payment",
        "login",
        "onboarding",
        "delay",
        "info_not_found",
        "recontact",
        "outage",
    )
    for tag in DEFAULT_TAXONOMY.tags:
        assert tag.names["fr"] and tag.names["en"]
        assert tag.definitions["fr"] and tag.definitions["en"]
        assert len(tag.examples) >= 20
        assert tag.keywords
    assert DEFAULT_TAXONOMY.get("delay").name_in("fr") == "Délai / attente"  # type: ignore[union-attr]
    assert len(DEFAULT_TAXONOMY.none_examples) >= 20


def test_examples_with_an_unknown_key_make_a_new_tag() -> None:
    tax, _ = DEFAULT_TAXONOMY.with_examples([Example("Colis abîmé", frozenset({"late_refund"}))])
    assert tax.keys()[-1] == "late_refund"
    assert tax.get("late_refund").name_in("en") == "Late refund"  # type: ignore[union-attr]


def test_renaming_keeps_the_key() -> None:
    tax = DEFAULT_TAXONOMY.renamed("delay", {"fr": "Attente"})
    assert tax.get("delay").names == {"fr": "Attente", "en": "Delay / waiting"}  # type: ignore[union-attr]
    with pytest.raises(TaxonomyError):
        DEFAULT_TAXONOMY.renamed("nope", {"fr": "x"})


@pytest.mark.parametrize("bad", ["", "Payment", "2fa", "a-b", "a b", "x" * 41, "é"])
def test_bad_keys_are_refused_with_what_is_allowed(bad: str) -> None:
    with pytest.raises(TaxonomyError, match="lower-case letters"):
        check_key(bad)


def test_tag_def_checks_its_key() -> None:
    with pytest.raises(TaxonomyError):
        TagDef("Bad Key", {"fr": "x", "en": "x"})


def test_parse_tags_and_normalize() -> None:
    assert parse_tags(" delay |recontact| ") == frozenset({"delay", "recontact"})
    assert parse_tags("") == frozenset()
    assert normalize("  Délai\u2019s   TROP ") == "delai's trop"
