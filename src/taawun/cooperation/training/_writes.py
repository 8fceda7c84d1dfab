"""The one shape of a training write (``changes.py``, ``seats.py``): a savepoint, the work,
a flush, the programme read back through the restricted query, and the audit entry with
before and after, naming whom the actor acted for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.cooperation.training import service
from taawun.cooperation.training.schemas import ProgrammeRead
from taawun.core.clock import Clock
from taawun.core.principal import Principal
from taawun.registry import service as registry

DOMAIN = "training"


@contextmanager
def audited(
    principal: Principal,
    session: Session,
    clock: Clock,
    *,
    action: str,
    programme_id: str,
    before: ProgrammeRead | None,
    detail: dict[str, Any],
) -> Iterator[list[ProgrammeRead]]:
    """A savepoint around the caller's work; then a flush, the programme read back through
    the restricted query, and the audit entry. The read-back is appended to the yielded
    list."""
    done: list[ProgrammeRead] = []
    with session.begin_nested():
        yield done
        session.flush()
        after = service.get_programme(principal, session, programme_id=programme_id, clock=clock)
        audit.record(
            session,
            principal=principal,
            action=action,
            target_type="training_programme",
            target_id=programme_id,
            before=None if before is None else before.model_dump(mode="json"),
            after=after.model_dump(mode="json"),
            detail=detail,
            clock=clock,
        )
        done.append(after)


def acting_for(session: Session, principal: Principal, state_id: int) -> dict[str, Any]:
    """Whom the actor acted for: its own state, or (the operator) the node."""
    if principal.system:
        return {"for_state": "node"}
    label = registry.state_labels(session, [state_id]).get(state_id, str(state_id))
    return {"for_state": label, "for_state_id": state_id}
