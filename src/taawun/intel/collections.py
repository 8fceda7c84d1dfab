"""Collections: one per agreement the user's state is party to, plus the agency's own.

A collection's id is a UUID derived from what it stands for (``uuid5``), so it is
stable across restarts and the same on every node for the same agreement id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from taawun.core.principal import Principal
from taawun.registry import service as registry

NAMESPACE = uuid.UUID("1b0d0f3e-6a55-4b6f-8e43-3c1d5f6a9b21")


def agreement_collection_id(agreement_id: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"agreement:{agreement_id}"))


def agency_collection_id(agency_id: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"agency:{agency_id}"))


@dataclass(frozen=True, slots=True)
class Collection:
    id: str
    title: str
    description: str
    alias: str
    agreement_id: int | None
    agency_id: int | None
    in_force: bool
    sharing: bool


def collections_for(principal: Principal, session: Session, day: date) -> list[Collection]:
    """The caller's collections, in a stable order: their agency's own, then agreements by id."""
    if principal.agency_id is None or principal.state_id is None:
        return []
    out = [
        Collection(
            id=agency_collection_id(principal.agency_id),
            title="My agency's intel",
            description="Everything your agency has shared, whatever its release list.",
            alias=f"agency-{principal.agency_id}",
            agreement_id=None,
            agency_id=principal.agency_id,
            in_force=True,
            sharing=True,
        )
    ]
    for agreement in registry.current_agreements_of(
        principal, session, state_id=principal.state_id
    ):
        in_force = (
            agreement.status == "in_force"
            and agreement.in_force is not None
            and agreement.in_force <= day
            and (agreement.ended is None or agreement.ended >= day)
        )
        out.append(
            Collection(
                id=agreement_collection_id(agreement.id),
                title=agreement.title,
                description=f"Intel released under {agreement.source} {agreement.source_id}",
                alias=f"agreement-{agreement.id}",
                agreement_id=agreement.id,
                agency_id=None,
                in_force=in_force,
                sharing="intelligence_sharing" in agreement.domains,
            )
        )
    return out


def agreement_for_collection(principal: Principal, session: Session, ref: str) -> int | None:
    """The agreement id behind a collection id, or None when ``ref`` is not one."""
    try:
        uuid.UUID(ref)
    except ValueError:
        return None
    for collection in collections_for(principal, session, date.max):
        if collection.id == ref and collection.agreement_id is not None:
            return collection.agreement_id
    return None
