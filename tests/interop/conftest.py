"""A live taawun node for the interop suite: the real application served by uvicorn on a
loopback port, over a fresh database per module and backend (migrated, real data
imported), so the third-party clients (taxii2-client, stix2's TAXII data store,
stix2-validator) talk to it over real HTTP exactly as they would in the field.

Accounts: two users of Turkey's MIT (a liaison, who may share, and a viewer, who may
only read), Pakistan's ISI and Saudi Arabia's GIP, made through ``taawun.access.service``;
one Turkey–Pakistan agreement covering ``intelligence_sharing`` up to SECRET, in force
since 2024-01-01, recorded through ``taawun.registry.changes``. Saudi Arabia is party
to nothing.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
import requests
import stix2
import uvicorn
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import ApiRoot, Collection, Server

from taawun.access import passwords
from taawun.core.clock import SystemClock
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel.collections import agency_collection_id, agreement_collection_id
from taawun.registry import changes
from taawun.registry.importers.run import import_all
from taawun.registry.schemas import AgreementCreate
from taawun.web.app import create_app

from ..accounts import create_accounts
from ..conftest import new_database

PASSWORD = "interop-password-1"
AGREEMENT_TITLE = "Turkey–Pakistan intelligence sharing (interop)"
OWNER, VIEWER, PARTNER, OUTSIDER = "tr.liaison", "tr.viewer", "pk.liaison", "sa.liaison"
ACCOUNTS = {
    # username: (state, agency, role, clearance)
    OWNER: ("TUR", "MIT", Role.LIAISON, Clearance.SECRET),
    VIEWER: ("TUR", "MIT", Role.VIEWER, Clearance.SECRET),
    PARTNER: ("PAK", "ISI", Role.LIAISON, Clearance.SECRET),
    OUTSIDER: ("SAU", "GIP", Role.LIAISON, Clearance.SECRET),
}
STARTUP_SECONDS = 10.0
TAXII = "application/taxii+json;version=2.1"
VALIDATION = ValidationOptions(version="2.1")


@dataclass(frozen=True)
class LiveNode:
    """A running node: its base URL, its users' tokens and the collections the tests use."""

    base_url: str
    tokens: dict[str, str]
    agencies: dict[str, int]
    agreement_id: int

    @property
    def discovery_url(self) -> str:
        return f"{self.base_url}/taxii2/"

    @property
    def api_root_url(self) -> str:
        return f"{self.base_url}/taxii2/root/"

    def server(self, user: str) -> Server:
        """taxii2-client's entry point, with HTTP Basic credentials."""
        return Server(self.discovery_url, user=user, password=PASSWORD)

    def api_root(self, user: str) -> ApiRoot:
        """The API root as the client finds it from discovery."""
        roots = self.server(user).api_roots
        assert len(roots) == 1, [r.url for r in roots]
        return roots[0]

    def agreement_collection_id(self) -> str:
        return agreement_collection_id(self.agreement_id)

    def own_collection_id(self, user: str) -> str:
        state, agency, _, _ = ACCOUNTS[user]
        return agency_collection_id(self.agencies[f"{state}-{agency}"])

    def collection(
        self, user: str, collection_id: str, *, bearer: bool = False, claim: bool = False
    ) -> Collection:
        """A collection addressed directly by URL (not found through the API root).

        With ``claim`` the client is told it may read and write, without asking the node, as
        a client that ignores ``can_read``/``can_write`` would: the node must refuse by itself.
        """
        url = f"{self.api_root_url}collections/{collection_id}/"
        info = (
            {"id": collection_id, "title": "claimed", "can_read": True, "can_write": True}
            if claim
            else None
        )
        if bearer:
            return Collection(url, auth=BearerAuth(self.tokens[user]), collection_info=info)
        return Collection(url, user=user, password=PASSWORD, collection_info=info)


class BearerAuth(requests.auth.AuthBase):
    """A Bearer token for clients that take a ``requests`` auth object."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


# STIX content, built with the stix2 library -------------------------------------------------
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def stix_id(kind: str, key: str) -> str:
    """A repeatable id for ``key``: a UUIDv4 in form, as STIX 2.1 asks of SDOs and SROs."""
    return f"{kind}--{uuid.UUID(bytes=uuid.uuid5(uuid.NAMESPACE_URL, key).bytes, version=4)}"


def indicator(n: int, label: str) -> stix2.v21.Indicator:
    """A distinct indicator (its id is derived from ``label`` and ``n``)."""
    return stix2.v21.Indicator(
        id=stix_id("indicator", f"{label}/{n}"),
        created=CREATED,
        modified=CREATED,
        name=f"{label} indicator {n}",
        pattern=f"[ipv4-addr:value = '198.51.{n // 256 % 256}.{n % 256}']",
        pattern_type="stix",
        valid_from=CREATED,
        indicator_types=["malicious-activity"],
    )


def malware(label: str) -> stix2.v21.Malware:
    return stix2.v21.Malware(
        id=stix_id("malware", f"{label}/malware"),
        created=CREATED,
        modified=CREATED,
        name=f"{label} implant",
        is_family=True,
        malware_types=["remote-access-trojan"],
    )


def relationship(source: Any, target: Any) -> stix2.v21.Relationship:
    return stix2.v21.Relationship(
        source_ref=source.id,
        relationship_type="indicates",
        target_ref=target.id,
        created=CREATED,
        modified=CREATED,
    )


def as_dict(obj: Any) -> dict[str, Any]:
    """A stix2 object as the JSON dict it serializes to."""
    data: dict[str, Any] = json.loads(obj.serialize())
    return data


def envelope(*objects: Any) -> dict[str, Any]:
    """A TAXII 2.1 envelope (§3.7.1) of stix2 objects."""
    return {"objects": [as_dict(o) for o in objects]}


def invalid_reports(objects: list[dict[str, Any]]) -> list[str]:
    """stix2-validator's errors for every object that is not valid STIX 2.1 (none: [])."""
    out: list[str] = []
    for obj in objects:
        result = validate_instance(obj, VALIDATION)
        if not result.is_valid:
            out += [str(e) for e in result.errors]
    return out


# The node -----------------------------------------------------------------------------------
def _populate(engine: Engine) -> tuple[dict[str, str], dict[str, int], int]:
    clock = SystemClock()
    root = Principal.system_principal("interop")
    with Session(engine) as session:
        import_all(session)
        agencies, tokens = create_accounts(
            session, ACCOUNTS, password=PASSWORD, clock=clock, token_name="interop"
        )
        agreement = AgreementCreate(
            title=AGREEMENT_TITLE,
            parties=["TUR", "PAK"],
            domains=["intelligence_sharing"],
            in_force=date(2024, 1, 1),
            sharing_ceiling=Clearance.SECRET,
        )
        agreement_id = changes.record_agreement(root, session, data=agreement, clock=clock).id
        session.commit()
    return tokens, agencies, agreement_id


@pytest.fixture(scope="module")
def node(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[LiveNode]:
    """The application under uvicorn on a free loopback port, stopped after the module."""
    label = "interop_" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    engine = new_database(backend, label, tmp_path_factory.mktemp(f"{backend}-{label}"))
    # HTTP Basic verifies a password on every request: hash with argon2's cheapest profile,
    # as the suite-wide ``cheap_password_hashing`` does for function-scoped tests.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_HASHER", PasswordHasher.from_parameters(CHEAPEST))
        tokens, agencies, agreement_id = _populate(engine)
        config = uvicorn.Config(
            create_app(engine=engine), host="127.0.0.1", port=0, log_level="warning"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=f"uvicorn-{label}", daemon=True)
        thread.start()
        try:
            base_url = _wait_until_up(server, thread)
            yield LiveNode(base_url, tokens, agencies, agreement_id)
        finally:
            server.should_exit = True
            thread.join(timeout=STARTUP_SECONDS)
            engine.dispose()
    assert not thread.is_alive(), "uvicorn did not stop"


def _wait_until_up(server: uvicorn.Server, thread: threading.Thread) -> str:
    """The base URL, once the node answers ``/health`` (at most ``STARTUP_SECONDS``)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("uvicorn exited during startup")
        if server.started:
            port = server.servers[0].sockets[0].getsockname()[1]
            base_url = f"http://127.0.0.1:{port}"
            try:
                if requests.get(f"{base_url}/health", timeout=1).status_code == 200:
                    return base_url
            except requests.ConnectionError:
                pass
        time.sleep(0.02)
    raise RuntimeError(f"the node did not answer /health within {STARTUP_SECONDS} s")
