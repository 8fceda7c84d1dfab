"""The correlation index: a value one state holds is not judged against the common values.

``threat_value.common`` becomes nullable: NULL is "not judged yet". The indexer judges a value
(warninglists and node entries) once two or more states hold it, the only values that can be
a shared threat; where a value one state holds is shown (``threats/seen.py``) it is judged
as it is read. Values already stored keep the flags they were given.

The downgrade judges nothing: a value never judged goes back to "not common", with no reason
and no note, which the earlier code takes for a judgement. It is judged again only when a
node entry touching it changes (``common_service.reflag_index``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("threat_value", schema=None) as batch_op:
        batch_op.alter_column("common", existing_type=sa.Boolean(), nullable=True)


def downgrade() -> None:
    op.execute(sa.text("UPDATE threat_value SET common = false WHERE common IS NULL"))
    with op.batch_alter_table("threat_value", schema=None) as batch_op:
        batch_op.alter_column("common", existing_type=sa.Boolean(), nullable=False)
