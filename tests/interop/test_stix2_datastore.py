"""taawun behind the stix2 library's TAXII data store: ``TAXIICollectionSink`` shares,
``TAXIICollectionSource`` reads (paging through the node with the client's pager), and a
``CompositeDataSource`` merges several collections — each user seeing only what the
release policy lets them read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from stix2 import CompositeDataSource, Filter, TAXIICollectionSink, TAXIICollectionSource
from stix2.datastore import DataSourceError

from .conftest import (
    CREATED,
    OUTSIDER,
    OWNER,
    PARTNER,
    VIEWER,
    LiveNode,
    indicator,
    malware,
    relationship,
)

LABEL = "datastore"


@dataclass(frozen=True)
class Shared:
    """What the owner's sink put into the agreement's collection."""

    indicators: list[str]
    implant: str
    revised: str  # the indicator that also got a second version


@pytest.fixture(scope="module")
def shared(node: LiveNode) -> Iterator[Shared]:
    """Turkey's liaison shares through the sink: indicators, a malware, their relationships,
    then a second version of the first indicator."""
    sink = TAXIICollectionSink(node.collection(OWNER, node.agreement_collection_id()))
    indicators = [indicator(n, LABEL) for n in range(12)]
    implant = malware(LABEL)
    links = [relationship(i, implant) for i in indicators[:3]]
    sink.add([*indicators, implant, *links])
    sink.add(indicators[0].new_version(name="revised", modified=CREATED + timedelta(hours=1)))
    yield Shared([i.id for i in indicators], implant.id, indicators[0].id)


def _source(node: LiveNode, user: str, collection_id: str) -> TAXIICollectionSource:
    # A small page makes the source's queries walk several pages of the node.
    return TAXIICollectionSource(node.collection(user, collection_id), items_per_page=5)


def test_the_partner_gets_an_object_by_id(node: LiveNode, shared: Shared) -> None:
    source = _source(node, PARTNER, node.agreement_collection_id())
    implant = source.get(shared.implant)
    assert implant is not None and implant.type == "malware" and implant.name == f"{LABEL} implant"
    assert source.get(shared.revised).name == "revised"  # the newest version by default


def test_query_by_type_returns_every_indicator_once(node: LiveNode, shared: Shared) -> None:
    source = _source(node, PARTNER, node.agreement_collection_id())
    found = source.query([Filter("type", "=", "indicator")])
    ids = [o.id for o in found]
    assert {o.type for o in found} == {"indicator"}
    assert set(shared.indicators) <= set(ids)
    assert len(ids) == len(set(ids))
    revised = next(o for o in found if o.id == shared.revised)
    assert revised.name == "revised"


def test_query_combines_taxii_and_local_filters(node: LiveNode, shared: Shared) -> None:
    source = _source(node, PARTNER, node.agreement_collection_id())
    found = source.query(
        [Filter("type", "=", "relationship"), Filter("target_ref", "=", shared.implant)]
    )
    assert {o.source_ref for o in found} == set(shared.indicators[:3])


def test_all_versions_of_an_object(node: LiveNode, shared: Shared) -> None:
    source = _source(node, PARTNER, node.agreement_collection_id())
    versions = sorted(source.all_versions(shared.revised), key=lambda o: o.modified)
    assert [v.modified for v in versions] == [CREATED, CREATED + timedelta(hours=1)]
    assert [v.name for v in versions] == [f"{LABEL} indicator 0", "revised"]


def test_composite_source_merges_collections(node: LiveNode, shared: Shared) -> None:
    """The owner's own collection and the agreement's hold the same release once, merged."""
    composite = CompositeDataSource()
    composite.add_data_sources(
        [
            _source(node, OWNER, node.own_collection_id(OWNER)),
            _source(node, OWNER, node.agreement_collection_id()),
        ]
    )
    assert composite.get(shared.implant).id == shared.implant
    found = composite.query([Filter("type", "=", "malware")])
    assert [o.id for o in found].count(shared.implant) == 1
    assert len(composite.all_versions(shared.revised)) == 2


def test_an_outsider_source_gets_nothing(node: LiveNode, shared: Shared) -> None:
    own = _source(node, OUTSIDER, node.own_collection_id(OUTSIDER))
    composite = CompositeDataSource()
    composite.add_data_source(own)
    assert composite.get(shared.implant) is None
    assert composite.query([Filter("type", "=", "indicator")]) == []
    with pytest.raises(DataSourceError):  # the agreement's collection cannot even be opened
        _source(node, OUTSIDER, node.agreement_collection_id())


def test_a_viewer_cannot_open_a_sink(node: LiveNode, shared: Shared) -> None:
    with pytest.raises(DataSourceError):
        TAXIICollectionSink(node.collection(VIEWER, node.agreement_collection_id()))
    # ...but reads what the liaison shared
    assert _source(node, VIEWER, node.agreement_collection_id()).get(shared.implant)
