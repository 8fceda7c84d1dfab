"""Organizations keep their names over time; memberships may carry exact days.

``organization_name`` holds each name an organization bears or bore, with the days it was
in use and its source (the OIC was the Organisation of the Islamic Conference until
27 June 2011). ``membership.from_date``/``to_date`` hold a spell's first and last day when a
source gives them (Syria's suspension from the Arab League took effect on 16 November
2011); spells known by year only, all of COW IGO, leave them empty.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organization_name",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_organization_name_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_name")),
        sa.UniqueConstraint(
            "organization_id",
            "name",
            "valid_from",
            name=op.f("uq_organization_name_organization_id_name_valid_from"),
        ),
    )
    with op.batch_alter_table("organization_name") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_name_organization_id"), ["organization_id"], unique=False
        )

    with op.batch_alter_table("membership") as batch_op:
        batch_op.add_column(sa.Column("from_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("to_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("membership") as batch_op:
        batch_op.drop_column("to_date")
        batch_op.drop_column("from_date")

    with op.batch_alter_table("organization_name") as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_name_organization_id"))
    op.drop_table("organization_name")
