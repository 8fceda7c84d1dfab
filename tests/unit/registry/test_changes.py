"""Recording and changing agreements and memberships: permissions, audit, no partial writes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.access.audit import verify_chain
from taawun.access.models import AuditEntry
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.principal import Principal, Role
from taawun.registry import changes, lifecycle, memberships, service
from taawun.registry.models import Agreement, AgreementDomain, AgreementParty, Membership
from taawun.registry.schemas import AgreementCreate, AgreementUpdate, MembershipCreate

from .conftest import PrincipalFor


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Agreement, AgreementDomain, AgreementParty, Membership, AuditEntry)
    )


def _draft(**overrides: object) -> AgreementCreate:
    values: dict[str, object] = {
        "title": "Pakistan–Turkey training exchange (test)",
        "parties": ["TUR", "PAK"],
        "domains": ["training", "intelligence_sharing"],
        "in_force": date(2024, 1, 1),
        "sharing_ceiling": "SECRET",
    }
    values.update(overrides)
    return AgreementCreate.model_validate(values)


def test_liaison_of_a_party_proposes_and_it_is_audited(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    """A user's agreement is proposed, not in force (tests/unit/registry/test_consent.py
    follows it to its entry into force)."""
    liaison = principal_for("PAK", role=Role.LIAISON)
    before = _counts(loaded_db)
    created = changes.record_agreement(liaison, loaded_db, data=_draft())
    assert created.parties == ["PAK", "TUR"]
    assert created.sharing_ceiling == "SECRET"
    assert created.status == "proposed"
    after = _counts(loaded_db)
    assert after[0] == before[0] + 1 and after[4] == before[4] + 1
    entry = loaded_db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.action == "registry.agreement.propose"
    assert entry.actor == liaison.username and entry.after and entry.after["title"] == created.title
    assert entry.detail and entry.detail["for_state"] == "PAK"
    assert verify_chain(loaded_db).ok


@pytest.mark.parametrize("role", [Role.ANALYST, Role.VIEWER, Role.LIAISON])
def test_non_party_or_non_liaison_cannot_record(
    loaded_db: Session, principal_for: PrincipalFor, role: Role
) -> None:
    state = "SAU" if role is Role.LIAISON else "PAK"
    before = _counts(loaded_db)
    with pytest.raises(PermissionDenied):
        changes.record_agreement(principal_for(state, role=role), loaded_db, data=_draft())
    assert _counts(loaded_db) == before


def test_bad_input_names_the_field_and_writes_nothing(loaded_db: Session) -> None:
    system = Principal.system_principal()
    before = _counts(loaded_db)
    with pytest.raises(NotFound) as unknown:
        changes.record_agreement(system, loaded_db, data=_draft(parties=["TUR", "Atlantis"]))
    assert unknown.value.field == "parties" and "Atlantis" in unknown.value.message
    with pytest.raises(InvalidInput) as twice:
        changes.record_agreement(system, loaded_db, data=_draft(parties=["TUR", "640"]))
    assert twice.value.field == "parties"
    with pytest.raises(InvalidInput) as order:
        changes.record_agreement(
            system, loaded_db, data=_draft(signed=date(2024, 6, 1), in_force=date(2024, 1, 1))
        )
    assert order.value.field == "in_force"
    changes.record_agreement(system, loaded_db, data=_draft())
    middle = _counts(loaded_db)
    with pytest.raises(Conflict) as duplicate:
        changes.record_agreement(system, loaded_db, data=_draft())
    assert duplicate.value.field == "title"
    assert _counts(loaded_db) == middle
    assert middle[0] == before[0] + 1


def test_schema_refuses_unknown_domain_and_ceiling() -> None:
    with pytest.raises(ValueError, match="friendship"):
        _draft(domains=["friendship"])
    with pytest.raises(ValueError, match="ULTRA"):
        _draft(sharing_ceiling="ULTRA")


def test_suspend_resume_terminate(loaded_db: Session, principal_for: PrincipalFor) -> None:
    liaison = principal_for("TUR", role=Role.LIAISON)
    created = changes.record_agreement(Principal.system_principal(), loaded_db, data=_draft())
    suspended = lifecycle.suspend_agreement(liaison, loaded_db, ref=created.id, on=date(2025, 3, 1))
    assert suspended.status == "suspended" and suspended.status_since == date(2025, 3, 1)
    in_2026 = service.list_agreements(
        liaison, loaded_db, parties=["TUR", "PAK"], in_force="2026-01-01"
    )
    assert created.id not in {a.id for a in in_2026.items}
    in_2024 = service.list_agreements(
        liaison, loaded_db, parties=["TUR", "PAK"], in_force="2024-06-01"
    )
    assert created.id in {a.id for a in in_2024.items}
    with pytest.raises(Conflict):
        lifecycle.suspend_agreement(liaison, loaded_db, ref=created.id)
    resumed = lifecycle.resume_agreement(liaison, loaded_db, ref=created.id, on=date(2025, 6, 1))
    assert resumed.agreement.status == "in_force"  # Turkey suspended it: its own consent
    ended = lifecycle.terminate_agreement(liaison, loaded_db, ref=created.id, on=date(2026, 1, 1))
    assert ended.status == "terminated" and ended.ended == date(2026, 1, 1)
    with pytest.raises(Conflict):
        lifecycle.resume_agreement(liaison, loaded_db, ref=created.id)
    actions = loaded_db.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.target_id == str(created.id))
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == [
        "registry.agreement.record",
        "registry.agreement.suspend",
        "registry.agreement.resume",
        "registry.agreement.terminate",
    ]


def test_outsider_cannot_change_a_public_agreement(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    with pytest.raises(PermissionDenied):
        lifecycle.suspend_agreement(
            principal_for("SAU", role=Role.LIAISON), loaded_db, ref="ATOP 3255"
        )
    with pytest.raises(PermissionDenied, match="implementing arrangement"):
        changes.amend_agreement(
            principal_for("SAU", role=Role.ADMIN),
            loaded_db,
            ref="ATOP 3255",
            data=AgreementUpdate(domains=["consultation", "training"]),
        )
    amended = changes.amend_agreement(
        Principal.system_principal(),
        loaded_db,
        ref="ATOP 3255",
        data=AgreementUpdate(domains=["consultation", "training"]),
    )
    assert amended.agreement.domains == ["consultation", "training"]


def test_memberships(loaded_db: Session, principal_for: PrincipalFor) -> None:
    liaison = principal_for("AZE", role=Role.LIAISON)
    data = MembershipCreate(organization="GCC", state="AZE", status="observer", from_year=2024)
    created = memberships.record_membership(liaison, loaded_db, data=data)
    assert created.organization == "GCC" and created.status == "observer"
    with pytest.raises(Conflict):
        memberships.record_membership(liaison, loaded_db, data=data)
    with pytest.raises(PermissionDenied):
        memberships.record_membership(
            principal_for("TUR", role=Role.LIAISON),
            loaded_db,
            data=MembershipCreate(organization="GCC", state="AZE", from_year=2020),
        )
    observers = service.organization_members(
        Principal.public(), loaded_db, organization="GCC", when=2025, status="observer"
    )
    assert [m.state.iso3 for m in observers.members] == ["AZE"]


def test_ids_of_recorded_agreements_reveal_nothing_hidden_between_them(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    """A Saudi user who records two agreements around a confidential Turkey–Pakistan one
    must not find a gap where it is: ids are drawn at random, not counted up. (Before, the
    Saudi user found 791 and 793, and a 404 at 792.)"""
    saudi = principal_for("SAU", role=Role.LIAISON)
    turk = principal_for("TUR", role=Role.LIAISON)
    first = changes.record_agreement(
        saudi, loaded_db, data=_draft(title="SAU–ARE a", parties=["SAU", "ARE"])
    )
    hidden = changes.record_agreement(
        turk, loaded_db, data=_draft(title="TUR–PAK hidden", confidential=True)
    )
    last = changes.record_agreement(
        saudi, loaded_db, data=_draft(title="SAU–ARE b", parties=["SAU", "ARE"])
    )
    ids = [first.id, hidden.id, last.id]
    assert all(i in changes.RECORDED_IDS for i in ids)
    assert (hidden.id - first.id, last.id - hidden.id) != (1, 1)
    assert abs(last.id - first.id) != 2  # the hidden one is not "the missing id between"
    with pytest.raises(NotFound) as missing:
        service.get_agreement(saudi, loaded_db, ref=str(hidden.id))
    assert missing.value.field == "agreement"


def test_a_recorded_agreement_never_takes_an_id_in_use(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    from taawun.core.ids import SequentialIds

    liaison = principal_for("PAK", role=Role.LIAISON)
    taken = changes.record_agreement(liaison, loaded_db, data=_draft(), ids=SequentialIds())
    # The same id factory again would draw the same id first: it must pass it by.
    again = changes.record_agreement(
        liaison, loaded_db, data=_draft(title="another"), ids=SequentialIds()
    )
    assert again.id != taken.id and again.id in changes.RECORDED_IDS
