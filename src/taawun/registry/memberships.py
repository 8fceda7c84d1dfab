"""Registry changes: states' memberships of organizations.

Recorded and amended by an admin or a liaison of the member state (``policy.AGREEMENTS``),
each in a savepoint with its audit entry, read back as it is stored (``_writes.audited``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.principal import Principal
from taawun.registry import repository
from taawun.registry._writes import audited
from taawun.registry.models import Membership
from taawun.registry.policy import AGREEMENTS
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import MembershipCreate, MembershipRead, MembershipUpdate
from taawun.registry.service import _membership_read, resolve_organization


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
    membership = Membership(
        organization_id=org.id,
        state_id=state.id,
        status=data.status,
        from_year=data.from_year,
        to_year=data.to_year,
        observed_through=None,
        source=data.source,
    )

    def reread() -> MembershipRead:
        session.refresh(membership)
        return _membership_read(membership, None)

    with audited(
        principal,
        session,
        clock or SystemClock(),
        action="registry.membership.record",
        target=("membership", None),
        reread=reread,
    ) as recorded:
        session.add(membership)
        session.flush()
        recorded.target_id = membership.id
    return recorded.result


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
    changes = data.model_dump(exclude_unset=True)
    if changes.get("to_year") is not None and changes["to_year"] < membership.from_year:
        raise InvalidInput(
            "to_year: a membership cannot end before it begins",
            field="to_year",
            value=changes["to_year"],
        )
    with audited(
        principal,
        session,
        clock or SystemClock(),
        action="registry.membership.amend",
        target=("membership", membership.id),
        reread=lambda: _membership_read(membership, None),
        before=_membership_read(membership, None),
    ) as amended:
        if changes.get("status") is not None:
            membership.status = changes["status"]
        if "to_year" in changes:
            membership.to_year = changes["to_year"]
    return amended.result
