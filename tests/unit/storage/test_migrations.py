"""The migrations build exactly the schema the models declare, and can be undone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

import taawun.access.models
import taawun.intel.models
import taawun.registry.models
from taawun.storage.base import Base
from taawun.storage.migrate import downgrade, upgrade
from tests.conftest import new_database

# Importing a context's models registers its tables on Base.metadata: a new context adds itself.
MODELS = (taawun.access.models, taawun.registry.models)


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
