"""Everything joining two states, as the items of one timeline: the machinery of
``questions.dyad_history``.

Agreements come from the registry's dyad (``registry.service.dyad``), what each owes the
other from the dyad-years of the agreements the two share (``_history.obligation_spans``),
and the rest from the cooperation record (``_cooperation``); every item names its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.orm import Session

from taawun.analytics import _cooperation, _history
from taawun.analytics._cooperation import Item
from taawun.core.clock import Clock
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.registry.schemas import StateRead


def timeline(
    principal: Principal,
    session: Session,
    a: StateRead,
    b: StateRead,
    *,
    labels: Mapping[int, str],
    first: int,
    last: int,
    clock: Clock | None,
) -> tuple[list[Item], list[str]]:
    """The items joining ``a`` and ``b`` from ``first`` to ``last`` that ``principal`` may
    see (agreements, obligations, exercises, transfers both ways, operations together,
    training, shared threats), unordered, and the notes on what was left out (shared
    threats, for a viewer of no agency). ``labels`` names each state's COW code."""
    assert a.cow_code is not None and b.cow_code is not None  # _inputs.state keeps these
    ca, cb = a.cow_code, b.cow_code
    items = [
        *(
            _cooperation.exercise_item(x)
            for x in _cooperation.exercises_of(
                principal, session, state=ca, partners=[cb], first=first, last=last
            )
        ),
        *(
            _cooperation.transfer_item(t)
            for supplier, recipient in ((ca, cb), (cb, ca))
            for t in _cooperation.transfers_of(
                principal, session, supplier=supplier, recipient=recipient, first=first, last=last
            )
        ),
        *_cooperation.operation_items(
            principal, session, a, b, first=first, last=last, clock=clock
        ),
        *(
            _cooperation.programme_item(p, guest)
            for host, guest in ((ca, cb), (cb, ca))
            for p in _cooperation.programmes_of(
                principal, session, host=host, guest=guest, first=first, last=last, clock=clock
            )
        ),
    ]
    notes: list[str] = []
    threats = _cooperation.threat_items(
        principal, session, ca, cb, first=first, last=last, clock=clock
    )
    if threats is None:
        notes.append(_cooperation.NO_THREATS)
    else:
        items.extend(threats)
    return [
        *_agreement_items(principal, session, ca, cb, first=first, last=last),
        *_obligation_items(principal, session, ca, cb, labels, first=first, last=last),
        *items,
    ], notes


def _agreement_items(
    principal: Principal, session: Session, a: int, b: int, *, first: int, last: int
) -> list[Item]:
    begin, end = date(first, 1, 1), date(last, 12, 31)
    found = registry.dyad(principal, session, a=str(a), b=str(b))
    return [
        Item(
            start=e.joined_from,
            end=e.joined_to,
            kind="agreement",
            label=f"{e.agreement.title} ({', '.join(e.agreement.domains)})"
            + (" [confidential]" if e.agreement.confidential else ""),
            source=f"{e.agreement.source} {e.agreement.source_id}",
        )
        for e in found.entries
        if (e.joined_from is None or e.joined_from <= end)
        and (e.joined_to is None or e.joined_to >= begin)
    ]


def _obligation_items(
    principal: Principal,
    session: Session,
    a: int,
    b: int,
    labels: Mapping[int, str],
    *,
    first: int,
    last: int,
) -> list[Item]:
    """What each owes the other, per span of years, from the agreements the two share."""
    dy = _history.own_dyad_years(principal, session, (a, b), first=first, last=last)
    return [
        Item(
            start=date(s.first, 1, 1),
            end=date(s.last, 12, 31),
            kind="obligation",
            label=f"{labels[s.owner]} owes {labels[s.partner]}: {', '.join(s.obligations)}",
            source="; ".join(s.agreements),
        )
        for s in _history.obligation_spans(dy, a, b)
    ]
