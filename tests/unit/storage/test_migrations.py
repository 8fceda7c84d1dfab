"""The migrations build exactly the schema the models declare, and can be undone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

import taawun.access.models
import taawun.cooperation.models
import taawun.intel.models
import taawun.registry.models
import taawun.web.ui.models
from taawun.storage.base import Base
from taawun.storage.migrate import downgrade, upgrade
from tests.conftest import new_database

# Importing a context's models registers its tables on Base.metadata: a new context adds itself.
MODELS = (
    taawun.access.models,
    taawun.registry.models,
    taawun.intel.models,
    taawun.cooperation.models,
    taawun.web.ui.models,
)


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrated_schema_equals_the_models(empty_engine: Engine) -> None:
    assert Base.metadata.tables, "no models registered: the comparison would prove nothing"
    assert _differences(empty_engine) == []


def test_downgrade_to_base_and_upgrade_again(backend: str, tmp_path: Path) -> None:
    engine = new_database(backend, "roundtrip", tmp_path)
    try:
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())

        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

        upgrade(engine)
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_upgrading_a_node_keeps_every_row_of_intel(backend: str, tmp_path: Path) -> None:
    """Migrations run on nodes that hold data. On SQLite, a revision that rebuilds a table
    (``batch_alter_table`` dropping a constraint) drops the old one, and with foreign keys on
    that deletes the rows referring to it through ON DELETE CASCADE: 0006 rebuilt
    ``intel_object``, and would have emptied every release list and recipient list."""
    from sqlalchemy import text

    engine = new_database(backend, "upgrade_rows", tmp_path)
    try:
        downgrade(engine, "0005")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO state (id, name, source) VALUES (9001, 'Testland', 'test')")
            )
            connection.execute(
                text(
                    "INSERT INTO agency (id, state_id, name, kind, created_at) "
                    "VALUES (9001, 9001, 'Test agency', 'other', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO agreement (id, title, source, source_id, status, confidential,"
                    " terms, created_at, updated_at) VALUES (9001, 'Test pact', 'taawun', 't',"
                    " 'in_force', false, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO intel_object (seq, stix_id, type, spec_version, created_us,"
                    " version_us, added_us, is_first, is_last, owner_agency_id, owner_state_id,"
                    " tlp, classification, released_to_all, revoked, label, body, release_ids)"
                    " VALUES (1, 'indicator--1', 'indicator', '2.1', 1, 1, 1, true, true, 9001,"
                    " 9001, 2, 0, false, false, 'x', :body, :ids)"
                ),
                {"body": b"{}", "ids": [9001] if backend == "postgresql" else "[9001]"},
            )
            connection.execute(
                text("INSERT INTO intel_release (object_seq, agreement_id) VALUES (1, 9001)")
            )
            connection.execute(
                text("INSERT INTO intel_recipient (object_seq, agency_id) VALUES (1, 9001)")
            )
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM intel_object")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM intel_release")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM intel_recipient")).scalar() == 1
        assert _differences(engine) == []
    finally:
        engine.dispose()
