"""The item catalogue's reference data and how a designation finds its entry.

The catalogue has two sources. The MISP galaxy ``uavs`` ("UAVs/UCAVs", shipped in the
``pymispgalaxies`` package, so no network is needed): one entry per cluster, keyed by its
uuid, with its ``meta``: ``country`` (origin; "china; russia" names several), ``manufacturer``,
``operator`` (the states flying it) and the rest (refs, specifications) kept as details.
And the designations of SIPRI's trade registers (``sipri`` importer): one entry per
designation and weapon description.

How a designation matches: both sides are *normalised* (``normalise``: case folded, every
character that is not a letter or a digit dropped, so "MQ-9 Reaper", "mq9 reaper" and
"MQ 9 Reaper" are one name), and must then be equal. A galaxy entry answers to its value, to
the part before a parenthesis and to each comma-separated name inside it ("Heron
(Machatz-1)" answers to "heron (machatz-1)", "heron" and "machatz-1"). A register's
designation is linked to a galaxy entry (``same_as``) only when SIPRI describes the item as
a UAV and exactly one galaxy entry answers to the designation: SIPRI's "Scout" is also a
Westland helicopter, and two galaxy entries share some names. Nothing is matched on part
of a name: "RQ-4A Global Hawk" is not the galaxy's "Rq-4 Global hawk".
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Final

from taawun.core.errors import DataFileError

GALAXY: Final = "uavs"
GALAXY_SOURCE: Final = "MISP galaxy uavs"
REGISTER_SOURCE: Final = "SIPRI"
_PATH: Final = f"data/misp-galaxy/clusters/{GALAXY}.json"
_NOT_NAME = re.compile(r"[\W_]+")
_PARENTHESES = re.compile(r"^(?P<head>[^()]*?)\s*\((?P<inside>[^()]*)\)\s*$")


def normalise(name: str) -> str:
    """The form names are compared in (see the module)."""
    return _NOT_NAME.sub("", name.casefold())


def names_of(value: str, synonyms: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Every normalised name a galaxy value answers to (empty ones dropped)."""
    found = [value, *synonyms]
    match = _PARENTHESES.match(value)
    if match:
        found.append(match["head"])
        found.extend(match["inside"].split(","))
    return sorted({n for n in (normalise(f) for f in found) if n})


def is_uav(description: str | None) -> bool:
    """SIPRI describes the item as an unmanned aerial vehicle ("UAV", "armed UAV")."""
    return description is not None and re.search(r"\buav\b", description, re.I) is not None


@dataclass(frozen=True, slots=True)
class GalaxyEntry:
    uuid: str
    value: str
    description: str | None
    origins: list[str]
    manufacturer: str | None
    operators: list[str]
    names: list[str]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Galaxy:
    name: str
    version: int
    sha256: str
    entries: list[GalaxyEntry]

    @property
    def citation(self) -> str:
        return (
            f"MISP galaxy {self.name!r} ({GALAXY_SOURCE}, version {self.version}), "
            "https://github.com/MISP/misp-galaxy, as shipped in the pymispgalaxies package"
        )


def _listed(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    return []


def read_galaxy() -> Galaxy:
    """The ``uavs`` galaxy from the installed ``pymispgalaxies``, read as JSON from the
    package's data without importing it (its API loads every galaxy and a JSON-schema stack:
    seconds)."""
    try:
        spec = find_spec("pymispgalaxies")
        if spec is None or not spec.submodule_search_locations:
            raise OSError("the pymispgalaxies package is not installed")
        raw = (Path(next(iter(spec.submodule_search_locations))) / _PATH).read_bytes()
        data = json.loads(raw)
        values = data["values"]
        version = int(data["version"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFileError(f"pymispgalaxies/{_PATH}", f"cannot be read ({exc})") from None
    entries = []
    for value in values:
        meta = value.get("meta") or {}
        details = {
            k: v for k, v in meta.items() if k not in ("country", "manufacturer", "operator")
        }
        entries.append(
            GalaxyEntry(
                uuid=str(value["uuid"]),
                value=str(value["value"]).strip(),
                description=(value.get("description") or None),
                origins=_listed(meta.get("country")),
                manufacturer=(str(meta["manufacturer"]).strip() or None)
                if meta.get("manufacturer")
                else None,
                operators=_listed(meta.get("operator")),
                names=names_of(str(value["value"]), _listed(meta.get("synonyms"))),
                details=details,
            )
        )
    return Galaxy(str(data.get("name", GALAXY)), version, hashlib.sha256(raw).hexdigest(), entries)
