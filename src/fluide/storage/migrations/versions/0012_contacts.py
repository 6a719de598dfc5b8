"""contacts from events: which event types are contacts, the promise alert, an index;
follow-ups opened by contacts (recontact, delay) have a customer and no answer

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 19:00:00

Plain ADD COLUMN where it can (see 0005). ``NULL`` in both new workspace
columns means Fluide's defaults (services.contacts). ``follow_ups.response_id``
and ``touchpoint_id`` become nullable: on SQLite that is a copy of the table,
and dropping the old one would fail on the help-desk tickets that refer to it,
so those rows are set aside in a temporary table and put back afterwards.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _follow_ups(nullable: bool) -> None:
    """Answer and touchpoint optional (``nullable``), and the contact's columns, or back."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMP TABLE _fl_tickets AS SELECT * FROM helpdesk_tickets")
        op.execute("DELETE FROM helpdesk_tickets")
    with op.batch_alter_table("follow_ups", recreate="always" if sqlite else "auto") as b:
        b.alter_column("response_id", existing_type=sa.String(40), nullable=nullable)
        b.alter_column("touchpoint_id", existing_type=sa.String(40), nullable=nullable)
        if nullable:
            b.add_column(sa.Column("user_id", sa.String(length=40), nullable=True))
            b.add_column(sa.Column("subject", _JSON, nullable=True))
            b.create_foreign_key(
                "fk_follow_ups_user_id_end_users", "end_users", ["user_id"], ["id"]
            )
        else:
            b.drop_constraint("fk_follow_ups_user_id_end_users", type_="foreignkey")
            b.drop_column("subject")
            b.drop_column("user_id")
    if sqlite:
        op.execute("INSERT INTO helpdesk_tickets SELECT * FROM _fl_tickets")
        op.execute("DROP TABLE _fl_tickets")


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("contact_event_types", _JSON, nullable=True))
    op.add_column("workspaces", sa.Column("promise_alert_hours", sa.Integer(), nullable=True))
    op.create_index(
        "ix_events_type", "events", ["workspace_id", "type", "occurred_at"], unique=False
    )
    _follow_ups(nullable=True)
    op.create_index("ix_follow_ups_user", "follow_ups", ["workspace_id", "user_id", "status"])


def downgrade() -> None:
    op.execute(
        "DELETE FROM helpdesk_tickets WHERE follow_up_id IN "
        "(SELECT id FROM follow_ups WHERE response_id IS NULL)"
    )
    op.execute("DELETE FROM follow_ups WHERE response_id IS NULL")
    op.drop_index("ix_follow_ups_user", table_name="follow_ups")
    _follow_ups(nullable=False)
    op.drop_index("ix_events_type", table_name="events")
    op.drop_column("workspaces", "promise_alert_hours")
    op.drop_column("workspaces", "contact_event_types")
