"""The chat webhook: one JSON body for any receiver and for Slack, signed, posted safely."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from fluide.channels import DeliveryResult, InvitationMessage, ScaleLink
from fluide.channels.outbound import Policy
from fluide.channels.webhook import (
    compose_chat,
    encode_body,
    post_webhook,
    sign,
    slack_escape,
    verify,
    webhook_url_problem,
)

SURVEY = "https://ces.example.com/s/inv_abc.SIG"
DEMO = Policy(allow_loopback=True)
PUBLIC_IP = "93.184.215.14"


def public_dns(host: str, port: int, family: int = 0, type: int = 0) -> list[tuple[Any, ...]]:
    """A resolver that answers one public address for any name (no DNS in tests)."""
    return [(2, 1, 6, "", (PUBLIC_IP, port))]


LABELS = {1: "Pas du tout d'accord", 7: "Tout à fait d'accord"}


def message(lang: str = "fr", **overrides: object) -> InvitationMessage:
    fields: dict[str, object] = {
        "invitation_id": "inv_abc",
        "workspace_id": "ws_1",
        "workspace_name": "Boutique",
        "lang": lang,
        "touchpoint": "support",
        "task": "résoudre un ticket",
        "question": "Il a été facile de régler mon problème"
        if lang == "fr"
        else "It was easy to solve my problem",
        "comment_prompt": "Qu'est-ce qui aurait pu être plus simple ?",
        "scale": "1-7",
        "polarity": "ease",
        "points": tuple(
            ScaleLink(p, LABELS.get(p, ""), str(p), f"{SURVEY}?score={p}") for p in range(1, 8)
        ),
        "low_label": LABELS[1] if lang == "fr" else "Strongly disagree",
        "high_label": LABELS[7] if lang == "fr" else "Strongly agree",
        "survey_url": SURVEY,
        "opt_out_url": "https://ces.example.com/o/ws_1.SIG",
        "email": None,
        "user_id": "u-42",
        "channel": "chat",
        "agent_id": "a-7",
        "ticket_id": "T-1",
    }
    fields.update(overrides)
    return InvitationMessage(**fields)  # type: ignore[arg-type]


# --- composing ---------------------------------------------------------------


def test_the_body_carries_the_structured_fields_and_the_slack_text() -> None:
    body = compose_chat(message())
    assert body["type"] == "ces.invitation" and body["version"] == 1
    assert body["invitation_id"] == "inv_abc" and body["workspace_id"] == "ws_1"
    assert body["touchpoint"] == "support" and body["task"] == "résoudre un ticket"
    assert body["ticket_id"] == "T-1" and body["agent_id"] == "a-7" and body["user_id"] == "u-42"
    assert body["survey_url"] == SURVEY and body["opt_out_url"].endswith("/o/ws_1.SIG")
    assert [p["point"] for p in body["scale"]] == [1, 2, 3, 4, 5, 6, 7]
    assert body["scale"][0] == {
        "point": 1,
        "label": "Pas du tout d'accord",
        "symbol": "1",
        "url": f"{SURVEY}?score=1",
    }
    assert set(body) >= {"lang", "question", "comment_prompt", "low_label", "high_label", "text"}
    json.dumps(body)  # JSON-ready as it is


def test_french_text_has_the_question_one_link_per_point_the_ends_and_the_survey() -> None:
    text = compose_chat(message("fr"))["text"]
    lines = text.split("\n")
    assert lines[0] == "*Il a été facile de régler mon problème*"
    for p in range(1, 8):
        assert f"<{SURVEY}?score={p}|{p}>" in lines[1]
    assert lines[2] == "1 : Pas du tout d'accord · 7 : Tout à fait d'accord"
    assert (
        lines[3]
        == f"Ou répondez sur la page, avec un commentaire : <{SURVEY}|ouvrir le questionnaire>"
    )


def test_english_text_speaks_english() -> None:
    text = compose_chat(message("en"))["text"]
    assert "*It was easy to solve my problem*" in text
    assert "1: Strongly disagree · 7: Strongly agree" in text
    assert f"Or answer on the page, with a comment: <{SURVEY}|open the survey>" in text


def test_emoji_faces_are_the_link_texts() -> None:
    faces = ("😞", "😐", "😀")
    points = tuple(ScaleLink(i + 1, "", f, f"{SURVEY}?score={i + 1}") for i, f in enumerate(faces))
    text = compose_chat(message("en", points=points, scale="emoji-3"))["text"]
    assert f"<{SURVEY}?score=1|😞>" in text and "😀: Strongly agree" in text


def test_workspace_text_is_escaped_the_slack_way() -> None:
    msg = message(
        "en",
        question="<script>alert(1)</script> & <!channel> > all",
        low_label="<b>hard</b>",
        high_label="easy & fast",
    )
    body = compose_chat(msg)
    text = body["text"]
    assert "<script>" not in text and "<!channel>" not in text and "<b>" not in text
    assert "*&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt; &gt; all*" in text
    assert "1: &lt;b&gt;hard&lt;/b&gt; · 7: easy &amp; fast" in text
    # The structured fields stay raw: escaping is the text's business only.
    assert body["question"].startswith("<script>")
    # The only angle brackets left are our own links.
    assert text.count("<") == text.count(">") == 8


def test_slack_escape_touches_only_ampersand_and_angle_brackets() -> None:
    assert slack_escape("a & b < c > d *e* _f_") == "a &amp; b &lt; c &gt; d *e* _f_"
    assert slack_escape("&amp;") == "&amp;amp;"


def test_a_link_cannot_be_broken_by_its_url() -> None:
    points = (ScaleLink(1, "", "1", "https://x.example/a|b>c&d"), *message().points[1:])
    text = compose_chat(message("en", points=points))["text"]
    assert "<https://x.example/a%7Cb&gt;c&amp;d|1>" in text


# --- signing -----------------------------------------------------------------


BODY = b'{"type":"ces.invitation","text":"\xc3\xa9"}'


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_raw_body() -> None:
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign("s3cret", 1700000000, BODY) == "v1=" + expected


def test_a_fresh_signature_verifies() -> None:
    sig = sign("s3cret", 1700000000, BODY)
    assert verify("s3cret", "1700000000", sig, BODY, now=1700000000 + 299)
    assert verify("s3cret", "1700000000", sig, BODY, now=1700000000 - 299)
    assert verify("s3cret", "1700000000", f"v1=deadbeef, {sig}", BODY, now=1700000000)


@pytest.mark.parametrize(
    ("secret", "stamp", "body"),
    [
        ("other", "1700000000", BODY),  # wrong secret
        ("s3cret", "1700000001", BODY),  # timestamp changed
        ("s3cret", "1700000000", BODY + b" "),  # body changed
        ("s3cret", "1700000000", BODY.replace(b"ces", b"CES")),
    ],
)
def test_tampering_is_refused(secret: str, stamp: str, body: bytes) -> None:
    sig = sign("s3cret", 1700000000, BODY)
    assert not verify(secret, stamp, sig, body, now=1700000000)


def test_stale_or_future_timestamps_are_refused() -> None:
    sig = sign("s3cret", 1700000000, BODY)
    assert not verify("s3cret", "1700000000", sig, BODY, now=1700000000 + 301)
    assert not verify("s3cret", "1700000000", sig, BODY, now=1700000000 - 301)
    assert verify("s3cret", "1700000000", sig, BODY, now=1700000000 + 3000, tolerance=3600)


@pytest.mark.parametrize(
    ("stamp", "signature"),
    [(None, "v1=00"), ("", "v1=00"), ("abc", "v1=00"), ("-5", "v1=00"), ("1700000000", None)],
)
def test_missing_or_garbled_headers_are_refused(stamp: str | None, signature: str | None) -> None:
    assert not verify("s3cret", stamp, signature, BODY, now=1700000000)
    assert not verify("", "1700000000", sign("", 1700000000, BODY), BODY, now=1700000000)


# --- the URL policy ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "policy"),
    [
        ("https://hooks.slack.com/services/T000/B000/XXXX", Policy()),
        ("https://support.example.com:8443/fluide?x=1", Policy()),
        ("http://127.0.0.1:8080/hook", DEMO),
        ("http://127.3.4.5/hook", DEMO),
        ("http://localhost:9000/hook", DEMO),
        ("http://[::1]:9000/hook", DEMO),
        ("HTTPS://Hooks.Example.com/x", Policy()),
    ],
)
def test_https_or_loopback_http_in_demo_is_accepted(url: str, policy: Policy) -> None:
    assert webhook_url_problem(url, policy) is None


@pytest.mark.parametrize(
    ("url", "word"),
    [
        ("http://example.com/hook", "https://"),
        ("http://10.0.0.1/hook", "https://"),
        ("http://127.0.0.1.example.com/hook", "https://"),
        ("http://localhost.example.com/hook", "https://"),
        ("ftp://example.com/hook", "https://"),
        ("file:///etc/passwd", "https://"),
        ("javascript:alert(1)", "https://"),
        ("hooks.slack.com/services/x", "https://"),
        ("https://", "valid"),
        ("https://exa mple.com/", "valid"),
        ("https://example.com:99999/", "valid"),
        ("https://example.com/\nX-Injected: 1", "valid"),
        ("", "valid"),
        ("https://user:pass@example.com/hook", "password"),
        ("https://example.com/" + "a" * 2000, "too long"),
    ],
)
def test_other_urls_are_refused_saying_why(url: str, word: str) -> None:
    problem = webhook_url_problem(url)
    assert problem is not None and word in problem


def test_a_refused_url_is_a_failure_and_nothing_is_sent() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        result = post_webhook(
            "http://example.com/hook", "s3cret", {"a": 1}, idempotency_key="k", client=client
        )
    assert result.status == "failed" and "https://" in result.detail and calls == []
    assert "s3cret" not in result.detail


# --- posting (in memory; the real HTTP round trip is in tests/service) --------


def post_to(response: httpx.Response) -> tuple[DeliveryResult, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return response

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        result = post_webhook(
            "https://hooks.example.com/T0/secret-path",
            "s3cret",
            {"text": "é"},
            idempotency_key="dlv_1",
            now=1700000000,
            client=client,
            resolver=public_dns,
        )
    return result, seen


def test_the_post_is_compact_utf8_json_with_signed_headers() -> None:
    result, seen = post_to(httpx.Response(200, headers={"X-Request-Id": "req-9"}))
    assert result == DeliveryResult("sent", "HTTP 200 OK", "req-9")
    (request,) = seen
    # Pinned: sent to the vetted address, the name kept for Host and for TLS.
    assert request.url == f"https://{PUBLIC_IP}/T0/secret-path"
    assert request.headers["host"] == "hooks.example.com"
    assert request.extensions["sni_hostname"] == "hooks.example.com"
    assert request.method == "POST" and request.content == encode_body({"text": "é"})
    assert request.content == '{"text":"é"}'.encode()
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("Fluide/")
    assert request.headers["idempotency-key"] == "dlv_1"
    assert request.headers["x-fluide-timestamp"] == "1700000000"
    assert verify(
        "s3cret",
        request.headers["x-fluide-timestamp"],
        request.headers["x-fluide-signature"],
        request.content,
        now=1700000000,
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, "sent"),
        (204, "sent"),
        (408, "retry"),
        (425, "retry"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (400, "failed"),
        (401, "failed"),
        (404, "failed"),
        (410, "failed"),
        (301, "failed"),
    ],
)
def test_each_answer_is_classified(status: int, expected: str) -> None:
    result, _ = post_to(httpx.Response(status, headers={"Location": "https://elsewhere.example/"}))
    assert result.status == expected
    assert str(status) in result.detail


def test_redirects_are_not_followed() -> None:
    result, seen = post_to(httpx.Response(302, headers={"Location": "https://evil.example/"}))
    assert len(seen) == 1 and "redirect" in result.detail


def test_retry_after_is_kept_on_429() -> None:
    result, _ = post_to(httpx.Response(429, headers={"Retry-After": "30"}))
    assert "Retry-After: 30" in result.detail


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("30", "; Retry-After: 30"),
        (" 120 ", "; Retry-After: 120"),
        ("Wed, 21 Oct 2015 07:28:00 GMT", "; Retry-After: 0"),  # a date in the past
        ("soon <script>", ""),
        ("9" * 80, ""),
    ],
)
def test_retry_after_is_kept_as_a_number_only(value: str, kept: str) -> None:
    result, _ = post_to(httpx.Response(503, headers={"Retry-After": value}))
    assert result.detail == "HTTP 503 Service Unavailable" + kept


def test_the_receivers_body_and_reason_phrase_are_never_kept() -> None:
    answer = httpx.Response(
        500,
        text="Traceback: AKIAIOSFODNN7EXAMPLE password=hunter2",
        extensions={"reason_phrase": b"Oops AKIAIOSFODNN7EXAMPLE"},
    )
    result, _ = post_to(answer)
    assert result == DeliveryResult("retry", "HTTP 500 Internal Server Error")
    odd, _ = post_to(httpx.Response(599, text="secret"))
    assert odd.detail == "HTTP 599"


@pytest.mark.parametrize(
    ("request_id", "kept"),
    [("req-9", "req-9"), ("a b", None), ("<script>", None), ("x" * 201, None)],
)
def test_only_a_plain_request_id_is_kept(request_id: str, kept: str | None) -> None:
    result, _ = post_to(httpx.Response(200, headers={"X-Request-Id": request_id}))
    assert result.status == "sent" and result.provider_id == kept


def test_the_detail_never_holds_the_secret_the_url_or_a_survey_token() -> None:
    echoed = "bad s3cret at https://hooks.example.com/T0/secret-path for /s/inv_1.SIG"
    result, _ = post_to(httpx.Response(400, text=echoed))
    detail = result.detail
    assert detail.startswith("HTTP 400")
    assert "s3cret" not in detail and "secret-path" not in detail and "inv_1.SIG" not in detail


def test_timeouts_and_connection_errors_are_retried() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(
            f"cannot reach {request.url}: receiver said SECRET", request=request
        )

    for handler, word in ((timeout, "timeout"), (refused, "connection")):
        with httpx.Client(transport=httpx.MockTransport(handler)) as client:
            result = post_webhook(
                "https://hooks.example.com/T0/secret-path",
                "s3cret",
                {},
                idempotency_key="k",
                client=client,
                timeout=0.5,
                resolver=public_dns,
            )
        assert result.status == "retry" and word in result.detail
        assert "secret-path" not in result.detail and "SECRET" not in result.detail


def test_no_secret_no_post() -> None:
    result = post_webhook(
        "https://hooks.example.com/x", "", {}, idempotency_key="k", resolver=public_dns
    )
    assert result.status == "failed" and "secret" in result.detail
