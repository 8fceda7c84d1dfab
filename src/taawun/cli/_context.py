"""What every command needs: the node's settings, a database session, and who is asking.

Imported when a command runs (it brings in SQLAlchemy), never when the CLI starts.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from taawun.core.errors import TaawunError
from taawun.core.principal import Principal
from taawun.core.settings import Settings
from taawun.storage.engine import make_engine, make_sessionmaker
from taawun.storage.migrate import is_initialized


class NodeNotInitialized(TaawunError):
    code = "not_initialized"
    exit_code = 9


def engine(settings: Settings | None = None) -> Engine:
    settings = settings or Settings.from_env()
    built = make_engine(settings.database_url)
    if not is_initialized(built):
        built.dispose()
        raise NodeNotInitialized(
            f"no taawun node at {settings.database_url}; run `taawun init` (or `taawun demo`)"
        )
    return built


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction: committed when the command succeeds, rolled back on any error."""
    built = engine()
    try:
        with make_sessionmaker(built)() as session, session.begin():
            yield session
    finally:
        built.dispose()


def operator() -> Principal:
    """The node administrator at the shell: acts as the node itself, recorded by OS user name."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Principal.system_principal(f"cli:{name}")


def viewer(session: Session, as_user: str | None) -> Principal:
    """Queries answer as nobody in particular (public facts) unless ``--as USER`` is given."""
    if as_user is None:
        return Principal.public()
    from taawun.access import service as access

    return access.principal_for_username(session, username=as_user)
