"""Who reads which audit entries: the permission matrix of ``access.policy.AuditPolicy``.

Before, any admin read the whole log: Saudi Arabia's admin saw the title, parties and
ceiling of a confidential Turkey–Pakistan agreement, Turkey's object ids and Pakistan's
reads with their basis. Now an admin reads the entries about their own agency (what its
users did, what was done to it and them) whose content their clearance covers; the node
operator reads all; a hidden entry is absent from lists and counts alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.access import service as access
from taawun.access.models import User
from taawun.access.schemas import UserCreate
from taawun.core.clock import FixedClock
from taawun.core.errors import PermissionDenied
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel import changes as intel
from taawun.intel import service as intel_read
from taawun.intel.markings import MarkingDefaults
from taawun.registry import changes as registry
from taawun.registry import decisions
from taawun.registry.schemas import AgreementCreate

from ..accounts import create_accounts

ACCOUNTS = {
    "tr.admin": ("TUR", "MIT", Role.ADMIN, Clearance.SECRET),
    "tr.liaison": ("TUR", "MIT", Role.LIAISON, Clearance.SECRET),
    "tr.low": ("TUR", "MIT", Role.ADMIN, Clearance.RESTRICTED),
    "pk.admin": ("PAK", "ISI", Role.ADMIN, Clearance.SECRET),
    "pk.low": ("PAK", "ISI", Role.ADMIN, Clearance.RESTRICTED),
    "pk.liaison": ("PAK", "ISI", Role.LIAISON, Clearance.SECRET),
    "pk.analyst": ("PAK", "ISI", Role.ANALYST, Clearance.TOP_SECRET),
    "sa.admin": ("SAU", "GIP", Role.ADMIN, Clearance.TOP_SECRET),
}
TITLE = "Turkey–Pakistan intelligence arrangement (confidential, audit test)"
SECRET_ID = "indicator--00000000-0000-4000-8000-00000000a0d1"
OPERATOR = Principal.system_principal("cli:operator")


@pytest.fixture
def world(loaded_db: Session) -> dict[str, Principal]:
    clock = FixedClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    create_accounts(loaded_db, ACCOUNTS, password="audit-policy-pw-1", clock=clock)
    who = {name: access.principal_for_username(loaded_db, username=name) for name in ACCOUNTS}
    proposed = registry.propose_agreement(
        who["tr.liaison"],
        loaded_db,
        data=AgreementCreate(
            title=TITLE,
            parties=["TUR", "PAK"],
            domains=["intelligence_sharing"],
            in_force=date(2024, 1, 1),
            sharing_ceiling=Clearance.SECRET,
            confidential=True,
        ),
        clock=clock,
    )
    agreement = proposed.agreement
    assert proposed.proposal is not None
    decisions.accept_proposal(
        who["pk.liaison"], loaded_db, proposal_id=proposed.proposal.id, clock=clock
    )
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": SECRET_ID,
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": "audit policy indicator",
        "pattern": "[ipv4-addr:value = '192.0.2.77']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    report = intel.share(
        who["tr.liaison"],
        loaded_db,
        objects=[obj],
        defaults=MarkingDefaults(release_to=(str(agreement.id),), classification=Clearance.SECRET),
        clock=clock,
    )
    assert report.stored == 1, report
    intel_read.show(who["pk.liaison"], loaded_db, stix_id=SECRET_ID, clock=clock)  # audited
    # The node operator creates an account for Saudi Arabia's agency: about that agency.
    gip = loaded_db.scalars(select(User.agency_id).where(User.username == "sa.admin")).one()
    access.create_user(
        OPERATOR,
        loaded_db,
        data=UserCreate(
            username="sa.new",
            agency_id=gip,
            role=Role.VIEWER,
            clearance=Clearance.UNCLASSIFIED,
            password="audit-policy-pw-2",
        ),
        clock=clock,
    )
    return who


def _log(session: Session, principal: Principal) -> list[str]:
    entries = access.list_audit(principal, session, limit=1000)
    return [f"{e.action} {e.actor} {e.target_id} {e.before} {e.after} {e.detail}" for e in entries]


def test_another_states_admin_reads_nothing_of_the_partnership(
    loaded_db: Session, world: dict[str, Principal]
) -> None:
    text = "\n".join(_log(loaded_db, world["sa.admin"]))
    for secret in (TITLE, SECRET_ID, "tr.liaison", "pk.liaison", "intel.read", "agreement"):
        assert secret not in text
    assert "access.user.create" in text and "sa.new" in text  # about its own agency
    # The count agrees with the list: nothing hidden is counted.
    report = access.verify_audit(world["sa.admin"], loaded_db)
    assert report.ok and report.entries == len(_log(loaded_db, world["sa.admin"]))
    everything = access.verify_audit(OPERATOR, loaded_db)
    assert everything.entries > report.entries


def test_an_admin_reads_what_their_agency_did_and_not_what_its_partner_did(
    loaded_db: Session, world: dict[str, Principal]
) -> None:
    turkish = "\n".join(_log(loaded_db, world["tr.admin"]))
    assert "registry.agreement.propose tr.liaison" in turkish
    assert "registry.proposal.accept" not in turkish  # Pakistan's acceptance is Pakistan's
    assert "intel.share tr.liaison" in turkish
    assert "intel.read" not in turkish  # Pakistan's read of Turkey's object is Pakistan's
    pakistani = "\n".join(_log(loaded_db, world["pk.admin"]))
    assert "intel.read pk.liaison" in pakistani and SECRET_ID in pakistani
    assert "intel.share" not in pakistani and "registry.agreement.propose" not in pakistani
    assert "registry.proposal.accept pk.liaison" in pakistani


def test_an_admin_does_not_read_entries_above_their_clearance(
    loaded_db: Session, world: dict[str, Principal]
) -> None:
    low = "\n".join(_log(loaded_db, world["pk.low"]))
    assert SECRET_ID not in low and "intel.read" not in low
    assert "access.user.create" in low  # their agency's accounts, UNCLASSIFIED
    sharer = "\n".join(_log(loaded_db, world["tr.low"]))  # their agency shared it
    assert SECRET_ID not in sharer and "intel.share" not in sharer
    assert "registry.agreement.propose tr.liaison" in sharer


@pytest.mark.parametrize("who", ["tr.liaison", "pk.analyst"])
def test_only_admins_and_the_operator_read_the_log(
    loaded_db: Session, world: dict[str, Principal], who: str
) -> None:
    with pytest.raises(PermissionDenied):
        access.list_audit(world[who], loaded_db, limit=10)


def test_the_operator_reads_everything(loaded_db: Session, world: dict[str, Principal]) -> None:
    text = "\n".join(_log(loaded_db, OPERATOR))
    assert TITLE in text and "intel.read pk.liaison" in text and "sa.new" in text


def test_an_admin_learns_of_a_broken_chain_but_not_where_they_may_not_read(
    loaded_db: Session, world: dict[str, Principal]
) -> None:
    from taawun.access.models import AuditEntry

    read = loaded_db.scalars(select(AuditEntry).where(AuditEntry.action == "intel.read")).one()
    read.note = "edited after the fact"
    loaded_db.flush()
    saudi = access.verify_audit(world["sa.admin"], loaded_db)
    assert not saudi.ok
    assert [p.seq for p in saudi.problems] == [None]  # no number of an entry it may not read
    pakistani = access.verify_audit(world["pk.admin"], loaded_db)
    assert read.seq in [p.seq for p in pakistani.problems]
