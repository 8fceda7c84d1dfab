"""The item catalogue: the MISP uavs galaxy (origin, manufacturer, operators) and the
registers' designations, linked where the names match and only then; SIPRI's categories."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from taawun.cooperation.transfers import _sipri_files as files
from taawun.cooperation.transfers import service
from taawun.cooperation.transfers.catalogue import is_uav, names_of, normalise, read_galaxy
from taawun.cooperation.transfers.models import Transfer, TransferItem
from taawun.cooperation.transfers.vocabulary import CATEGORIES, category_of
from taawun.core.principal import Principal
from taawun.registry.resolver import resolve_state

from .conftest import DATA


def test_names_are_compared_normalised() -> None:
    assert normalise("MQ-9 Reaper") == normalise("mq9 REAPER") == "mq9reaper"
    assert names_of("Heron (Machatz-1)") == ["heron", "heronmachatz1", "machatz1"]
    assert names_of("Arash-2 (Kyan 2, آرش)") == ["arash2", "arash2kyan2آرش", "kyan2", "آرش"]
    assert is_uav("armed UAV") and is_uav("UAV") and not is_uav("light helicopter")


def test_every_description_in_the_registers_gets_a_sipri_category() -> None:
    descriptions = set()
    for path in files.REGISTER_FILES.values():
        text = (DATA / path).read_bytes().decode("cp1252")
        descriptions |= {r["Weapon description"] for r in csv.DictReader(io.StringIO(text))}
    assert len(descriptions) == 143
    assert {category_of(d) for d in descriptions} <= set(CATEGORIES)
    assert category_of("submarine sonar") == "sensors"
    assert category_of("aircraft carrier") == "ships"
    assert category_of("SAM system") == "air_defence"
    assert category_of("SAM") == category_of("anti-ship missile") == "missiles"
    assert category_of("tanker/transport aircraft") == "aircraft"
    assert category_of("tank destroyer") == "armoured_vehicles"
    assert category_of("") is None


def test_the_galaxy_entry_of_the_bayraktar_tb2(sipri_db: Session) -> None:
    galaxy = {e.value: e for e in read_galaxy().entries}
    tb2 = sipri_db.scalars(
        select(TransferItem).where(
            TransferItem.source == "MISP galaxy uavs", TransferItem.designation == "Bayraktar TB2"
        )
    ).one()
    assert tb2.key == galaxy["Bayraktar TB2"].uuid
    assert (tb2.origin, tb2.manufacturer, tb2.category) == ("turkey", "Baykar Tech", "aircraft")
    assert tb2.origin_state_id == resolve_state(sipri_db, "TUR").id
    assert "pakistan" in tb2.operators and "azerbaijan" in tb2.operators
    assert resolve_state(sipri_db, "PAK").id in tb2.operator_state_ids
    assert len(tb2.operator_state_ids) == len(tb2.operators)  # every operator is a state
    page = service.list_items(Principal.public(), sipri_db, text="bayraktar tb2")
    assert page.items[0].origin_state is not None and page.items[0].origin_state.iso3 == "TUR"


def test_register_designations_link_to_the_galaxy_only_on_a_full_match(sipri_db: Session) -> None:
    galaxy = aliased(TransferItem)
    links = dict(
        sipri_db.execute(
            select(TransferItem.designation, galaxy.designation).join(
                galaxy, galaxy.id == TransferItem.same_as_id
            )
        ).all()
    )
    assert links == {"Heron": "Heron (Machatz-1)", "MQ-9 Reaper": "MQ-9 Reaper"}
    # SIPRI's Scout is Westland's helicopter, not the galaxy's IAI Scout UAV
    scout = sipri_db.scalars(
        select(TransferItem).where(
            TransferItem.source == "SIPRI", TransferItem.designation == "Scout"
        )
    ).all()
    assert scout and all(s.same_as_id is None for s in scout)
    assert any(s.description == "light helicopter" for s in scout)


def test_deals_point_at_their_designation(sipri_db: Session) -> None:
    heron = sipri_db.scalars(
        select(Transfer).where(Transfer.designation == "Heron", Transfer.kind == "deal")
    ).first()
    assert heron is not None and heron.item is not None
    assert heron.item.same_as_id is not None
    read = service.get_transfer(Principal.public(), sipri_db, transfer_id=heron.id)
    assert read.item is not None and read.item.same_as is not None
    assert read.item.same_as.designation == "Heron (Machatz-1)"
    assert read.item.same_as.origin_state is not None
    assert read.item.same_as.origin_state.iso3 == "ISR"
    unlinked = sipri_db.scalar(
        select(Transfer.id).where(Transfer.kind == "deal", Transfer.item_id.is_(None))
    )
    assert unlinked is None  # every deal has its catalogue entry
