"""Signing in through the workspace's identity provider (OpenID Connect, code flow + PKCE).

:func:`start` (at most :data:`~fluide.domain.throttle.SSO_START` per client address, shared through
the database like the login throttle) finds the workspace by the e-mail's
domain, reads the provider's discovery document (kept a while:
:mod:`fluide.channels.oidc_cache`) and gives the address to send the browser
to, with the secrets of this sign-in (``state``, ``nonce``, PKCE verifier)
sealed into a short-lived value the browser keeps in a cookie. :func:`finish`
takes the provider's answer, checks ``state`` against that cookie, exchanges
the code, checks the ID token (:func:`fluide.channels.oidc.check_id_token`) and a
verified e-mail, then finds the account:

1. an identity already linked (issuer + subject): its account, whatever the
   e-mail says now;
2. else the account of this workspace with that e-mail (its domain allowed),
   and the identity is linked to it;
3. else, if the admin allows it, a new account with their default role;
   otherwise a refusal.

A disabled account is refused. Every failure raises :class:`SsoRefused` whose
``code`` is one of :data:`MESSAGES`.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide import secretbox
from fluide.channels import oidc
from fluide.channels.oidc_cache import PROVIDERS
from fluide.channels.outbound import Policy
from fluide.domain.throttle import SSO_START
from fluide.i18n import N_, SUPPORTED_LANGS
from fluide.services import accounts, login_throttle
from fluide.services.sso import redirect_uri
from fluide.settings import Settings
from fluide.storage import accounts as account_store
from fluide.storage import sso as store
from fluide.storage.dashboard_models import Account
from fluide.storage.db import write_session
from fluide.storage.sso_models import SsoConfig, SsoIdentity
from fluide.storage.types import new_id, utcnow

log = logging.getLogger("fluide")

PENDING_SECONDS: Final = 600
"""How long a sign-in may take at the provider before it must start again."""
_INFO: Final = b"fluide/sso/v1: sign-in in progress"

MESSAGES: Final = {
    "bad_email": N_("Enter your work e-mail address to sign in with single sign-on."),
    "no_sso": N_(
        "No single sign-on is set up for %(domain)s: sign in with your password, or ask your "
        "administrator."
    ),
    "unreachable": N_(
        "The identity provider could not be reached. Try again in a moment; if it lasts, tell "
        "your administrator."
    ),
    "refused": N_(
        "The identity provider's address is refused (this machine, a private network or a "
        "metadata service): your administrator must check the single sign-on settings."
    ),
    "bad_answer": N_(
        "The identity provider gave an answer Fluide cannot use: your administrator must check "
        "the single sign-on settings."
    ),
    "wrong_issuer": N_(
        "The identity provider answered as another issuer than the one set up: sign-in "
        "refused. Your administrator must check the issuer URL."
    ),
    "code_refused": N_(
        "The identity provider refused to finish the sign-in (wrong client id or secret, or "
        "a code already used). Start again; if it lasts, tell your administrator."
    ),
    "bad_signature": N_(
        "The identity provider's answer is not signed with its keys: sign-in refused."
    ),
    "wrong_audience": N_(
        "The identity provider's answer was meant for another application: sign-in refused. "
        "Your administrator must check the client id."
    ),
    "wrong_nonce": N_("The answer does not belong to this sign-in: sign-in refused. Start again."),
    "expired": N_(
        "The identity provider's answer has expired: start again (if it lasts, a clock is wrong)."
    ),
    "state": N_("This sign-in had expired or was started in another browser: start again."),
    "denied": N_(
        "The identity provider did not sign you in. Start again, or ask your administrator."
    ),
    "unverified": N_(
        "Your identity provider does not confirm that your e-mail address is verified: "
        "sign-in refused."
    ),
    "domain": N_(
        "The address %(email)s is not in a domain this workspace signs in with: ask your "
        "administrator."
    ),
    "no_account": N_(
        "There is no Fluide account for %(email)s, and this workspace does not create accounts "
        "at sign-in: ask your administrator to add you."
    ),
    "disabled": N_("Your Fluide account is disabled: ask your administrator."),
    "elsewhere": N_(
        "The address %(email)s belongs to an account that cannot sign in here: ask your "
        "administrator."
    ),
    "not_configured": N_("Single sign-on is no longer set up for this workspace: start again."),
    "secret": N_(
        "The single sign-on settings cannot be read with this server's secret key: your "
        "administrator must enter the client secret again."
    ),
    "busy": N_(
        "Too many single sign-on attempts from your network address: wait %(seconds)s "
        "seconds, then try again."
    ),
}
"""English msgids of each way a sign-in fails, translated where they are shown."""
STATUS: Final = {
    "unreachable": 502,
    "refused": 502,
    "bad_answer": 502,
    "wrong_issuer": 502,
    "code_refused": 502,
    "secret": 503,
    "no_sso": 404,
    "domain": 403,
    "no_account": 403,
    "disabled": 403,
    "elsewhere": 403,
    "unverified": 403,
    "busy": 429,
}
"""The page's status for each code (400 otherwise)."""


class SsoRefused(Exception):
    """A sign-in that cannot go on; ``code`` is a key of :data:`MESSAGES`."""

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 400)


@dataclass(frozen=True)
class Started:
    """Where to send the browser, and the cookie it keeps until it comes back."""

    url: str
    cookie: str


@dataclass(frozen=True)
class Finished:
    token: str
    next_path: str
    lang: str
    sees_all: bool


@functools.cache
def _fernet(secret: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def _policy(settings: Settings) -> Policy:
    return Policy.of(settings)


def start(
    factory: sessionmaker[Session],
    settings: Settings,
    email: str,
    *,
    next_path: str,
    lang: str,
    address: str,
    now: datetime | None = None,
) -> Started:
    """Begin a sign-in for ``email``: the provider's address and the sealed pending state.

    Every start from the client ``address`` counts, whatever comes of it: past
    :data:`~fluide.domain.throttle.SSO_START`, :class:`SsoRefused` ``busy``
    (``seconds`` to wait) before anything is read or fetched.
    """
    key = login_throttle.sso_start_key(settings.secret, address)
    wait = login_throttle.reserve(factory, key, now, SSO_START)
    if wait.total_seconds() > 0:
        raise SsoRefused("busy", seconds=str(math.ceil(wait.total_seconds())))
    email = email.strip().lower()
    if not accounts.EMAIL.match(email) or len(email) > 320:
        raise SsoRefused("bad_email")
    domain = email.rsplit("@", 1)[1]
    with factory() as s:
        found = store.config_for_domain(s, domain)
        if found is None:
            raise SsoRefused("no_sso", domain=domain)
        workspace_id, issuer, client_id = found.workspace_id, found.issuer, found.client_id
    provider = _discover(settings, issuer)
    pending = oidc.new_pending()
    url = oidc.authorization_url(provider, client_id, redirect_uri(settings), pending, email)
    kept = {
        "w": workspace_id,
        "s": pending.state,
        "n": pending.nonce,
        "v": pending.verifier,
        "x": next_path,
        "l": lang,
    }
    cookie = _fernet(settings.secret).encrypt(json.dumps(kept).encode()).decode("ascii")
    return Started(url, cookie)


def offered(factory: sessionmaker[Session]) -> bool:
    """Whether the login page offers single sign-on (some workspace set a provider)."""
    with factory() as s:
        return store.any_config(s)


def _discover(settings: Settings, issuer: str) -> oidc.Provider:
    try:
        return PROVIDERS.provider(issuer, _policy(settings))
    except oidc.OidcError as exc:
        log.warning("single sign-on: discovery failed (%s)", exc.code)
        raise SsoRefused(exc.code) from None


def _pending(settings: Settings, cookie: str | None, *, ttl: bool = True) -> dict[str, str]:
    if not cookie:
        raise SsoRefused("state")
    try:
        raw = _fernet(settings.secret).decrypt(
            cookie.encode("ascii"), ttl=PENDING_SECONDS if ttl else None
        )
        kept = json.loads(raw)
    except (InvalidToken, ValueError, UnicodeError):
        raise SsoRefused("state") from None
    if not isinstance(kept, dict) or not all(isinstance(kept.get(k), str) for k in "wsnvxl"):
        raise SsoRefused("state")
    return {k: str(kept[k]) for k in "wsnvxl"}


def pending_lang(settings: Settings, cookie: str | None) -> str | None:
    """The language the sign-in started in (even past its time: the refusal is read in it)."""
    try:
        return _pending(settings, cookie, ttl=False)["l"]
    except SsoRefused:
        return None


def finish(
    factory: sessionmaker[Session],
    settings: Settings,
    cookie: str | None,
    params: dict[str, str],
    now: datetime | None = None,
) -> Finished:
    """Complete the sign-in from the provider's redirect (``state``, ``code`` or ``error``)."""
    kept = _pending(settings, cookie)
    if not secrets.compare_digest(params.get("state", "").encode(), kept["s"].encode()):
        raise SsoRefused("state")
    if params.get("error") or not params.get("code"):
        raise SsoRefused("denied")
    workspace_id = kept["w"]
    with factory() as s:
        found = store.config(s, workspace_id)
        if found is None:
            raise SsoRefused("not_configured")
        issuer, client_id, sealed = found.issuer, found.client_id, found.client_secret
    try:
        client_secret = secretbox.open_secret(settings, sealed) or ""
    except secretbox.UndecryptableSecret:
        log.error("single sign-on: %s", secretbox.MISMATCH)
        raise SsoRefused("secret") from None
    provider = _discover(settings, issuer)
    pending = oidc.Pending(kept["s"], kept["n"], kept["v"])
    policy = _policy(settings)
    try:
        id_token = oidc.exchange_code(
            provider,
            client_id,
            client_secret,
            params["code"],
            redirect_uri(settings),
            pending,
            policy,
        )
        keys = PROVIDERS.keys_for(provider, id_token, policy)
        claims = oidc.check_id_token(
            id_token, keys, issuer=provider.issuer, client_id=client_id, nonce=pending.nonce
        )
    except oidc.OidcError as exc:
        log.warning("single sign-on refused for workspace %s (%s)", workspace_id, exc.code)
        raise SsoRefused(exc.code) from None
    email = str(claims.get("email") or "").strip().lower()
    if not _verified(claims) or not accounts.EMAIL.match(email):
        raise SsoRefused("unverified")
    lang = _lang(claims, kept["l"])
    try:
        account = _account(factory, workspace_id, provider.issuer, claims, email, lang, now)
    except IntegrityError:
        # The same person signing in twice at once: the other sign-in made the link.
        raise SsoRefused("state") from None
    return Finished(account[0], kept["x"], account[1], account[2])


def _verified(claims: dict[str, Any]) -> bool:
    # Some providers send the flag as a string; Microsoft Entra sends xms_edov instead.
    flag = claims.get("email_verified", claims.get("xms_edov"))
    return flag is True or flag == "true"


def _lang(claims: dict[str, Any], fallback: str) -> str:
    locale = str(claims.get("locale") or "")[:2].lower()
    return locale if locale in SUPPORTED_LANGS else fallback


def _account(
    factory: sessionmaker[Session],
    workspace_id: str,
    issuer: str,
    claims: dict[str, Any],
    email: str,
    lang: str,
    now: datetime | None,
) -> tuple[str, str, bool]:
    """The session token, language and whether the account sees the whole workspace."""
    now = now or utcnow()
    subject = str(claims["sub"])[:255]
    with write_session(factory) as s:
        config = store.config(s, workspace_id)
        if config is None:
            raise SsoRefused("not_configured")
        link = store.identity(s, issuer, subject)
        if link is not None:
            account = s.get(Account, link.account_id)
            if account is None or account.workspace_id != workspace_id:
                raise SsoRefused("elsewhere", email=email)
        else:
            account = _by_email(s, config, email, claims, lang)
            link = SsoIdentity(
                id=new_id("sid"),
                workspace_id=workspace_id,
                account_id=account.id,
                issuer=issuer,
                subject=subject,
                created_at=now,
            )
            s.add(link)
        if account.disabled_at is not None:
            raise SsoRefused("disabled")
        link.last_login_at = now
        token = accounts.open_session(s, account, now)
        return token, account.lang, account.role in ("admin", "analyst")


def _by_email(
    s: Session, config: SsoConfig, email: str, claims: dict[str, Any], lang: str
) -> Account:
    """The workspace's account with this e-mail, or a new one if the admin allows it."""
    if email.rsplit("@", 1)[1] not in store.domains(s, config.workspace_id):
        raise SsoRefused("domain", email=email)
    account = account_store.by_email(s, email)
    if account is not None:
        if account.workspace_id != config.workspace_id:
            raise SsoRefused("elsewhere", email=email)
        return account
    if config.new_users not in ("agent", "analyst"):
        raise SsoRefused("no_account", email=email)
    name = str(claims.get("name") or "").strip()[:200]
    account = Account(
        id=new_id("acc"),
        workspace_id=config.workspace_id,
        email=email,
        name=name or email,
        role=config.new_users,
        password_hash=accounts.NO_PASSWORD,
        lang=lang,
    )
    s.add(account)
    s.flush()
    log.info("single sign-on: account %s made in workspace %s", account.id, config.workspace_id)
    return account
