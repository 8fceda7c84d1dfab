"""Real threat content for the demo node, built from the MISP galaxies (``pymispgalaxies``).

Source: the MISP galaxy clusters ``threat-actor`` (meta ``cfr-suspected-victims``, ``synonyms``,
``refs``; the Council on Foreign Relations' Cyber Operations Tracker), ``mitre-intrusion-set``
(linked from a threat actor as ``similar``) and ``mitre-malware`` (linked from an intrusion set
as ``uses``). Every actor whose suspected victims include a demo state becomes a STIX 2.1
``threat-actor``; the MITRE intrusion sets the galaxy links to it become ``intrusion-set``
objects ``attributed-to`` it (STIX 2.1 §4.8, Appendix B), and the malware they use ``malware``
objects with ``uses`` relationships.

Ids are UUIDv5 of the galaxy value's uuid (relationships: of both ends and the type), and the
timestamps are fixed, so building twice gives the same objects and sharing them again stores
nothing new. Each object carries its own markings (TLP 2.0 ``object_marking_refs`` and
taawun's release extension), chosen by who shares it: the demo agency of the first victim state
in ``OWNER_ORDER``, releasing under every demo agreement its state is party to. The demo node
shares under an implementing arrangement of each of those agreements, not the imported treaty
itself (the record is history, not a channel): ``under_arrangements`` names them instead.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from taawun.core.principal import Clearance
from taawun.intel.markings import EXTENSION_ID, TLP2_IDS, Tlp

NAMESPACE = uuid.UUID("6b0d1d6e-6f1c-5b7e-9a0e-7461617775e6")  # taawun demo content
TIMESTAMP = "2025-01-01T00:00:00.000Z"

# CFR victim names as the galaxy spells them -> ISO 3166 alpha-3.
DEMO_STATES: dict[str, str] = {
    "Pakistan": "PAK",
    "Turkey": "TUR",
    "Saudi Arabia": "SAU",
    "United Arab Emirates": "ARE",
    "Azerbaijan": "AZE",
}

# The real agreements the demo shares under, each through an implementing arrangement that its
# demo parties propose and accept (``cli/demo.py``): ref -> (demo parties, ceiling).
AGREEMENTS: dict[str, tuple[tuple[str, ...], Clearance]] = {
    "ATOP 4965": (("SAU", "ARE"), Clearance.CONFIDENTIAL),
    "curated:smda-2025": (("SAU", "PAK"), Clearance.SECRET),
    "curated:shusha-2021": (("AZE", "TUR"), Clearance.SECRET),
}

# Who shares an actor victimising several demo states: the first of them in this order.
OWNER_ORDER = ("PAK", "AZE", "ARE", "TUR", "SAU")

_MITRE_SUFFIX = re.compile(r"\s+-\s+[GS]\d{4}$")


@dataclass(frozen=True, slots=True)
class DemoObject:
    """One STIX object and the state whose demo agency shares it."""

    owner: str
    obj: dict[str, Any]


def stix_id(stix_type: str, *parts: str) -> str:
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, ':'.join(parts))}"


def releases_of(owner: str, arrangements: Mapping[str, str] | None = None) -> list[str]:
    """The demo agreements the owner's state is party to; with ``arrangements`` (agreement ref
    -> the ref of its implementing arrangement), those arrangements instead."""
    refs = [ref for ref, (parties, _) in AGREEMENTS.items() if owner in parties]
    return refs if arrangements is None else [arrangements[ref] for ref in refs]


def under_arrangements(
    content: Iterable[DemoObject], arrangements: Mapping[str, str]
) -> list[DemoObject]:
    """``content`` released under the implementing arrangement of each demo agreement
    (``arrangements``: agreement ref -> arrangement ref) rather than the agreement itself."""
    out = []
    for item in content:
        obj = dict(item.obj)
        extensions = dict(obj["extensions"])
        extensions[EXTENSION_ID] = {
            **extensions[EXTENSION_ID],
            "release_to": releases_of(item.owner, arrangements),
        }
        obj["extensions"] = extensions
        out.append(DemoObject(item.owner, obj))
    return out


def ceiling_of(owner: str) -> Clearance:
    return min(AGREEMENTS[ref][1] for ref in releases_of(owner))


def _meta(value: Mapping[str, Any]) -> dict[str, Any]:
    meta = value.get("meta") or {}
    return dict(meta) if isinstance(meta, Mapping) else {}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]
    return []


def _references(galaxy: str, value: Mapping[str, Any]) -> list[dict[str, str]]:
    """The galaxy entry itself (uuid kept), its MITRE id if any, and each of its refs."""
    meta = _meta(value)
    refs: list[dict[str, str]] = [
        {"source_name": f"misp-galaxy:{galaxy}", "external_id": value["uuid"]}
    ]
    mitre = _strings(meta.get("external_id"))
    if mitre:
        refs.append({"source_name": "mitre-attack", "external_id": mitre[0]})
    urls = [u for u in dict.fromkeys(_strings(meta.get("refs"))) if "://" in u]
    refs += [{"source_name": "reference", "url": url} for url in urls]
    return refs


def _marked(obj: dict[str, Any], owner: str, tlp: Tlp, classification: Clearance) -> DemoObject:
    obj["object_marking_refs"] = [TLP2_IDS[tlp]]
    obj["extensions"] = {
        EXTENSION_ID: {
            "extension_type": "property-extension",
            "classification": min(classification, ceiling_of(owner)).name,
            "release_to": releases_of(owner),
        }
    }
    return DemoObject(owner, obj)


def _base(stix_type: str, object_id: str, galaxy: str, value: Mapping[str, Any]) -> dict[str, Any]:
    name = _MITRE_SUFFIX.sub("", str(value["value"]).strip())
    obj: dict[str, Any] = {
        "type": stix_type,
        "spec_version": "2.1",
        "id": object_id,
        "created": TIMESTAMP,
        "modified": TIMESTAMP,
        "name": name,
    }
    description = str(value.get("description") or "").strip()
    victims = _strings(_meta(value).get("cfr-suspected-victims"))
    if victims:
        description += f"\n\nSuspected victims (CFR): {', '.join(victims)}."
    if description.strip():
        obj["description"] = description.strip()
    aliases = [a for a in dict.fromkeys(_strings(_meta(value).get("synonyms"))) if a != name]
    if aliases:
        obj["aliases"] = aliases
    obj["external_references"] = _references(galaxy, value)
    return obj


def _relationship(
    kind: str, source: str, target: str, *, owner: str, tlp: Tlp, level: Clearance
) -> DemoObject:
    obj = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": stix_id("relationship", source, kind, target),
        "created": TIMESTAMP,
        "modified": TIMESTAMP,
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target,
    }
    return _marked(obj, owner, tlp, level)


def demo_victims(value: Mapping[str, Any]) -> list[str]:
    """The demo states (ISO3) among an actor's CFR suspected victims, in ``OWNER_ORDER``."""
    victims = set(_strings(_meta(value).get("cfr-suspected-victims")))
    found = {DEMO_STATES[v] for v in victims if v in DEMO_STATES}
    return [iso for iso in OWNER_ORDER if iso in found]


def build(
    actors: Iterable[Mapping[str, Any]],
    intrusion_sets: Sequence[Mapping[str, Any]],
    malware: Sequence[Mapping[str, Any]],
) -> list[DemoObject]:
    """The demo objects from galaxy values (``ClusterValue.to_dict()`` form), in a stable order:
    each actor, then its intrusion sets and their malware, then the relationships."""
    sets_by_uuid = {v["uuid"]: v for v in intrusion_sets}
    malware_by_uuid = {v["uuid"]: v for v in malware}
    out: dict[str, DemoObject] = {}

    def add(item: DemoObject) -> None:
        out.setdefault(item.obj["id"], item)  # the first owner keeps a shared object

    for actor in sorted(actors, key=lambda v: str(v["value"]).strip().lower()):
        victims = demo_victims(actor)
        if not victims:
            continue
        owner = victims[0]
        actor_id = stix_id("threat-actor", actor["uuid"])
        actor_obj = _base("threat-actor", actor_id, "threat-actor", actor)
        add(_marked(actor_obj, owner, Tlp.AMBER, Clearance.RESTRICTED))
        for link in actor.get("related") or ():
            found = sets_by_uuid.get(link.get("dest-uuid"))
            if found is None:
                continue
            set_id = stix_id("intrusion-set", found["uuid"])
            add(
                _marked(
                    _base("intrusion-set", set_id, "mitre-intrusion-set", found),
                    owner,
                    Tlp.AMBER,
                    Clearance.CONFIDENTIAL,
                )
            )
            add(
                _relationship(
                    "attributed-to",
                    set_id,
                    actor_id,
                    owner=owner,
                    tlp=Tlp.AMBER,
                    level=Clearance.SECRET,
                )
            )
            for use in found.get("related") or ():
                tool = malware_by_uuid.get(use.get("dest-uuid"))
                if tool is None or use.get("type") != "uses":
                    continue
                malware_id = stix_id("malware", tool["uuid"])
                obj = _base("malware", malware_id, "mitre-malware", tool) | {"is_family": True}
                add(_marked(obj, owner, Tlp.GREEN, Clearance.UNCLASSIFIED))
                add(
                    _relationship(
                        "uses",
                        set_id,
                        malware_id,
                        owner=owner,
                        tlp=Tlp.AMBER,
                        level=Clearance.CONFIDENTIAL,
                    )
                )
    return list(out.values())


def from_galaxies() -> list[DemoObject]:
    """The demo objects from the installed MISP galaxies."""
    from pymispgalaxies.api import Clusters

    clusters = Clusters()

    def values(name: str) -> list[dict[str, Any]]:
        return [v.to_dict() for v in clusters[name].cluster_values.values()]

    return build(values("threat-actor"), values("mitre-intrusion-set"), values("mitre-malware"))
