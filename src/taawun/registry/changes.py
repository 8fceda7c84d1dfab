"""Registry changes: record, amend, suspend, resume and terminate agreements; memberships.

Each use case runs in a savepoint (a rejected request leaves the database as it
was), appends an audit entry with before and after, and re-reads the result
through the restricted query, as NetBox does after a write.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.access.restrict import Action
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.principal import Principal
from taawun.registry import repository
from taawun.registry.models import Agreement, AgreementDomain, AgreementParty, Membership
from taawun.registry.policy import AGREEMENTS
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import (
    AgreementCreate,
    AgreementRead,
    AgreementUpdate,
    MembershipCreate,
    MembershipRead,
    MembershipUpdate,
)
from taawun.registry.service import (
    _membership_read,
    agreement_read,
    find_agreement,
    resolve_organization,
)

USER_SOURCE = "taawun"


def _audit_state(session: Session, agreement: Agreement) -> dict[str, Any]:
    return agreement_read(session, agreement).model_dump(mode="json")


def record_agreement(
    principal: Principal,
    session: Session,
    *,
    data: AgreementCreate,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
) -> AgreementRead:
    """Record a new agreement; admins, or liaisons of one of its parties."""
    clock = clock or SystemClock()
    now = clock.now()
    states = [resolve_state(session, p, field="parties") for p in data.parties]
    state_ids = [s.id for s in states]
    if len(set(state_ids)) != len(state_ids):
        raise InvalidInput("parties: a state is named twice", field="parties", value=data.parties)
    if not AGREEMENTS.may_create(principal, set(state_ids)):
        raise PermissionDenied(
            "only an admin or a liaison of a party state may record an agreement", field="parties"
        )
    if data.in_force and data.signed and data.in_force < data.signed:
        raise InvalidInput(
            "in_force: the agreement cannot enter into force before it is signed",
            field="in_force",
            value=data.in_force,
        )
    status = data.status or ("in_force" if data.in_force else "proposed")
    if status == "in_force" and data.in_force is None:
        raise InvalidInput(
            "in_force: an agreement in force needs its in-force date", field="in_force"
        )
    org = resolve_organization(session, data.organization) if data.organization else None
    if repository.duplicate_exists(
        session, principal, title=data.title, signed=data.signed, party_ids=state_ids
    ):
        raise Conflict(
            f"title: an agreement {data.title!r} between these parties, signed on the same day,"
            " already exists",
            field="title",
            value=data.title,
        )
    ids = ids or RandomIds()
    with session.begin_nested():
        agreement = Agreement(
            id=_new_agreement_id(session, ids),
            title=data.title,
            source=USER_SOURCE,
            source_id=str(ids.uuid()),
            signed=data.signed,
            in_force=data.in_force,
            status=status,
            status_since=data.in_force or data.signed or now.date(),
            confidential=data.confidential,
            sharing_ceiling=None if data.sharing_ceiling is None else int(data.sharing_ceiling),
            organization_id=org.id if org else None,
            terms=data.terms,
            citation=data.citation,
            created_at=now,
            updated_at=now,
        )
        agreement.domains = [AgreementDomain(domain=d, terms={}) for d in data.domains]
        agreement.parties = [
            AgreementParty(state_id=s.id, phase=0, entered=data.in_force or data.signed)
            for s in states
        ]
        session.add(agreement)
        session.flush()
        created = find_agreement(principal, session, agreement.id)
        after = _audit_state(session, created)
        audit.record(
            session,
            principal=principal,
            action="registry.agreement.record",
            target_type="agreement",
            target_id=created.id,
            after=after,
            clock=clock,
        )
    return AgreementRead.model_validate(after)


# Ids of agreements recorded on the node are drawn at random from this range (imported ones
# are numbered from 1 as they are loaded, far below it): consecutive ids would tell a user
# who records one that an agreement they may not see was recorded just before (a gap),
# where a random id says nothing about its neighbours.
RECORDED_IDS = range(1_000_000, 2**31 - 1)


def _new_agreement_id(session: Session, ids: IdFactory) -> int:
    while True:  # a collision is a chance of about one in two thousand million per agreement
        candidate = RECORDED_IDS.start + ids.uuid().int % len(RECORDED_IDS)
        if not repository.agreement_id_taken(session, candidate):
            return candidate


def amend_agreement(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    data: AgreementUpdate,
    clock: Clock | None = None,
) -> AgreementRead:
    clock = clock or SystemClock()
    agreement = find_agreement(principal, session, ref, Action.CHANGE)
    before = _audit_state(session, agreement)
    changes = data.model_dump(exclude_unset=True)
    with session.begin_nested():
        for field in ("title", "signed", "in_force", "confidential", "terms", "citation"):
            if field in changes:
                setattr(agreement, field, changes[field])
        if "sharing_ceiling" in changes:
            ceiling = changes["sharing_ceiling"]
            agreement.sharing_ceiling = None if ceiling is None else int(ceiling)
        if data.domains is not None:
            kept = {d.domain: d for d in agreement.domains}
            agreement.domains = [
                kept.get(d) or AgreementDomain(domain=d, terms={}) for d in data.domains
            ]
        if agreement.in_force and agreement.signed and agreement.in_force < agreement.signed:
            raise InvalidInput(
                "in_force: the agreement cannot enter into force before it is signed",
                field="in_force",
                value=agreement.in_force,
            )
        agreement.updated_at = clock.now()
        session.flush()
        after = _audit_state(session, find_agreement(principal, session, agreement.id))
        audit.record(
            session,
            principal=principal,
            action="registry.agreement.amend",
            target_type="agreement",
            target_id=agreement.id,
            before=before,
            after=after,
            clock=clock,
        )
    return AgreementRead.model_validate(after)


_TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "suspend": ({"in_force"}, "suspended"),
    "resume": ({"suspended"}, "in_force"),
    "terminate": ({"proposed", "in_force", "suspended"}, "terminated"),
}


def _transition(
    principal: Principal,
    session: Session,
    *,
    verb: str,
    ref: str | int,
    on: date | None,
    clock: Clock | None,
) -> AgreementRead:
    clock = clock or SystemClock()
    allowed, target = _TRANSITIONS[verb]
    agreement = find_agreement(principal, session, ref, Action.CHANGE)
    if agreement.status not in allowed:
        raise Conflict(
            f"status: cannot {verb} agreement {agreement.id}: it is {agreement.status}",
            field="status",
            value=agreement.status,
        )
    day = on or clock.now().date()
    if agreement.in_force and day < agreement.in_force and verb != "terminate":
        raise InvalidInput(
            f"on: {day} is before the agreement entered into force", field="on", value=day
        )
    before = _audit_state(session, agreement)
    with session.begin_nested():
        if verb == "resume" and agreement.in_force is None:
            agreement.in_force = day
        agreement.status = target
        agreement.status_since = day
        if verb == "terminate":
            agreement.ended = day
        agreement.updated_at = clock.now()
        session.flush()
        after = _audit_state(session, find_agreement(principal, session, agreement.id))
        audit.record(
            session,
            principal=principal,
            action=f"registry.agreement.{verb}",
            target_type="agreement",
            target_id=agreement.id,
            before=before,
            after=after,
            clock=clock,
        )
    return AgreementRead.model_validate(after)


def suspend_agreement(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    on: date | None = None,
    clock: Clock | None = None,
) -> AgreementRead:
    """Suspend an agreement in force: access it grants ends at once."""
    return _transition(principal, session, verb="suspend", ref=ref, on=on, clock=clock)


def resume_agreement(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    on: date | None = None,
    clock: Clock | None = None,
) -> AgreementRead:
    return _transition(principal, session, verb="resume", ref=ref, on=on, clock=clock)


def terminate_agreement(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    on: date | None = None,
    clock: Clock | None = None,
) -> AgreementRead:
    return _transition(principal, session, verb="terminate", ref=ref, on=on, clock=clock)


def record_membership(
    principal: Principal,
    session: Session,
    *,
    data: MembershipCreate,
    clock: Clock | None = None,
) -> MembershipRead:
    """Record a state's membership of an organization; admins, or liaisons of that state."""
    org = resolve_organization(session, data.organization)
    state = resolve_state(session, data.state)
    if not AGREEMENTS.may_change_membership(principal, state.id):
        raise PermissionDenied(
            "only an admin or a liaison of that state may record its memberships",
            field="state",
            value=data.state,
        )
    if data.to_year is not None and data.to_year < data.from_year:
        raise InvalidInput(
            "to_year: a membership cannot end before it begins", field="to_year", value=data.to_year
        )
    if repository.find_membership(
        session,
        organization_id=org.id,
        state_id=state.id,
        status=data.status,
        from_year=data.from_year,
    ):
        raise Conflict(
            f"{state.name} already has a {data.status} membership of {org.key} "
            f"from {data.from_year}",
            field="from_year",
            value=data.from_year,
        )
    with session.begin_nested():
        membership = Membership(
            organization_id=org.id,
            state_id=state.id,
            status=data.status,
            from_year=data.from_year,
            to_year=data.to_year,
            observed_through=None,
            source=data.source,
        )
        session.add(membership)
        session.flush()
        session.refresh(membership)
        read = _membership_read(membership, None)
        audit.record(
            session,
            principal=principal,
            action="registry.membership.record",
            target_type="membership",
            target_id=membership.id,
            after=read.model_dump(mode="json"),
            clock=clock,
        )
    return read


def amend_membership(
    principal: Principal,
    session: Session,
    *,
    membership_id: int,
    data: MembershipUpdate,
    clock: Clock | None = None,
) -> MembershipRead:
    membership = repository.membership_by_id(session, membership_id)
    if membership is None:
        raise NotFound(
            f"membership: no membership {membership_id}", field="membership", value=membership_id
        )
    if not AGREEMENTS.may_change_membership(principal, membership.state_id):
        raise PermissionDenied(
            "only an admin or a liaison of that state may change its memberships",
            field="membership",
            value=membership_id,
        )
    before = _membership_read(membership, None).model_dump(mode="json")
    changes = data.model_dump(exclude_unset=True)
    with session.begin_nested():
        if "status" in changes and changes["status"] is not None:
            membership.status = changes["status"]
        if "to_year" in changes:
            if changes["to_year"] is not None and changes["to_year"] < membership.from_year:
                raise InvalidInput(
                    "to_year: a membership cannot end before it begins",
                    field="to_year",
                    value=changes["to_year"],
                )
            membership.to_year = changes["to_year"]
        session.flush()
        read = _membership_read(membership, None)
        audit.record(
            session,
            principal=principal,
            action="registry.membership.amend",
            target_type="membership",
            target_id=membership.id,
            before=before,
            after=read.model_dump(mode="json"),
            clock=clock,
        )
    return read
