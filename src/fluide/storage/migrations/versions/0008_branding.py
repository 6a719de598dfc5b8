"""workspace branding on the survey page: brand colour and an uploaded logo

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 12:30:00

Plain ADD COLUMN (see 0005: a batch copy of `workspaces` fails on a filled SQLite).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("brand_color", sa.String(length=7), nullable=True))
    op.add_column("workspaces", sa.Column("logo_type", sa.String(length=32), nullable=True))
    op.add_column("workspaces", sa.Column("logo_data", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("workspaces", "logo_data")
    op.drop_column("workspaces", "logo_type")
    op.drop_column("workspaces", "brand_color")
