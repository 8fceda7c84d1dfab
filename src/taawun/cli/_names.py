"""Names for the numeric ids that answers carry, so that a person reads who and what.

A state is its ISO3 (its name when it has none); an agency its name and its state
(``Inter-Services Intelligence (ISI), PAK``); an agreement its id, source reference and
parties (``791 curated smda-2025 (PAK, SAU)``). Each looks up only what the principal may
see: an agreement it may not see is printed as the bare id.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from taawun.core.errors import NotFound
from taawun.core.principal import Principal


def states(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """ISO3 (or the name) by state id. States are public facts, read by every principal."""
    from taawun.registry import service

    return service.state_labels(session, ids)


def agencies(principal: Principal, session: Session) -> dict[int, str]:
    """``name, ISO3`` of every agency, by id (every principal sees the node's agencies)."""
    from taawun.access import service as access

    found = access.list_agencies(principal, session)
    where = states(session, {a.state_id for a in found})
    return {a.id: f"{a.name}, {where.get(a.state_id, a.state_id)}" for a in found}


def agreement(principal: Principal, session: Session, agreement_id: int) -> str:
    """``791 curated smda-2025 (PAK, SAU)``; the bare id when the principal may not see it."""
    from taawun.registry import service

    try:
        found = service.get_agreement(principal, session, ref=agreement_id)
    except NotFound:
        return str(agreement_id)
    return f"{found.id} {found.source} {found.source_id} ({', '.join(found.parties)})"
