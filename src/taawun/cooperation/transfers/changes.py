"""Live transfers: proposed by one side, decided by the other, delivered by the supplier.

Each side's act is its own. A liaison or admin of the supplier or of the recipient proposes a
transfer (``propose_transfer``); a liaison or admin of the *other* side approves or refuses
it (``decide_transfer``); once approved, the supplier's records its delivery
(``deliver_transfer``). A third state's user, even one that sees the transfer as a party of
its covering agreement, takes no step; the node itself (a system principal) neither
proposes nor decides for a state.

The covering agreement is asked of the registry on the day of record
(``registry.service.covering_agreements``, domains ``technology_exchange`` or
``military_aid``, as the proposer may see them). None: the transfer is recorded all the
same, and flagged (``taawun transfers flagged``) rather than silently accepted.

Each change runs in a savepoint, is read back through the restricted query, and appends an
audit entry with before and after naming the state the actor acted for; a refused change
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.access.restrict import Action
from taawun.cooperation.transfers import repository
from taawun.cooperation.transfers.catalogue import normalise
from taawun.cooperation.transfers.models import Transfer, TransferItem
from taawun.cooperation.transfers.schemas import DeliveryCreate, TransferCreate, TransferRead
from taawun.cooperation.transfers.service import find_transfer, get_transfer
from taawun.cooperation.transfers.vocabulary import COVERING_DOMAINS
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import Conflict, InvalidInput, PermissionDenied
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.principal import Principal, Role
from taawun.registry import service as registry
from taawun.registry.periods import Period
from taawun.registry.schemas import StateRead

RECORDED_IDS = range(1_000_000, 2**31 - 1)
"""Live transfers get random ids: the ids around one's own do not reveal a hidden one."""
LIVE_SOURCE = "taawun"
ACTORS = (Role.LIAISON, Role.ADMIN)


@contextmanager
def _audited(
    principal: Principal,
    session: Session,
    clock: Clock,
    *,
    action: str,
    transfer_id: int,
    before: TransferRead | None,
    acting: int,
) -> Iterator[Callable[[], TransferRead]]:
    """A savepoint; the caller's work; the result read back through the policy; the entry."""
    result: list[TransferRead] = []
    with session.begin_nested():
        yield lambda: result[0]
        session.flush()
        result.append(get_transfer(principal, session, transfer_id=transfer_id))
        labels = registry.state_labels(session, [acting])
        audit.record(
            session,
            principal=principal,
            action=action,
            target_type="transfer",
            target_id=str(transfer_id),
            before=None if before is None else before.model_dump(mode="json"),
            after=result[0].model_dump(mode="json"),
            detail={"for_state": labels.get(acting, str(acting)), "for_state_id": acting},
            clock=clock,
        )


def _acts_for(principal: Principal, state_id: int, what: str) -> int:
    if principal.system or principal.state_id != state_id or principal.role not in ACTORS:
        raise PermissionDenied(f"transfer: {what}", field="transfer", value=principal.username)
    return state_id


def _state(principal: Principal, session: Session, name: str, field: str) -> StateRead:
    """The state ``name`` names; an unknown or ambiguous name is refused naming ``field``."""
    return registry.get_state(principal, session, name=name, field=field)


def _item(session: Session, designation: str) -> TransferItem | None:
    """The catalogue entry the designation names: the one galaxy entry answering to it, else
    the one entry of any source; none when it is unknown or names several."""
    found = repository.items_named(session, normalise(designation))
    galaxy = [i for i in found if i.source != "SIPRI"]
    if len(galaxy) == 1:
        return galaxy[0]
    return found[0] if len(found) == 1 else None


def _new_id(session: Session, ids: IdFactory) -> int:
    while True:  # a collision is a chance of about one in two thousand million
        candidate = RECORDED_IDS.start + ids.uuid().int % len(RECORDED_IDS)
        if not repository.id_taken(session, candidate):
            return candidate


def propose_transfer(
    principal: Principal,
    session: Session,
    *,
    data: TransferCreate,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
) -> TransferRead:
    """Record a transfer proposed by the supplier's or the recipient's side (the principal's
    state, for which it acts); flagged when no agreement covers it on its day."""
    clock = clock or SystemClock()
    today = clock.now().date()
    supplier = _state(principal, session, data.supplier, "supplier")
    recipient = _state(principal, session, data.recipient, "recipient")
    if supplier.id == recipient.id:
        raise InvalidInput(
            "recipient: a state does not transfer to itself",
            field="recipient",
            value=data.recipient,
        )
    if principal.state_id not in (supplier.id, recipient.id):
        raise PermissionDenied(
            "supplier: only a liaison or admin of the supplier or of the recipient proposes a "
            "transfer",
            field="supplier",
            value=data.supplier,
        )
    acting = _acts_for(principal, principal.state_id, "only a liaison or admin proposes a transfer")
    day = data.on or today
    if day > today:
        raise InvalidInput(f"on: {day} is in the future", field="on", value=day)
    covering = registry.covering_agreements(
        principal,
        session,
        state_ids=[supplier.id, recipient.id],
        domains=COVERING_DOMAINS,
        period=Period.day(day),
    )
    if data.public and covering:
        # a public transfer names its agreement to everyone: never a confidential one
        covering = [a for a in covering if not a.confidential]
        if not covering:
            raise InvalidInput(
                "public: only a confidential agreement covers this transfer, and a public "
                "transfer would show it to everyone; record it without --public",
                field="public",
                value=True,
            )
    item = _item(session, data.item)
    transfer_id = _new_id(session, ids or RandomIds())
    with _audited(
        principal,
        session,
        clock,
        action="cooperation.transfer.propose",
        transfer_id=transfer_id,
        before=None,
        acting=acting,
    ) as result:
        now = clock.now()
        session.add(
            Transfer(
                id=transfer_id,
                kind="live",
                source=LIVE_SOURCE,
                supplier_state_id=supplier.id,
                supplier_name=supplier.name,
                supplier_kind="state",
                recipient_state_id=recipient.id,
                recipient_name=recipient.name,
                recipient_kind="state",
                item_id=item.id if item else None,
                designation=data.item.strip(),
                description=data.description or (item.description if item else None),
                category=data.category or (item.category if item else None),
                quantity_ordered=data.quantity,
                order_year=day.year,
                year=day.year,
                comments=data.comments,
                tiv_order=data.tiv,
                uncertain=[],
                agreement_id=covering[0].id if covering else None,
                public=data.public,
                status="proposed",
                status_since=day,
                recorded_on=day,
                proposed_by_state_id=acting,
                created_at=now,
                updated_at=now,
            )
        )
    return result()


def decide_transfer(
    principal: Principal,
    session: Session,
    *,
    transfer_id: str | int,
    decision: str,
    clock: Clock | None = None,
) -> TransferRead:
    """Approve or refuse a proposed transfer, for the side that did not propose it."""
    if decision not in ("approve", "refuse"):
        raise InvalidInput("decision: approve or refuse", field="decision", value=decision)
    clock = clock or SystemClock()
    found = find_transfer(principal, session, transfer_id, Action.CHANGE)
    _live(found, "proposed", decision)
    other = (
        found.recipient_state_id
        if found.proposed_by_state_id == found.supplier_state_id
        else found.supplier_state_id
    )
    acting = _acts_for(
        principal, other or 0, f"only the side that did not propose it may {decision} it"
    )
    before = get_transfer(principal, session, transfer_id=found.id)
    with _audited(
        principal,
        session,
        clock,
        action=f"cooperation.transfer.{decision}",
        transfer_id=found.id,
        before=before,
        acting=acting,
    ) as result:
        found.status = "approved" if decision == "approve" else "refused"
        found.status_since = clock.now().date()
        found.updated_at = clock.now()
    return result()


def deliver_transfer(
    principal: Principal,
    session: Session,
    *,
    transfer_id: str | int,
    data: DeliveryCreate,
    clock: Clock | None = None,
) -> TransferRead:
    """Record the delivery of an approved transfer, for the supplier."""
    clock = clock or SystemClock()
    found = find_transfer(principal, session, transfer_id, Action.CHANGE)
    _live(found, "approved", "deliver")
    acting = _acts_for(
        principal, found.supplier_state_id or 0, "only the supplier records a delivery"
    )
    day = data.on or clock.now().date()
    if day > clock.now().date() or (found.recorded_on and day < found.recorded_on):
        raise InvalidInput(
            f"on: {day} is before the transfer was recorded or in the future", field="on", value=day
        )
    quantity = data.quantity if data.quantity is not None else found.quantity_ordered
    ordered = found.quantity_ordered
    if quantity is not None and ordered is not None and quantity > ordered:
        raise InvalidInput(
            f"quantity: {quantity} delivered is more than the {ordered} ordered",
            field="quantity",
            value=quantity,
        )
    before = get_transfer(principal, session, transfer_id=found.id)
    with _audited(
        principal,
        session,
        clock,
        action="cooperation.transfer.deliver",
        transfer_id=found.id,
        before=before,
        acting=acting,
    ) as result:
        found.status, found.status_since = "delivered", day
        found.quantity_delivered = quantity
        found.delivery_years = str(day.year)
        found.first_delivery = found.last_delivery = day.year
        found.tiv_delivered = _delivered_tiv(found.tiv_order, ordered, quantity)
        found.updated_at = clock.now()
    return result()


def _delivered_tiv(tiv: float | None, ordered: int | None, delivered: int | None) -> float | None:
    if tiv is None or not ordered or delivered is None:
        return tiv
    return round(tiv * delivered / ordered, 3)


def _live(found: Transfer, status: str, verb: str) -> None:
    if found.kind != "live":
        raise Conflict(
            f"transfer {found.id}: the historical record is not changed by users",
            field="transfer",
            value=found.id,
        )
    if found.status != status:
        done = {"approve": "approved", "refuse": "refused", "deliver": "delivered"}[verb]
        raise Conflict(
            f"transfer {found.id} is {found.status}: only a {status} transfer can be {done}",
            field="status",
            value=found.status,
        )
