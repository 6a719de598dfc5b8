"""The box that keeps widget and webhook secrets encrypted at rest."""

from __future__ import annotations

import pytest

from fluide.secretbox import PREFIX, SecretBox, UndecryptableSecret, box, is_sealed
from fluide.settings import load_settings

K1 = b"first-key-0123456789-abcdefghijklmnop"
K2 = b"second-key-0123456789-qrstuvwxyzABCDEF"


def test_a_sealed_secret_is_versioned_and_opens_to_the_same_value() -> None:
    sealed = SecretBox(K1).seal("s3cret-value")
    assert sealed.startswith("fernet:v1:") and is_sealed(sealed)
    assert "s3cret-value" not in sealed
    assert SecretBox(K1).open(sealed) == "s3cret-value"


def test_legacy_plaintext_is_read_as_it_is() -> None:
    assert SecretBox(K1).open("an-old-plain-secret") == "an-old-plain-secret"
    assert not SecretBox(K1).is_current("an-old-plain-secret")


def test_a_previous_key_still_opens_what_it_sealed() -> None:
    old = SecretBox(K1).seal("webhook-secret")
    rotated = SecretBox(K2, [K1])
    assert rotated.open(old) == "webhook-secret"
    assert not rotated.is_current(old) and rotated.is_current(rotated.seal("x"))


@pytest.mark.parametrize(
    "stored",
    [
        SecretBox(K1).seal("webhook-secret"),
        PREFIX + "not-a-token",
        PREFIX + "gAAAAAé",
    ],
)
def test_what_no_key_opens_is_a_clear_error_naming_the_setting(stored: str) -> None:
    with pytest.raises(UndecryptableSecret, match="FLUIDE_PREVIOUS_SECRET_KEYS"):
        SecretBox(K2).open(stored)


def test_the_box_comes_from_the_settings_keys() -> None:
    settings = load_settings(secret_key=K2.decode(), previous_secret_keys=K1.decode())
    assert box(settings) is box(settings)  # made once per set of keys
    assert box(settings).open(SecretBox(K1).seal("w")) == "w"
    assert SecretBox(K2).open(box(settings).seal("w")) == "w"


def test_the_derived_key_is_not_the_survey_signing_key() -> None:
    """HKDF with its own label: a Fernet key made from the raw secret opens nothing."""
    import base64
    import hashlib

    from cryptography.fernet import Fernet, InvalidToken

    sealed = SecretBox(K1).seal("w")[len(PREFIX) :]
    naive = Fernet(base64.urlsafe_b64encode(hashlib.sha256(K1).digest()))
    with pytest.raises(InvalidToken):
        naive.decrypt(sealed.encode())
