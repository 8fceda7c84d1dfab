"""Everything the node serves is valid STIX 2.1 to OASIS's ``stix2-validator``: the objects of
every TAXII envelope (listings, each version of each object) and the export bundle of the
REST API, as the sharing agency and as its partner see them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
import stix2
from stix2validator import validate_string
from taxii2client.v21 import as_pages

from .conftest import (
    CREATED,
    OWNER,
    PARTNER,
    PASSWORD,
    VALIDATION,
    LiveNode,
    envelope,
    indicator,
    invalid_reports,
    malware,
    relationship,
)

LABEL = "validates"
STIX = "application/stix+json;version=2.1"
READERS = [OWNER, PARTNER]


def _content() -> list[Any]:
    """A report's worth of STIX 2.1, built with the stix2 library: SDOs, SCOs, SROs, a second
    version and a revoked one, some under TLP:GREEN (its TLP 1.0 id, as stix2 ships it)."""
    common: dict[str, Any] = {"created": CREATED, "modified": CREATED}
    source = stix2.v21.Identity(name="interop source", identity_class="organization", **common)
    actor = stix2.v21.ThreatActor(
        name="interop actor", threat_actor_types=["nation-state"], **common
    )
    technique = stix2.v21.AttackPattern(
        name="Spearphishing Attachment",
        external_references=[{"source_name": "mitre-attack", "external_id": "T1566.001"}],
        **common,
    )
    vulnerability = stix2.v21.Vulnerability(
        name="CVE-2021-44228",
        external_references=[{"source_name": "cve", "external_id": "CVE-2021-44228"}],
        **common,
    )
    implant = malware(LABEL)
    indicators = [indicator(n, LABEL) for n in range(3)]
    address = stix2.v21.IPv4Address(value="198.51.100.7")
    domain = stix2.v21.DomainName(value="interop.example")
    observed = stix2.v21.ObservedData(
        first_observed=CREATED,
        last_observed=CREATED,
        number_observed=1,
        object_refs=[address.id, domain.id],
        object_marking_refs=[stix2.TLP_GREEN],
        **common,
    )
    sighting = stix2.v21.Sighting(
        sighting_of_ref=indicators[0].id, where_sighted_refs=[source.id], **common
    )
    links = [relationship(i, implant) for i in indicators]
    uses = stix2.v21.Relationship(
        source_ref=actor.id, relationship_type="uses", target_ref=technique.id, **common
    )
    revised = implant.new_version(description="revised", modified=CREATED + timedelta(days=1))
    revoked = indicators[2].new_version(revoked=True, modified=CREATED + timedelta(days=1))
    everything: list[Any] = [source, actor, technique, vulnerability, implant, *indicators]
    everything += [address, domain, observed, sighting, *links, uses]
    report = stix2.v21.Report(
        name="interop report",
        published=CREATED,
        report_types=["threat-actor"],
        object_refs=[o.id for o in everything],
        **common,
    )
    return [*everything, report, revised, revoked]


@pytest.fixture(scope="module")
def posted(node: LiveNode) -> Iterator[list[Any]]:
    content = _content()
    shared = node.collection(OWNER, node.agreement_collection_id())
    status = shared.add_objects(envelope(*content))
    assert (status.success_count, status.failure_count) == (len(content), 0), status.failures
    yield content


@pytest.mark.parametrize("user", READERS)
def test_every_listed_object_validates(node: LiveNode, posted: list[Any], user: str) -> None:
    collection = node.collection(user, node.agreement_collection_id())
    served = [
        obj
        for page in as_pages(collection.get_objects, per_request=10, version="all")
        for obj in page.get("objects", [])
    ]
    assert {(o.id, o.modified) for o in posted if "modified" in o} <= {
        (o["id"], _stix2_time(o["modified"])) for o in served if "modified" in o
    }
    assert {o.id for o in posted} <= {o["id"] for o in served}
    assert invalid_reports(served) == []


@pytest.mark.parametrize("user", READERS)
def test_every_version_of_every_object_validates(
    node: LiveNode, posted: list[Any], user: str
) -> None:
    collection = node.collection(user, node.agreement_collection_id())
    served: list[dict[str, Any]] = []
    for stix_id in dict.fromkeys(o.id for o in posted):
        versions = collection.object_versions(stix_id)["versions"]
        expected = {o.get("modified") for o in posted if o.id == stix_id}
        assert len(versions) == len(expected), (stix_id, versions)
        for version in versions:
            objects = collection.get_object(stix_id, version=version)["objects"]
            assert [o["id"] for o in objects] == [stix_id]
            served += objects
    assert invalid_reports(served) == []


@pytest.mark.parametrize("user", READERS)
def test_the_export_bundle_validates(node: LiveNode, posted: list[Any], user: str) -> None:
    response = requests.get(
        f"{node.base_url}/api/v1/intel/export", auth=(user, PASSWORD), timeout=10
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == STIX
    bundle = response.json()
    assert bundle["type"] == "bundle"
    assert {o.id for o in posted} <= {o["id"] for o in bundle["objects"]}
    result = validate_string(response.text, VALIDATION)
    assert result.is_valid, [str(e) for o in result.object_results for e in o.errors]


def _stix2_time(text: str) -> Any:
    return stix2.utils.parse_into_datetime(text)
