"""Cooperation: the correlation index (shared threats).

``threat_value`` holds each distinct normalised value or threat name once, with its common
flag; ``threat_occurrence`` one row per value in the current version of an intel object
(deleted with the intel row), ``WITHOUT ROWID`` on SQLite (clustered by its key, the order
the queries read it in), with a partial index on the occurrences of values two or more
states hold. See ``cooperation/threats/models.py``.

Objects already stored are not indexed by this migration; ``taawun threats reindex``
indexes them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "threat_value",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.Column("common", sa.Boolean(), nullable=False),
        sa.Column("common_reason", sa.String(length=400), nullable=True),
        sa.Column("note", sa.String(length=400), nullable=True),
        sa.Column("agencies", sa.Integer(), nullable=False),
        sa.Column("states", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threat_value")),
        sa.UniqueConstraint("value", "kind", name=op.f("uq_threat_value_value_kind")),
    )
    op.create_table(
        "threat_occurrence",
        sa.Column("value_id", BIG_ID, nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("object_seq", BIG_ID, nullable=False),
        sa.Column("added_us", sa.BigInteger(), nullable=False),
        sa.Column("multi", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_seq"],
            ["intel_object.seq"],
            name=op.f("fk_threat_occurrence_object_seq_intel_object"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "value_id", "state_id", "agency_id", "object_seq", name=op.f("pk_threat_occurrence")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_threat_occurrence_object_seq", "threat_occurrence", ["object_seq"])
    op.create_index(
        "ix_threat_occurrence_multi",
        "threat_occurrence",
        ["state_id", "value_id"],
        sqlite_where=sa.text("multi = 1"),
        postgresql_where=sa.text("multi"),
    )


def downgrade() -> None:
    op.drop_table("threat_occurrence")
    op.drop_table("threat_value")
