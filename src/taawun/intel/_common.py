"""What intel's use cases share: who may act, audited refusals, audited reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NoReturn

from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.core.clock import Clock
from taawun.core.errors import NotFound, PermissionDenied
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel import repository
from taawun.intel.times import format_us

WRITERS = frozenset({Role.ADMIN, Role.LIAISON, Role.ANALYST})


def require_member(principal: Principal) -> None:
    if principal.agency_id is None or principal.state_id is None:
        raise PermissionDenied("intel is shared by and with agencies: act as a user of one")


def require_writer(principal: Principal) -> None:
    require_member(principal)
    if principal.role not in WRITERS:
        raise PermissionDenied(f"a {principal.role.value} may not share intel")


def audit_reads(
    principal: Principal,
    session: Session,
    day: date,
    rows: Sequence[tuple[int, str, int, int, int]],
    *,
    clock: Clock,
    how: str,
) -> None:
    """One entry for the CONFIDENTIAL-and-above rows just read, with the agreement that allowed
    each (``own state`` and ``released to all`` name themselves)."""
    sensitive = [r for r in rows if r[3] >= int(Clearance.CONFIDENTIAL)]
    if not sensitive:
        return
    granted = repository.granting_agreements(session, principal, day, [r[0] for r in sensitive])
    reads = [
        {
            "id": stix_id,
            "version": format_us(version_us),
            "basis": f"agreement:{granted[seq]}"
            if seq in granted
            else ("own state" if owner_state == principal.state_id else "released to all"),
        }
        for seq, stix_id, version_us, _, owner_state in sensitive
    ]
    audit.record_soon(
        session,
        wait=True,  # classified material is answered only once its reading is recorded
        principal=principal,
        action="intel.read",
        target_type="intel",
        detail={"via": how, "objects": reads},
        clock=clock,
        clearance=max(r[3] for r in sensitive),  # the entry names what was read
    )


def refused(principal: Principal, session: Session, stix_id: str, clock: Clock) -> NoReturn:
    """Record the refusal and answer 404, as for an id that does not exist."""
    record_refusal(principal, session, stix_id, clock)
    raise NotFound(f"id: no object {stix_id!r}", field="id", value=stix_id)


def record_refusal(principal: Principal, session: Session, stix_id: str, clock: Clock) -> None:
    """Record a refused read (an id that is missing or hidden: the entry does not say
    which), without waiting for it to be written: a refused read stays a read, and must
    neither wait for the write lock nor fail on it."""
    audit.record_soon(
        session,
        wait=False,
        principal=principal,
        action="intel.read_refused",
        target_type="intel",
        target_id=stix_id[:80],
        clock=clock,
    )
