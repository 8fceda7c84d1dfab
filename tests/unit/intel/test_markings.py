"""TLP 2.0 marking definitions pinned by id, aliases, and reading markings off objects."""

from __future__ import annotations

import pytest
import stix2

from taawun.core.errors import InvalidInput
from taawun.core.principal import Clearance
from taawun.intel.markings import (
    EXTENSION_DEFINITION,
    EXTENSION_ID,
    TLP1_IDS,
    TLP2_EXTENSION,
    TLP2_IDS,
    TLP_BY_ID,
    MarkingDefaults,
    Tlp,
    banner,
    misp_tlp_levels,
    read_markings,
    tlp_marking_definition,
)
from taawun.intel.validate import validate_object


def test_tlp2_ids_are_the_published_ones() -> None:
    # FIRST/OASIS TLP 2.0 marking definitions for STIX 2.1 (created 2022-10-01).
    assert TLP2_IDS == {
        Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
    assert TLP2_EXTENSION == "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


def test_tlp1_ids_match_the_stix2_library() -> None:
    assert TLP1_IDS[Tlp.CLEAR] == stix2.TLP_WHITE.id
    assert TLP1_IDS[Tlp.GREEN] == stix2.TLP_GREEN.id
    assert TLP1_IDS[Tlp.AMBER] == stix2.TLP_AMBER.id
    assert TLP1_IDS[Tlp.RED] == stix2.TLP_RED.id
    assert TLP_BY_ID[stix2.TLP_WHITE.id] is Tlp.CLEAR


@pytest.mark.parametrize("level", list(Tlp))
def test_published_definitions_are_valid_stix(level: Tlp) -> None:
    definition = tlp_marking_definition(level)
    assert validate_object(definition) == []
    assert definition["extensions"][TLP2_EXTENSION]["tlp_2_0"] == level.label[4:].lower()


def test_extension_definition_is_valid_stix() -> None:
    assert validate_object(EXTENSION_DEFINITION) == []
    assert EXTENSION_DEFINITION["id"] == EXTENSION_ID


def test_levels_agree_with_the_misp_taxonomy() -> None:
    misp = set(misp_tlp_levels())
    for level in Tlp:
        assert level.label.lower() in misp


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("amber", Tlp.AMBER),
        ("TLP:AMBER+STRICT", Tlp.AMBER_STRICT),
        ("white", Tlp.CLEAR),
        ("Red", Tlp.RED),
        ("amber-strict", Tlp.AMBER_STRICT),
    ],
)
def test_parse_tlp(text: str, level: Tlp) -> None:
    assert Tlp.parse(text) is level


def test_parse_tlp_refuses_unknown() -> None:
    with pytest.raises(InvalidInput) as caught:
        Tlp.parse("purple")
    assert caught.value.field == "tlp" and "purple" in caught.value.message


def test_strictest_tlp_wins_and_extension_is_read() -> None:
    obj = {
        "object_marking_refs": [TLP2_IDS[Tlp.GREEN], TLP1_IDS[Tlp.AMBER]],
        "extensions": {
            EXTENSION_ID: {
                "extension_type": "property-extension",
                "classification": "SECRET",
                "release_to": ["ATOP 4965"],
            }
        },
    }
    marks = read_markings(obj, MarkingDefaults(release_to=("7",)))
    assert marks.tlp is Tlp.AMBER
    assert marks.classification is Clearance.SECRET
    assert marks.release_to == ("7", "ATOP 4965")


def test_defaults_apply_where_the_object_is_silent() -> None:
    marks = read_markings({}, MarkingDefaults(tlp=Tlp.GREEN, classification=Clearance.RESTRICTED))
    assert (marks.tlp, marks.classification) == (Tlp.GREEN, Clearance.RESTRICTED)


def test_bad_extension_values_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        read_markings(
            {"extensions": {EXTENSION_ID: {"classification": "ULTRA"}}}, MarkingDefaults()
        )
    assert caught.value.field == "classification"
    with pytest.raises(InvalidInput):
        read_markings(
            {"extensions": {EXTENSION_ID: {"release_to": "ATOP 4965"}}}, MarkingDefaults()
        )


def test_banner() -> None:
    assert banner(Tlp.AMBER_STRICT, Clearance.TOP_SECRET) == "TOP SECRET // TLP:AMBER+STRICT"
