"""Survey tokens: unguessable, signed, tamper-evident."""

from __future__ import annotations

from fluide.domain.tokens import sign, verify

SECRET = b"s" * 40


def test_signed_token_names_its_invitation() -> None:
    assert verify(SECRET, sign(SECRET, "inv_abc")) == "inv_abc"


def test_token_signed_with_another_secret_is_refused() -> None:
    assert verify(SECRET, sign(b"t" * 40, "inv_abc")) is None


def test_changing_the_invitation_id_breaks_the_signature() -> None:
    token = sign(SECRET, "inv_abc")
    assert verify(SECRET, token.replace("inv_abc", "inv_abd")) is None


def test_garbage_is_refused_without_error() -> None:
    for junk in ("", ".", "inv_abc", "a.b.c", "x" * 500, "inv_abc.", ".sig"):
        assert verify(SECRET, junk) is None
