"""ingestion at scale: cached decision rules, request id on deliveries

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (see 0005: a batch copy of `workspaces` fails on a filled SQLite).
    op.add_column(
        "workspaces",
        sa.Column("rules_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("deliveries", sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("deliveries", "request_id")
    op.drop_column("workspaces", "rules_version")
