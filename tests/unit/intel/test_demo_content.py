"""The demo's threat content: valid STIX 2.1, stable ids, closed relationships, real names."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import stix2
from pymispgalaxies.api import Clusters

from taawun.core.principal import Clearance
from taawun.intel import demo_content
from taawun.intel.demo_content import AGREEMENTS, DemoObject, from_galaxies
from taawun.intel.markings import EXTENSION_ID
from taawun.intel.validate import validate_object


@pytest.fixture(scope="module")
def content() -> list[DemoObject]:
    return from_galaxies()


@pytest.fixture(scope="module")
def actors() -> list[dict[str, Any]]:
    return [v.to_dict() for v in Clusters()["threat-actor"].cluster_values.values()]


def test_every_object_is_valid_stix(content: list[DemoObject]) -> None:
    assert len(content) > 100
    for item in content:
        assert validate_object(item.obj) == [], item.obj["id"]
        assert stix2.parse(item.obj, allow_custom=False).id == item.obj["id"]


def test_ids_are_deterministic_and_unique(content: list[DemoObject]) -> None:
    again = from_galaxies()
    assert [i.obj for i in again] == [i.obj for i in content]
    assert len({i.obj["id"] for i in content}) == len(content)


def test_relationships_join_objects_of_the_set(content: list[DemoObject]) -> None:
    ids = {i.obj["id"] for i in content}
    kinds = Counter()
    for item in content:
        if item.obj["type"] == "relationship":
            assert {item.obj["source_ref"], item.obj["target_ref"]} <= ids
            kinds[item.obj["relationship_type"]] += 1
    assert kinds["attributed-to"] > 0 and kinds["uses"] > 0


def test_actors_are_the_galaxys_with_demo_victims(
    content: list[DemoObject], actors: list[dict[str, Any]]
) -> None:
    def victims(actor: dict[str, Any]) -> list[str]:
        return list(actor.get("meta", {}).get("cfr-suspected-victims", []))

    pakistan = {a["value"].strip() for a in actors if "Pakistan" in victims(a)}
    expected = {a["uuid"] for a in actors if set(victims(a)) & set(demo_content.DEMO_STATES)}
    made = [i.obj for i in content if i.obj["type"] == "threat-actor"]
    assert pakistan and pakistan <= {o["name"] for o in made}
    galaxy_ids = {r["external_id"] for o in made for r in o["external_references"][:1]}
    assert galaxy_ids == expected
    uuid = next(iter(expected))
    assert demo_content.stix_id("threat-actor", uuid) in {o["id"] for o in made}


def test_markings_stay_within_each_agreements_ceiling(content: list[DemoObject]) -> None:
    levels = Counter()
    for item in content:
        ext = item.obj["extensions"][EXTENSION_ID]
        assert ext["release_to"] == demo_content.releases_of(item.owner)
        level = Clearance.parse(ext["classification"])
        assert all(level <= AGREEMENTS[ref][1] for ref in ext["release_to"])
        levels[level] += 1
    assert set(levels) == {
        Clearance.UNCLASSIFIED,
        Clearance.RESTRICTED,
        Clearance.CONFIDENTIAL,
        Clearance.SECRET,
    }
    assert {i.owner for i in content} == set(demo_content.OWNER_ORDER)


def test_under_arrangements_releases_under_each_agreements_arrangement(
    content: list[DemoObject],
) -> None:
    arrangements = {ref: f"{9_000_000 + n}" for n, ref in enumerate(AGREEMENTS)}
    moved = demo_content.under_arrangements(content, arrangements)
    assert [m.obj["id"] for m in moved] == [c.obj["id"] for c in content]
    for before, after in zip(content, moved, strict=True):
        released = after.obj["extensions"][EXTENSION_ID]["release_to"]
        assert released == [arrangements[r] for r in demo_content.releases_of(before.owner)]
        assert released == demo_content.releases_of(before.owner, arrangements)
        rest = {**after.obj["extensions"][EXTENSION_ID], "release_to": None}
        assert rest == {**before.obj["extensions"][EXTENSION_ID], "release_to": None}
        assert {k: v for k, v in after.obj.items() if k != "extensions"} == {
            k: v for k, v in before.obj.items() if k != "extensions"
        }
    # the demo's own content is left as it was
    assert content[0].obj["extensions"][EXTENSION_ID]["release_to"] == demo_content.releases_of(
        content[0].owner
    )


def test_an_actor_goes_to_the_first_demo_victim_in_owner_order() -> None:
    actor = {
        "value": "Test Actor",
        "uuid": "00000000-0000-4000-8000-000000000001",
        "meta": {"cfr-suspected-victims": ["Saudi Arabia", "Turkey", "France"]},
    }
    built = demo_content.build([actor], [], [])
    assert [(b.owner, b.obj["type"]) for b in built] == [("TUR", "threat-actor")]
    assert "Suspected victims (CFR): Saudi Arabia, Turkey, France." in built[0].obj["description"]
    assert demo_content.build([{**actor, "meta": {}}], [], []) == []
