"""A live node for integration tests: a real database (per backend) loaded with the real data,
accounts for agencies of real states, and the FastAPI app over it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from taawun.core.clock import SystemClock
from taawun.core.principal import Clearance, Role
from taawun.registry.importers.run import import_all
from taawun.web.app import create_app

from ..accounts import create_accounts
from ..conftest import new_database

PASSWORD = "integration-password-1"
ACCOUNTS = {
    # username: (state, agency, role, clearance)
    "tr.admin": ("TUR", "MIT", Role.ADMIN, Clearance.TOP_SECRET),
    "tr.liaison": ("TUR", "MIT", Role.LIAISON, Clearance.SECRET),
    "pk.liaison": ("PAK", "ISI", Role.LIAISON, Clearance.SECRET),
    "sa.liaison": ("SAU", "GIP", Role.LIAISON, Clearance.SECRET),
    "sa.viewer": ("SAU", "GIP", Role.VIEWER, Clearance.UNCLASSIFIED),
}


@dataclass
class Node:
    engine: Engine
    client: TestClient
    tokens: dict[str, str]

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


@pytest.fixture(scope="module")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    engine = new_database(backend, "api", tmp_path_factory.mktemp(f"{backend}-api"))
    clock = SystemClock()
    with Session(engine) as session:
        import_all(session)
        _, tokens = create_accounts(
            session, ACCOUNTS, password=PASSWORD, clock=clock, qualified_names=False
        )
        session.commit()
    with TestClient(create_app(engine=engine)) as client:
        yield Node(engine=engine, client=client, tokens=tokens)
    engine.dispose()


# The browser tests' fixtures (a node served on 127.0.0.1, chromium, a fresh tab, the
# screenshot folders), for every test_ui_browser*.py module; imported last, since they use
# the accounts above.
from .ui_browser_helpers import app, browser, screenshot_folders, served, tab  # noqa: E402, F401
