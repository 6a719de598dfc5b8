"""Keyword rules run on RE2: linear time, the default keywords matching as they did with ``re``."""

from __future__ import annotations

import csv
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fluide.domain.taxonomy import DEFAULT_TAXONOMY, TagDef, Taxonomy, normalize
from fluide.tagging import keywords
from fluide.tagging.keywords import KeywordError, check_keywords, compile_keyword
from fluide.tagging.rules import rule_scores

# The shared data sits beside the clone (as for bench/tagger_data.py).
SHARED = Path(
    os.environ.get("FLUIDE_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared/data")
)


def corpus() -> list[str]:
    """The project's own example phrases and the Banking77 messages, normalised."""
    texts = [text for tag in DEFAULT_TAXONOMY.tags for text in tag.examples]
    texts += DEFAULT_TAXONOMY.none_examples
    with (SHARED / "banking77/train.csv").open(encoding="utf-8") as f:
        texts += [row["text"] for row in csv.DictReader(f)]
    return [normalize(t) for t in texts]


def test_every_default_keyword_matches_exactly_as_python_re_did() -> None:
    texts = corpus()
    assert len(texts) > 10_000
    checked = 0
    for tag in DEFAULT_TAXONOMY.tags:
        for pattern in tag.keywords:
            old, new = re.compile(pattern), compile_keyword(pattern)
            for text in texts:
                before, after = old.search(text), new.search(text)
                assert (before and before.span()) == (after and after.span()), (tag.key, text)
                checked += before is not None
    assert checked > 2_000  # the rules do match a good share of the corpus


def test_the_default_keywords_fit_the_limits() -> None:
    for tag in DEFAULT_TAXONOMY.tags:
        assert len(check_keywords(tag.keywords)) == len(tag.keywords)


def test_keywords_are_compiled_by_re2() -> None:
    compiled = compile_keyword(r"(a+)+$")
    assert type(compiled).__module__ == "re2"


def test_a_catastrophic_pattern_returns_on_a_long_text() -> None:
    # Run apart: with a backtracking engine this call would not return for ages.
    code = (
        "from fluide.domain.taxonomy import TagDef, Taxonomy\n"
        "from fluide.tagging.rules import rule_scores\n"
        "t = Taxonomy((TagDef('bad', {'fr': 'B', 'en': 'B'}, keywords=('(a+)+$',)),))\n"
        "print(rule_scores(t, 'a' * 50_000 + 'b'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "{'bad': 0.0}"


@pytest.mark.parametrize(
    ("pattern", "rule"),
    [
        (r"(colis)\1", "backreference"),
        (r"(?P<w>colis)(?P=w)", "backreference"),
        (r"colis(?= perdu)", "lookahead or lookbehind"),
        (r"(?<!pas de )colis", "lookahead or lookbehind"),
        (r"colis{,3}", "{0,n}"),
        (r"(colis", "not a valid regular expression (RE2 syntax): missing )"),
        ("x" * 1001, "at most 1000 characters"),
    ],
)
def test_a_keyword_re2_cannot_take_is_refused_naming_the_rule(pattern: str, rule: str) -> None:
    with pytest.raises(KeywordError) as err:
        check_keywords([r"\bcolis\b", pattern])
    assert err.value.index == 1 and rule in str(err.value)


def test_a_tag_has_limits_on_its_keywords_as_a_whole() -> None:
    with pytest.raises(KeywordError, match="at most 20 keywords"):
        check_keywords(["colis"] * 21)
    with pytest.raises(KeywordError, match="at most 4000 characters together"):
        check_keywords(["x" * 900] * 5)


def test_a_stored_keyword_re2_cannot_take_is_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tag = TagDef(
        "delivery", {"fr": "Livraison", "en": "Delivery"}, keywords=("(?!x)", r"\bcolis\b")
    )
    with caplog.at_level(logging.WARNING, logger="fluide.tagging.rules"):
        scores = rule_scores(Taxonomy((tag,)), "Le colis est perdu")
    assert scores == {"delivery": 0.8}
    assert "keyword rule skipped" in caplog.text and "(?!x)" in caplog.text


def test_word_classes_are_ascii_on_the_normalised_text() -> None:
    # Accents are gone before matching; a letter such as œ is not an ASCII word letter.
    assert compile_keyword(r"^\w+$").search(normalize("Délai")) is not None
    assert compile_keyword(r"^\w+$").search(normalize("cœur")) is None
    assert compile_keyword(r"^\pL+$").search(normalize("cœur")) is not None


def test_memory_of_a_compiled_keyword_is_bounded() -> None:
    with pytest.raises(KeywordError, match="RE2 syntax"):
        compile_keyword(r"((a{100}){100}){100}")
    assert keywords.MAX_MEM <= 8 << 20
