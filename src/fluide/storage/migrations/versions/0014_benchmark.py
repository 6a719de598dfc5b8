"""the CES benchmark: a touchpoint's task category, a workspace's opt-in and contributor id,
and the instance's pool of imported contributions

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 21:30:00

Plain ADD COLUMN (see 0005). ``benchmark_contributions`` belongs to the
instance (no ``workspace_id``): aggregates imported by the operator.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("touchpoints", sa.Column("task_category", sa.String(length=32), nullable=True))
    op.add_column(
        "workspaces",
        sa.Column("benchmark_opt_in", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "workspaces", sa.Column("benchmark_contributor", sa.String(length=64), nullable=True)
    )
    op.create_table(
        "benchmark_contributions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("contributor", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("sd", sa.Float(), nullable=False),
        sa.Column("low", sa.Integer(), nullable=False),
        sa.Column("moderate", sa.Integer(), nullable=False),
        sa.Column("high", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benchmark_contributions")),
        sa.UniqueConstraint(
            "contributor", "category", name=op.f("uq_benchmark_contributions_contributor")
        ),
    )


def downgrade() -> None:
    op.drop_table("benchmark_contributions")
    op.drop_column("workspaces", "benchmark_contributor")
    op.drop_column("workspaces", "benchmark_opt_in")
    op.drop_column("touchpoints", "task_category")
