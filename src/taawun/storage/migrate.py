"""Schema changes only through Alembic: these helpers run the package's migrations.

Alembic is imported when a migration runs, not with this module: asking whether a node is
initialized is part of every CLI command's start (``cli/_context.py``), and Alembic's
import alone took about 0.1 s of it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def is_initialized(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version")
