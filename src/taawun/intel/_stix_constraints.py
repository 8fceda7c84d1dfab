"""Rules of STIX 2.1 that relate several properties of one object.

They run only once every property is well-formed (so timestamps compare as
strings of one shape). Sections cited are of STIX 2.1 (OASIS Standard).
"""

from __future__ import annotations

from collections.abc import Mapping

from stix2.v21 import common, observables, sdo, sro

from taawun.intel._stix_checks import Reasons, timestamp_key
from taawun.intel._stix_pattern import pattern_errors
from taawun.intel._stix_schema import Constraint, spec_for

_TLP_DEFINITIONS = {  # §7.2.1.4: the four TLP 1.0 marking definitions, fixed ids and dates
    "white": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "red": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
_TLP_CREATED = "2017-01-20T00:00:00000000"


def _order(first: str, last: str, *, strict: bool = False) -> Constraint:
    """``last`` later than (``strict``) or equal to ``first``, when both are set."""
    relation = "later than" if strict else "later than or equal to"

    def constraint(obj: Mapping[str, object], prefix: str, reasons: Reasons) -> None:
        start, end = obj.get(first), obj.get(last)
        if isinstance(start, str) and isinstance(end, str):
            a, b = timestamp_key(start), timestamp_key(end)
            if b < a or (strict and a == b):
                reasons.append(f"{prefix}{last}: must be {relation} {first}")

    return constraint


def _exactly_one(*names: str) -> Constraint:
    def constraint(obj: Mapping[str, object], prefix: str, reasons: Reasons) -> None:
        if sum(name in obj for name in names) != 1:
            reasons.append(f"{prefix}{names[0]}: exactly one of {', '.join(names)} is required")

    return constraint


def _at_least_one(*names: str) -> Constraint:
    def constraint(obj: Mapping[str, object], prefix: str, reasons: Reasons) -> None:
        if not any(name in obj for name in names):
            reasons.append(f"{prefix}{names[0]}: at least one of {', '.join(names)} is required")

    return constraint


def _indicator_pattern(obj: Mapping[str, object], prefix: str, reasons: Reasons) -> None:
    """§4.7: a ``stix`` pattern must parse (§9); other pattern languages are opaque."""
    pattern = obj.get("pattern")
    if obj.get("pattern_type") == "stix" and isinstance(pattern, str):
        version = obj.get("pattern_version") or "2.1"
        errors = pattern_errors(pattern, str(version))
        if errors:
            reasons.append(f"{prefix}pattern: {errors[0]}")


def _malware_name(obj: Mapping[str, object], prefix: str, reasons: Reasons) -> None:
    """§4.11: a malware family must have a name."""
    if obj.get("is_family") is True and "name" not in obj:
        reasons.append(f"{prefix}name: required when is_family is true")


def _location(obj: Mapping[str, object], prefix: str, reasons: Reasons) -> None:
    """§4.10: region, country, or latitude with longitude; precision needs both."""
    has_lat, has_lon = "latitude" in obj, "longitude" in obj
    if "precision" in obj and not (has_lat and has_lon):
        reasons.append(f"{prefix}precision: requires latitude and longitude")
    if has_lat != has_lon:
        reasons.append(f"{prefix}latitude: latitude and longitude go together")
    if not ("region" in obj or "country" in obj or (has_lat and has_lon)):
        reasons.append(f"{prefix}region: one of region, country or latitude/longitude is required")


def _marking_definition(obj: Mapping[str, object], prefix: str, reasons: Reasons) -> None:
    """§7.2.1: ``definition_type`` + ``definition``, or ``extensions`` (e.g. TLP 2.0).

    As stix2 (3.x) knows them: definition types ``tlp`` and ``statement``, and
    a ``tlp`` definition must be one of the four fixed TLP 1.0 objects.
    """
    kind, definition = obj.get("definition_type"), obj.get("definition")
    if definition is not None:
        expected = {"tlp": "tlp", "statement": "statement"}.get(str(kind))
        if expected is None or not isinstance(definition, dict):
            reasons.append(
                f"{prefix}definition_type: must be 'tlp' or 'statement' with a definition"
            )
            return
        if set(definition) != {expected} or not isinstance(definition[expected], str):
            reasons.append(f"{prefix}definition: must be {{'{expected}': <string>}}")
            return
    if not (kind and definition) and not obj.get("extensions"):
        reasons.append(
            f"{prefix}definition: definition_type and definition, or extensions, required"
        )
        return
    if kind == "tlp":
        color = definition[kind] if isinstance(definition, dict) else None
        expected_id = _TLP_DEFINITIONS.get(str(color))
        created = obj.get("created")
        if expected_id is None or obj.get("id") != expected_id:
            reasons.append(f"{prefix}id: not the id of the TLP:{str(color).upper()} definition")
        elif not isinstance(created, str) or timestamp_key(created) != _TLP_CREATED:
            reasons.append(
                f"{prefix}created: TLP definitions were created 2017-01-20T00:00:00.000Z"
            )


def _granular_marking(obj: Mapping[str, object], prefix: str, reasons: Reasons) -> None:
    """§7.2.3: exactly one of ``lang`` and ``marking_ref``."""
    if ("lang" in obj) == ("marking_ref" in obj):
        reasons.append(f"{prefix}marking_ref: exactly one of lang and marking_ref is required")


def _external_reference(obj: Mapping[str, object], prefix: str, reasons: Reasons) -> None:
    """§2.5: an external reference names something: description, external_id or url."""
    if not ("description" in obj or "external_id" in obj or "url" in obj):
        reasons.append(f"{prefix}external_id: one of description, external_id or url is required")


_seen = _order("first_seen", "last_seen")
RULES: dict[type, list[Constraint]] = {
    sdo.Campaign: [_seen],
    sdo.Infrastructure: [_seen],
    sdo.IntrusionSet: [_seen],
    sdo.ThreatActor: [_seen],
    sdo.Malware: [_seen, _malware_name],
    sdo.Indicator: [_order("valid_from", "valid_until", strict=True), _indicator_pattern],
    sdo.ObservedData: [
        _order("first_observed", "last_observed"),
        _exactly_one("objects", "object_refs"),
    ],
    sdo.MalwareAnalysis: [_at_least_one("result", "analysis_sco_refs")],
    sdo.Location: [_location],
    sro.Relationship: [_order("start_time", "stop_time", strict=True)],
    sro.Sighting: [_seen],
    common.MarkingDefinition: [_marking_definition],
    common.GranularMarking: [_granular_marking],
    common.ExternalReference: [_external_reference],
    observables.File: [_at_least_one("hashes", "name")],
    observables.EmailMIMEComponent: [_at_least_one("body", "body_raw_ref")],
}
# Types whose remaining cross-property rules are left to the reference library.
ALSO_REFERENCE = (
    observables.Artifact,
    observables.EmailMessage,
    observables.NetworkTraffic,
    observables.Process,
    observables.X509Certificate,
)


def install() -> None:
    """Attach the rules to the compiled specs (idempotent)."""
    for cls, rules in RULES.items():
        spec = spec_for(cls)
        if not spec.constraints:
            spec.constraints.extend(rules)
    for cls in ALSO_REFERENCE:
        spec_for(cls).also_reference = True
    header = spec_for(observables.WindowsPEOptionalHeaderType)
    header.at_least_one = frozenset(header.checks) - {"extensions", "type"}
