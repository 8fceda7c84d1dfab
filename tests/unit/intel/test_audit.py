"""Intel in the audit log: writes, reads of CONFIDENTIAL and above with the agreement that
allowed them, and refused reads."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.access.audit import verify_chain
from taawun.access.models import AuditEntry
from taawun.core.errors import NotFound
from taawun.core.principal import Clearance
from taawun.intel import changes, service
from taawun.intel.markings import MarkingDefaults

from .conftest import World, indicator


def _entries(session: Session, action: str) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    return list(session.scalars(stmt))


def test_share_is_audited_with_every_stored_version(loaded_db: Session, world: World) -> None:
    mit = world.user("TUR-MIT")
    changes.share(
        mit,
        loaded_db,
        objects=[indicator(20), indicator(21, pattern="[")],
        defaults=MarkingDefaults(),
        clock=world.clock,
    )
    (entry,) = _entries(loaded_db, "intel.share")
    assert entry.actor == mit.username and entry.actor_agency_id == mit.agency_id
    assert entry.after == {"stored": [f"{indicator(20)['id']}@2026-01-01T00:00:00.000000Z"]}
    assert entry.detail == {"failed": [indicator(21)["id"]]}
    assert verify_chain(loaded_db).ok


def test_confidential_reads_name_the_agreement_that_allowed_them(
    loaded_db: Session, world: World
) -> None:
    release = (str(world.agreement_id),)
    changes.share(
        world.user("TUR-MIT"),
        loaded_db,
        objects=[indicator(22)],
        defaults=MarkingDefaults(classification=Clearance.CONFIDENTIAL, release_to=release),
        clock=world.clock,
    )
    changes.share(
        world.user("TUR-MIT"),
        loaded_db,
        objects=[indicator(23)],
        defaults=MarkingDefaults(classification=Clearance.UNCLASSIFIED, release_to=release),
        clock=world.clock,
    )
    isi = world.user("PAK-ISI")
    page = service.list_intel(isi, loaded_db, clock=world.clock)
    assert {i.id for i in page.items} == {indicator(22)["id"], indicator(23)["id"]}
    (read,) = _entries(loaded_db, "intel.read")
    assert read.actor == isi.username
    assert read.detail is not None
    objects = read.detail["objects"]
    assert [o["id"] for o in objects] == [indicator(22)["id"]]  # only CONFIDENTIAL and above
    assert objects[0]["basis"] == f"agreement:{world.agreement_id}"
    service.show(world.user("TUR-MOD"), loaded_db, stix_id=indicator(22)["id"], clock=world.clock)
    own = _entries(loaded_db, "intel.read")[-1]
    assert own.detail is not None and own.detail["objects"][0]["basis"] == "own state"


def test_refused_read_is_audited_and_reveals_nothing(loaded_db: Session, world: World) -> None:
    changes.share(
        world.user("TUR-MIT"),
        loaded_db,
        objects=[indicator(24)],
        defaults=MarkingDefaults(),
        clock=world.clock,
    )
    saudi = world.user("SAU-GIP")
    with pytest.raises(NotFound) as hidden:
        service.show(saudi, loaded_db, stix_id=indicator(24)["id"], clock=world.clock)
    with pytest.raises(NotFound) as missing:
        service.show(saudi, loaded_db, stix_id=indicator(99)["id"], clock=world.clock)
    assert hidden.value.message.replace(indicator(24)["id"], "X") == missing.value.message.replace(
        indicator(99)["id"], "X"
    )
    refused = _entries(loaded_db, "intel.read_refused")
    assert [e.target_id for e in refused] == [indicator(24)["id"], indicator(99)["id"]]
    assert all(e.actor == saudi.username for e in refused)
    assert verify_chain(loaded_db).ok
