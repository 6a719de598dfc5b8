"""security and data rights: login throttle, instance markers, erasure audit,
browser event policy, event source, retention periods, encrypted secrets

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 04:08:10.261581
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "instance_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_instance_meta")),
    )
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_table(
        "erasures",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("user_external_id", sa.String(length=200), nullable=False),
        sa.Column("erased_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_erasures_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    with op.batch_alter_table("erasures", schema=None) as batch_op:
        batch_op.create_index("ix_erasures_ws", ["workspace_id", "erased_at"], unique=False)

    # Plain ADD/DROP COLUMN, never a batch "move and copy": on SQLite, recreating
    # ``workspaces`` or ``events`` would drop a table other rows refer to.
    op.add_column("events", sa.Column("source", sa.String(length=16), nullable=True))
    op.add_column("touchpoints", sa.Column("browser_events", _JSON, nullable=True))
    op.add_column("workspaces", sa.Column("comment_retention_days", sa.Integer(), nullable=True))
    op.add_column(
        "workspaces", sa.Column("personal_data_retention_days", sa.Integer(), nullable=True)
    )
    # Encrypted secrets are longer than the plain ones were (SQLite has no lengths).
    if op.get_bind().dialect.name == "postgresql":
        for column in ("widget_secret", "webhook_secret"):
            op.alter_column(
                "workspaces",
                column,
                existing_type=sa.VARCHAR(length=128),
                type_=sa.Text(),
                existing_nullable=True,
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in ("widget_secret", "webhook_secret"):
            op.alter_column(
                "workspaces", column, existing_type=sa.Text(), type_=sa.VARCHAR(length=128)
            )
    op.drop_column("workspaces", "personal_data_retention_days")
    op.drop_column("workspaces", "comment_retention_days")
    op.drop_column("touchpoints", "browser_events")
    op.drop_column("events", "source")
    op.drop_index("ix_erasures_ws", table_name="erasures")
    op.drop_table("erasures")
    op.drop_table("login_throttles")
    op.drop_table("instance_meta")
