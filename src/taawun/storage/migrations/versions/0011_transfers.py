"""Cooperation: transfers of arms and technology, and the item catalogue.

``transfer`` holds SIPRI's record (the TIV table's yearly totals and the registers' deals,
public, each with its source, file, line and release) and transfers recorded on the node
(seen by the states they concern), with the agreement covering each (None: flagged).
``transfer_item`` is the catalogue (the MISP ``uavs`` galaxy and the registers'
designations), ``transfer_item_name`` the normalised names it is looked up by.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("designation", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.Column("origin", sa.String(length=120), nullable=True),
        sa.Column("origin_state_id", sa.Integer(), nullable=True),
        sa.Column("manufacturer", sa.String(length=200), nullable=True),
        sa.Column("operators", sa.JSON(), nullable=False),
        sa.Column("operator_state_ids", sa.JSON(), nullable=False),
        sa.Column("same_as_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["origin_state_id"],
            ["state.id"],
            name=op.f("fk_transfer_item_origin_state_id_state"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["same_as_id"],
            ["transfer_item.id"],
            name=op.f("fk_transfer_item_same_as_id_transfer_item"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_item")),
        sa.UniqueConstraint("source", "key", name=op.f("uq_transfer_item_source_key")),
    )
    with op.batch_alter_table("transfer_item") as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_item_designation"), ["designation"])
        batch_op.create_index(batch_op.f("ix_transfer_item_same_as_id"), ["same_as_id"])

    op.create_table(
        "transfer_item_name",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["transfer_item.id"],
            name=op.f("fk_transfer_item_name_item_id_transfer_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_item_name")),
        sa.UniqueConstraint("item_id", "name", name=op.f("uq_transfer_item_name_item_id_name")),
    )
    with op.batch_alter_table("transfer_item_name") as batch_op:
        batch_op.create_index("ix_transfer_item_name", ["name"])

    op.create_table(
        "transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_file", sa.String(length=120), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("source_release", sa.String(length=200), nullable=True),
        sa.Column("supplier_state_id", sa.Integer(), nullable=True),
        sa.Column("supplier_name", sa.String(length=120), nullable=False),
        sa.Column("supplier_kind", sa.String(length=16), nullable=False),
        sa.Column("recipient_state_id", sa.Integer(), nullable=True),
        sa.Column("recipient_name", sa.String(length=120), nullable=False),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("designation", sa.String(length=200), nullable=True),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.Column("quantity_ordered", sa.Integer(), nullable=True),
        sa.Column("quantity_delivered", sa.Integer(), nullable=True),
        sa.Column("order_year", sa.Integer(), nullable=True),
        sa.Column("delivery_years", sa.String(length=300), nullable=True),
        sa.Column("first_delivery", sa.Integer(), nullable=True),
        sa.Column("last_delivery", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=40), nullable=True),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("tiv_unit", sa.Float(), nullable=True),
        sa.Column("tiv_order", sa.Float(), nullable=True),
        sa.Column("tiv_delivered", sa.Float(), nullable=True),
        sa.Column("uncertain", sa.JSON(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=True),
        sa.Column("status_since", sa.Date(), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=True),
        sa.Column("proposed_by_state_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreement.id"],
            name=op.f("fk_transfer_agreement_id_agreement"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["transfer_item.id"],
            name=op.f("fk_transfer_item_id_transfer_item"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_state_id"],
            ["state.id"],
            name=op.f("fk_transfer_proposed_by_state_id_state"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_state_id"],
            ["state.id"],
            name=op.f("fk_transfer_recipient_state_id_state"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_state_id"],
            ["state.id"],
            name=op.f("fk_transfer_supplier_state_id_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer")),
        sa.UniqueConstraint("source", "source_row", name=op.f("uq_transfer_source_source_row")),
    )
    with op.batch_alter_table("transfer") as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_agreement_id"), ["agreement_id"])
        batch_op.create_index(batch_op.f("ix_transfer_item_id"), ["item_id"])
        batch_op.create_index(batch_op.f("ix_transfer_kind"), ["kind"])
        batch_op.create_index(batch_op.f("ix_transfer_public"), ["public"])
        batch_op.create_index(batch_op.f("ix_transfer_year"), ["year"])
        batch_op.create_index("ix_transfer_recipient_year", ["recipient_state_id", "year"])
        batch_op.create_index("ix_transfer_supplier_year", ["supplier_state_id", "year"])


def downgrade() -> None:
    op.drop_table("transfer")
    op.drop_table("transfer_item_name")
    op.drop_table("transfer_item")
