"""Shared threats: values and named threats seen in intel of two or more states.

A **shared threat of an agreement** is a value (or threat name) seen in intel owned by at
least two different party states of that agreement, each while it was a party and the
agreement was in force: an occurrence counts when its version was shared on the node
(``date_added``) within its owner state's party spell and the agreement's in-force dates.
An agreement that is not in force today has none (its answer says so).

A **shared threat of a dyad** (states A and B) is a value seen in intel of both, under any
agreement or none: the reader can only read B's intel under some agreement anyway. **Mine**:
seen in intel of the reader's state and of at least one other state.

In every question the reader sees a shared threat only if it may read evidence of it from
two states (mine and another, for "mine"), and every count comes only from what it may read:
the release policy's statement (``intel.service.readable_objects``) is joined inside the
one query that counts (``repository.shared``); nothing is fetched to be filtered later.
Common values (warninglists, exclusions, or held by more than ``common_cap()`` agencies)
are never shared threats; ``seen.where_seen`` shows them, flagged.

"New since a date": a shared threat that fewer than two of the states had seen (in what the
reader may read) before that day.
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.cooperation.threats import kinds, reference, repository
from taawun.cooperation.threats.normalize import entity
from taawun.cooperation.threats.repository import Question, Window
from taawun.cooperation.threats.schemas import (
    Reference,
    ReferenceActor,
    SharedThreat,
    SharedThreatPage,
    StateSeen,
)
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import InvalidInput, PermissionDenied
from taawun.core.principal import Clearance, Principal
from taawun.intel import service as intel
from taawun.intel.times import from_us, to_us
from taawun.registry import service as registry
from taawun.registry.periods import parse_date
from taawun.registry.policy import is_in_force_on
from taawun.registry.schemas import AgreementRead

DEFAULT_COMMON_CAP = 50
CAP_VARIABLE = "TAAWUN_THREATS_COMMON_CAP"
MAX_LIMIT = 1000


def common_cap() -> int:
    """How many distinct owner agencies may hold a value before it counts as common: 50, or
    ``TAAWUN_THREATS_COMMON_CAP``. A value past it is on everyone's desk (a popular site, a
    scanner), and correlating it would tie every report to every other (MISP's
    ``correlation_limit`` for the same reason). Counted in agencies, not objects: one
    agency reporting one campaign a thousand times does not make its server common."""
    text = os.environ.get(CAP_VARIABLE, "").strip()
    if not text:
        return DEFAULT_COMMON_CAP
    if not text.isdigit() or int(text) < 2:
        raise InvalidInput(
            f"{CAP_VARIABLE}: a whole number of agencies, at least 2", field=CAP_VARIABLE
        )
    return int(text)


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: must be between 1 and {MAX_LIMIT}", field="limit", value=limit)
    if offset < 0:
        raise InvalidInput("offset: must not be negative", field="offset", value=offset)


def _since(since: str | date | None) -> date | None:
    if since is None or since == "":
        return None
    return since if isinstance(since, date) else parse_date(since, field="since")


def _day_us(day: date) -> int:
    return to_us(datetime.combine(day, time.min, tzinfo=UTC))


def _require_member(principal: Principal) -> None:
    if principal.agency_id is None or principal.state_id is None:
        raise PermissionDenied("shared threats are read from intel: act as a user of an agency")


def readable(principal: Principal, session: Session, clock: Clock) -> Select[Any]:
    """The reader's readable intel objects (the release policy's statement), for a query
    here to join to; a principal of no agency is refused first."""
    _require_member(principal)
    return intel.readable_objects(principal, session, clock=clock)


def _page(
    principal: Principal,
    session: Session,
    question: Question,
    *,
    limit: int,
    offset: int,
    clock: Clock,
) -> tuple[list[SharedThreat], int]:
    allowed = readable(principal, session, clock)
    rows = repository.shared(session, allowed, question, limit=limit, offset=offset)
    _audit(principal, session, question, rows, clock)
    ids = [r.value_id for r in rows]
    per_state = repository.seen_by_state(session, allowed, question, ids)
    labels = state_labels(session, {s for _, s, _, _, _ in per_state} | set(question.states))
    seen: dict[int, list[StateSeen]] = defaultdict(list)
    for vid, state, n, first, last in per_state:
        seen[vid].append(
            StateSeen(
                state=labels.get(state, str(state)),
                state_id=state,
                objects=n,
                first_seen=from_us(first),
                last_seen=from_us(last),
            )
        )
    items = [
        SharedThreat(
            kind=r.kind,
            value=r.value,
            states=r.states,
            objects=r.objects,
            first_seen=from_us(r.first_us),
            last_seen=from_us(r.last_us),
            seen_by=sorted(seen[r.value_id], key=lambda s: (-s.objects, s.state)),
        )
        for r in rows
    ]
    return items, (rows[0].total if rows else 0)


def _audit(
    principal: Principal, session: Session, question: Question, rows: list[Any], clock: Clock
) -> None:
    """A page whose evidence holds CONFIDENTIAL or higher is answered only once its reading is
    recorded, as intel's reads are: the values shown (what was read of those objects), the
    states asked about, and the highest classification behind them."""
    highest = max((int(r.highest) for r in rows), default=0)
    if highest < int(Clearance.CONFIDENTIAL):
        return
    audit.record_soon(
        session,
        wait=True,
        principal=principal,
        action="threats.read",
        target_type="states",
        target_id=",".join(str(s) for s in question.states),
        detail={
            "values": [
                f"{r.kind}:{r.value}" for r in rows if r.highest >= int(Clearance.CONFIDENTIAL)
            ]
        },
        clock=clock,
        clearance=highest,
    )


def state_labels(session: Session, state_ids: set[int]) -> dict[int, str]:
    """ISO3 of states (public facts, alike for every reader)."""
    return registry.state_labels(session, state_ids) if state_ids else {}


def _notes(cap: int, since: date | None) -> list[str]:
    notes = [
        "counts are of intel you may read: evidence you may not read is neither shown nor counted",
        f"common values (warninglists, exclusions, or held by more than {cap} agencies) are "
        "left out",
    ]
    if since is not None:
        notes.append(f"new since {since.isoformat()}: fewer than two states had seen it before")
    return notes


def agreement_threats(
    principal: Principal,
    session: Session,
    *,
    agreement: str | int,
    since: str | date | None = None,
    limit: int = 50,
    offset: int = 0,
    with_reference: bool = True,
    clock: Clock | None = None,
) -> SharedThreatPage:
    """The shared threats of an agreement the principal may see (``NotFound`` otherwise)."""
    _check_page(limit, offset)
    clock = clock or SystemClock()
    today = clock.now().date()
    found = registry.get_agreement(principal, session, ref=agreement)
    first = _since(since)
    cap = common_cap()
    parties = sorted({p.state.id for p in found.party_spells})
    labels = state_labels(session, set(parties))
    base = SharedThreatPage(
        question="agreement",
        agreement_id=found.id,
        agreement=found.title,
        states=[labels[s] for s in parties],
        since=first,
        items=[],
        total=0,
        limit=limit,
        offset=offset,
        notes=_notes(cap, first),
    )
    ref = reference.targeting(principal, session, parties) if with_reference else None
    if not is_in_force_on(found, today):
        notes = [
            f"agreement {found.id} is not in force today ({found.status}): "
            "it has no shared threats",
            *base.notes,
        ]
        return base.model_copy(update={"notes": notes, "reference": ref})
    windows = tuple(
        Window(
            state_id=p.state.id,
            from_us=_day_us(max(d for d in (found.in_force, p.entered) if d is not None)),
            to_us=None if p.exited is None else _day_us(p.exited + timedelta(days=1)) - 1,
        )
        for p in found.party_spells
        if p.exited is None or p.exited >= (found.in_force or date.min)
    )
    question = Question(
        windows=windows, cap=cap, since_us=None if first is None else _day_us(first)
    )
    items, total = _page(principal, session, question, limit=limit, offset=offset, clock=clock)
    if ref is not None:
        shared = {t.value for t in items if t.kind == kinds.ENTITY}
        ref = ref.model_copy(
            update={
                "actors": [
                    a.model_copy(update={"shared": a.shared or _named(a, shared)})
                    for a in ref.actors
                ]
            }
        )
    notes = [
        f"evidence counts from the day the agreement entered into force "
        f"({found.in_force}), within each party's membership",
        *base.notes,
    ]
    return base.model_copy(
        update={"items": items, "total": total, "reference": ref, "notes": notes}
    )


def _named(actor: ReferenceActor, entities: set[str]) -> bool:
    """The actor's name or an alias is among the (normalised) ``entities``."""
    return any(entity(n) in entities for n in (actor.name, *actor.synonyms))


def _parties(found: AgreementRead) -> list[int]:
    return sorted({p.state.id for p in found.party_spells})


def agreement_reference(
    principal: Principal, session: Session, *, agreement: str | int
) -> Reference:
    """Reference knowledge (not intel) for an agreement the principal may see (``NotFound``
    otherwise): the actors public sources say target two or more of its party states."""
    found = registry.get_agreement(principal, session, ref=agreement)
    return reference.targeting(principal, session, _parties(found))


def dyad_threats(
    principal: Principal,
    session: Session,
    *,
    a: str,
    b: str,
    since: str | date | None = None,
    limit: int = 50,
    offset: int = 0,
    with_reference: bool = True,
    clock: Clock | None = None,
) -> SharedThreatPage:
    """Values seen in intel of both states ``a`` and ``b`` that the principal may read."""
    _check_page(limit, offset)
    clock = clock or SystemClock()
    state_a = registry.get_state(principal, session, name=a)
    state_b = registry.get_state(principal, session, name=b)
    if state_a.id == state_b.id:
        raise InvalidInput("a and b name the same state", field="b", value=b)
    first = _since(since)
    cap = common_cap()
    question = Question(
        windows=(Window(state_a.id), Window(state_b.id)),
        cap=cap,
        since_us=None if first is None else _day_us(first),
    )
    items, total = _page(principal, session, question, limit=limit, offset=offset, clock=clock)
    ref = (
        reference.targeting(
            principal,
            session,
            [state_a.id, state_b.id],
            shared_entities=[t.value for t in items if t.kind == kinds.ENTITY],
        )
        if with_reference
        else None
    )
    return SharedThreatPage(
        question="dyad",
        states=[state_a.iso3 or state_a.name, state_b.iso3 or state_b.name],
        since=first,
        items=items,
        total=total,
        limit=limit,
        offset=offset,
        notes=_notes(cap, first),
        reference=ref,
    )


def my_threats(
    principal: Principal,
    session: Session,
    *,
    since: str | date | None = None,
    limit: int = 50,
    offset: int = 0,
    clock: Clock | None = None,
) -> SharedThreatPage:
    """Values seen in intel of the principal's state and of at least one other state."""
    _check_page(limit, offset)
    clock = clock or SystemClock()
    _require_member(principal)
    assert principal.state_id is not None
    first = _since(since)
    cap = common_cap()
    question = Question(
        windows=(Window(principal.state_id),),
        cap=cap,
        mine=principal.state_id,
        since_us=None if first is None else _day_us(first),
    )
    items, total = _page(principal, session, question, limit=limit, offset=offset, clock=clock)
    mine = state_labels(session, {principal.state_id})[principal.state_id]
    others = sorted({s.state for t in items for s in t.seen_by} - {mine})
    return SharedThreatPage(
        question="mine",
        states=[mine, *others],
        since=first,
        items=items,
        total=total,
        limit=limit,
        offset=offset,
        notes=_notes(cap, first),
    )


def dyad_activity(
    principal: Principal, session: Session, *, year: int, clock: Clock | None = None
) -> dict[tuple[int, int], float]:
    """(COW code, COW code) (the smaller first) -> how many values (indicators' values and
    named threats) both states' agencies reported in ``year`` (``date_added``), in the intel
    the principal may read, common values left out: the shared-threat term of the
    partnership network. A principal of no agency reads no intel: none. Only counts leave
    here, never a value, so nothing is recorded as read."""
    if principal.agency_id is None or principal.state_id is None:
        return {}
    allowed = readable(principal, session, clock or SystemClock())
    rows = repository.holders(
        session,
        allowed,
        from_us=_day_us(date(year, 1, 1)),
        to_us=_day_us(date(year + 1, 1, 1)) - 1,
        cap=common_cap(),
    )
    refs = registry.state_refs(session, {s for _, s in rows})
    codes: dict[int, set[int]] = defaultdict(set)
    for value_id, state_id in rows:
        code = refs[state_id].cow_code if state_id in refs else None
        if code is not None:
            codes[value_id].add(code)
    found: dict[tuple[int, int], float] = defaultdict(float)
    for held in codes.values():
        ordered = sorted(held)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                found[(a, b)] += 1.0
    return dict(found)
