"""The one shape of a registry write, for ``changes.py``, ``lifecycle.py`` and
``decisions.py``: a savepoint, the work, a flush, the result read back through the restricted
query, and the audit entry with before and after (``audited``, and ``changing`` for a change
of an agreement); and what the entries say of whom an actor acted for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.core.clock import Clock
from taawun.core.principal import Principal
from taawun.registry import repository
from taawun.registry.models import Agreement
from taawun.registry.schemas import AgreementRead, ProposalRead
from taawun.registry.service import agreement_read, find_agreement, get_proposal

S = TypeVar("S", bound=BaseModel)


@dataclass
class Written(Generic[S]):
    """What an audited write read back (``value``), what its entry adds (``detail``), and
    the id of its target when the write itself makes it (``target_id``)."""

    detail: dict[str, Any] = field(default_factory=dict)
    value: S | None = None
    target_id: object = None

    @property
    def result(self) -> S:
        assert self.value is not None, "read only after the write"
        return self.value


@contextmanager
def audited(
    principal: Principal,
    session: Session,
    clock: Clock,
    *,
    action: str,
    target: tuple[str, object],
    reread: Callable[[], S],
    before: BaseModel | None = None,
) -> Iterator[Written[S]]:
    """The one shape of a write: a savepoint; the caller's work in it; a flush; the result
    read back through the restricted query (``reread``); the audit entry with before and
    after. A refusal anywhere in the block leaves nothing behind, its entry included."""
    written: Written[S] = Written()
    with session.begin_nested():
        yield written
        session.flush()
        written.value = reread()
        audit.record(
            session,
            principal=principal,
            action=action,
            target_type=target[0],
            target_id=target[1] if written.target_id is None else written.target_id,
            before=None if before is None else before.model_dump(mode="json"),
            after=written.value.model_dump(mode="json"),
            detail=written.detail or None,
            clock=clock,
        )


def changing(
    principal: Principal,
    session: Session,
    clock: Clock,
    agreement: Agreement,
    verb: str,
    *,
    before: AgreementRead | None = None,
) -> AbstractContextManager[Written[AgreementRead]]:
    """``audited`` for a change of ``agreement`` (action ``registry.agreement.<verb>``), its
    state before read now unless given, and after re-read through the policy."""
    return audited(
        principal,
        session,
        clock,
        action=f"registry.agreement.{verb}",
        target=("agreement", agreement.id),
        reread=agreement_reader(principal, session, agreement.id),
        before=before or agreement_read(session, agreement, principal=principal),
    )


def acting_for(session: Session, state_id: int | None) -> dict[str, Any]:
    """The audit detail naming whom an actor acted for: a state, or the node itself."""
    if state_id is None:
        return {"for_state": "node"}
    state = repository.state_by_id(session, state_id)
    name = str(state_id) if state is None else (state.iso3 or state.name)
    return {"for_state": name, "for_state_id": state_id}


def agreement_reader(
    principal: Principal, session: Session, agreement_id: int
) -> Callable[[], AgreementRead]:
    def read() -> AgreementRead:
        found = find_agreement(principal, session, agreement_id)
        return agreement_read(session, found, principal=principal)

    return read


def proposal_reader(
    principal: Principal, session: Session, proposal_id: str
) -> Callable[[], ProposalRead]:
    return lambda: get_proposal(principal, session, proposal_id=proposal_id)


def reference(agreement: Agreement) -> str:
    if agreement.source.startswith("ATOP"):
        return f"ATOP {agreement.source_id}"
    return f"{agreement.source}:{agreement.source_id}"
