"""An intel object is its owner's: identity is (owner agency, STIX id, version).

Before this revision a STIX id was unique across the node, so an agency posting an id
another agency already held was refused, and the refusal told it that the id existed even
when it could not read the object. Now each agency's objects are its own namespace: the
same id posted by another agency is another object, and no answer to a user who may not
read an object depends on its existence (THREAT_MODEL.md).

On SQLite the constraint is changed by rebuilding ``intel_object`` (Alembic's batch mode),
and dropping the old table deletes, through ON DELETE CASCADE, the rows that refer to it:
the release lists and the TLP:RED recipients. They are kept aside and put back
(``_keeping_children``); ``tests/unit/storage/test_migrations.py`` upgrades a node holding
intel and counts them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Callable

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


CHILDREN = ("intel_release", "intel_recipient")  # rows referring to intel_object (CASCADE)


def _keeping_children(rebuild: Callable[[], None]) -> None:
    """Run ``rebuild`` of ``intel_object``; on SQLite, keep the rows that refer to it aside
    meanwhile and put them back (the objects keep their ``seq``)."""
    if op.get_bind().dialect.name != "sqlite":
        rebuild()
        return
    for child in CHILDREN:
        op.execute(f"CREATE TEMP TABLE kept_{child} AS SELECT * FROM {child}")
    rebuild()
    for child in CHILDREN:
        op.execute(f"INSERT OR IGNORE INTO {child} SELECT * FROM kept_{child}")
        op.execute(f"DROP TABLE kept_{child}")


def _unique(drop: str, create: str, columns: list[str]) -> None:
    with op.batch_alter_table("intel_object") as batch_op:
        batch_op.drop_constraint(drop, type_="unique")
        batch_op.create_unique_constraint(create, columns)


def upgrade() -> None:
    _keeping_children(
        lambda: _unique(
            "uq_intel_object_stix_id_version_us",
            "uq_intel_object_owner_agency_id_stix_id_version_us",
            ["owner_agency_id", "stix_id", "version_us"],
        )
    )


def downgrade() -> None:
    _keeping_children(
        lambda: _unique(
            "uq_intel_object_owner_agency_id_stix_id_version_us",
            "uq_intel_object_stix_id_version_us",
            ["stix_id", "version_us"],
        )
    )
