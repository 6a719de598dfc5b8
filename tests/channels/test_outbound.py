"""Where a webhook may point: public addresses only, unless the install allows more; every
spelling of an address read as the system resolver reads it; DNS answers checked too."""

from __future__ import annotations

import doctest
import ipaddress
import socket
from typing import Any

import pytest

from fluide.channels import outbound, webhook
from fluide.channels.outbound import (
    PUBLIC_ONLY,
    Policy,
    Refused,
    Unresolved,
    address_rule,
    host_rule,
    inet_aton,
    vetted_addresses,
)
from fluide.channels.webhook import URL_PROBLEMS, url_problem_code, webhook_url_problem

DEMO = Policy(allow_loopback=True)
PRIVATE = Policy(allow_private=True)


def answers(*addresses: str) -> Any:
    """A resolver answering ``addresses`` for any name, counting its calls."""

    def resolve(host: str, port: int, family: int = 0, type: int = 0) -> list[tuple[Any, ...]]:
        resolve.calls.append(host)  # type: ignore[attr-defined]
        rows: list[tuple[Any, ...]] = []
        for a in addresses:
            v6 = ":" in a
            family_ = socket.AF_INET6 if v6 else socket.AF_INET
            sockaddr = (a, port, 0, 0) if v6 else (a, port)
            rows.append((family_, socket.SOCK_STREAM, 6, "", sockaddr))
        return rows

    resolve.calls = []  # type: ignore[attr-defined]
    return resolve


# --- numeric spellings ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "127.0.0.1",
        "127.1",
        "127.0.1",
        "0x7f.1",
        "0X7F.0.0.0x1",
        "0177.0.0.1",
        "00000177.1",
        "2130706433",
        "0x7f000001",
        "017700000001",
        "0",
        "0x0",
        "10.0x10.010",
        "4294967295",
        "0xffffffff",
        "169.254.43518",
        "1.2.3.4",
        # Not addresses for inet_aton (then a DNS name for the resolver):
        "4294967296",
        "1.2.3.256",
        "256.1",
        "08.1.1.1",
        "0x",
        "0x.1",
        "1..2",
        ".1",
        "1.",
        "1.2.3.4.5",
        "0x100.1",
        "1.0x1000000",
        "-1",
        "+1",
        "example.com",
        "",
    ],
)
def test_numeric_spellings_are_read_as_the_system_reads_them(text: str) -> None:
    try:
        expected: str | None = socket.inet_ntoa(socket.inet_aton(text))
    except OSError:
        expected = None
    got = inet_aton(text)
    assert (None if got is None else str(got)) == expected


# --- the rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "rule"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),  # CGNAT: is_global is False but is_private is too
        ("198.18.0.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fec0::1", "private"),  # deprecated site-local: ipaddress calls it global
        ("169.254.1.1", "link_local"),
        ("fe80::1", "link_local"),
        ("fe80::1%eth0", "link_local"),
        ("169.254.169.254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("0.0.0.0", "special"),
        ("0.1.2.3", "special"),
        ("::", "special"),
        ("224.0.0.1", "special"),  # multicast: ipaddress calls it global
        ("239.255.255.250", "special"),
        ("ff02::1", "special"),
        ("240.0.0.1", "special"),
        ("255.255.255.255", "special"),
        # IPv4 inside IPv6 is judged as the IPv4 address.
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:7f00:1", "loopback"),
        ("::127.0.0.1", "loopback"),  # IPv4-compatible: ipaddress calls it global
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("64:ff9b::7f00:1", "loopback"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1: ipaddress calls it global
        ("2002:a9fe:a9fe::", "metadata"),
        # Public.
        ("8.8.8.8", None),
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),
    ],
)
def test_each_address_falls_under_its_rule(address: str, rule: str | None) -> None:
    assert address_rule(ipaddress.ip_address(address)) == rule


@pytest.mark.parametrize(
    ("host", "rule"),
    [
        ("localhost", "loopback"),
        ("localhost.", "loopback"),
        ("LOCALHOST", "loopback"),
        ("api.localhost", "loopback"),
        ("x.y.localhost.", "loopback"),
        ("127.0.0.1.", "loopback"),
        ("2130706433", "loopback"),
        ("0x7f.1", "loopback"),
        ("metadata", "metadata"),
        ("metadata.google.internal", "metadata"),
        ("metadata.google.internal.", "metadata"),
        ("instance-data", "metadata"),
        ("metadata.goog", "metadata"),
        ("redis", "private"),  # one label: completed by the search domains
        ("db.internal", "private"),
        ("printer.local", "private"),
        ("router.home.arpa", "private"),
        ("hooks.slack.com", None),
        ("hooks.slack.com.", None),
        ("localhost.example.com", None),
        ("127.0.0.1.nip.io", None),  # a name: judged after DNS, when posting
    ],
)
def test_each_host_falls_under_its_rule_before_dns(host: str, rule: str | None) -> None:
    assert host_rule(host) == rule


# --- the URL, when it is set ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "public", "demo", "private"),
    [
        ("http://127.0.0.1:6379/", "scheme", None, None),
        ("https://127.0.0.1/hook", "loopback", None, None),
        ("https://localhost/hook", "loopback", None, None),
        ("https://localhost./hook", "loopback", None, None),
        ("https://api.localhost/hook", "loopback", None, None),
        ("https://[::1]/hook", "loopback", None, None),
        ("https://2130706433/hook", "loopback", None, None),
        ("https://0x7f000001/hook", "loopback", None, None),
        ("https://0177.0.0.1/hook", "loopback", "malformed", "malformed"),
        ("https://127.1/hook", "loopback", None, None),
        ("https://0x7f.1/hook", "loopback", None, None),
        ("https://[::ffff:127.0.0.1]/hook", "loopback", None, None),
        ("https://[::ffff:7f00:1]/hook", "loopback", None, None),
        ("https://10.1.2.3/hook", "private", "private", None),
        ("https://172.16.0.9/hook", "private", "private", None),
        ("https://192.168.0.1/hook", "private", "private", None),
        ("https://100.64.1.1/hook", "private", "private", None),
        ("https://[fd00::1]/hook", "private", "private", None),
        ("https://[64:ff9b::a00:1]/hook", "private", "private", None),
        ("https://redis:6379/", "private", "private", None),
        ("https://hooks.corp.internal/x", "private", "private", None),
        ("https://169.254.169.254/latest/meta-data/", "metadata", "metadata", "metadata"),
        ("https://[fd00:ec2::254]/", "metadata", "metadata", "metadata"),
        ("https://metadata.google.internal/", "metadata", "metadata", "metadata"),
        ("https://Metadata.Google.Internal./", "metadata", "metadata", "metadata"),
        ("https://instance-data/", "metadata", "metadata", "metadata"),
        ("https://169.254.10.10/", "link_local", "link_local", "link_local"),
        ("https://[fe80::1%25eth0]/", "link_local", "link_local", "link_local"),
        ("https://0.0.0.0/", "special", "special", "special"),
        ("https://0/", "special", "special", "special"),
        ("https://[::]/", "special", "special", "special"),
        ("https://224.0.0.1/", "special", "special", "special"),
        ("https://255.255.255.255/", "special", "special", "special"),
        ("http://10.0.0.1/hook", "scheme", "private", None),
        ("http://intranet.example.org/hook", "scheme", "scheme", None),
        ("http://8.8.8.8/hook", "scheme", "scheme", "scheme"),  # clear text to the internet
        ("https://ex%41mple.com/", "malformed", "malformed", "malformed"),
        ("https://a..b/", "malformed", "malformed", "malformed"),
        ("https://hooks.slack.com/services/T0/B0/x", None, None, None),
        ("https://8.8.8.8/hook", None, None, None),
        ("https://[2606:4700:4700::1111]/hook", None, None, None),
        ("https://café.example/hook", None, None, None),
    ],
)
def test_the_url_is_judged_by_the_policy(
    url: str, public: str | None, demo: str | None, private: str | None
) -> None:
    assert url_problem_code(url) == public
    assert url_problem_code(url, DEMO) == demo
    assert url_problem_code(url, PRIVATE) == private


@pytest.mark.parametrize("rule", ["loopback", "private"])
def test_a_refusal_names_the_range_and_the_setting_that_lifts_it(rule: str) -> None:
    message = URL_PROBLEMS[rule]
    assert "FLUIDE_WEBHOOK_ALLOW_PRIVATE=true" in message
    assert ("127.0.0.0/8" if rule == "loopback" else "10.0.0.0/8") in message


def test_metadata_and_link_local_say_they_are_always_refused() -> None:
    for rule in ("metadata", "link_local", "special"):
        assert "always refused" in URL_PROBLEMS[rule]
    assert webhook_url_problem("https://169.254.169.254/", PRIVATE) == URL_PROBLEMS["metadata"]


def test_the_policy_follows_the_settings() -> None:
    class FakeSettings:
        webhook_allow_private = False
        demo = True

    assert Policy.of(FakeSettings()) == DEMO  # type: ignore[arg-type]
    FakeSettings.demo, FakeSettings.webhook_allow_private = False, True
    assert Policy.of(FakeSettings()) == PRIVATE  # type: ignore[arg-type]


# --- after DNS, when posting ---------------------------------------------------------


def test_a_public_name_that_resolves_to_a_private_address_is_refused() -> None:
    resolver = answers("10.0.0.5")
    with pytest.raises(Refused) as caught:
        vetted_addresses("hooks.example.com", 443, PUBLIC_ONLY, resolver=resolver)
    assert caught.value.rule == "private" and resolver.calls == ["hooks.example.com"]


@pytest.mark.parametrize(
    ("resolved", "policy", "rule"),
    [
        (("93.184.215.14", "127.0.0.1"), PUBLIC_ONLY, "loopback"),  # one bad answer is enough
        (("93.184.215.14", "192.168.1.1"), DEMO, "private"),
        (("2606:4700::1", "::ffff:169.254.169.254"), PRIVATE, "metadata"),
        (("93.184.215.14", "fe80::1"), PRIVATE, "link_local"),
        (("0.0.0.0",), PRIVATE, "special"),
    ],
)
def test_any_refused_answer_refuses_the_name(
    resolved: tuple[str, ...], policy: Policy, rule: str
) -> None:
    with pytest.raises(Refused) as caught:
        vetted_addresses("hooks.example.com", 443, policy, resolver=answers(*resolved))
    assert caught.value.rule == rule


def test_public_answers_are_the_addresses_to_connect_to() -> None:
    resolver = answers("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "93.184.215.14")
    got = vetted_addresses("hooks.example.com", 443, PUBLIC_ONLY, resolver=resolver)
    assert [str(a) for a in got] == ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]


def test_clear_text_may_reach_only_allowed_private_addresses() -> None:
    private_name = answers("10.0.0.5")
    got = vetted_addresses("bot.example.org", 80, PRIVATE, clear_text=True, resolver=private_name)
    assert [str(a) for a in got] == ["10.0.0.5"]
    with pytest.raises(Refused) as caught:
        vetted_addresses(
            "bot.example.org", 80, PRIVATE, clear_text=True, resolver=answers("8.8.8.8")
        )
    assert caught.value.rule == "scheme"


def test_the_real_resolver_is_checked_too() -> None:
    # "localhost" comes from /etc/hosts: a real lookup, refused after it.
    with pytest.raises(Refused) as caught:
        vetted_addresses("localhost", 443, PUBLIC_ONLY)
    assert caught.value.rule == "loopback"
    assert {str(a) for a in vetted_addresses("localhost", 443, DEMO)} <= {"127.0.0.1", "::1"}
    # A numeric spelling is read as the resolver reads it, without asking it.
    unused = answers("93.184.215.14")
    for spelling in ("2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.1", "::ffff:7f00:1"):
        with pytest.raises(Refused):
            vetted_addresses(spelling, 443, PUBLIC_ONLY, resolver=unused)
        if ":" not in spelling:
            (row, *_) = socket.getaddrinfo(spelling, 443, 0, socket.SOCK_STREAM)
            assert row[4][0] == "127.0.0.1"  # what the system would have connected to
    assert unused.calls == []


def test_a_name_that_does_not_resolve_is_worth_retrying() -> None:
    def fails(host: str, port: int, family: int = 0, type: int = 0) -> list[tuple[Any, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(Unresolved):
        vetted_addresses("nowhere.example.com", 443, PUBLIC_ONLY, resolver=fails)
    with pytest.raises(Unresolved):
        vetted_addresses("hooks.example.com", 443, PUBLIC_ONLY, resolver=answers())


def test_the_examples_in_the_docstrings_hold() -> None:
    assert doctest.testmod(outbound).failed == 0
    assert doctest.testmod(webhook).failed == 0


def test_a_destination_is_the_url_with_its_vetted_addresses_and_the_schemes_port() -> None:
    resolver = answers("93.184.215.14")
    found = outbound.destination("https://hooks.example.com/in?x=1", PUBLIC_ONLY, resolver=resolver)
    assert isinstance(found, outbound.Destination)
    assert (found.host, str(found.url)) == ("hooks.example.com", "https://hooks.example.com/in?x=1")
    assert [str(a) for a in found.addresses] == ["93.184.215.14"]
    ports: list[int] = []

    def on_port(host: str, port: int, family: int = 0, type: int = 0) -> list[tuple[Any, ...]]:
        ports.append(port)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]

    for url in (
        "http://bot.example.org/",
        "https://bot.example.org/",
        "http://bot.example.org:8080",
    ):
        assert isinstance(
            outbound.destination(url, PRIVATE, resolver=on_port), outbound.Destination
        )
    assert ports == [80, 443, 8080]


def test_a_destination_refused_or_unresolved_says_which() -> None:
    def fails(host: str, port: int, family: int = 0, type: int = 0) -> list[tuple[Any, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    url = "https://hooks.example.com/"
    private = outbound.destination(url, PUBLIC_ONLY, resolver=answers("10.0.0.5"))
    assert private == outbound.Blocked("private")
    clear = outbound.destination("http://hooks.example.com/", PRIVATE, resolver=answers("8.8.8.8"))
    assert clear == outbound.Blocked("scheme")
    assert outbound.destination(url, PUBLIC_ONLY, resolver=fails) == outbound.Blocked(
        None, "gaierror"
    )


def test_every_outbound_request_shares_one_verifying_tls_context() -> None:
    import ssl

    context = outbound.tls_context()
    assert context is outbound.tls_context()  # made once: loading the authorities is dear
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # certifi's authorities are loaded
