"""Audit entries carry the clearance their content needs to be read.

An entry about intel names the objects it concerns (an id, a version, what allowed a read);
the audit log is read through a policy (``access/policy.py`` ``AuditPolicy``), and an entry
naming an object classified above a reader's clearance is not theirs to read. Existing
entries need none (0, UNCLASSIFIED): before this revision no entry was kept from anyone.

The hash chain covers the column when it is set (``access/audit.py``), so existing entries
keep their hashes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch_op:
        batch_op.add_column(
            sa.Column("clearance", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.create_index("ix_audit_entry_actor_agency", ["actor_agency_id", "seq"])


def downgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch_op:
        batch_op.drop_index("ix_audit_entry_actor_agency")
        batch_op.drop_column("clearance")
