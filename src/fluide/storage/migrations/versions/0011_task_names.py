"""a touchpoint's task name in French and English, both filled from its task

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 14:00:00

Plain ADD COLUMN (see 0005: a batch copy of a filled table fails on SQLite).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("touchpoints", sa.Column("task_names", _JSON, nullable=True))
    touchpoints = sa.table(
        "touchpoints",
        sa.column("id", sa.String()),
        sa.column("task", sa.String()),
        sa.column("task_names", _JSON),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(touchpoints.c.id, touchpoints.c.task)).all()
    for tp_id, task in rows:
        conn.execute(
            touchpoints.update()
            .where(touchpoints.c.id == tp_id)
            .values(task_names={"fr": task, "en": task})
        )


def downgrade() -> None:
    op.drop_column("touchpoints", "task_names")
