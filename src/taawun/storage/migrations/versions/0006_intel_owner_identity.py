"""An intel object is its owner's: identity is (owner agency, STIX id, version).

Before this revision a STIX id was unique across the node, so an agency posting an id
another agency already held was refused, and the refusal told it that the id existed even
when it could not read the object. Now each agency's objects are its own namespace: the
same id posted by another agency is another object, and no answer to a user who may not
read an object depends on its existence (THREAT_MODEL.md).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intel_object") as batch_op:
        batch_op.drop_constraint("uq_intel_object_stix_id_version_us", type_="unique")
        batch_op.create_unique_constraint(
            "uq_intel_object_owner_agency_id_stix_id_version_us",
            ["owner_agency_id", "stix_id", "version_us"],
        )


def downgrade() -> None:
    with op.batch_alter_table("intel_object") as batch_op:
        batch_op.drop_constraint(
            "uq_intel_object_owner_agency_id_stix_id_version_us", type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_intel_object_stix_id_version_us", ["stix_id", "version_us"]
        )
