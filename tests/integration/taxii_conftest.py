"""A live TAXII node for the ``test_taxii*`` modules: a fresh database per module and
backend (migrated, real data imported), agencies and users made through the access
service with real tokens, and Turkey–Pakistan agreements recorded through the
registry's changes. Saudi Arabia's agency is party to none of them.

The application runs on a ``FixedClock`` the tests can advance (status retention).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from taawun.core.clock import FixedClock
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel.collections import agency_collection_id, agreement_collection_id
from taawun.registry import changes
from taawun.registry.importers.run import import_all
from taawun.registry.schemas import AgreementCreate
from taawun.web.app import create_app

from ..accounts import create_accounts
from ..conftest import new_database

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
ROOT = "/taxii2/root/"
PASSWORD = "taxii-password-1"
ACCOUNTS = {
    # username: (state, agency, role, clearance)
    "tr.liaison": ("TUR", "MIT", Role.LIAISON, Clearance.SECRET),
    "tr.viewer": ("TUR", "MIT", Role.VIEWER, Clearance.SECRET),
    "tr.mod": ("TUR", "MOD", Role.LIAISON, Clearance.SECRET),
    "pk.liaison": ("PAK", "ISI", Role.LIAISON, Clearance.SECRET),
    "pk.viewer": ("PAK", "ISI", Role.VIEWER, Clearance.SECRET),
    "sa.liaison": ("SAU", "GIP", Role.LIAISON, Clearance.SECRET),
}
_numbers = itertools.count(1)


def indicator(n: int | None = None, **extra: Any) -> dict[str, Any]:
    """A valid STIX 2.1 indicator; distinct ``n`` give distinct ids."""
    n = next(_numbers) if n is None else n
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"taxii test indicator {n}",
        "pattern": f"[ipv4-addr:value = '10.1.{n // 256 % 256}.{n % 256}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    obj.update(extra)
    return obj


def malware(**extra: Any) -> dict[str, Any]:
    n = next(_numbers)
    obj: dict[str, Any] = {
        "type": "malware",
        "spec_version": "2.1",
        "id": f"malware--00000000-0000-4000-9000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"taxii test malware {n}",
        "is_family": False,
    }
    obj.update(extra)
    return obj


def as_posted(stored: list[dict[str, Any]], posted: list[dict[str, Any]]) -> bool:
    """Whether ``stored`` are the ``posted`` objects, in order; the node may add the markings it
    applied (``object_marking_refs``, its extension) but changes nothing that was sent."""
    return len(stored) == len(posted) and all(
        {k: s.get(k) for k in p} == p for s, p in zip(stored, posted, strict=True)
    )


@dataclass
class Taxii:
    """The node, its users' tokens, and the collections the tests use."""

    client: TestClient
    engine: Engine
    clock: FixedClock
    tokens: dict[str, str]
    agencies: dict[str, int]
    agreements: dict[str, int]
    statuses: list[str] = field(default_factory=list)

    def headers(self, user: str | None, **extra: str) -> dict[str, str]:
        out = {"Accept": TAXII}
        if user is not None:
            out["Authorization"] = f"Bearer {self.tokens[user]}"
        out.update(extra)
        return out

    def own(self, user: str) -> str:
        """The collection of ``user``'s agency."""
        state, agency, _, _ = ACCOUNTS[user]
        return agency_collection_id(self.agencies[f"{state}-{agency}"])

    def shared(self, name: str = "sharing") -> str:
        """An agreement's collection: ``sharing``, ``suspendable`` or ``training``."""
        return agreement_collection_id(self.agreements[name])

    def get(self, user: str | None, path: str, params: Any = None, **extra: str) -> httpx.Response:
        return self.client.get(path, params=params, headers=self.headers(user, **extra))

    def post(self, user: str, collection: str, objects: list[dict[str, Any]]) -> httpx.Response:
        return self.client.post(
            f"{ROOT}collections/{collection}/objects/",
            json={"objects": objects},
            headers=self.headers(user, **{"Content-Type": TAXII}),
        )

    def share(self, user: str, collection: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
        """POST and insist that every object was stored."""
        response = self.post(user, collection, objects)
        assert response.status_code == 202, response.text
        status: dict[str, Any] = response.json()
        assert status["success_count"] == len(objects), status
        return status

    def objects(self, user: str, collection: str, params: Any = None) -> httpx.Response:
        return self.get(user, f"{ROOT}collections/{collection}/objects/", params)

    def manifest(self, user: str, collection: str, params: Any = None) -> httpx.Response:
        return self.get(user, f"{ROOT}collections/{collection}/manifest/", params)


def _agreement(session: Session, title: str, domains: list[str], clock: FixedClock) -> int:
    data = AgreementCreate(
        title=title,
        parties=["TUR", "PAK"],
        domains=domains,
        in_force=date(2024, 1, 1),
        sharing_ceiling=Clearance.SECRET,
    )
    return changes.record_agreement(
        Principal.system_principal("test"), session, data=data, clock=clock
    ).id


def taxii_node(
    backend: str, tmp_path_factory: pytest.TempPathFactory, label: str
) -> Iterator[Taxii]:
    engine: Engine = new_database(backend, label, tmp_path_factory.mktemp(f"{backend}-{label}"))
    clock = FixedClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    with Session(engine) as session:
        import_all(session)
        agencies, tokens = create_accounts(
            session, ACCOUNTS, password=PASSWORD, clock=clock, token_name="taxii"
        )
        agreements = {
            "sharing": _agreement(
                session,
                "Turkey–Pakistan intelligence sharing (TAXII)",
                ["intelligence_sharing"],
                clock,
            ),
            "suspendable": _agreement(
                session,
                "Turkey–Pakistan intelligence sharing (to suspend)",
                ["intelligence_sharing"],
                clock,
            ),
            "training": _agreement(
                session, "Turkey–Pakistan training (TAXII)", ["training"], clock
            ),
        }
        session.commit()
    with TestClient(create_app(engine=engine, clock=clock)) as client:
        yield Taxii(client, engine, clock, tokens, agencies, agreements)
    engine.dispose()
