"""The invitation e-mail, composed without a server: parts, headers, links, escaping; SMTP URLs."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pydantic import SecretStr

from fluide.channels import InvitationMessage, ScaleLink
from fluide.channels.email import (
    URL_PROBLEMS,
    compose_email,
    message_id,
    parse_smtp_url,
    send_email,
    smtp_url_problem,
)
from fluide.settings import Settings, load_settings
from fluide.storage.models import EmailTemplate

SURVEY = "https://ces.example.com/s/inv_1.SIG"
OPT_OUT = "https://ces.example.com/o/ws_1:usr_1.SIG"
LABELS = {
    "fr": ("Pas du tout d'accord", "Tout à fait d'accord"),
    "en": ("Strongly disagree", "Strongly agree"),
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        demo=True,
        data_dir=tmp_path,
        public_url="https://ces.example.com",
        mail_from="Fluide <ces@example.com>",
    )


def message(lang: str = "fr", **changes: object) -> InvitationMessage:
    low, high = LABELS[lang]
    points = tuple(
        ScaleLink(p, {1: low, 7: high}.get(p, ""), str(p), f"{SURVEY}?score={p}")
        for p in range(1, 8)
    )
    msg = InvitationMessage(
        invitation_id="inv_1",
        workspace_id="ws_1",
        workspace_name="Boutique Élégance",
        lang=lang,
        touchpoint="payer",
        task="payer votre facture",
        question={"fr": "J'ai pu payer facilement", "en": "I could pay easily"}[lang],
        comment_prompt={
            "fr": "Qu'est-ce qui aurait pu être plus simple ?",
            "en": "What could have been easier?",
        }[lang],
        scale="1-7",
        polarity="ease",
        points=points,
        low_label=low,
        high_label=high,
        survey_url=SURVEY,
        opt_out_url=OPT_OUT,
        email="client@example.com",
        user_id="u-42",
        channel="email",
    )
    return replace(msg, **changes)  # type: ignore[arg-type]


def parsed(m: EmailMessage) -> EmailMessage:
    """What a receiver gets: the message through bytes and back."""
    out = email.message_from_bytes(m.as_bytes(), policy=policy.default)
    assert isinstance(out, EmailMessage)
    return out


def parts(m: EmailMessage) -> tuple[str, str]:
    text = m.get_body(("plain",))
    html = m.get_body(("html",))
    assert text is not None and html is not None
    # Lines end with CRLF on the wire; a mail client shows lines.
    return (
        text.get_content().replace("\r\n", "\n"),
        html.get_content().replace("\r\n", "\n"),
    )


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"] or "")


def hrefs(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def test_french_message_is_text_and_html_with_one_link_per_point(settings: Settings) -> None:
    m = parsed(compose_email(message("fr"), settings, idempotency_key="inv_1:email"))
    assert m.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in m.iter_parts()] == ["text/plain", "text/html"]
    assert m["Subject"] == "Payer votre facture : était-ce facile ?"
    assert m["Content-Language"] == "fr"
    text, html = parts(m)
    for p in range(1, 8):
        assert text.count(f"{SURVEY}?score={p}\n") == 1
    assert "1 (Pas du tout d'accord) : " + SURVEY + "?score=1" in text
    assert "7 (Tout à fait d'accord) : " + SURVEY + "?score=7" in text
    assert text.startswith("Bonjour,\n\nBoutique Élégance aimerait savoir")
    assert "J'ai pu payer facilement" in text and "L'équipe Boutique Élégance" in text
    assert f"Ne plus recevoir ces questions : {OPT_OUT}" in text
    assert "Vous recevez ce message à la suite d'une action récente" in text
    links = hrefs(html)
    assert links[:7] == [f"{SURVEY}?score={p}" for p in range(1, 8)]
    assert links[7:] == [SURVEY, OPT_OUT]
    assert '<html lang="fr">' in html
    assert "1 = Pas du tout d&#39;accord" in html and "7 = Tout à fait d&#39;accord" in html
    assert "Cliquez sur une note" in html and "Ajouter un commentaire" in html


def test_english_message_speaks_english(settings: Settings) -> None:
    m = parsed(compose_email(message("en"), settings, idempotency_key="inv_1:email"))
    assert m["Subject"] == "Payer votre facture: was it easy?"
    text, html = parts(m)
    assert text.startswith("Hello,\n\nBoutique Élégance would like to know")
    assert "1 (Strongly disagree): " + SURVEY + "?score=1" in text
    assert f"Stop receiving these questions: {OPT_OUT}" in text
    assert '<html lang="en">' in html and "Add a comment" in html


def test_effort_polarity_asks_about_effort(settings: Settings) -> None:
    fr = compose_email(message("fr", polarity="effort"), settings, idempotency_key="k")
    en = compose_email(message("en", polarity="effort"), settings, idempotency_key="k")
    assert fr["Subject"] == "Payer votre facture : combien d'efforts ?"
    assert en["Subject"] == "Payer votre facture: how much effort did it take?"


def test_headers_name_the_workspace_and_offer_one_click_unsubscribe(settings: Settings) -> None:
    m = parsed(compose_email(message(), settings, idempotency_key="inv_1:email"))
    assert m["From"].addresses[0].display_name == "Boutique Élégance"
    assert m["From"].addresses[0].addr_spec == "ces@example.com"
    assert str(m["To"]) == "client@example.com"
    assert m["List-Unsubscribe"] == f"<{OPT_OUT}>"
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert m["Auto-Submitted"] == "auto-generated"
    assert m["X-Fluide-Invitation"] == "inv_1"
    assert m["Message-ID"] == "<inv_1-email@fluide>"
    assert m["Date"]
    raw = compose_email(message(), settings, idempotency_key="inv_1:email").as_bytes()
    assert f"List-Unsubscribe: <{OPT_OUT}>".encode() in raw  # never folded into encoded words
    lines = raw.split(b"\r\n")
    assert all(line.isascii() and len(line) <= 998 for line in lines), "7-bit clean, SMTP lines"
    body = lines[lines.index(b"") :]
    assert max(len(line) for line in body) <= 76, "RFC 2045 line length in the parts"


def test_message_id_is_stable_for_a_key_and_safe() -> None:
    assert message_id("inv_1:email") == message_id("inv_1:email") == "<inv_1-email@fluide>"
    assert message_id("inv_2:email") != message_id("inv_1:email")
    assert message_id("a b<>@\r\nc") == "<a-b-c@fluide>"


def test_workspace_text_is_escaped_in_html_and_headers_stay_one_line(settings: Settings) -> None:
    evil = "<script>alert(1)</script>"
    msg = message(
        task=f"payer {evil}",
        question=f"Facile {evil} ?",
        workspace_name=f"Shop {evil}\r\nBcc: victim@example.com",
        low_label=f"Non {evil}",
        points=tuple(
            replace(p, label=f"Non {evil}") if p.point == 1 else p for p in message().points
        ),
        comment_prompt=f"Pourquoi {evil} ?",
    )
    out = compose_email(msg, settings, idempotency_key="inv_1:email")
    m = parsed(out)
    text, html = parts(m)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f"Facile {evil} ?" in text  # plain text stays plain
    assert m["Bcc"] is None and "victim" not in str(m.get("To"))
    assert "\n" not in str(m["From"]) and m["From"].addresses[0].addr_spec == "ces@example.com"
    assert m["Subject"] == f"Payer {evil} : était-ce facile ?"


def test_workspace_template_replaces_subject_intro_and_signature(settings: Settings) -> None:
    tpl = EmailTemplate(
        workspace_id="ws_1",
        locale="fr",
        subject="Votre avis sur « {task} »",
        intro="Salut !\n\nVous venez de {task}.\nUne question <b>rapide</b>.",
        signature="Léa, service client",
    )
    m = parsed(compose_email(message("fr"), settings, tpl, idempotency_key="k"))
    assert m["Subject"] == "Votre avis sur « payer votre facture »"
    text, html = parts(m)
    assert text.startswith("Salut !\n\nVous venez de payer votre facture.\nUne question <b>rapide")
    assert "Léa, service client" in text and "L'équipe" not in text
    assert "Vous venez de payer votre facture.<br>Une question &lt;b&gt;rapide" in html
    # A template of another language is never used.
    en = parsed(compose_email(message("en"), settings, tpl, idempotency_key="k"))
    assert en["Subject"] == "Payer votre facture: was it easy?"


def test_emoji_scale_shows_the_faces_of_the_labels(settings: Settings) -> None:
    labels = ["😞 Difficile", "😐 Moyen", "🙂 Facile"]
    points = tuple(ScaleLink(p, labels[p - 1], "☹", f"{SURVEY}?score={p}") for p in range(1, 4))
    msg = message(scale="emoji-3", points=points, low_label=labels[0], high_label=labels[2])
    text, html = parts(parsed(compose_email(msg, settings, idempotency_key="k")))
    assert f"😞 (Difficile) : {SURVEY}?score=1" in text
    assert f"🙂 (Facile) : {SURVEY}?score=3" in text
    assert "😞 = Difficile" in html and "🙂 = Facile" in html
    assert len(re.findall(r"score=\d", html)) == 3


def test_no_address_means_no_recipient_and_a_failed_send(settings: Settings) -> None:
    for address in (None, "not an address", "a@b\r\nBcc: x@y"):
        m = compose_email(message(email=address), settings, idempotency_key="k")
        assert m["To"] is None
        result = send_email(settings, m)
        assert result.status == "failed" and "no e-mail address" in result.detail


def test_no_smtp_server_configured_fails_clearly(settings: Settings) -> None:
    result = send_email(settings, compose_email(message(), settings, idempotency_key="k"))
    assert result.status == "failed" and "FLUIDE_SMTP_URL" in result.detail
    assert result.provider_id == "<k@fluide>"


# --- SMTP URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "starttls", "user", "password"),
    [
        ("smtp://mail.example.com", "mail.example.com", 25, False, False, None, None),
        ("smtp://127.0.0.1:2525", "127.0.0.1", 2525, False, False, None, None),
        ("smtp://u:s3cr3t@mx:587?starttls=1", "mx", 587, False, True, "u", "s3cr3t"),
        ("smtp://mx:587?starttls=0", "mx", 587, False, False, None, None),
        ("smtps://mx", "mx", 465, True, False, None, None),
        ("smtps://ces%40shop.fr:p%3A%2Fw@mx:4650", "mx", 4650, True, False, "ces@shop.fr", "p:/w"),
    ],
)
def test_smtp_urls_are_parsed(
    url: str,
    host: str,
    port: int,
    tls: bool,
    starttls: bool,
    user: str | None,
    password: str | None,
) -> None:
    assert smtp_url_problem(url) is None
    t = parse_smtp_url(url)
    assert (t.host, t.port, t.implicit_tls, t.starttls) == (host, port, tls, starttls)
    assert (t.username, t.password) == (user, password)
    if password:
        assert password not in repr(t) and password not in t.describe()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mx", "scheme"),
        ("mx:25", "scheme"),
        ("", "scheme"),
        ("smtp://", "host"),
        ("smtp://u:secret@:25", "host"),
        ("smtp://mx:99999", "port"),
        ("smtp://mx:abc", "port"),
        ("smtp://mx:0", "port"),
        ("smtp://mx?starttls=maybe", "starttls"),
        ("smtps://mx?starttls=1", "starttls"),
    ],
)
def test_bad_smtp_urls_are_named_without_quoting_them(url: str, problem: str) -> None:
    found = smtp_url_problem(url)
    assert found == URL_PROBLEMS[problem]
    assert "secret" not in found
    with pytest.raises(ValueError, match="FLUIDE_SMTP_URL"):
        parse_smtp_url(url)


def test_an_unusable_smtp_url_fails_the_send_without_showing_it(settings: Settings) -> None:
    bad = settings.model_copy(update={"smtp_url": SecretStr("smtq://u:hunter2@mx")})
    result = send_email(bad, compose_email(message(), bad, idempotency_key="k"))
    assert result.status == "failed" and "hunter2" not in result.detail
