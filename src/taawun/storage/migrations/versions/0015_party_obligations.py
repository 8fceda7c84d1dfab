"""Member-level obligations: what each party owes the others, per spell.

ATOP 5.1 codes the obligations per member and phase (``atop5_1m.csv``: ``defense``,
``offense``, ``neutral``, ``nonagg``, ``consul``, and ``obvary`` when a member owes them to
some partners only); asymmetric alliances differ by member, so dyad-years read them from
the party, not from the agreement's domains. The columns are nullable: None means the
source does not code them per member (curated agreements, agreements recorded on the node),
and every party then owes what the agreement's domains say.

An existing node already holds ATOP's parties without these values, and the importer skips
a source whose checksum is unchanged: the ATOP source's stored checksum is replaced by a
marker that matches no file, so the next ``taawun import`` writes the obligations (only
the parties change; ``sync`` writes differences). A fresh database has no such row.

Plain ``ADD COLUMN``/``DROP COLUMN`` on both databases (no constraint, no batch rebuild:
rebuilding ``agreement_party`` on SQLite would lose the registry revision triggers, 0003).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-20
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = ("defense", "offense", "neutral", "nonagg", "consul", "obligations_vary")
REIMPORT = "reimport:0015-party-obligations"


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("agreement_party", sa.Column(column, sa.Boolean(), nullable=True))
    data_source = sa.table("data_source", sa.column("key"), sa.column("sha256"))
    op.execute(data_source.update().where(data_source.c.key == "atop").values(sha256=REIMPORT))


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.drop_column("agreement_party", column)
