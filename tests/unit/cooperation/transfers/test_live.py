"""Live transfers on the real registry: recorded and flagged outside any agreement, each
side's act its own, seen only by the states they concern, audited, and refused input
leaving nothing behind."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.cooperation.transfers import changes, service
from taawun.cooperation.transfers.models import Transfer
from taawun.cooperation.transfers.schemas import DeliveryCreate, TransferCreate, TransferRead
from taawun.core.clock import FixedClock
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.principal import Principal, Role

from .conftest import NODE, agreement, principal

TODAY = date(2026, 11, 24)


def propose(
    session: Session, clock: FixedClock, who: str = "TUR", **fields: object
) -> TransferRead:
    data = TransferCreate.model_validate(
        {"supplier": "TUR", "recipient": "QAT", "item": "Bayraktar TB2", "quantity": 6, **fields}
    )
    return changes.propose_transfer(principal(session, who), session, data=data, clock=clock)


def _rows(session: Session) -> tuple[int, int]:
    transfers = session.scalar(select(func.count()).select_from(Transfer))
    entries = session.scalar(select(func.count()).select_from(AuditEntry))
    return int(transfers or 0), int(entries or 0)


def test_a_transfer_outside_any_agreement_is_recorded_and_flagged(
    loaded_db: Session, clock: FixedClock
) -> None:
    made = propose(loaded_db, clock, recipient="SAU", tiv=12.5)
    assert (made.status, made.flagged, made.agreement) == ("proposed", True, None)
    assert (made.recorded_on, made.proposed_by, made.year) == (TODAY, "TUR", 2026)
    assert made.supplier.state is not None and made.supplier.state.iso3 == "TUR"
    for who in ("TUR", "SAU"):
        flagged = service.list_transfers(
            principal(loaded_db, who), loaded_db, kind="live", flagged=True
        )
        assert [t.id for t in flagged.items] == [made.id] and flagged.total == 1
    entry = loaded_db.scalars(
        select(AuditEntry).where(AuditEntry.action == "cooperation.transfer.propose")
    ).one()
    assert entry.target_id == str(made.id) and entry.detail == {
        "for_state": "TUR",
        "for_state_id": made.supplier.state.id,
    }
    assert entry.after is not None and entry.after["flagged"] is True


def test_a_covered_transfer_names_its_agreement(loaded_db: Session, clock: FixedClock) -> None:
    covering = agreement(loaded_db, ["TUR", "QAT"], ["military_aid"])
    made = propose(loaded_db, clock)
    assert not made.flagged and made.agreement is not None and made.agreement.id == covering
    earlier = propose(loaded_db, clock, on="2019-06-01")  # before it entered into force
    assert earlier.flagged and earlier.agreement is None


def test_a_third_state_sees_nothing_of_a_bilateral_transfer(
    loaded_db: Session, clock: FixedClock
) -> None:
    agreement(loaded_db, ["TUR", "QAT"], ["technology_exchange"])
    made = propose(loaded_db, clock)
    saudi = principal(loaded_db, "SAU")
    assert service.list_transfers(saudi, loaded_db, kind="live").total == 0
    assert service.list_transfers(saudi, loaded_db, kind="live", flagged=False).items == []
    assert service.list_transfers(Principal.public(), loaded_db, kind="live").total == 0
    for ask in (
        lambda: service.get_transfer(saudi, loaded_db, transfer_id=made.id),
        lambda: changes.decide_transfer(saudi, loaded_db, transfer_id=made.id, decision="approve"),
    ):
        with pytest.raises(NotFound) as hidden:
            ask()
        assert hidden.value.message == f"transfer: no transfer {made.id!r}"
    with pytest.raises(NotFound) as missing:
        service.get_transfer(saudi, loaded_db, transfer_id=made.id + 1)
    assert missing.value.message == f"transfer: no transfer {made.id + 1!r}"  # the same answer
    qatar = principal(loaded_db, "QAT", Role.VIEWER)
    assert service.get_transfer(qatar, loaded_db, transfer_id=made.id).id == made.id


def test_a_public_transfer_is_seen_by_all(loaded_db: Session, clock: FixedClock) -> None:
    made = propose(loaded_db, clock, public=True)
    for asker in (principal(loaded_db, "SAU"), Principal.public()):
        assert service.get_transfer(asker, loaded_db, transfer_id=made.id).public


def test_the_covering_agreements_parties_see_it_but_do_not_decide(
    loaded_db: Session, clock: FixedClock
) -> None:
    agreement(loaded_db, ["TUR", "QAT", "AZE"], ["military_aid"])
    made = propose(loaded_db, clock)
    azerbaijan = principal(loaded_db, "AZE")
    assert service.get_transfer(azerbaijan, loaded_db, transfer_id=made.id).id == made.id
    with pytest.raises(PermissionDenied):
        changes.decide_transfer(azerbaijan, loaded_db, transfer_id=made.id, decision="approve")


def test_each_side_acts_for_itself(loaded_db: Session, clock: FixedClock) -> None:
    made = propose(loaded_db, clock, tiv=30.0)
    turkey, qatar = principal(loaded_db, "TUR"), principal(loaded_db, "QAT")
    with pytest.raises(PermissionDenied):  # the proposer does not approve its own
        changes.decide_transfer(turkey, loaded_db, transfer_id=made.id, decision="approve")
    with pytest.raises(PermissionDenied):  # an analyst takes no step
        changes.decide_transfer(
            principal(loaded_db, "QAT", Role.ANALYST), loaded_db, transfer_id=made.id,
            decision="approve",
        )  # fmt: skip
    approved = changes.decide_transfer(qatar, loaded_db, transfer_id=made.id, decision="approve")
    assert approved.status == "approved"
    with pytest.raises(Conflict):
        changes.decide_transfer(qatar, loaded_db, transfer_id=made.id, decision="refuse")
    with pytest.raises(PermissionDenied):  # the recipient does not deliver
        changes.deliver_transfer(qatar, loaded_db, transfer_id=made.id, data=DeliveryCreate())
    before = _rows(loaded_db)
    with pytest.raises(InvalidInput) as too_many:
        changes.deliver_transfer(
            turkey, loaded_db, transfer_id=made.id, data=DeliveryCreate(quantity=7), clock=clock
        )
    assert too_many.value.field == "quantity" and _rows(loaded_db) == before
    done = changes.deliver_transfer(
        turkey, loaded_db, transfer_id=made.id, data=DeliveryCreate(quantity=3), clock=clock
    )
    assert (done.status, done.quantity_delivered, done.tiv_delivered) == ("delivered", 3, 15.0)
    actions = loaded_db.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.target_type == "transfer", AuditEntry.target_id == str(made.id))
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == [
        "cooperation.transfer.propose",
        "cooperation.transfer.approve",
        "cooperation.transfer.deliver",
    ]


def test_a_request_from_the_recipient_is_decided_by_the_supplier(
    loaded_db: Session, clock: FixedClock
) -> None:
    asked = propose(loaded_db, clock, who="QAT")
    assert asked.proposed_by == "QAT"
    with pytest.raises(PermissionDenied):
        changes.decide_transfer(
            principal(loaded_db, "QAT"), loaded_db, transfer_id=asked.id, decision="refuse"
        )
    refused = changes.decide_transfer(
        principal(loaded_db, "TUR"), loaded_db, transfer_id=asked.id, decision="refuse"
    )
    assert refused.status == "refused"
    with pytest.raises(Conflict):
        changes.deliver_transfer(
            principal(loaded_db, "TUR"), loaded_db, transfer_id=asked.id, data=DeliveryCreate()
        )


def test_bad_input_is_refused_and_writes_nothing(loaded_db: Session, clock: FixedClock) -> None:
    before = _rows(loaded_db)
    refusals: list[tuple[type[Exception], dict[str, object], str]] = [
        (InvalidInput, {"recipient": "TUR"}, "recipient"),
        (NotFound, {"recipient": "Atlantis"}, "recipient"),
        (InvalidInput, {"on": "2027-01-01"}, "on"),
        (PermissionDenied, {"supplier": "PAK"}, "supplier"),  # Turkey is no side of it
    ]
    for error, fields, field in refusals:
        with pytest.raises(error) as refused:
            propose(loaded_db, clock, **fields)
        assert refused.value.field == field, fields  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        propose(loaded_db, clock, who="SAU")
    with pytest.raises(PermissionDenied):
        changes.propose_transfer(
            principal(loaded_db, "TUR", Role.ANALYST),
            loaded_db,
            data=TransferCreate(supplier="TUR", recipient="QAT", item="TB2"),
            clock=clock,
        )
    with pytest.raises(PermissionDenied):  # the node itself acts for no state
        changes.propose_transfer(
            NODE, loaded_db, data=TransferCreate(supplier="TUR", recipient="QAT", item="TB2")
        )
    with pytest.raises(ValidationError, match="category"):
        TransferCreate(supplier="TUR", recipient="QAT", item="TB2", category="drones")
    with pytest.raises(ValidationError, match="quantity"):
        TransferCreate(supplier="TUR", recipient="QAT", item="TB2", quantity=0)
    assert _rows(loaded_db) == before
    with pytest.raises(NotFound):
        service.get_transfer(principal(loaded_db, "TUR"), loaded_db, transfer_id="12x")


def test_a_live_item_links_to_the_catalogue(sipri_db: Session, clock: FixedClock) -> None:
    made = propose(sipri_db, clock, item="bayraktar-TB2")
    assert made.item is not None and made.item.source == "MISP galaxy uavs"
    assert made.item.designation == "Bayraktar TB2" and made.category == "aircraft"
    assert made.item.origin_state is not None and made.item.origin_state.iso3 == "TUR"
    assert propose(sipri_db, clock, item="Widget 9000").item is None


def test_users_do_not_change_the_record(sipri_db: Session) -> None:
    row = sipri_db.scalars(
        select(Transfer).where(Transfer.kind == "aggregate", Transfer.recipient_name == "Turkey")
    ).first()
    assert row is not None
    with pytest.raises(Conflict):
        changes.decide_transfer(
            principal(sipri_db, "TUR"), sipri_db, transfer_id=row.id, decision="approve"
        )
    with pytest.raises(PermissionDenied):  # public, so seen; not Saudi Arabia's to change
        changes.decide_transfer(
            principal(sipri_db, "SAU"), sipri_db, transfer_id=row.id, decision="approve"
        )


def test_a_public_transfer_never_names_a_confidential_agreement(
    loaded_db: Session, clock: FixedClock
) -> None:
    secret = agreement(loaded_db, ["TUR", "QAT"], ["military_aid"], confidential=True)
    with pytest.raises(InvalidInput) as refused:
        propose(loaded_db, clock, public=True)
    assert refused.value.field == "public"
    made = propose(loaded_db, clock)
    assert made.agreement is not None and made.agreement.id == secret
    seen = service.get_transfer(principal(loaded_db, "QAT"), loaded_db, transfer_id=made.id)
    assert seen.agreement is not None and seen.agreement.id == secret
