"""Queries on single sign-on settings, domains and linked identities (the only SQL for them)."""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from fluide.storage.sso_models import SsoConfig, SsoDomain, SsoIdentity


def config(s: Session, workspace_id: str) -> SsoConfig | None:
    return s.get(SsoConfig, workspace_id)


def configs(s: Session) -> list[SsoConfig]:
    """Every workspace's provider setting (to re-encrypt their client secrets)."""
    return list(s.scalars(select(SsoConfig).order_by(SsoConfig.workspace_id)))


def any_config(s: Session) -> bool:
    """Whether some workspace of the instance signs in with a provider (the login page
    shows the single sign-on form only then)."""
    return bool(s.scalar(select(exists().select_from(SsoConfig))))


def domains(s: Session, workspace_id: str) -> list[str]:
    return list(
        s.scalars(
            select(SsoDomain.domain)
            .where(SsoDomain.workspace_id == workspace_id)
            .order_by(SsoDomain.domain)
        )
    )


def domain_owners(s: Session, names: list[str]) -> dict[str, str]:
    """The workspace holding each of ``names`` (those that one holds)."""
    query = select(SsoDomain.domain, SsoDomain.workspace_id).where(SsoDomain.domain.in_(names))
    return dict(s.execute(query).all())


def config_for_domain(s: Session, domain: str) -> SsoConfig | None:
    owner = s.scalar(select(SsoDomain.workspace_id).where(SsoDomain.domain == domain))
    return s.get(SsoConfig, owner) if owner is not None else None


def set_domains(s: Session, workspace_id: str, names: list[str]) -> None:
    s.execute(delete(SsoDomain).where(SsoDomain.workspace_id == workspace_id))
    s.flush()
    s.add_all(SsoDomain(domain=d, workspace_id=workspace_id) for d in names)


def remove(s: Session, workspace_id: str) -> bool:
    """Forget the provider and its domains; linked identities stay (a provider set up
    again with the same issuer finds its people)."""
    found = s.get(SsoConfig, workspace_id)
    s.execute(delete(SsoDomain).where(SsoDomain.workspace_id == workspace_id))
    if found is not None:
        s.delete(found)
    return found is not None


def identity(s: Session, issuer: str, subject: str) -> SsoIdentity | None:
    return s.scalar(
        select(SsoIdentity).where(SsoIdentity.issuer == issuer, SsoIdentity.subject == subject)
    )


def password_login_allowed(s: Session, workspace_id: str) -> bool:
    found = s.get(SsoConfig, workspace_id)
    return found is None or found.password_login
