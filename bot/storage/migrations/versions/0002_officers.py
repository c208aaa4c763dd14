"""Officers, their sessions, the audit log; ticket announcements, ratings and case decisions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("telegram_user_id", sa.Integer, unique=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "officer_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "officer_id",
            sa.String(32),
            sa.ForeignKey("officers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_officer_sessions_officer_id", "officer_sessions", ["officer_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("officer_id", sa.String(32)),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(64)),
        sa.Column("detail", sa.JSON),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_audit_log_officer_id", "audit_log", ["officer_id"])
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("announcements", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("group_message_id", sa.Integer))
        batch.create_index("ix_tickets_group_message_id", ["group_message_id"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("rating_ticket_id", sa.String(32)))
        batch.add_column(sa.Column("contact_email", sa.String(254)))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("decided_by", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("decided_by")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("contact_email")
        batch.drop_column("rating_ticket_id")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_group_message_id")
        batch.drop_column("group_message_id")
        batch.drop_column("announcements")
    op.drop_table("audit_log")
    op.drop_table("officer_sessions")
    op.drop_table("officers")
