"""Transfer questions: lists (and the flagged list), one transfer, the item catalogue, and the
share of a state's arms imports that came from its allies.

Every function takes the ``principal`` first and returns schemas. Transfers are read through
``repository`` (the activity rule in the query), so a live transfer the principal's state
has no part in is absent from lists and counts and answers ``NotFound`` like a missing id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.cooperation.transfers import repository
from taawun.cooperation.transfers.models import Transfer, TransferItem
from taawun.cooperation.transfers.schemas import (
    AgreementRef,
    AlliesShare,
    ItemRead,
    Page,
    PartyRead,
    SupplierShare,
    TransferRead,
    YearShare,
)
from taawun.cooperation.transfers.vocabulary import ALLIANCE_DOMAINS, KINDS, STATUSES
from taawun.core.errors import InvalidInput, NotFound, PermissionDenied
from taawun.core.integers import INT32_MAX, bounded_int, is_ascii_digits
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.registry.schemas import StateRef

MAX_LIMIT = 1000
ALLIES_NOTE = (
    "SIPRI TIV of deliveries, from SIPRI's TIV table (1950-2021; the registers' deals are "
    "the same deliveries in detail and are not added). Allied: an agreement you may see with "
    "an ATOP obligation (defence, offence, neutrality, non-aggression, consultation) was in "
    "force that year with both states as parties. TIV measures military capability "
    "transferred, not price."
)


# --- reading transfers ------------------------------------------------------------------


def transfer_reads(
    principal: Principal, session: Session, rows: Sequence[Transfer]
) -> list[TransferRead]:
    """Schemas of transfer rows already read through the policy, with their states, items
    and agreements fetched once for all of them (an agreement the principal may not see is
    left out, the transfer still counting as covered)."""
    states = registry.state_refs(
        session,
        {
            s
            for t in rows
            for s in (t.supplier_state_id, t.recipient_state_id, t.proposed_by_state_id)
            if s is not None
        },
    )
    agreements = registry.agreement_summaries(
        principal, session, {t.agreement_id for t in rows if t.agreement_id is not None}
    )
    items = _items(session, [t.item for t in rows if t.item is not None])
    return [
        TransferRead(
            id=t.id,
            kind=t.kind,
            supplier=_party(t.supplier_name, t.supplier_kind, t.supplier_state_id, states),
            recipient=_party(t.recipient_name, t.recipient_kind, t.recipient_state_id, states),
            designation=t.designation,
            description=t.description,
            category=t.category,
            item=items.get(t.item_id) if t.item_id is not None else None,
            quantity_ordered=t.quantity_ordered,
            quantity_delivered=t.quantity_delivered,
            order_year=t.order_year,
            delivery_years=t.delivery_years,
            year=t.year,
            status=t.status,
            status_since=t.status_since,
            recorded_on=t.recorded_on,
            proposed_by=_label(states.get(t.proposed_by_state_id or 0)),
            condition=t.condition,
            comments=t.comments,
            tiv_unit=t.tiv_unit,
            tiv_order=t.tiv_order,
            tiv_delivered=t.tiv_delivered,
            uncertain=list(t.uncertain or []),
            agreement=(
                AgreementRef.model_validate(agreements[t.agreement_id])
                if t.agreement_id in agreements
                else None
            ),
            flagged=t.agreement_id is None,
            public=t.public,
            source=t.source,
            source_file=t.source_file,
            source_row=t.source_row,
            source_release=t.source_release,
        )
        for t in rows
    ]


def _label(state: StateRef | None) -> str | None:
    return None if state is None else state.iso3 or state.name


def _party(name: str, kind: str, state_id: int | None, states: dict[int, StateRef]) -> PartyRead:
    return PartyRead(name=name, kind=kind, state=states.get(state_id) if state_id else None)


def _items(session: Session, items: Iterable[TransferItem]) -> dict[int, ItemRead]:
    found = {i.id: i for i in items}
    also = repository.items_by_ids(
        session, {i.same_as_id for i in found.values() if i.same_as_id} - set(found)
    )
    found.update(also)
    origins = registry.state_refs(
        session, {i.origin_state_id for i in found.values() if i.origin_state_id}
    )

    def read(item: TransferItem, *, nested: bool = True) -> ItemRead:
        same = found.get(item.same_as_id) if item.same_as_id and nested else None
        return ItemRead(
            id=item.id,
            source=item.source,
            designation=item.designation,
            description=item.description,
            category=item.category,
            origin=item.origin,
            origin_state=origins.get(item.origin_state_id) if item.origin_state_id else None,
            manufacturer=item.manufacturer,
            operators=list(item.operators or []),
            same_as=read(same, nested=False) if same is not None else None,
        )

    return {i: read(item) for i, item in found.items()}


def _state_id(principal: Principal, session: Session, name: str | None) -> int | None:
    if name is None or not name.strip():
        return None
    return registry.get_state(principal, session, name=name).id


def _years(first: int | None, last: int | None) -> None:
    for field, value in (("from", first), ("to", last)):
        if value is not None and not 1800 <= value <= 2200:
            raise InvalidInput(f"{field}: year {value} is out of range (1800-2200)", field=field)
    if first is not None and last is not None and first > last:
        raise InvalidInput(f"from: {first} is after to ({last})", field="from", value=first)


def list_transfers(
    principal: Principal,
    session: Session,
    *,
    kind: str | None = None,
    state: str | None = None,
    supplier: str | None = None,
    recipient: str | None = None,
    first_year: int | None = None,
    last_year: int | None = None,
    status: str | None = None,
    flagged: bool | None = None,
    item: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[TransferRead]:
    """The transfers the principal may see, filtered; live ones first, then by year."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind: expected one of {', '.join(KINDS)}", field="kind", value=kind)
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            f"status: expected one of {', '.join(STATUSES)}", field="status", value=status
        )
    if not 1 <= limit <= MAX_LIMIT or not 0 <= offset <= INT32_MAX:
        raise InvalidInput(f"limit: 1 to {MAX_LIMIT}, offset: 0 or more", field="limit")
    _years(first_year, last_year)
    stmt = repository.filtered(
        repository.visible(principal),
        kinds=[kind] if kind else [],
        state_id=_state_id(principal, session, state),
        supplier_id=_state_id(principal, session, supplier),
        recipient_id=_state_id(principal, session, recipient),
        first_year=first_year,
        last_year=last_year,
        status=status,
        flagged=flagged,
        item=item,
    )
    rows = repository.page(session, stmt, limit=limit, offset=offset)
    return Page(
        items=transfer_reads(principal, session, rows),
        total=repository.count(session, stmt),
        limit=limit,
        offset=offset,
    )


def find_transfer(
    principal: Principal, session: Session, ref: str | int, action: Action = Action.VIEW
) -> Transfer:
    """A transfer by id; hidden and missing alike answer ``NotFound``. Asked to change one it
    may see but not change, the principal is refused (``PermissionDenied``)."""
    text = str(ref).strip()
    transfer_id = bounded_int(text, maximum=INT32_MAX) if is_ascii_digits(text) else None
    found = (
        None
        if transfer_id is None
        else repository.transfer(session, principal, transfer_id, action)
    )
    if found is None:
        seen = action is Action.CHANGE and transfer_id is not None
        if seen and repository.transfer(session, principal, transfer_id or 0) is not None:
            raise PermissionDenied(
                f"transfer {ref}: only a liaison or admin of its supplier or recipient acts on it",
                field="transfer",
                value=ref,
            )
        raise NotFound(f"transfer: no transfer {ref!r}", field="transfer", value=ref)
    return found


def get_transfer(principal: Principal, session: Session, *, transfer_id: str | int) -> TransferRead:
    return transfer_reads(principal, session, [find_transfer(principal, session, transfer_id)])[0]


# --- the catalogue ----------------------------------------------------------------------


def list_items(
    principal: Principal,
    session: Session,
    *,
    text: str | None = None,
    source: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[ItemRead]:
    """The item catalogue (public reference data), by designation text and source."""
    if not 1 <= limit <= MAX_LIMIT or not 0 <= offset <= INT32_MAX:
        raise InvalidInput(f"limit: 1 to {MAX_LIMIT}, offset: 0 or more", field="limit")
    total, found = repository.items(session, text=text, source=source, limit=limit, offset=offset)
    reads = _items(session, found)
    return Page(items=[reads[i.id] for i in found], total=total, limit=limit, offset=offset)


# --- the allies question ----------------------------------------------------------------


def allies_share(
    principal: Principal,
    session: Session,
    *,
    state: str,
    first_year: int | None = None,
    last_year: int | None = None,
) -> AlliesShare:
    """Per year, how much of ``state``'s arms imports (SIPRI TIV) came from states it was
    allied with that year, from other states and from no state: one query joining SIPRI's
    TIV table to the agreements the principal may see (``ALLIES_NOTE``)."""
    _years(first_year, last_year)
    me = registry.get_state(principal, session, name=state)
    allied = registry.agreements_joining_in_year(
        principal,
        a=Transfer.recipient_state_id,  # the query starts from the one state asked about
        b=Transfer.supplier_state_id,
        year=Transfer.year,
        domains=ALLIANCE_DOMAINS,
    ).exists()
    years = repository.allies_by_year(
        session, principal, state_id=me.id, first=first_year, last=last_year, allied=allied
    )
    suppliers = repository.allies_by_supplier(
        session, principal, state_id=me.id, first=first_year, last=last_year, allied=allied
    )
    refs = registry.state_refs(session, {s for _, s, *_ in suppliers if s is not None})
    total = sum(t for _, t, _, _ in years)
    from_allies = sum(a for _, _, a, _ in years)
    return AlliesShare(
        state=StateRef.model_validate(me),
        first_year=first_year,
        last_year=last_year,
        obligations=list(ALLIANCE_DOMAINS),
        years=[
            YearShare(
                year=y,
                total=t,
                from_allies=a,
                from_others=t - a - n,
                from_non_states=n,
                share=round(a / t, 4) if t else None,
            )
            for y, t, a, n in years
        ],
        suppliers=[
            SupplierShare(year=y, supplier=_party(name, kind, s, refs), tiv=tiv, allied=is_allied)
            for y, s, name, kind, tiv, is_allied in suppliers
        ],
        total=total,
        from_allies=from_allies,
        share=round(from_allies / total, 4) if total else None,
        note=ALLIES_NOTE,
    )


def dyad_activity(
    principal: Principal, session: Session, *, year: int
) -> dict[tuple[int, int], float]:
    """(COW code, COW code) (the smaller first) -> SIPRI TIV delivered between the two, both
    ways, in ``year``, of what the principal may see (the TIV table, and live transfers
    delivered that year): the activity term of the partnership network."""
    tiv = repository.delivered_by_pair(session, principal, year=year)
    return registry.cow_pairs(session, {pair: value for pair, value in tiv.items() if value > 0})
