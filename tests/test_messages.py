"""Notice codes as French and English sentences (fluide.messages)."""

from __future__ import annotations

import pytest

from fluide.domain.notices import Notice
from fluide.messages import KNOWN_CODES, generic_text, notice_text

SAMPLES: dict[str, dict[str, object]] = {
    "scale_changed": {"before": "1-5", "after": "1-7"},
    "polarity_changed": {"before": "effort", "after": "ease"},
    "question_version_changed": {"before": ["v1"], "after": ["v2", "v3"]},
    "empty_side": {"side": "before"},
    "small_sample_side": {"side": "after", "n": 12},
    "question_versions_mixed": {"versions": ["v1", "v2"]},
    "small_sample": {"n": 12, "threshold": 30},
    "pooled_periods": {"count": 2},
    "rows_skipped": {"count": 3, "lines": "2-3, 9"},
    "dates_ambiguous": {
        "column": "Horodateur",
        "reading": "month_first",
        "format": "%m/%d/%Y %H:%M",
        "rule": "default",
    },
    "answers_rows_skipped": {"count": 2, "lines": "4, 7"},
    "answers_without_customer": {"count": 5},
    "answers_other_question": {"count": 3},
    "outcomes_rows_skipped": {"count": 2, "lines": "3-4"},
    "loyalty_without_customer": {"count": 2},
    "event_absent": {"event": "churn", "found": "churned, renewed"},
    "few_followed": {"group": "high", "followed": 4},
}


def test_every_required_code_has_a_sample_here() -> None:
    assert set(SAMPLES) == KNOWN_CODES


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_each_code_has_its_own_sentence_in_both_languages(code: str) -> None:
    notice = Notice(code, SAMPLES[code])
    fr, en = notice_text("fr", notice), notice_text("en", notice)
    assert fr != en
    assert fr != generic_text("fr", code) and en != generic_text("en", code)
    assert "%(" not in fr and "%(" not in en


def test_unknown_code_gives_a_generic_sentence_naming_it() -> None:
    assert "brand_new_code" in notice_text("fr", Notice("brand_new_code", {"x": 1}))


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_missing_or_wrong_params_never_crash(code: str) -> None:
    assert code in notice_text("en", Notice(code, {}))
    assert notice_text("en", Notice(code, {"n": "many", "count": None, "side": 3}))


def test_sides_are_named_in_the_reader_language() -> None:
    assert "avant la date" in notice_text("fr", Notice("empty_side", {"side": "before"}))
    assert "après la date" in notice_text("fr", Notice("empty_side", {"side": "after"}))
    assert "before the change" in notice_text("en", Notice("empty_side", {"side": "before"}))


def test_counts_are_written_the_local_way() -> None:
    fr = notice_text("fr", Notice("small_sample", {"n": 1200, "threshold": 2000}))
    en = notice_text("en", Notice("small_sample", {"n": 1200, "threshold": 2000}))
    assert "1\u202f200 réponses" in fr and "2\u202f000" in fr
    assert "Only 1,200 answers (fewer than 2,000)" in en


def test_plural_agrees_with_the_count() -> None:
    one = notice_text("fr", Notice("pooled_periods", {"count": 1}))
    two = notice_text("fr", Notice("pooled_periods", {"count": 2}))
    assert one.startswith("1 période a trop peu")
    assert two.startswith("2 périodes ont trop peu")


def test_skipped_rows_name_their_lines() -> None:
    text = notice_text("en", Notice("rows_skipped", {"count": 3, "lines": "2-3, 9"}))
    assert text == "3 rows could not be read and were skipped (lines 2-3, 9)."
    assert "(" not in notice_text("en", Notice("rows_skipped", {"count": 3, "lines": ""}))


def test_version_lists_are_joined() -> None:
    text = notice_text(
        "fr", Notice("question_version_changed", SAMPLES["question_version_changed"])
    )
    assert "avant : v1 ; après : v2, v3" in text


def test_polarities_are_explained() -> None:
    text = notice_text("fr", Notice("polarity_changed", {"before": "effort", "after": "ease"}))
    assert "effort (note basse = facile) → facilité (note haute = facile)" in text
