"""Cooperation: training programmes and their seats.

``training_programme`` is a programme one state hosts under an agreement covering
``training`` (its dates, subject, status); ``training_seat`` the seats it offers each guest
state, how many that state took and how many graduated. CHECK constraints keep the counts
honest whoever writes (``taken`` within ``offered``, ``graduates`` within ``taken``) and the
end on or after the start. The indexes serve the access rule (a guest's seats by state) and
the reciprocity ledger (programmes by host or agreement and start date).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_programme",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("host_state_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_training_programme_dates")),
        sa.CheckConstraint(
            "status IN ('planned', 'completed', 'cancelled')",
            name=op.f("ck_training_programme_status"),
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreement.id"],
            name=op.f("fk_training_programme_agreement_id_agreement"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["host_state_id"],
            ["state.id"],
            name=op.f("fk_training_programme_host_state_id_state"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_programme")),
    )
    op.create_index(
        "ix_training_programme_host",
        "training_programme",
        ["host_state_id", "starts_on"],
        unique=False,
    )
    op.create_index(
        "ix_training_programme_agreement",
        "training_programme",
        ["agreement_id", "starts_on"],
        unique=False,
    )
    op.create_index(
        op.f("ix_training_programme_starts_on"), "training_programme", ["starts_on"], unique=False
    )

    op.create_table(
        "training_seat",
        sa.Column("programme_id", sa.String(length=36), nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("graduates", sa.Integer(), nullable=True),
        sa.CheckConstraint("offered > 0", name=op.f("ck_training_seat_offered")),
        sa.CheckConstraint("taken >= 0 AND taken <= offered", name=op.f("ck_training_seat_taken")),
        sa.CheckConstraint(
            "graduates IS NULL OR (graduates >= 0 AND graduates <= taken)",
            name=op.f("ck_training_seat_graduates"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["training_programme.id"],
            name=op.f("fk_training_seat_programme_id_training_programme"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["state_id"],
            ["state.id"],
            name=op.f("fk_training_seat_state_id_state"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("programme_id", "state_id", name=op.f("pk_training_seat")),
    )
    op.create_index(
        "ix_training_seat_state", "training_seat", ["state_id", "programme_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_training_seat_state", table_name="training_seat")
    op.drop_table("training_seat")
    op.drop_index(op.f("ix_training_programme_starts_on"), table_name="training_programme")
    op.drop_index("ix_training_programme_agreement", table_name="training_programme")
    op.drop_index("ix_training_programme_host", table_name="training_programme")
    op.drop_table("training_programme")
