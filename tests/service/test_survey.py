"""The public survey page ``/s/{token}``: language, accessibility, one click, CSRF, errors."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response as HttpResponse

from tests.service.test_responses import answer_in_history, expire, invite, stored, tampered

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def submit(
    client: TestClient, token: str, *, csrf: str | None = "from-page", **fields: str
) -> HttpResponse:
    """Post the form as a browser would, with the CSRF field of the page unless told otherwise."""
    data = dict(fields)
    if csrf == "from-page":
        csrf = csrf_of(client.get(f"/s/{token}").text)
    if csrf is not None:
        data["csrf"] = csrf
    return client.post(f"/s/{token}", data=data, follow_redirects=False)


def link_form(page: str) -> dict[str, str]:
    """The hidden fields of the score link's one-button form (what its button posts)."""
    found = re.search(r'<form [^>]*id="score-link"[^>]*>(.*?)</form>', page, re.S)
    assert found, "no score-link form on the page"
    return {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)">', found.group(1)
        )
    }


def post_link(client: TestClient, token: str, score: str) -> HttpResponse:
    """What the score link's page posts: by its script for a person, or by its one button."""
    fields = link_form(client.get(f"/s/{token}?score={quote(score)}").text)
    return client.post(f"/s/{token}", data=fields, follow_redirects=False)


def checked_score(page: str) -> str | None:
    found = re.search(r'name="score" id="score-\d+" value="(\d+)"(?: required)? checked', page)
    return found.group(1) if found else None


def assert_secure_headers(r: HttpResponse) -> None:
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"


def test_page_is_in_french_for_a_french_user(client: TestClient, auth: dict[str, str]) -> None:
    token = invite(client, auth, locale="fr")
    r = client.get(f"/s/{token}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="fr">' in page
    assert "<legend>J&#39;ai pu payer facilement</legend>" in page
    assert "Pas du tout d&#39;accord" in page and "Tout à fait d&#39;accord" in page
    assert "Qu&#39;est-ce qui aurait pu être plus simple ?" in page
    assert "Envoyer ma réponse" in page and "(facultatif)" in page


def test_page_is_in_english_for_an_english_user(client: TestClient, auth: dict[str, str]) -> None:
    token = invite(client, auth, locale="en-GB")
    page = client.get(f"/s/{token}").text
    assert '<html lang="en">' in page
    assert "<legend>I could pay easily</legend>" in page
    assert "Strongly disagree" in page and "Strongly agree" in page
    assert "What could have been easier?" in page and "Send my answer" in page


def test_question_without_english_wording_is_shown_in_french_marked_as_french(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth, locale="en", question={"fr": "Payer a été simple"})
    page = client.get(f"/s/{token}").text
    assert '<legend lang="fr">Payer a été simple</legend>' in page
    assert "Send my answer" in page


def test_page_is_an_accessible_form_without_javascript(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    page = client.get(f"/s/{token}").text
    assert "<script" not in page.lower() and "javascript:" not in page.lower()
    assert re.search(r'<form method="post" action="[^"]+"', page)
    assert "<fieldset" in page and "<legend" in page
    radios = re.findall(r'<input type="radio" name="score" id="(score-\d)" value="(\d)"', page)
    assert [value for _, value in radios] == ["1", "2", "3", "4", "5", "6", "7"]
    for radio_id, _ in radios:
        assert f'<label class="point" for="{radio_id}">' in page
    assert '<label for="comment">' in page and '<textarea id="comment" name="comment"' in page
    assert ":focus-visible" in page and 'name="viewport"' in page
    assert '<button type="submit">' in page
    assert_secure_headers(client.get(f"/s/{token}"))


def test_fetching_every_score_link_records_nothing(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    # What a mail scanner does: fetch each link of the message, run no script.
    token = invite(client, auth)
    for point in range(1, 8):
        r = client.get(f"/s/{token}?score={point}")
        assert r.status_code == 200 and checked_score(r.text) == str(point)
        assert client.head(f"/s/{token}?score={point}").status_code in (200, 405)
    assert stored(app) == []
    assert answer_in_history(client, auth) is None


def test_score_link_page_offers_the_point_and_allows_only_its_own_script(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    r = client.get(f"/s/{token}?score=6")
    assert link_form(r.text) == {"csrf": csrf_of(r.text), "score": "6", "from_link": "1"}
    assert "Vous avez choisi 6." in r.text and "Enregistrer ma réponse" in r.text
    scripts = re.findall(r"<script>(.*?)</script>", r.text, re.S)
    assert len(scripts) == 1 and "<script " not in r.text
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    csp = r.headers["content-security-policy"]
    assert csp == f"{CSP}; script-src 'sha256-{digest}'"
    assert "unsafe-inline" not in csp.split("script-src")[1]


def test_the_score_links_post_records_it_once_and_invites_a_comment(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth)
    fields = link_form(client.get(f"/s/{token}?score=6").text)
    r = client.post(f"/s/{token}", data=fields, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{token}?thanks=score"
    page = client.get(f"/s/{token}?thanks=score").text
    assert "Merci !" in page and "commentaire" in page and checked_score(page) == "6"
    assert "<script" not in page
    # Reloaded, the link's page offers nothing more; posted twice, it is still one answer.
    reloaded = client.get(f"/s/{token}?score=6").text
    assert 'id="score-link"' not in reloaded and "<script" not in reloaded
    assert client.post(f"/s/{token}", data=fields, follow_redirects=False).status_code == 303
    assert [(row.score, row.comment) for row in stored(app)] == [(6, None)]


def test_the_score_links_post_never_overwrites_a_changed_answer(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth)
    fields = link_form(client.get(f"/s/{token}?score=6").text)
    assert client.post(f"/s/{token}", data=fields).status_code == 200
    assert submit(client, token, score="3", comment="Finalement non").status_code == 303
    # The page of the link, reloaded or posted again later: the changed answer stays.
    again = client.post(f"/s/{token}", data=fields, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"{token}?thanks=1"
    assert [(row.score, row.comment) for row in stored(app)] == [(3, "Finalement non")]


def test_a_later_score_link_offers_to_change_and_keeps_the_comment(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    assert submit(client, token, score="2", comment="Trop d'étapes").status_code == 303
    page = client.get(f"/s/{token}?score=3").text
    assert answer_in_history(client, auth)["score"] == 2  # the GET records nothing
    assert "<script" not in page and checked_score(page) == "2"
    assert "Votre réponse enregistrée est 2." in page
    assert "Changer ma réponse pour 3" in page
    fields = link_form(page)
    assert "from_link" not in fields and fields["score"] == "3"
    assert client.post(f"/s/{token}", data=fields, follow_redirects=False).status_code == 303
    answer = answer_in_history(client, auth)
    assert answer["score"] == 3 and answer["comment"] == "Trop d'étapes"


def test_the_recorded_score_s_link_just_shows_the_answer(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    submit(client, token, score="4")
    page = client.get(f"/s/{token}?score=4").text
    assert 'id="score-link"' not in page and "<script" not in page
    assert checked_score(page) == "4" and "Votre réponse est enregistrée" in page


def test_bad_score_in_the_link_names_the_allowed_values_and_records_nothing(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    r = client.get(f"/s/{token}?score=9")
    assert r.status_code == 422
    assert "1, 2, 3, 4, 5, 6, 7" in r.text and 'role="alert"' in r.text
    assert checked_score(r.text) is None
    assert answer_in_history(client, auth) is None


def test_form_records_then_redirects_to_a_thank_you_page(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    r = submit(client, token, score="5", comment="  Deux essais  ")
    assert r.status_code == 303 and r.headers["location"] == f"{token}?thanks=1"
    assert_secure_headers(r)
    page = client.get(f"/s/{token}?thanks=1").text
    assert "Votre réponse est enregistrée" in page
    assert checked_score(page) == "5" and ">Deux essais</textarea>" in page
    assert "Modifier ma réponse" in page
    answer = answer_in_history(client, auth)
    assert answer["score"] == 5 and answer["comment"] == "Deux essais"


def test_answering_the_form_twice_updates_the_one_response(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth)
    submit(client, token, score="2", comment="Compliqué")
    submit(client, token, score="6", comment="Finalement simple")
    rows = stored(app)
    assert len(rows) == 1
    assert (rows[0].score, rows[0].comment) == (6, "Finalement simple")
    assert rows[0].updated_at > rows[0].responded_at


def test_following_the_redirect_shows_the_page(client: TestClient, auth: dict[str, str]) -> None:
    token = invite(client, auth)
    csrf = csrf_of(client.get(f"/s/{token}").text)
    r = client.post(f"/s/{token}", data={"score": "4", "comment": "", "csrf": csrf})
    assert r.status_code == 200 and str(r.url).endswith(f"/s/{token}?thanks=1")
    assert "Merci !" in r.text


@pytest.mark.parametrize("csrf", [None, "", "wrong", "other-invitation"])
def test_post_without_the_right_csrf_field_is_403_and_records_nothing(
    client: TestClient, auth: dict[str, str], app: FastAPI, csrf: str | None
) -> None:
    token = invite(client, auth)
    if csrf == "other-invitation":
        other = invite(client, auth, user="u-other")
        csrf = csrf_of(client.get(f"/s/{other}").text)
    r = submit(client, token, csrf=csrf, score="1", comment="spam")
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "Ce formulaire n&#39;a pas pu être vérifié" in r.text
    assert_secure_headers(r)
    assert stored(app) == []


def test_csrf_field_differs_from_the_survey_token(client: TestClient, auth: dict[str, str]) -> None:
    token = invite(client, auth)
    csrf = csrf_of(client.get(f"/s/{token}").text)
    assert csrf not in token


def test_form_without_a_score_is_refused_and_keeps_what_was_written(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth)
    r = submit(client, token, comment="Je n'ai pas trouvé le bouton")
    assert r.status_code == 422
    assert "Choisissez une note : 1, 2, 3, 4, 5, 6, 7." in r.text
    assert "Je n&#39;ai pas trouvé le bouton</textarea>" in r.text
    assert stored(app) == []


def test_comment_only_after_a_one_click_score_keeps_the_score(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    post_link(client, token, "2")
    assert submit(client, token, comment="La carte a été refusée").status_code == 303
    answer = answer_in_history(client, auth)
    assert answer["score"] == 2 and answer["comment"] == "La carte a été refusée"


def test_script_in_a_comment_stays_inert_on_the_page(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    evil = "<script>alert(1)</script>"
    submit(client, token, score="3", comment=evil)
    page = client.get(f"/s/{token}?thanks=1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in page
    assert "<script" not in page
    # The customer's words are kept as written; escaping is the renderer's job.
    assert answer_in_history(client, auth)["comment"] == evil


def test_tampered_link_gets_a_clear_404_page_in_french_and_english(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth)
    for r in (
        client.get(f"/s/{tampered(token)}"),
        client.get(f"/s/{tampered(token)}?score=5"),
        client.get("/s/nothing-here"),
        client.post(f"/s/{tampered(token)}", data={"score": "5", "csrf": "x"}),
    ):
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "Ce lien de questionnaire n&#39;est pas valide" in r.text
        assert "This survey link is not valid" in r.text
        assert '<section class="message" lang="en">' in r.text
        assert_secure_headers(r)
    assert stored(app) == []


@pytest.mark.parametrize(
    ("locale", "title"), [("fr", "Cette question a expiré"), ("en", "This question has expired")]
)
def test_expired_link_gets_a_410_page_in_the_users_language(
    client: TestClient, auth: dict[str, str], app: FastAPI, locale: str, title: str
) -> None:
    token = invite(client, auth, locale=locale)
    csrf = csrf_of(client.get(f"/s/{token}").text)
    expire(app, token)
    for r in (
        client.get(f"/s/{token}"),
        client.get(f"/s/{token}?score=3"),
        client.post(f"/s/{token}", data={"score": "3", "csrf": csrf}),
    ):
        assert r.status_code == 410, r.text
        assert f'<html lang="{locale}">' in r.text and title in r.text
        assert_secure_headers(r)
    assert stored(app) == []


def test_emoji_scale_shows_faces_and_accepts_a_face_in_the_link(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth, scale="emoji-3", polarity="ease")
    page = client.get(f"/s/{token}").text
    for face, word in (("😞", "Difficile"), ("😐", "Moyen"), ("🙂", "Facile")):
        assert f'<span class="face" aria-hidden="true">{face}</span>' in page
        assert f'<span class="word">{word}</span>' in page
    r = client.get(f"/s/{token}?score={quote('🙂')}")
    assert r.status_code == 200 and checked_score(r.text) == "3"
    assert "Vous avez choisi 🙂 Facile." in r.text
    assert post_link(client, token, "🙂").status_code == 303
    assert answer_in_history(client, auth)["score"] == 3


def test_effort_scale_shows_its_own_end_labels(client: TestClient, auth: dict[str, str]) -> None:
    token = invite(
        client,
        auth,
        question={"fr": "Combien d'efforts avez-vous dû fournir pour payer ?"},
        scale="1-5",
        polarity="effort",
    )
    page = client.get(f"/s/{token}").text
    assert "1 = Très peu d&#39;effort" in page and "5 = Énormément d&#39;effort" in page
    assert checked_score(page) is None and len(re.findall(r'type="radio"', page)) == 5


def test_extra_questions_are_shown_and_recorded_from_the_form(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    extra = [
        {"key": "clarity", "question": {"fr": "Les étapes étaient claires"}, "scale": "1-5"},
        {"key": "why", "question": {"fr": "Un détail à ajouter ?"}, "kind": "text"},
    ]
    token = invite(client, auth, extra_questions=extra)
    page = client.get(f"/s/{token}").text
    assert "Les étapes étaient claires" in page and 'name="extra-clarity"' in page
    assert '<textarea id="extra-why" name="extra-why"' in page
    r = submit(client, token, score="6", **{"extra-clarity": "4", "extra-why": "<b>non</b>"})
    assert r.status_code == 303
    (row,) = stored(app)
    assert row.extra_answers == {"clarity": 4, "why": "<b>non</b>"}
    page = client.get(f"/s/{token}").text
    assert "&lt;b&gt;non&lt;/b&gt;</textarea>" in page
    assert 'id="extra-clarity-4" value="4" checked' in page


def test_non_form_body_is_refused_as_forbidden_not_a_500(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth)
    r = client.post(f"/s/{token}", json={"score": 5})
    assert r.status_code == 403
    r = client.post(
        f"/s/{token}",
        content=b"--x\r\nbroken",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 403
    assert stored(app) == []


# --- The comment box --------------------------------------------------------------------------


def test_an_empty_comment_box_that_showed_no_comment_keeps_the_one_written_since(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    csrf = csrf_of(client.get(f"/s/{token}").text)  # the page, opened before any comment
    client.post("/v1/responses", json={"token": token, "score": 2, "comment": "Trop long"})
    r = client.post(f"/s/{token}", data={"csrf": csrf, "score": "5", "comment": ""})
    assert r.status_code == 200
    answer = answer_in_history(client, auth)
    assert answer["score"] == 5 and answer["comment"] == "Trop long"


def test_emptying_the_comment_box_erases_the_comment(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    submit(client, token, score="2", comment="Trop long")
    page = client.get(f"/s/{token}").text
    assert '<input type="hidden" name="comment_prefilled" value="1">' in page
    r = client.post(
        f"/s/{token}",
        data={"csrf": csrf_of(page), "score": "2", "comment": " ", "comment_prefilled": "1"},
    )
    assert r.status_code == 200
    assert answer_in_history(client, auth)["comment"] is None


@pytest.mark.parametrize("bad", ["true", "false", "True"])
def test_a_boolean_score_in_the_form_is_refused(
    client: TestClient, auth: dict[str, str], app: FastAPI, bad: str
) -> None:
    token = invite(client, auth)
    r = submit(client, token, score=bad)
    assert r.status_code == 422 and "1, 2, 3, 4, 5, 6, 7" in r.text
    assert stored(app) == []
