"""A node holding a chosen subset of the real MISP warninglists, loaded once per backend by
the importer's own ``write`` (the full load is ``tests/integration/
test_common_values_import.py``'s): private and special-use networks, IPv6 public resolvers,
AWS ranges, the Tranco top 10,000, Google's domains, the LOTS zones, the malware-analysis
hosts, role mailboxes (a regex), disposable mail domains (substrings) and empty-file hashes.
Each test borrows it in a transaction rolled back afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from taawun.cooperation.importers.warninglists import read_lists, write
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry.importers.report import SourceReport
from tests.conftest import _rolled_back, new_database

SUBSET = (
    "rfc1918",
    "rfc5735",
    "public-dns-v6",
    "amazon-aws",
    "tranco10k",
    "google",
    "lots-project",
    "automated-malware-analysis",
    "common-contact-emails",
    "disposable-email",
    "empty-hashes",
)


def load(session: Session, keys: tuple[str, ...] = SUBSET) -> SourceReport:
    plan = read_lists(keys=keys)
    report = SourceReport("misp-warninglists", plan.rows, "test")
    write(plan, session, report, lambda done: None)
    return report


@pytest.fixture(scope="session")
def lists_engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    tmp: Path = tmp_path_factory.mktemp(f"{backend}-common")
    engine = new_database(backend, "common", tmp)
    with Session(engine) as session:
        load(session)
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def ldb(lists_engine: Engine) -> Iterator[Session]:
    """A session on the subset-loaded node; rolled back after the test."""
    yield from _rolled_back(lists_engine)


def principal(role: Role, *, system: bool = False) -> Principal:
    if system:
        return Principal.system_principal("cli:operator")
    return Principal(
        user_id=None,
        username=f"tr.{role.value}",
        agency_id=None,
        state_id=None,
        role=role,
        clearance=Clearance.SECRET,
    )
