"""Markings: TLP 2.0, the classification level, the release list and TLP:RED recipients.

TLP 2.0 levels are carried as the STIX 2.1 marking-definition objects FIRST and
OASIS published for TLP 2.0 (extension ``extension-definition--60a3c5c5-...``),
pinned here by id; the TLP 1.0 ids of STIX 2.1 §7.2.1.4 (WHITE, GREEN, AMBER,
RED) are accepted as aliases. The level names come from the MISP ``tlp``
taxonomy (``pytaxonomies``).

Classification, release list and recipients travel in taawun's own property
extension (STIX 2.1 §7.3), whose ``extension-definition`` object the node
publishes (``EXTENSION_DEFINITION``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from taawun.core.errors import InvalidInput
from taawun.core.principal import Clearance


class Tlp(enum.IntEnum):
    """TLP 2.0, ordered from least to most restrictive (FIRST TLP 2.0)."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def label(self) -> str:
        return "TLP:" + self.name.replace("_", "+")

    @classmethod
    def parse(cls, value: str | int | Tlp) -> Tlp:
        if isinstance(value, Tlp):
            return value
        if isinstance(value, int):
            return cls(value)
        key = value.strip().upper().removeprefix("TLP:").replace("+", "_").replace("-", "_")
        key = {"WHITE": "CLEAR"}.get(key, key)
        try:
            return cls[key]
        except KeyError:
            raise InvalidInput(
                f"tlp: unknown TLP level {value!r}; expected one of "
                + ", ".join(t.label.removeprefix("TLP:").lower() for t in cls),
                field="tlp",
                value=value,
            ) from None


TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_IDS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP1_IDS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",  # TLP:WHITE
    Tlp.GREEN: "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    Tlp.AMBER: "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    Tlp.RED: "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
TLP_BY_ID: dict[str, Tlp] = {v: k for k, v in TLP2_IDS.items()} | {
    v: k for k, v in TLP1_IDS.items()
}


def tlp_marking_definition(level: Tlp) -> dict[str, Any]:
    """The published TLP 2.0 marking-definition object for ``level``."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[level],
        "created": "2022-10-01T00:00:00.000Z",
        "name": level.label,
        "extensions": {
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": level.label.removeprefix("TLP:").lower(),
            }
        },
    }


@cache
def misp_tlp_levels() -> tuple[str, ...]:
    """The TLP machine tags of the MISP taxonomy, e.g. ``tlp:amber+strict``."""
    from pytaxonomies.api import Taxonomies

    return tuple(str(t) for t in Taxonomies()["tlp"].machinetags())


NODE_IDENTITY = "identity--d5541122-3cae-457b-a066-794643ddc4ab"
EXTENSION_ID = "extension-definition--dc9ac534-b51f-471c-b287-38b751a172b0"
EXTENSION_DEFINITION: dict[str, Any] = {
    "type": "extension-definition",
    "spec_version": "2.1",
    "id": EXTENSION_ID,
    "created_by_ref": NODE_IDENTITY,
    "created": "2026-11-24T00:00:00.000Z",
    "modified": "2026-11-24T00:00:00.000Z",
    "name": "taawun release marking",
    "description": (
        "Classification level, the agreements an object is released under, and the named "
        "recipient agencies of a TLP:RED object, on a taawun node."
    ),
    "schema": "https://taawun.invalid/schemas/release-marking-1.0.json",
    "version": "1.0",
    "extension_types": ["property-extension"],
}
NODE_IDENTITY_OBJECT: dict[str, Any] = {
    "type": "identity",
    "spec_version": "2.1",
    "id": NODE_IDENTITY,
    "created": "2026-11-24T00:00:00.000Z",
    "modified": "2026-11-24T00:00:00.000Z",
    "name": "taawun node",
    "identity_class": "system",
}


@dataclass(frozen=True, slots=True)
class Markings:
    """What governs one object version: who may read it, and what they may pass on."""

    tlp: Tlp
    classification: Clearance
    release_to: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    release_to_all: bool = False


@dataclass(slots=True)
class MarkingDefaults:
    """Defaults for a whole submission, used where an object carries no markings of its own."""

    tlp: Tlp = Tlp.AMBER
    classification: Clearance = Clearance.UNCLASSIFIED
    release_to: Sequence[str] = field(default_factory=tuple)
    recipients: Sequence[str] = field(default_factory=tuple)
    release_to_all: bool = False


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise InvalidInput(f"{where}: must be a list of strings", field=where)
    return tuple(str(v) for v in value)


def read_markings(obj: Mapping[str, Any], defaults: MarkingDefaults) -> Markings:
    """The markings of ``obj``: TLP from ``object_marking_refs``, the rest from the extension.

    Several TLP refs: the most restrictive wins (FIRST TLP 2.0: combined items take
    the strictest label). Release lists from the object and the defaults are merged.
    """
    levels = [TLP_BY_ID[ref] for ref in obj.get("object_marking_refs") or () if ref in TLP_BY_ID]
    tlp = max(levels) if levels else defaults.tlp
    ext = (obj.get("extensions") or {}).get(EXTENSION_ID)
    if ext is not None and not isinstance(ext, Mapping):
        raise InvalidInput(f"extensions.{EXTENSION_ID}: must be an object", field="extensions")
    ext = ext or {}
    try:
        classification = (
            Clearance.parse(ext["classification"])
            if "classification" in ext
            else defaults.classification
        )
    except InvalidInput as exc:
        raise InvalidInput(
            exc.message, field="classification", value=ext["classification"]
        ) from None
    release = _strings(ext.get("release_to"), "release_to")
    recipients = _strings(ext.get("recipients"), "recipients")
    release_to_all = ext.get("release_to_all", defaults.release_to_all)
    if not isinstance(release_to_all, bool):
        raise InvalidInput("release_to_all: must be true or false", field="release_to_all")
    return Markings(
        tlp=tlp,
        classification=classification,
        release_to=tuple(dict.fromkeys((*defaults.release_to, *release))),
        recipients=tuple(dict.fromkeys((*defaults.recipients, *recipients))),
        release_to_all=release_to_all,
    )


def banner(tlp: Tlp, classification: Clearance) -> str:
    """The one-line banner shown above an object: ``SECRET // TLP:AMBER``."""
    return f"{classification.name.replace('_', ' ')} // {tlp.label}"
