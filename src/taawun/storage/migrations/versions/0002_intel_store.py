"""Intel store: STIX object versions, releases, TLP:RED recipients, TAXII status.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_object",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("stix_id", sa.String(length=120), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("spec_version", sa.String(length=8), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("version_us", sa.BigInteger(), nullable=False),
        sa.Column("added_us", sa.BigInteger(), nullable=False),
        sa.Column("is_first", sa.Boolean(), nullable=False),
        sa.Column("is_last", sa.Boolean(), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.Column("owner_state_id", sa.Integer(), nullable=False),
        sa.Column("tlp", sa.SmallInteger(), nullable=False),
        sa.Column("classification", sa.SmallInteger(), nullable=False),
        sa.Column("released_to_all", sa.Boolean(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(length=400), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"],
            ["agency.id"],
            name=op.f("fk_intel_object_owner_agency_id_agency"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_state_id"],
            ["state.id"],
            name=op.f("fk_intel_object_owner_state_id_state"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_intel_object")),
        sa.UniqueConstraint("added_us", name=op.f("uq_intel_object_added_us")),
        sa.UniqueConstraint(
            "stix_id", "version_us", name=op.f("uq_intel_object_stix_id_version_us")
        ),
    )
    with op.batch_alter_table("intel_object", schema=None) as batch_op:
        batch_op.create_index(
            "ix_intel_object_owner_added", ["owner_agency_id", "added_us"], unique=False
        )
        batch_op.create_index(
            "ix_intel_object_stix_version", ["stix_id", "version_us"], unique=False
        )
        batch_op.create_index("ix_intel_object_type_added", ["type", "added_us"], unique=False)

    op.create_table(
        "intel_recipient",
        sa.Column(
            "object_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
            name=op.f("fk_intel_recipient_agency_id_agency"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["object_seq"],
            ["intel_object.seq"],
            name=op.f("fk_intel_recipient_object_seq_intel_object"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("object_seq", "agency_id", name=op.f("pk_intel_recipient")),
    )
    op.create_table(
        "intel_release",
        sa.Column(
            "object_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreement.id"],
            name=op.f("fk_intel_release_agreement_id_agreement"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["object_seq"],
            ["intel_object.seq"],
            name=op.f("fk_intel_release_object_seq_intel_object"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("object_seq", "agreement_id", name=op.f("pk_intel_release")),
    )
    with op.batch_alter_table("intel_release", schema=None) as batch_op:
        batch_op.create_index(
            "ix_intel_release_agreement", ["agreement_id", "object_seq"], unique=False
        )

    op.create_table(
        "taxii_status",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("collection", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("request_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("pending_count", sa.Integer(), nullable=False),
        sa.Column("successes", sa.JSON(), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("pendings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_taxii_status_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxii_status")),
    )


def downgrade() -> None:
    op.drop_table("taxii_status")
    with op.batch_alter_table("intel_release", schema=None) as batch_op:
        batch_op.drop_index("ix_intel_release_agreement")

    op.drop_table("intel_release")
    op.drop_table("intel_recipient")
    with op.batch_alter_table("intel_object", schema=None) as batch_op:
        batch_op.drop_index("ix_intel_object_type_added")
        batch_op.drop_index("ix_intel_object_stix_version")
        batch_op.drop_index("ix_intel_object_owner_added")

    op.drop_table("intel_object")
