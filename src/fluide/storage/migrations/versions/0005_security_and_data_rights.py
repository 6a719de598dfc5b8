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

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=16), nullable=True))

    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("browser_events", _JSON, nullable=True))

    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("comment_retention_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("personal_data_retention_days", sa.Integer(), nullable=True))
        # Encrypted secrets are longer than the plain ones were.
        batch_op.alter_column(
            "widget_secret",
            existing_type=sa.VARCHAR(length=128),
            type_=sa.Text(),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "webhook_secret",
            existing_type=sa.VARCHAR(length=128),
            type_=sa.Text(),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.alter_column(
            "webhook_secret", existing_type=sa.Text(), type_=sa.VARCHAR(length=128)
        )
        batch_op.alter_column(
            "widget_secret", existing_type=sa.Text(), type_=sa.VARCHAR(length=128)
        )
        batch_op.drop_column("personal_data_retention_days")
        batch_op.drop_column("comment_retention_days")
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.drop_column("browser_events")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("source")
    with op.batch_alter_table("erasures", schema=None) as batch_op:
        batch_op.drop_index("ix_erasures_ws")
    op.drop_table("erasures")
    op.drop_table("login_throttles")
    op.drop_table("instance_meta")
