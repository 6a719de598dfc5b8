"""Settings fail at start-up on unsafe values, with the fix in the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from fluide.settings import SettingsError, load_settings


def test_missing_secret_outside_demo_mode_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FLUIDE_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="FLUIDE_SECRET_KEY is required outside demo mode"):
        load_settings(demo=False)


def test_demo_mode_needs_no_secret(tmp_path: Path) -> None:
    s = load_settings(demo=True, data_dir=tmp_path)
    assert s.sqlalchemy_url == f"sqlite:///{tmp_path / 'fluide.db'}"


def test_short_secret_is_refused() -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings(secret_key="short")


def test_unknown_database_scheme_is_refused() -> None:
    with pytest.raises(SettingsError, match="FLUIDE_DATABASE_URL must be"):
        load_settings(demo=True, database_url="mysql://x@y/z")


def test_postgres_url_uses_psycopg_3() -> None:
    s = load_settings(demo=True, database_url="postgresql://u@127.0.0.1:5432/db")
    assert s.sqlalchemy_url == "postgresql+psycopg://u@127.0.0.1:5432/db"


def test_settings_come_from_fluide_environment_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLUIDE_SECRET_KEY", "env-secret-0123456789-abcdefghijklmnop")
    monkeypatch.setenv("FLUIDE_PUBLIC_URL", "https://ces.example.com/")
    monkeypatch.setenv("FLUIDE_DATA_DIR", str(tmp_path))
    s = load_settings()
    assert s.public_url == "https://ces.example.com" and s.data_dir == tmp_path


def test_secret_never_shows_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_settings(secret_key="a-very-secret-value-" + "z" * 20)
    assert "a-very-secret-value" not in repr(s) and "a-very-secret-value" not in str(s.model_dump())


def test_start_up_problems_read_in_french_or_english() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(secret_key="short")
    assert info.value.text("fr") == "FLUIDE_SECRET_KEY doit compter au moins 32 caractères."
    assert (
        info.value.text("en")
        == str(info.value)
        == "FLUIDE_SECRET_KEY must be at least 32 characters long."
    )


@pytest.mark.parametrize(
    "value",
    [
        " " * 40,
        "\t" * 20 + "\n" * 20,
        "  " + "k7Qz-" * 8,  # a key pasted with spaces before it
        "k7Qz-" * 8 + "\n",  # or with its newline
    ],
)
def test_a_secret_with_leading_or_trailing_blanks_is_refused(value: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(secret_key=value)
    assert info.value.problems == [("secret_whitespace", {})]
    assert "starts or ends with spaces" in info.value.text("en")
    assert "commence ou finit par des espaces" in info.value.text("fr")


def test_spaces_inside_a_secret_do_not_count_towards_its_length() -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings(secret_key="a" + " " * 40 + "bcdefgh")


@pytest.mark.parametrize("value", ["s" * 40, "ab" * 20, "\u200b" * 40, "0" * 64])
def test_a_secret_of_one_repeated_character_is_refused(value: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(secret_key=value)
    assert info.value.problems[0][0] == "weak_secret"
    assert "too predictable" in info.value.text("en") and "secrets.token_urlsafe" in str(info.value)
    assert "trop prévisible" in info.value.text("fr")


def test_a_generated_secret_is_accepted() -> None:
    import secrets

    value = secrets.token_urlsafe(48)
    assert load_settings(secret_key=value).secret == value.encode()


def test_previous_secret_keys_are_read_comma_separated() -> None:
    s = load_settings(
        secret_key="k" + "0123456789abcdef" * 2, previous_secret_keys=" old-one , ,older-two"
    )
    assert s.previous_secrets == (b"old-one", b"older-two")
    assert "old-one" not in repr(s)
    assert load_settings(demo=True).previous_secrets == ()
