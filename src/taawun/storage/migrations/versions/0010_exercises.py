"""Cooperation: joint exercises, their participants and domains.

``exercise`` holds both the historical record (MME v7, public) and exercises recorded on
the node (seen only by the states they concern); dates are a first day and a precision
(MME's "xx" days are ``month``). ``exercise_participant`` keeps each participant as the
source names it, with the registry state or organization it resolves to (or neither);
``exercise_domain`` one row per domain.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exercise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=60), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("series", sa.String(length=120), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("start_precision", sa.String(length=5), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("end_precision", sa.String(length=5), nullable=True),
        sa.Column("warfighting", sa.Boolean(), nullable=True),
        sa.Column("focus", sa.Text(), nullable=True),
        sa.Column("participant_note", sa.Text(), nullable=True),
        sa.Column("unnamed_participants", sa.Boolean(), nullable=False),
        sa.Column("host_basis", sa.String(length=10), nullable=True),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("coverage", sa.String(length=12), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("recorded_by_state_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreement.id"],
            name=op.f("fk_exercise_agreement_id_agreement"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_state_id"],
            ["state.id"],
            name=op.f("fk_exercise_recorded_by_state_id_state"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_exercise_source_source_id")),
    )
    with op.batch_alter_table("exercise") as batch_op:
        batch_op.create_index(batch_op.f("ix_exercise_agreement_id"), ["agreement_id"])
        batch_op.create_index(batch_op.f("ix_exercise_coverage"), ["coverage"])
        batch_op.create_index(batch_op.f("ix_exercise_public"), ["public"])
        batch_op.create_index(batch_op.f("ix_exercise_series"), ["series"])
        batch_op.create_index(batch_op.f("ix_exercise_start_date"), ["start_date"])

    op.create_table(
        "exercise_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("source_column", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercise.id"],
            name=op.f("fk_exercise_participant_exercise_id_exercise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_exercise_participant_organization_id_organization"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["state_id"],
            ["state.id"],
            name=op.f("fk_exercise_participant_state_id_state"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_participant")),
        sa.UniqueConstraint(
            "exercise_id", "name", name=op.f("uq_exercise_participant_exercise_id_name")
        ),
    )
    with op.batch_alter_table("exercise_participant") as batch_op:
        batch_op.create_index("ix_exercise_participant_state", ["state_id", "exercise_id"])

    op.create_table(
        "exercise_domain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercise.id"],
            name=op.f("fk_exercise_domain_exercise_id_exercise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_domain")),
        sa.UniqueConstraint(
            "exercise_id", "domain", name=op.f("uq_exercise_domain_exercise_id_domain")
        ),
    )
    with op.batch_alter_table("exercise_domain") as batch_op:
        batch_op.create_index("ix_exercise_domain_domain", ["domain", "exercise_id"])


def downgrade() -> None:
    op.drop_table("exercise_domain")
    op.drop_table("exercise_participant")
    op.drop_table("exercise")
