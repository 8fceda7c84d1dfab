"""What an object refers to, as ``intel_reference`` indexes it for the other direction: on a
malware's page, the indicators that indicate it and the reports that include it.

Indexed are the properties by which one object relates another as a reader follows them
(STIX 2.1): a relationship's ``source_ref`` and ``target_ref`` (§5.1); a sighting's
``sighting_of_ref``, ``observed_data_refs`` and ``where_sighted_refs`` (§5.2); the
``object_refs`` of a report, grouping, note, opinion or observed-data (§4); and
``created_by_ref`` (§3.2), so that an identity's page shows what it authored. Not indexed:
``object_marking_refs`` and granular markings (every object names its TLP marking: a row
per object that says nothing), nor the references inside observables.

Only an object's *current* version has rows, as in the correlation index
(``cooperation/threats/index.py``): a new version replaces the rows of the one before it,
a revoked version has none, and a deleted object's go with it (ON DELETE CASCADE). Rows of
every version, filtered by ``is_last`` at read time, would be simpler to write but would
grow with every version of a report of a thousand ``object_refs`` that nobody reads again,
and the walk of a popular id's rows (an identity's ``created_by_ref``) would step over them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

REFERRING_PROPERTIES: Final = (
    "source_ref",
    "target_ref",
    "sighting_of_ref",
    "observed_data_refs",
    "where_sighted_refs",
    "object_refs",
    "created_by_ref",
)
# Longest identifier kept (a type name has at most 250 characters, §2.9; the column's
# length): a longer string is no identifier a valid object could carry, and is left out.
MAX_REF_LENGTH: Final = 300


def references(obj: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(property, referred-to id) pairs of ``obj``, each once, in property order."""
    found: list[tuple[str, str]] = []
    for name in REFERRING_PROPERTIES:
        value = obj.get(name)
        if value is None:
            continue
        for ref in value if isinstance(value, list) else (value,):
            if isinstance(ref, str) and len(ref) <= MAX_REF_LENGTH:
                found.append((name, ref))
    if len(found) > 1:
        return list(dict.fromkeys(found))
    return found
