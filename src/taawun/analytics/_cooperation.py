"""The cooperation record as timeline items: what ``questions.dyad_history`` and
``questions.brought`` list, each item naming its source row.

Read only through the cooperation services (exercises, transfers, operations, training,
threats), each of which applies the cooperation policy; a paged answer is read to its end.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Final, NamedTuple, TypeVar

from sqlalchemy.orm import Session

from taawun.cooperation.exercises import service as exercises
from taawun.cooperation.exercises.dates import FIRST_YEAR as EXERCISE_FIRST
from taawun.cooperation.exercises.dates import LAST_YEAR as EXERCISE_LAST
from taawun.cooperation.exercises.schemas import ExerciseSummary
from taawun.cooperation.exercises.vocabulary import LIVE_SOURCE as LIVE
from taawun.cooperation.operations import service as operations
from taawun.cooperation.operations.schemas import OperationSummary
from taawun.cooperation.threats import service as threats
from taawun.cooperation.training import service as training
from taawun.cooperation.training.schemas import ProgrammeRead
from taawun.cooperation.transfers import service as transfers
from taawun.cooperation.transfers.schemas import TransferRead
from taawun.core.clock import Clock
from taawun.core.errors import PermissionDenied
from taawun.core.principal import Principal
from taawun.registry.schemas import StateRead

T = TypeVar("T")
PAGE: Final = 1000  # the services' largest page
TRANSFER_FIRST, TRANSFER_LAST = 1800, 2200  # the years ``transfers.service`` accepts


class Item(NamedTuple):
    """One event of a timeline (``questions.Event``'s fields)."""

    start: date | None
    end: date | None
    kind: str
    label: str
    source: str


NO_THREATS = (
    "shared threats are read from intel: they are shown to a user of an agency, not to the public"
)


def _pages(fetch: Callable[[int], tuple[Sequence[T], int]]) -> list[T]:
    """Every item of a paged service answer (``fetch(offset)`` -> items, total)."""
    found: list[T] = []
    while True:
        items, total = fetch(len(found))
        found.extend(items)
        if not items or len(found) >= total:
            return found


def _clip(first: int, last: int, low: int, high: int) -> tuple[int, int] | None:
    lo, hi = max(first, low), min(last, high)
    return (lo, hi) if lo <= hi else None


def partial_date(text: str | None, *, last: bool = False) -> date | None:
    """The first day (``last``: the last day) of ``2001``, ``2001-05`` or ``2001-05-14``
    (the exercises' dates, given to the precision known)."""
    if not text:
        return None
    parts = [int(p) for p in text.split("-")[:3]]
    if len(parts) == 3:
        return date(parts[0], parts[1], parts[2])
    month = parts[1] if len(parts) == 2 else (12 if last else 1)
    day = calendar.monthrange(parts[0], month)[1] if last else 1
    return date(parts[0], month, day)


def exercises_of(
    principal: Principal,
    session: Session,
    *,
    state: int,
    partners: Sequence[int],
    first: int,
    last: int,
) -> list[ExerciseSummary]:
    """The exercises (MME's record and live ones) ``state`` and every one of ``partners``
    took part in, starting in ``first..last`` (within the exercises' years)."""
    years = _clip(first, last, EXERCISE_FIRST, EXERCISE_LAST)
    if years is None:
        return []

    def fetch(offset: int) -> tuple[Sequence[ExerciseSummary], int]:
        page = exercises.list_exercises(
            principal,
            session,
            state=str(state),
            partners=[str(p) for p in partners],
            year_from=years[0],
            year_to=years[1],
            limit=PAGE,
            offset=offset,
        )
        return page.items, page.total

    return _pages(fetch)


def exercise_item(ex: ExerciseSummary) -> Item:
    source = f"node exercise {ex.id}" if ex.source == LIVE else f"{ex.source} {ex.source_id}"
    return Item(
        start=partial_date(ex.start),
        end=partial_date(ex.end, last=True),
        kind="exercise",
        label=f"{ex.name or ex.series or 'exercise'}: {', '.join(ex.states)}",
        source=source,
    )


def transfers_of(
    principal: Principal,
    session: Session,
    *,
    supplier: int | None,
    recipient: int,
    first: int,
    last: int,
    kind: str | None = None,
) -> list[TransferRead]:
    """The transfers (SIPRI's TIV table and registers, live ones) the principal may see."""
    years = _clip(first, last, TRANSFER_FIRST, TRANSFER_LAST)
    if years is None:
        return []

    def fetch(offset: int) -> tuple[Sequence[TransferRead], int]:
        page = transfers.list_transfers(
            principal,
            session,
            kind=kind,
            supplier=None if supplier is None else str(supplier),
            recipient=str(recipient),
            first_year=years[0],
            last_year=years[1],
            limit=PAGE,
            offset=offset,
        )
        return page.items, page.total

    return _pages(fetch)


def transfer_item(t: TransferRead, note: str = "") -> Item:
    """A transfer with its source: SIPRI's TIV table row (supplier, recipient, year), a
    register's row, or the node's live record."""
    sup, rec = t.supplier.name, t.recipient.name
    if t.kind == "aggregate":
        label = f"{sup} → {rec}: {t.tiv_delivered or 0:g} TIV delivered"
        source = f"SIPRI TIV {t.year} {sup}→{rec} (row {t.source_row})"
        start, end = date(t.year, 1, 1), date(t.year, 12, 31)
    elif t.kind == "deal":
        count = t.quantity_delivered or t.quantity_ordered
        what = " ".join(str(x) for x in (count, t.designation, f"({t.description})") if x)
        label = f"{sup} → {rec}: {what}; ordered {t.order_year}, delivered {t.delivery_years}"
        source = f"{t.source} row {t.source_row}"
        start, end = date(t.year, 1, 1), None
    else:
        label = f"{sup} → {rec}: {t.designation or t.description} ({t.status})"
        source = f"node transfer {t.id}"
        start, end = t.recorded_on or date(t.year, 1, 1), None
    return Item(start, end, "transfer", label + note, source)


def operation_items(
    principal: Principal,
    session: Session,
    a: StateRead,
    b: StateRead,
    *,
    first: int,
    last: int,
    clock: Clock | None,
) -> list[Item]:
    """Missions both contributed to (Geo-PKO, collapsed into runs of years) and live
    operations both joined."""
    record = operations.dyad_deployments(
        principal, session, a=str(a.cow_code), b=str(b.cow_code), clock=clock
    )
    years: dict[str, list[int]] = defaultdict(list)
    for entry in record.entries:
        if first <= entry.year <= last:
            years[entry.mission].append(entry.year)
    items = [
        Item(
            date(y0, 1, 1),
            date(y1, 12, 31),
            "operation",
            f"{mission}: both contributed troops",
            f"Geo-PKO {mission} {y0}-{y1}",
        )
        for mission, found in years.items()
        for y0, y1 in _runs(sorted(set(found)))
    ]
    label_b = b.iso3 or b.name

    def fetch(offset: int) -> tuple[Sequence[OperationSummary], int]:
        page = operations.list_operations(
            principal,
            session,
            historical=False,
            state=str(a.cow_code),
            limit=PAGE,
            offset=offset,
            clock=clock,
        )
        return page.items, page.total

    begin, end = date(first, 1, 1), date(last, 12, 31)
    for op in _pages(fetch):
        if label_b in op.states and (op.starts or begin) <= end and (op.ends or end) >= begin:
            items.append(
                Item(
                    op.starts,
                    op.ends,
                    "operation",
                    f"{op.name} ({op.status})",
                    f"node operation {op.id}",
                )
            )
    return items


def _runs(years: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for y in years:
        if runs and runs[-1][1] == y - 1:
            runs[-1] = (runs[-1][0], y)
        else:
            runs.append((y, y))
    return runs


def programmes_of(
    principal: Principal,
    session: Session,
    *,
    host: int | None,
    guest: int,
    first: int,
    last: int,
    clock: Clock | None,
) -> list[ProgrammeRead]:
    """Training programmes offering ``guest`` seats (hosted by ``host``, any host if None),
    starting in ``first..last``."""

    def fetch(offset: int) -> tuple[Sequence[ProgrammeRead], int]:
        page = training.list_programmes(
            principal,
            session,
            host=None if host is None else str(host),
            guest=str(guest),
            start=date(first, 1, 1),
            end=date(last, 12, 31),
            limit=PAGE,
            offset=offset,
            clock=clock,
        )
        return page.items, page.total

    return _pages(fetch)


def programme_item(p: ProgrammeRead, guest: int) -> Item:
    seat = next((s for s in p.seats if s.state_id == guest), None)
    taken = f"{seat.state}: {seat.taken} of {seat.offered} seats taken" if seat else ""
    graduates = f", {seat.graduates} graduates" if seat and seat.graduates is not None else ""
    return Item(
        p.start,
        p.end,
        "training",
        f"{p.subject}, hosted by {p.host} ({taken}{graduates})",
        f"node training programme {p.id}",
    )


def threat_items(
    principal: Principal,
    session: Session,
    a: int,
    b: int,
    *,
    first: int,
    last: int,
    clock: Clock | None,
) -> list[Item] | None:
    """Values seen in readable intel of both states (``threats.service.dyad_threats``), seen
    within ``first..last``; None when the viewer may read no intel (public, no agency)."""
    try:
        page = threats.dyad_threats(
            principal,
            session,
            a=str(a),
            b=str(b),
            limit=threats.MAX_LIMIT,
            with_reference=False,
            clock=clock,
        )
    except PermissionDenied:
        return None
    return [
        Item(
            t.first_seen.date(),
            t.last_seen.date(),
            "shared_threat",
            f"{t.kind} {t.value}: seen in intel of {', '.join(s.state for s in t.seen_by)}"
            f" ({t.objects} objects)",
            "node intel (shared threat)",
        )
        for t in page.items
        if t.first_seen.year <= last and t.last_seen.year >= first
    ]
