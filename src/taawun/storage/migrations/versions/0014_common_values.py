"""Cooperation: the common-value index (MISP warninglists and the node's own entries).

``common_list`` holds each loaded warninglist and what a hit on it means; its entries go
to ``common_exact`` (whole values), ``common_host`` (host names with their subdomains),
``common_network`` (networks, as fixed-width hex network addresses and prefix lengths)
and ``common_pattern`` (substrings and regular expressions). ``common_entry`` holds the
entries an admin makes (common, or allowed over the lists); their match rows live in the
same three tables, pointing at the entry instead of a list, found through partial indexes
(the lists' half a million rows need no such index).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ONE_SOURCE = "(list_id IS NULL) <> (entry_id IS NULL)"
FROM_ENTRY = sa.text("entry_id IS NOT NULL")


def _sources(table: str) -> list[Any]:
    return [
        sa.Column("list_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["common_list.id"],
            name=op.f(f"fk_{table}_list_id_common_list"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["common_entry.id"],
            name=op.f(f"fk_{table}_entry_id_common_entry"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(ONE_SOURCE, name=op.f(f"ck_{table}_one_source")),
    ]


def _entry_index(table: str) -> None:
    op.create_index(
        f"ix_{table}_entry_id",
        table,
        ["entry_id"],
        unique=False,
        sqlite_where=FROM_ENTRY,
        postgresql_where=FROM_ENTRY,
    )


def upgrade() -> None:
    op.create_table(
        "common_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("match", sa.String(length=12), nullable=False),
        sa.Column("effect", sa.String(length=8), nullable=False),
        sa.Column("namespace", sa.Boolean(), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("loaded", sa.Integer(), nullable=False),
        sa.Column("merged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_common_list")),
        sa.UniqueConstraint("key", name=op.f("uq_common_list_key")),
    )
    op.create_table(
        "common_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.Column("effect", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_common_entry")),
    )
    op.create_index("uq_common_entry_key", "common_entry", ["scope", "kind", "value"], unique=True)

    op.create_table(
        "common_exact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=512), nullable=False),
        *_sources("common_exact"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_common_exact")),
    )
    op.create_index("ix_common_exact_kind_value", "common_exact", ["kind", "value"], unique=False)
    _entry_index("common_exact")

    op.create_table(
        "common_host",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        *_sources("common_host"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_common_host")),
    )
    op.create_index("ix_common_host_host", "common_host", ["host"], unique=False)
    _entry_index("common_host")

    op.create_table(
        "common_network",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family", sa.SmallInteger(), nullable=False),
        sa.Column("prefix", sa.SmallInteger(), nullable=False),
        sa.Column("network", sa.String(length=32), nullable=False),
        *_sources("common_network"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_common_network")),
    )
    op.create_index(
        "ix_common_network_family_network", "common_network", ["family", "network"], unique=False
    )
    _entry_index("common_network")

    op.create_table(
        "common_pattern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("match", sa.String(length=12), nullable=False),
        sa.Column("pattern", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["common_list.id"],
            name=op.f("fk_common_pattern_list_id_common_list"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_common_pattern")),
    )
    op.create_index("ix_common_pattern_kind", "common_pattern", ["kind"], unique=False)


def downgrade() -> None:
    op.drop_table("common_pattern")
    op.drop_table("common_network")
    op.drop_table("common_host")
    op.drop_table("common_exact")
    op.drop_index("uq_common_entry_key", table_name="common_entry")
    op.drop_table("common_entry")
    op.drop_table("common_list")
