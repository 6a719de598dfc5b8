"""default tags' keyword rules of issue 13, for workspaces that never edited them

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 09:55:00

A workspace's default tags were seeded with a copy of the keyword rules of the
time. Those whose rules are still exactly that copy get the new rules (wider
French coverage, "débit" no longer read as a payment); rules a team edited are
left as they are. The two lists are kept beside this file, frozen.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

RULES = json.loads(Path(__file__).with_name("0007_default_keywords.json").read_text("utf-8"))


def _swap(before: dict[str, list[str]], after: dict[str, list[str]]) -> None:
    bind = op.get_bind()
    tags = sa.table("tags", sa.column("id"), sa.column("key"), sa.column("keywords", sa.JSON))
    rows = bind.execute(
        sa.select(tags.c.id, tags.c.key, tags.c.keywords).where(tags.c.key.in_(list(before)))
    ).all()
    for tag_id, key, keywords in rows:
        stored = json.loads(keywords) if isinstance(keywords, str) else keywords
        if stored == before[key]:
            bind.execute(tags.update().where(tags.c.id == tag_id).values(keywords=after[key]))


def upgrade() -> None:
    _swap(RULES["before"], RULES["after"])


def downgrade() -> None:
    _swap(RULES["after"], RULES["before"])
