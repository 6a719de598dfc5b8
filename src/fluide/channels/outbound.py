"""Where Fluide may send a request it makes on a workspace's behalf (server-side request forgery).

A workspace admin sets the chat webhook URL, and the worker posts there. Left
open, that lets them make the server post to itself or to its network: Redis
on ``127.0.0.1:6379``, the cloud metadata service on ``169.254.169.254``, an
admin page on ``10.0.0.5``. So a target is checked twice:

- when the URL is set, by its host alone (:func:`host_rule`): a literal address
  in every spelling the system resolver accepts (``2130706433``,
  ``0x7f000001``, ``0177.0.0.1``, ``127.1``, ``0x7f.1``, ``[::ffff:7f00:1]``),
  or a local name;
- when posting, after DNS (:func:`vetted_addresses`, or :func:`destination`
  for a whole URL): every address the name resolves to must be allowed, and
  the connection then goes to that vetted address, not to a second lookup (DNS
  rebinding between the check and the connection cannot redirect it).

The core rule is :attr:`ipaddress.IPv4Address.is_global` (only addresses
routed on the internet pass), with explicit checks where it is not enough: it
calls multicast and IPv4-compatible IPv6 "global", and an IPv4 address embedded
in IPv6 (mapped ``::ffff:0:0/96``, compatible ``::/96``, NAT64
``64:ff9b::/96``, 6to4 ``2002::/16``) is judged as that IPv4 address.

The rules (:func:`address_rule`, :func:`host_rule`) and what lifts them:

- ``loopback``: 127.0.0.0/8, ::1, ``localhost``, ``*.localhost``; allowed in
  demo mode (its own demo inbox) or with ``FLUIDE_WEBHOOK_ALLOW_PRIVATE``;
- ``private``: 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fec0::/10
  and every other range not routed on the internet; a name without a dot, or
  under :data:`PRIVATE_SUFFIXES`; allowed with ``FLUIDE_WEBHOOK_ALLOW_PRIVATE``;
- ``link_local`` (169.254.0.0/16, fe80::/10, where metadata services answer),
  ``metadata`` (:data:`METADATA_ADDRESSES`, :data:`METADATA_NAMES`) and
  ``special`` (0.0.0.0/8, ::, multicast, 240.0.0.0/4, 255.255.255.255, reserved
  IPv6 ranges): never.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Literal

import httpx

if TYPE_CHECKING:
    from fluide.settings import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Rule = Literal["loopback", "private", "link_local", "metadata", "special"]
Resolver = Callable[[str, int, int, int], Sequence[tuple[Any, ...]]]
"""``socket.getaddrinfo``'s shape: ``(host, port, family, type)`` to ``(…, sockaddr)`` rows."""

METADATA_ADDRESSES: Final = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean…
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.170.23",  # AWS EKS pod identity
        "100.100.100.200",  # Alibaba Cloud (inside 100.64/10)
        "fd00:ec2::254",  # AWS over IPv6 (inside fc00::/7)
        "fd00:ec2::23",  # AWS EKS pod identity over IPv6
    )
)
"""Cloud metadata services: refused even where private addresses are allowed."""

METADATA_NAMES: Final = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
"""Names of cloud metadata services: refused even where private targets are allowed."""

PRIVATE_SUFFIXES: Final = (".internal", ".local", ".localdomain", ".home.arpa", ".lan")
"""Name suffixes reserved for private networks (ICANN ``.internal``, RFC 6762, RFC 8375)."""

_THIS_NETWORK: Final = ipaddress.IPv4Network("0.0.0.0/8")
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
_NAME: Final = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*")
_NUMBER: Final = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")


@dataclass(frozen=True)
class Policy:
    """Which non-public targets a post may reach (none by default)."""

    allow_private: bool = False
    """``FLUIDE_WEBHOOK_ALLOW_PRIVATE``: private ranges and loopback, plain http:// there."""
    allow_loopback: bool = False
    """Demo mode: this machine (its own demo inbox), plain http:// there."""

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(allow_private=settings.webhook_allow_private, allow_loopback=settings.demo)

    def refuses(self, rule: Rule | None) -> bool:
        if rule is None:
            return False
        if rule == "loopback":
            return not (self.allow_loopback or self.allow_private)
        if rule == "private":
            return not self.allow_private
        return True

    @property
    def clear_text(self) -> bool:
        """Whether plain http:// may be used at all (only towards allowed non-public targets)."""
        return self.allow_loopback or self.allow_private


PUBLIC_ONLY: Final = Policy()


class Refused(Exception):
    """The target is (or resolves to) an address the policy refuses."""

    def __init__(self, rule: Rule | Literal["scheme"]) -> None:
        super().__init__(rule)
        self.rule = rule


class Unresolved(Exception):
    """The name has no address now (DNS failed); worth trying again later."""


# --- numeric spellings -------------------------------------------------------


def inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address ``text`` spells by the rules of C's ``inet_aton``, or ``None``.

    The system resolver reads a host that way before any DNS: one to four parts,
    each decimal, octal (``0`` first) or hex (``0x``), the last one filling the
    remaining bytes; so ``127.1``, ``0x7f.1``, ``0177.0.0.1`` and
    ``2130706433`` are all 127.0.0.1, which :mod:`ipaddress` alone would not say.

    >>> [str(inet_aton(t)) for t in ("127.1", "0x7f.1", "0177.0.0.1", "2130706433")]
    ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']
    >>> inet_aton("1.2.3.256") is None and inet_aton("example.com") is None
    True
    """
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        if not _NUMBER.fullmatch(part) or part.lower() == "0x":
            return None
        if part[:2].lower() == "0x":
            values.append(int(part[2:], 16))
        elif part.startswith("0") and len(part) > 1:
            values.append(int(part[1:], 8))
        else:
            values.append(int(part))
    *head, last = values
    if any(v > 0xFF for v in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    number = last
    for i, v in enumerate(head):
        number |= v << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def literal_address(host: str) -> Address | None:
    """The address a literal host names (IPv6, or IPv4 in any ``inet_aton`` spelling)."""
    name = host[:-1] if host.endswith(".") else host
    if ":" in name:
        try:
            return ipaddress.IPv6Address(name.split("%", 1)[0])
        except ValueError:
            return None
    return inet_aton(name)


# --- the rules ----------------------------------------------------------------


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or int(address) >> 32 == 0:  # NAT64, or IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_rule(address: Address) -> Rule | None:
    """The rule that refuses ``address`` unless the policy allows it; ``None``: public."""
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Address(int(address))  # without a %scope
        if address.is_unspecified:
            return "special"
        if address.is_loopback:
            return "loopback"
        embedded = _embedded_v4(address)
        if embedded is not None:
            return address_rule(embedded)
    if address in METADATA_ADDRESSES:
        return "metadata"
    if (
        address.is_unspecified
        or address.is_multicast
        or address.is_reserved
        or address in _THIS_NETWORK
    ):
        return "special"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link_local"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "private"
    return None if address.is_global else "private"


def valid_host(host: str) -> bool:
    """An IP literal, or a DNS name in ASCII (IDNA) form with at most one trailing dot."""
    if literal_address(host) is not None:
        return True
    name = host[:-1] if host.endswith(".") else host
    return len(name) <= 253 and _NAME.fullmatch(name) is not None


def host_rule(host: str) -> Rule | None:
    """The rule ``host`` (lower-case, ASCII, no brackets) falls under, before any DNS."""
    literal = literal_address(host)
    if literal is not None:
        return address_rule(literal)
    name = host.lower()
    name = name[:-1] if name.endswith(".") else name
    if name == "localhost" or name.endswith(".localhost"):
        return "loopback"
    if name in METADATA_NAMES:
        return "metadata"
    if "." not in name or name.endswith(PRIVATE_SUFFIXES):
        return "private"
    return None


# --- at send time ---------------------------------------------------------------


def vetted_addresses(
    host: str,
    port: int,
    policy: Policy,
    *,
    clear_text: bool = False,
    resolver: Resolver = socket.getaddrinfo,
) -> list[Address]:
    """Every address ``host`` resolves to now, if the policy allows each; connect to these.

    Raises :class:`Refused` if any address is refused (one bad answer is
    enough: the connection could go to any of them), or if ``clear_text``
    (plain http://) would reach a public address; :class:`Unresolved` if DNS
    gives nothing usable.
    """
    literal = literal_address(host)
    if literal is not None:
        addresses: list[Address] = [literal]
    else:
        try:
            rows = resolver(host, port, 0, socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise Unresolved(type(exc).__name__) from None
        addresses = []
        for row in rows:
            try:
                address = ipaddress.ip_address(str(row[4][0]).split("%", 1)[0])
            except (ValueError, IndexError, TypeError):
                continue  # not an IP socket address (e.g. AF_UNIX): never connected to
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise Unresolved("no address")
    rules = [address_rule(a) for a in addresses]
    for rule in rules:
        if rule is not None and policy.refuses(rule):
            raise Refused(rule)
    if clear_text and (not policy.clear_text or None in rules):
        raise Refused("scheme")
    return addresses


@dataclass(frozen=True)
class Destination:
    """Where a request goes: the URL as the HTTP client reads it, its host, its vetted addresses."""

    url: httpx.URL
    host: str
    """The host in ASCII (IDNA), without brackets: what goes in TLS and is resolved."""
    addresses: list[Address]


@dataclass(frozen=True)
class Blocked:
    """Why nothing may be sent to a URL now; each caller words it its own way."""

    rule: Rule | Literal["scheme"] | None
    """The rule that refuses an address the host resolves to; ``None``: it did not resolve."""
    reason: str = ""
    """Why it did not resolve (the resolver's error class, or ``no address``): worth a retry."""


def destination(
    url: str, policy: Policy, *, resolver: Resolver = socket.getaddrinfo
) -> Destination | Blocked:
    """``url``'s host resolved now and vetted (:func:`vetted_addresses`), or why not.

    ``url`` has already passed the check made when it is set
    (:func:`fluide.channels.webhook.url_problem_code`); plain http:// must reach
    an allowed non-public address, and the port defaults to the scheme's.
    """
    target = httpx.URL(url)
    host = target.raw_host.decode("ascii")
    try:
        addresses = vetted_addresses(
            host,
            target.port or (443 if target.scheme == "https" else 80),
            policy,
            clear_text=target.scheme == "http",
            resolver=resolver,
        )
    except Refused as exc:
        return Blocked(exc.rule)
    except Unresolved as exc:
        return Blocked(None, str(exc))
    return Destination(target, host, addresses)


@cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings of every request Fluide makes (certifi's authorities, the host
    name checked), made once per process.

    Loading the authorities takes more CPU than a small request: every webhook post,
    help-desk push and sign-in used to load them again.

    >>> tls_context() is tls_context() and tls_context().verify_mode == ssl.CERT_REQUIRED
    True
    """
    return httpx.create_ssl_context(trust_env=False)
