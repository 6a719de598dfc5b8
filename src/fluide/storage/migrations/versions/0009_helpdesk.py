"""help-desk connections and pushed follow-ups

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-07 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "helpdesk_connections",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("credential", sa.Text(), nullable=True),
        sa.Column("signing_secret", sa.Text(), nullable=True),
        sa.Column("inbound_id", sa.String(length=40), nullable=False),
        sa.Column("push_on_create", sa.Boolean(), nullable=False),
        sa.Column("push_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"]),
        sa.PrimaryKeyConstraint("workspace_id"),
        sa.UniqueConstraint("inbound_id"),
    )
    op.create_table(
        "helpdesk_tickets",
        sa.Column("follow_up_id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("response_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("external_url", sa.String(length=500), nullable=True),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remote_status", sa.String(length=40), nullable=True),
        sa.Column("remote_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["follow_up_id"], ["follow_ups.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"]),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"]),
        sa.PrimaryKeyConstraint("follow_up_id"),
        sa.UniqueConstraint("workspace_id", "provider", "external_id"),
    )
    op.create_index("ix_helpdesk_tickets_due", "helpdesk_tickets", ["state", "next_attempt_at"])
    op.create_index(
        "ix_helpdesk_tickets_response_id", "helpdesk_tickets", ["response_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_helpdesk_tickets_response_id", table_name="helpdesk_tickets")
    op.drop_index("ix_helpdesk_tickets_due", table_name="helpdesk_tickets")
    op.drop_table("helpdesk_tickets")
    op.drop_table("helpdesk_connections")
