"""One word per concept, in both languages, across pages, report and e-mails.

The glossary (docs/phone-and-wording.md) fixes the word for each concept a
person reads; these tests fail when a synonym creeps back into the French
catalogue or the templates, or when a message about a concept is translated
without its word.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "src" / "fluide" / "locale" / "fr" / "LC_MESSAGES" / "fluide.po"
TEMPLATES = sorted((ROOT / "src" / "fluide").glob("**/templates/**/*.html.j2"))

GLOSSARY = {
    # concept: (English word in msgids, French word its translation must carry)
    "follow-up": (re.compile(r"\bfollow-ups?\b", re.I), re.compile(r"\brappel", re.I)),
    "tag": (re.compile(r"\btag(s|ged)?\b", re.I), re.compile(r"\bétiquet", re.I)),
}
FORBIDDEN_FR = {
    # synonym: the word to use instead
    r"\brelances?\b": "rappel",
    r"\bsuivis? clients?\b": "rappel",
    r"\btag(s|ué|uée|ués|uées|uer|gé|gés)?\b": "étiquette",
    r"\blabels?\b": "étiquette",
    r"\bthèmes?\b": "étiquette (or « sujet » for an emerging topic)",
}
ALLOWED = {
    # msgid: why its French may differ
    "%(path)s has no column named tags (columns: %(columns)s).": "names the file's column",
}
MACHINE = re.compile(r"%\(\w+\)s|/v1/\S*|`[^`]*`|\b[a-z]+_[a-z_]+\b|--[a-z][a-z-]*")
"""Placeholders, API paths, snake_case keys and command-line flags: not words a person reads."""


def _messages() -> list[tuple[str, str]]:
    """(English msgid, French msgstr) of every translated message, plural forms included."""
    with PO.open("rb") as fp:
        catalogue = read_po(fp, locale="fr")
    out = []
    for m in catalogue:
        if not m.id or m.id in ALLOWED:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        texts = m.string if isinstance(m.string, tuple) else (m.string,)
        out += [(str(ids[0]), str(t)) for t in texts if t]
    return out


def _words(text: str) -> str:
    return MACHINE.sub(" ", text)


@pytest.mark.parametrize("synonym", sorted(FORBIDDEN_FR))
def test_the_french_catalogue_uses_one_word_per_concept(synonym: str) -> None:
    pattern = re.compile(synonym, re.I)
    found = [(msgid, fr) for msgid, fr in _messages() if pattern.search(_words(fr))]
    assert not found, f"use « {FORBIDDEN_FR[synonym]} »: {found[:5]}"


@pytest.mark.parametrize("concept", sorted(GLOSSARY))
def test_a_message_about_a_concept_says_its_french_word(concept: str) -> None:
    english, french = GLOSSARY[concept]
    missing = [
        (msgid, fr)
        for msgid, fr in _messages()
        if english.search(_words(msgid)) and not french.search(fr)
    ]
    assert not missing, f"{concept}: translate it with « {french.pattern} »: {missing[:5]}"


def test_templates_have_no_french_synonym_outside_the_catalogue() -> None:
    code = re.compile(
        r"<style.*?</style>|<script.*?</script>|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<[^>]*>", re.S
    )
    found = []
    for path in TEMPLATES:
        text = _words(code.sub(" ", path.read_text(encoding="utf-8")))
        for synonym in FORBIDDEN_FR:
            if synonym.startswith(r"\btag"):
                continue  # English templates say "tag" in the English sense
            for hit in re.finditer(synonym, text, re.I):
                found.append((path.name, hit.group()))
    assert not found, found


def test_the_glossary_catches_a_synonym() -> None:
    """The check itself: a French « relance » and an untranslated « tag » are caught."""
    pattern = re.compile(r"\brelances?\b", re.I)
    assert pattern.search(_words("Relances en retard"))
    english, french = GLOSSARY["tag"]
    assert english.search("Friction tag") and not french.search("Tag de friction")
    assert not re.search(r"\btag", _words("Étiquette « %(tag)s » ajoutée"), re.I)
