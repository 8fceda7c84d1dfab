"""Intel release array: each object version's release list repeated on its row, sorted
(``intel_object.release_ids``; ``intel_release`` stays the source of truth), for the release
policy's one-test-per-row form on PostgreSQL. Filled from ``intel_release``.

PostgreSQL drops the column default once the rows are filled (the writers set the column).
SQLite keeps its ``'[]'`` default: dropping it would rebuild ``intel_object``, and dropping
the old table would cascade to its releases and recipients (foreign keys are on).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            "intel_object",
            sa.Column(
                "release_ids",
                postgresql.ARRAY(sa.Integer()),
                nullable=False,
                server_default=sa.text("'{}'"),
            ),
        )
        op.execute(
            "UPDATE intel_object SET release_ids = r.ids FROM ("
            "SELECT object_seq, array_agg(agreement_id ORDER BY agreement_id) AS ids "
            "FROM intel_release GROUP BY object_seq"
            ") AS r WHERE intel_object.seq = r.object_seq"
        )
        op.alter_column("intel_object", "release_ids", server_default=None)
    else:
        op.add_column(
            "intel_object",
            sa.Column("release_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
        )
        op.execute(
            "UPDATE intel_object SET release_ids = (SELECT json_group_array(agreement_id) FROM ("
            "SELECT agreement_id FROM intel_release "
            "WHERE intel_release.object_seq = intel_object.seq ORDER BY agreement_id"
            ")) WHERE seq IN (SELECT object_seq FROM intel_release)"
        )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN on both (SQLite >= 3.35): no rebuild of the table.
    op.execute("ALTER TABLE intel_object DROP COLUMN release_ids")
