"""Collections: one per agreement the user's state is party to, plus the agency's own.

A collection's id is a UUID derived from what it stands for (``uuid5``), so it is
stable across restarts and the same on every node for the same agreement id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy.orm import Session

from taawun.core.integers import INT32_MAX, bounded_int
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.registry.policy import SHARING_DOMAIN, is_in_force_on
from taawun.registry.schemas import AgreementSummary

NAMESPACE = uuid.UUID("1b0d0f3e-6a55-4b6f-8e43-3c1d5f6a9b21")


@lru_cache(maxsize=65536)
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


def _own(agency_id: int) -> Collection:
    return Collection(
        id=agency_collection_id(agency_id),
        title="My agency's intel",
        description="Everything your agency has shared, whatever its release list.",
        alias=f"agency-{agency_id}",
        agreement_id=None,
        agency_id=agency_id,
        in_force=True,
        sharing=True,
    )


def _of_agreement(agreement: AgreementSummary, day: date) -> Collection:
    return Collection(
        id=agreement_collection_id(agreement.id),
        title=agreement.title,
        description=f"Intel released under {agreement.source} {agreement.source_id}",
        alias=f"agreement-{agreement.id}",
        agreement_id=agreement.id,
        agency_id=None,
        in_force=is_in_force_on(agreement, day),
        sharing=SHARING_DOMAIN in agreement.domains,
    )


def collections_for(principal: Principal, session: Session, day: date) -> list[Collection]:
    """The caller's collections, in a stable order: their agency's own, then agreements by id."""
    if principal.agency_id is None or principal.state_id is None:
        return []
    current = registry.current_agreements_of(principal, session, state_id=principal.state_id)
    return [_own(principal.agency_id), *(_of_agreement(a, day) for a in current)]


def collection_by_ref(
    principal: Principal, session: Session, day: date, ref: str
) -> Collection | None:
    """One of the caller's collections by id or alias (every TAXII request names one)."""
    if principal.agency_id is None or principal.state_id is None:
        return None
    if ref in (agency_collection_id(principal.agency_id), f"agency-{principal.agency_id}"):
        return _own(principal.agency_id)
    alias = (
        bounded_int(ref.removeprefix("agreement-"), maximum=INT32_MAX)
        if ref.startswith("agreement-")
        else None
    )
    current = registry.current_agreements_of(principal, session, state_id=principal.state_id)
    for agreement in current:
        if agreement.id == alias or agreement_collection_id(agreement.id) == ref:
            return _of_agreement(agreement, day)
    return None


def agreement_for_collection(principal: Principal, session: Session, ref: str) -> int | None:
    """The agreement id behind a collection id, or None when ``ref`` is not one."""
    try:
        uuid.UUID(ref)
    except ValueError:
        return None
    found = collection_by_ref(principal, session, date.max, ref)
    return None if found is None else found.agreement_id
