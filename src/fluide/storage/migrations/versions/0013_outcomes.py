"""loyalty outcomes from events: which event types are outcomes (churned, renewed...)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 21:30:00

One workspace column; ``NULL`` means Fluide's defaults (services.outcomes).
Outcome events are read by type and time, which ``ix_events_type`` (0012)
already serves: no new index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("outcome_event_types", _JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("workspaces", "outcome_event_types")
