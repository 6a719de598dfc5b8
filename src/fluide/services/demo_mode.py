"""Demo mode runs only on the database ``fluide demo`` made.

Demo mode signs survey links with a public secret when no
``FLUIDE_SECRET_KEY`` is set, and its pages (``/demo/shop``…) sign any
customer of any workspace: on a real database that would let anyone forge
answers. So ``fluide demo`` marks its database (``instance_meta`` row
``demo_database``), and the app and the workers refuse demo mode on a database
without that mark.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.i18n import N_, gettext
from fluide.settings import Settings
from fluide.storage import security as store
from fluide.storage.db import write_session
from fluide.storage.types import utcnow

DEMO_MARK: Final = "demo_database"
REFUSED: Final = N_(
    "FLUIDE_DEMO is on, but this database (%(url)s) was not made by `fluide demo`. "
    "Demo mode signs survey links with a public secret and its demo pages sign any "
    "customer of any workspace, so it only runs on the demo's own database. "
    "To serve this database, unset FLUIDE_DEMO and set FLUIDE_SECRET_KEY; "
    "for a demo, run `fluide demo`."
)


class DemoDatabaseRequired(RuntimeError):
    """Demo mode was asked for on a database that ``fluide demo`` did not make."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        return gettext(lang, REFUSED, url=self.url)


def mark_demo_database(factory: sessionmaker[Session], now: datetime | None = None) -> None:
    """Say that this database is a demo's (what ``fluide demo`` does first)."""
    now = now or utcnow()
    with write_session(factory) as s:
        store.set_meta(s, DEMO_MARK, now.isoformat(), now)


def is_demo_database(factory: sessionmaker[Session]) -> bool:
    with factory() as s:
        return store.meta(s, DEMO_MARK) is not None


def shown_url(settings: Settings) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "?"


def check_demo_mode(settings: Settings, factory: sessionmaker[Session]) -> None:
    """Raise :class:`DemoDatabaseRequired` when demo mode is on and the database is not a demo's."""
    if settings.demo and not is_demo_database(factory):
        raise DemoDatabaseRequired(shown_url(settings))
