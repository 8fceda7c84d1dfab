"""Test databases: every storage test runs on SQLite and on PostgreSQL.

Each backend gets two databases built by the Alembic migrations: ``empty``
(schema only) and ``loaded`` (the real datasets imported once per run). A test
borrows one inside a transaction that is rolled back afterwards, so tests never
see each other's writes. ``TAAWUN_TEST_BACKENDS=sqlite`` limits a local run to
SQLite; CI runs both, and an unreachable PostgreSQL fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from taawun.core.clock import FixedClock
from taawun.storage.engine import make_engine
from taawun.storage.migrate import upgrade

# No test's CLI run hands its query to a warm process or starts one (cli/warm.py): a test
# of the warm start turns it on for itself.
os.environ["TAAWUN_WARM"] = "0"

BACKENDS = [
    b.strip() for b in os.environ.get("TAAWUN_TEST_BACKENDS", "sqlite,postgresql").split(",")
]
PG_ADMIN_URL = os.environ.get(
    "TAAWUN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


_PG_CREATED: list[str] = []  # dropped when the run ends


def _pg_admin(*statements: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


def _pg_database(name: str) -> str:
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    _PG_CREATED.append(name)
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop this run's PostgreSQL databases (their names carry the process id)."""
    if _PG_CREATED:
        _pg_admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in _PG_CREATED))


def _worker() -> str:
    """A name of this test process: two runs at once (a developer's and a helper's, or
    xdist workers) must not drop each other's databases."""
    return os.environ.get("PYTEST_XDIST_WORKER", f"p{os.getpid()}")


def new_database(backend: str, label: str, tmp: Path) -> Engine:
    """A fresh database of ``backend`` migrated to head."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp / f'{label}.db'}")
    else:
        engine = make_engine(_pg_database(f"taawun_test_{label}_{_worker()}"))
    upgrade(engine)
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def empty_engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = new_database(backend, "empty", tmp_path_factory.mktemp(f"{backend}-empty"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def loaded_engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    from taawun.registry.importers.run import import_all

    engine = new_database(backend, "loaded", tmp_path_factory.mktemp(f"{backend}-loaded"))
    with Session(engine) as session:
        import_all(session)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def record_engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The registry and the cooperation record (MME exercises, Geo-PKO deployments, SIPRI
    transfers, the warninglists), as ``taawun import`` loads them: for analytics."""
    from taawun.cooperation.importers.run import import_all as import_record
    from taawun.registry.importers.run import import_all

    engine = new_database(backend, "record", tmp_path_factory.mktemp(f"{backend}-record"))
    with Session(engine) as session:
        import_all(session)
        import_record(session)
    yield engine
    engine.dispose()


def _rolled_back(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def db(empty_engine: Engine) -> Iterator[Session]:
    """A session on an empty, migrated database; everything is rolled back after the test."""
    yield from _rolled_back(empty_engine)


@pytest.fixture
def loaded_db(loaded_engine: Engine) -> Iterator[Session]:
    """A session on a database holding the real datasets; rolled back after the test."""
    yield from _rolled_back(loaded_engine)


@pytest.fixture
def record_db(record_engine: Engine) -> Iterator[Session]:
    """A session on a database holding the registry and the cooperation record; rolled
    back after the test."""
    yield from _rolled_back(record_engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2's production cost (~0.1 s a hash) would dominate the suite; tests that are about
    the hashing itself are marked ``real_argon2`` and keep it."""
    if request.node.get_closest_marker("real_argon2"):
        return
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from taawun.access import passwords

    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher.from_parameters(CHEAPEST))
