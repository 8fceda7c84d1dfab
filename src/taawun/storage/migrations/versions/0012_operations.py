"""Cooperation: combined operations, live and from the historical record.

``operation`` holds both kinds (a live one under an agreement covering
``combined_operations``; a UN mission of Geo-PKO, public); ``operation_state`` the party
states' answers to a live one, ``operation_task`` its tasks or phases, ``operation_intel``
the STIX ids linked to it, and ``operation_deployment`` the record's contributors per year.
New tables only: nothing existing is rebuilt, so both databases upgrade and downgrade alike.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)


def _state_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["state.id"], name=op.f(f"fk_{table}_{column}_state"))


def _operation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["operation_id"],
        ["operation.id"],
        name=op.f(f"fk_{table}_operation_id_operation"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "operation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=60), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_since", AT, nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("lead_state_id", sa.Integer(), nullable=True),
        sa.Column("proposer_state_id", sa.Integer(), nullable=True),
        sa.Column("proposer_user_id", sa.Integer(), nullable=True),
        sa.Column("proposer_agency_id", sa.Integer(), nullable=True),
        sa.Column("threat_name", sa.String(length=200), nullable=True),
        sa.Column("threat_kind", sa.String(length=40), nullable=True),
        sa.Column("threat_value", sa.Text(), nullable=True),
        sa.Column("area", sa.Text(), nullable=True),
        sa.Column("starts", sa.Date(), nullable=True),
        sa.Column("ends", sa.Date(), nullable=True),
        sa.Column("after_action", sa.Text(), nullable=True),
        sa.Column("observed_through", sa.Date(), nullable=True),
        sa.Column("source_rows", sa.Integer(), nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("updated_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreement.id"], name=op.f("fk_operation_agreement_id_agreement")
        ),
        _state_fk("operation", "lead_state_id"),
        _state_fk("operation", "proposer_state_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_operation_source_source_id")),
    )
    op.create_index(op.f("ix_operation_agreement_id"), "operation", ["agreement_id"])
    op.create_index(op.f("ix_operation_public"), "operation", ["public"])
    op.create_index(op.f("ix_operation_status"), "operation", ["status"])

    op.create_table(
        "operation_state",
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.Column("response", sa.String(length=10), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_agency_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", AT, nullable=False),
        _operation_fk("operation_state"),
        _state_fk("operation_state", "state_id"),
        sa.PrimaryKeyConstraint("operation_id", "state_id", name=op.f("pk_operation_state")),
    )
    op.create_index("ix_operation_state_state", "operation_state", ["state_id", "operation_id"])

    op.create_table(
        "operation_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=True),
        sa.Column("starts", sa.Date(), nullable=True),
        sa.Column("ends", sa.Date(), nullable=True),
        sa.Column("added_by_state_id", sa.Integer(), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        _operation_fk("operation_task"),
        _state_fk("operation_task", "state_id"),
        _state_fk("operation_task", "added_by_state_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation_task")),
    )
    op.create_index(op.f("ix_operation_task_operation_id"), "operation_task", ["operation_id"])

    op.create_table(
        "operation_intel",
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("stix_id", sa.String(length=100), nullable=False),
        sa.Column("linked_by_state_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_user_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", AT, nullable=False),
        _operation_fk("operation_intel"),
        _state_fk("operation_intel", "linked_by_state_id"),
        sa.PrimaryKeyConstraint("operation_id", "stix_id", name=op.f("pk_operation_intel")),
    )

    op.create_table(
        "operation_deployment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("maps", sa.Integer(), nullable=False),
        sa.Column("records_with_troops", sa.Integer(), nullable=False),
        sa.Column("troops_peak", sa.Integer(), nullable=True),
        _operation_fk("operation_deployment"),
        _state_fk("operation_deployment", "state_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation_deployment")),
        sa.UniqueConstraint(
            "operation_id",
            "state_id",
            "year",
            name=op.f("uq_operation_deployment_operation_id_state_id_year"),
        ),
    )
    op.create_index("ix_operation_deployment_state", "operation_deployment", ["state_id", "year"])


def downgrade() -> None:
    op.drop_index("ix_operation_deployment_state", table_name="operation_deployment")
    op.drop_table("operation_deployment")
    op.drop_table("operation_intel")
    op.drop_index(op.f("ix_operation_task_operation_id"), table_name="operation_task")
    op.drop_table("operation_task")
    op.drop_index("ix_operation_state_state", table_name="operation_state")
    op.drop_table("operation_state")
    op.drop_index(op.f("ix_operation_status"), table_name="operation")
    op.drop_index(op.f("ix_operation_public"), table_name="operation")
    op.drop_index(op.f("ix_operation_agreement_id"), table_name="operation")
    op.drop_table("operation")
