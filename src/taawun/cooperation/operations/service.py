"""Combined operations: the questions (list, show, and the record's "who served alongside
whom").

Every function takes the ``principal`` first and returns schemas. Which operations a
principal sees is decided in SQL by ``repository`` (the activity rule: the public record for
everyone, a live operation for the parties of its agreement and the states that answered
it, everything for the node itself), so a hidden operation is absent from lists and counts
and answers ``NotFound`` exactly like a missing one. Linked intel is shown per reader
through the release policy (``intel.service.readable_summaries``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.cooperation.operations import repository
from taawun.cooperation.operations.models import Operation
from taawun.cooperation.operations.schemas import (
    LIVE_SOURCE,
    STATUSES,
    Alongside,
    AlongsidePartner,
    CoDeployment,
    ContributorRead,
    DyadDeployments,
    OperationPage,
    OperationRead,
    OperationSummary,
    ParticipantRead,
    TaskRead,
    ThreatRef,
)
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import InvalidInput, NotFound
from taawun.core.integers import INT32_MAX, bounded_int, is_ascii_digits
from taawun.core.principal import Principal
from taawun.intel import service as intel
from taawun.registry import service as registry
from taawun.registry.periods import Period
from taawun.registry.policy import spell_covers_day
from taawun.registry.schemas import StateRead, StateRef

MAX_LIMIT = 1000
COMBINED_OPERATIONS = "combined_operations"
OPEN = ("proposed", "active")
RECORD_NOTE = (
    "from Geo-PKO (UN peacekeeping in Africa, 1994-2018): two states count as alongside when "
    "both contributed troops to the same mission in the same year; troop numbers are those "
    "drawn on the UN's deployment maps, not official totals"
)


def today(clock: Clock | None) -> date:
    return (clock or SystemClock()).now().date()


def resolve_state(session: Session, name: str, *, field: str) -> StateRead:
    """A state by any of its names or codes (the registry's resolver), the error naming
    ``field``."""
    return registry.get_state(Principal.public(), session, name=name, field=field)


def find(
    principal: Principal,
    session: Session,
    ref: str | int,
    *,
    day: date,
    action: Action = Action.VIEW,
) -> Operation:
    """An operation by id, or by its source's id (a Geo-PKO mission, ``MONUC``); one the
    principal may not see (or, for ``Action.CHANGE``, change) answers as a missing one."""
    text = " ".join(str(ref).split())
    operation_id: int | None
    if is_ascii_digits(text):
        operation_id = bounded_int(text, maximum=INT32_MAX)
    elif text:
        operation_id = repository.operation_id_by_source_id(session, principal, day, text)
    else:
        operation_id = None
    found = (
        None
        if operation_id is None
        else repository.operation(session, principal, day, operation_id, action)
    )
    if found is None:
        raise NotFound(f"operation: no operation {ref!r}", field="operation", value=ref)
    return found


def _threat(op: Operation) -> ThreatRef | None:
    if op.threat_name is None and op.threat_value is None:
        return None
    return ThreatRef(name=op.threat_name, kind=op.threat_kind, value=op.threat_value)


def _threat_label(op: Operation) -> str | None:
    value = f"{op.threat_kind}: {op.threat_value}" if op.threat_value else None
    parts = [p for p in (op.threat_name, value) if p]
    return " / ".join(parts) or None


def current_parties(
    principal: Principal, session: Session, agreement_id: int, day: date
) -> set[int]:
    """The states that are parties of the agreement on ``day``, as ``principal`` sees it
    (nothing when it may not see the agreement: a confidential one it left)."""
    try:
        found = registry.get_agreement(principal, session, ref=agreement_id)
    except NotFound:
        return set()
    return {p.state.id for p in found.party_spells if spell_covers_day(p.entered, p.exited, day)}


def _agreement_title(
    principal: Principal, session: Session, agreement_id: int | None
) -> str | None:
    if agreement_id is None:
        return None
    try:
        return registry.get_agreement(principal, session, ref=agreement_id).title
    except NotFound:
        return None


def operation_read(
    principal: Principal, session: Session, op: Operation, *, clock: Clock | None = None
) -> OperationRead:
    """``op`` (already read through the policy) as ``principal`` may see it."""
    day = today(clock)
    answers = repository.answers_of(session, [op.id]).get(op.id, [])
    tasks = repository.tasks_of(session, op.id)
    contributors = repository.contributors_of(session, op.id)
    awaiting_ids: set[int] = set()
    if op.agreement_id is not None and op.status in OPEN:
        answered = {a.state_id for a in answers}
        awaiting_ids = current_parties(principal, session, op.agreement_id, day) - answered
    wanted: set[int] = {a.state_id for a in answers} | awaiting_ids
    wanted |= {t.state_id for t in tasks if t.state_id} | {t.added_by_state_id for t in tasks}
    wanted |= {c[0] for c in contributors}
    wanted |= {s for s in (op.lead_state_id, op.proposer_state_id) if s is not None}
    refs = registry.state_refs(session, wanted)
    linked = repository.intel_ids_of(session, op.id)
    return OperationRead(
        id=op.id,
        name=op.name,
        source=op.source,
        source_id=op.source_id,
        historical=op.source != LIVE_SOURCE,
        public=op.public,
        status=op.status,
        status_since=op.status_since,
        status_reason=op.status_reason,
        agreement_id=op.agreement_id,
        agreement_title=_agreement_title(principal, session, op.agreement_id),
        lead=refs.get(op.lead_state_id) if op.lead_state_id else None,
        proposer=refs.get(op.proposer_state_id) if op.proposer_state_id else None,
        proposer_user_id=op.proposer_user_id,
        proposer_agency_id=op.proposer_agency_id,
        threat=_threat(op),
        description=op.description,
        area=op.area,
        starts=op.starts,
        ends=op.ends,
        after_action=op.after_action,
        participants=[
            ParticipantRead(
                state=refs[a.state_id],
                response=a.response,
                lead=a.state_id == op.lead_state_id,
                decided_at=a.decided_at,
            )
            for a in answers
        ],
        awaiting=sorted(_label(refs[s]) for s in awaiting_ids),
        tasks=[
            TaskRead(
                id=t.id,
                title=t.title,
                state=refs[t.state_id] if t.state_id else None,
                starts=t.starts,
                ends=t.ends,
                added_by=refs[t.added_by_state_id],
                created_at=t.created_at,
            )
            for t in tasks
        ],
        intel=intel.readable_summaries(principal, session, stix_ids=linked, clock=clock),
        contributors=[
            ContributorRead(
                state=refs[s],
                first_year=first,
                last_year=last,
                years=years,
                records=records,
                troops_peak=peak,
            )
            for s, first, last, years, records, peak in contributors
        ],
        observed_through=op.observed_through,
        source_rows=op.source_rows,
        created_at=op.created_at,
        updated_at=op.updated_at,
    )


def _label(state: StateRef) -> str:
    return state.iso3 or state.name


def get_operation(
    principal: Principal, session: Session, *, ref: str | int, clock: Clock | None = None
) -> OperationRead:
    """One operation by id or mission name; a hidden one answers ``NotFound``."""
    found = find(principal, session, ref, day=today(clock))
    return operation_read(principal, session, found, clock=clock)


def _summaries(session: Session, ops: list[Operation]) -> list[OperationSummary]:
    answers = repository.answers_of(session, [o.id for o in ops if o.source == LIVE_SOURCE])
    record = repository.contributing_states(session, [o.id for o in ops if o.source != LIVE_SOURCE])
    states: dict[int, list[int]] = {
        o.id: [a.state_id for a in answers.get(o.id, []) if a.response == "joined"]
        + record.get(o.id, [])
        for o in ops
    }
    leads = {o.lead_state_id for o in ops if o.lead_state_id}
    labels = registry.state_labels(session, {s for v in states.values() for s in v} | leads)
    return [
        OperationSummary(
            id=o.id,
            name=o.name,
            source=o.source,
            source_id=o.source_id,
            historical=o.source != LIVE_SOURCE,
            status=o.status,
            agreement_id=o.agreement_id,
            lead=labels.get(o.lead_state_id) if o.lead_state_id else None,
            threat=_threat_label(o),
            starts=o.starts,
            ends=o.ends,
            states=sorted(labels[s] for s in states[o.id]),
        )
        for o in ops
    ]


def list_operations(
    principal: Principal,
    session: Session,
    *,
    status: str | None = None,
    historical: bool | None = None,
    state: str | None = None,
    agreement: str | None = None,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
    clock: Clock | None = None,
) -> OperationPage:
    """The operations the principal may see, newest first; ``total`` counts them all (the
    same restricted query). ``state``: those it joined, led or contributed to."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: must be between 1 and {MAX_LIMIT}", field="limit", value=limit)
    if offset < 0:
        raise InvalidInput("offset: must not be negative", field="offset", value=offset)
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            f"status: unknown status {status!r}; expected one of {', '.join(STATUSES)}",
            field="status",
            value=status,
            candidates=list(STATUSES),
        )
    day = today(clock)
    state_id = resolve_state(session, state, field="state").id if state else None
    agreement_id = (
        registry.get_agreement(principal, session, ref=agreement).id if agreement else None
    )
    stmt = repository.filtered(
        repository.visible(principal, day),
        status=status,
        historical=historical,
        source=LIVE_SOURCE,
        state_id=state_id,
        agreement_id=agreement_id,
        text=" ".join(text.split()) if text else None,
    )
    rows = repository.page(session, stmt, limit=limit, offset=offset)
    return OperationPage(
        items=_summaries(session, rows),
        total=repository.count(session, stmt),
        limit=limit,
        offset=offset,
    )


# --- who served alongside whom (the historical record) -----------------------------------


def _year(year: int | None) -> int | None:
    if year is not None:
        Period.year(year)  # refuses a year out of range, naming the field
    return year


def alongside(
    principal: Principal,
    session: Session,
    *,
    state: str,
    year: int | None = None,
    clock: Clock | None = None,
) -> Alongside:
    """The states that served in the same missions in the same years as ``state``, by how
    many mission-years they shared, in the operations the principal may see."""
    me = resolve_state(session, state, field="state")
    day = today(clock)
    rows = repository.alongside(session, principal, day, me.id, year=_year(year))
    shared: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for partner, _, mission, y in rows:
        shared[partner].add((mission, y))
    refs = registry.state_refs(session, shared)
    partners = [
        AlongsidePartner(
            state=refs[s],
            mission_years=len(pairs),
            missions=sorted({m for m, _ in pairs}),
            first_year=min(y for _, y in pairs),
            last_year=max(y for _, y in pairs),
        )
        for s, pairs in shared.items()
    ]
    partners.sort(key=lambda p: (-p.mission_years, p.state.name))
    return Alongside(
        state=StateRef.model_validate(me.model_dump()),
        missions=repository.missions_of(session, principal, day, me.id, year=year),
        partners=partners,
        note=RECORD_NOTE,
    )


def dyad_deployments(
    principal: Principal,
    session: Session,
    *,
    a: str,
    b: str,
    year: int | None = None,
    clock: Clock | None = None,
) -> DyadDeployments:
    """Each mission and year in which both ``a`` and ``b`` contributed."""
    state_a = resolve_state(session, a, field="state")
    state_b = resolve_state(session, b, field="with")
    if state_a.id == state_b.id:
        raise InvalidInput("with: names the same state as state", field="with", value=b)
    rows = repository.dyad(
        session, principal, today(clock), state_a.id, state_b.id, year=_year(year)
    )
    return DyadDeployments(
        a=StateRef.model_validate(state_a.model_dump()),
        b=StateRef.model_validate(state_b.model_dump()),
        entries=[
            CoDeployment(
                operation_id=r[0],
                mission=r[1],
                year=r[2],
                a_records=r[3],
                b_records=r[4],
                a_troops_peak=r[5],
                b_troops_peak=r[6],
            )
            for r in rows
        ],
        note=RECORD_NOTE,
    )


def labels(session: Session, state_ids: Iterable[int]) -> dict[int, str]:
    return registry.state_labels(session, state_ids)
