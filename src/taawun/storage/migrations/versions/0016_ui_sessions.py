"""The web UI's server-side sessions (``web/ui/sessions.py``).

A signed-in browser holds a random token in an HttpOnly cookie; the node keeps only its
SHA-256, the user, the session's CSRF secret and its times (idle expiry, sliding, in
``expires_at``; the absolute limit is ``created_at`` + 12 h). Deleting the user deletes
their sessions.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ui_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_ui_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ui_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ui_session_token_hash")),
    )
    op.create_index(op.f("ix_ui_session_user_id"), "ui_session", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ui_session_user_id"), table_name="ui_session")
    op.drop_table("ui_session")
