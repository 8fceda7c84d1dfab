"""Registry revision: one row that triggers change whenever agreements, their parties or
their domains change, so that what is derived from them (sharing grants) can be cached.

The new revision is random, not a counter: a database restored from a backup, or a test
database created again under the same name, never reuses a revision a cache has seen.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("agreement", "agreement_party", "agreement_domain")
EVENTS = ("INSERT", "UPDATE", "DELETE")
# A random 63-bit integer on each backend.
SQLITE_RANDOM = "abs(random())"
POSTGRES_RANDOM = "floor(random() * 9007199254740991)::bigint"


def upgrade() -> None:
    op.create_table(
        "registry_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_revision")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"INSERT INTO registry_revision (id, revision) VALUES (1, {POSTGRES_RANDOM})")
        op.execute(
            "CREATE FUNCTION bump_registry_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN UPDATE registry_revision SET revision = {POSTGRES_RANDOM} WHERE id = 1; "
            "RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_registry_revision()"
            )
    else:
        op.execute(f"INSERT INTO registry_revision (id, revision) VALUES (1, {SQLITE_RANDOM})")
        for table in TABLES:
            for event in EVENTS:
                op.execute(
                    f"CREATE TRIGGER {table}_revision_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN UPDATE registry_revision SET revision = {SQLITE_RANDOM} "
                    "WHERE id = 1; END"
                )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_revision ON {table}")
        op.execute("DROP FUNCTION bump_registry_revision()")
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER {table}_revision_{event.lower()}")
    op.drop_table("registry_revision")
