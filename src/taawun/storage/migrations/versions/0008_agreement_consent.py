"""Agreements by consent: proposals and the states' decisions on them.

``agreement_proposal`` holds a step that needs the parties' consent (an agreement entering
into force, a widening amendment, the end of a suspension) and ``proposal_party`` each
state's part in it: whether its acceptance is required, and its decision. At most one
proposal of an agreement is open (a partial unique index). ``agreement.parent_id`` links an
implementing arrangement to the agreement it implements, and
``agreement.suspended_by_state_id`` records which party suspended it (None: the node).

The sharing grants depend on ``agreement``, ``agreement_party`` and ``agreement_domain``
only, whose triggers (0003) already fire when a proposal is applied; the new tables need none.

On SQLite the two columns are added with ``ALTER TABLE ... ADD COLUMN``, not by rebuilding
the table (batch mode): dropping the old ``agreement`` table with foreign keys on would
delete its parties and domains (ON DELETE CASCADE), and the rebuilt table would lose the
revision triggers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE agreement ADD COLUMN parent_id INTEGER CONSTRAINT "
            "fk_agreement_parent_id_agreement REFERENCES agreement (id)"
        )
        op.execute(
            "ALTER TABLE agreement ADD COLUMN suspended_by_state_id INTEGER CONSTRAINT "
            "fk_agreement_suspended_by_state_id_state REFERENCES state (id)"
        )
    else:
        op.add_column("agreement", sa.Column("parent_id", sa.Integer(), nullable=True))
        op.add_column("agreement", sa.Column("suspended_by_state_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_agreement_parent_id_agreement"),
            "agreement",
            "agreement",
            ["parent_id"],
            ["id"],
        )
        op.create_foreign_key(
            op.f("fk_agreement_suspended_by_state_id_state"),
            "agreement",
            "state",
            ["suspended_by_state_id"],
            ["id"],
        )
    op.create_index(op.f("ix_agreement_parent_id"), "agreement", ["parent_id"], unique=False)

    op.create_table(
        "agreement_proposal",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("proposer_user_id", sa.Integer(), nullable=True),
        sa.Column("proposer_agency_id", sa.Integer(), nullable=True),
        sa.Column("proposer_state_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreement.id"],
            name=op.f("fk_agreement_proposal_agreement_id_agreement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposer_state_id"],
            ["state.id"],
            name=op.f("fk_agreement_proposal_proposer_state_id_state"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_proposal")),
    )
    op.create_index(
        op.f("ix_agreement_proposal_agreement_id"),
        "agreement_proposal",
        ["agreement_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_agreement_proposal_status"), "agreement_proposal", ["status"], unique=False
    )
    op.create_index(
        "uq_agreement_proposal_open",
        "agreement_proposal",
        ["agreement_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )

    op.create_table(
        "proposal_party",
        sa.Column("proposal_id", sa.String(length=36), nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["agreement_proposal.id"],
            name=op.f("fk_proposal_party_proposal_id_agreement_proposal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["state_id"],
            ["state.id"],
            name=op.f("fk_proposal_party_state_id_state"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("proposal_id", "state_id", name=op.f("pk_proposal_party")),
    )
    op.create_index(
        "ix_proposal_party_state", "proposal_party", ["state_id", "proposal_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_proposal_party_state", table_name="proposal_party")
    op.drop_table("proposal_party")
    op.drop_index("uq_agreement_proposal_open", table_name="agreement_proposal")
    op.drop_index(op.f("ix_agreement_proposal_status"), table_name="agreement_proposal")
    op.drop_index(op.f("ix_agreement_proposal_agreement_id"), table_name="agreement_proposal")
    op.drop_table("agreement_proposal")

    op.drop_index(op.f("ix_agreement_parent_id"), table_name="agreement")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite drops a column that only a column constraint of its own refers to; a
        # rebuild (batch mode) would cascade into the parties and domains (see above).
        op.execute("ALTER TABLE agreement DROP COLUMN suspended_by_state_id")
        op.execute("ALTER TABLE agreement DROP COLUMN parent_id")
    else:
        op.drop_constraint(
            op.f("fk_agreement_suspended_by_state_id_state"), "agreement", type_="foreignkey"
        )
        op.drop_constraint(
            op.f("fk_agreement_parent_id_agreement"), "agreement", type_="foreignkey"
        )
        op.drop_column("agreement", "suspended_by_state_id")
        op.drop_column("agreement", "parent_id")
