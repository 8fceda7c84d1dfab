"""The STIX 2.1 object schemas, compiled once into tables of plain check functions.

The property tables (names, required flags, enumerations, reference targets)
are read from the declarative models of the reference library ``stix2``
(``stix2.v21``), whose classes cite the specification section of each type;
reading them rather than copying them keeps taawun in step with the
reference. What ``stix2`` supplies as a constructor default (``id``,
``created``, ``modified``, ``spec_version``) is required here, because the
objects taawun stores are the JSON as received (§3.2, §6.1 of STIX 2.1).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import stix2.hashes
from stix2 import properties as p
from stix2.registry import STIX2_OBJ_MAPS
from stix2.v21 import common
from stix2.v21.vocab import HASHING_ALGORITHM

from taawun.intel import _stix_checks as c

Constraint = Callable[[Mapping[str, object], str, c.Reasons], None]

_MAPS: Mapping[str, Mapping[str, type]] = STIX2_OBJ_MAPS["2.1"]
DOMAIN_TYPES = frozenset(_MAPS["objects"])  # SDOs, SROs, meta objects and bundle
OBSERVABLE_TYPES = frozenset(_MAPS["observables"])
_ALL_TYPES = DOMAIN_TYPES | OBSERVABLE_TYPES
_NOT_SDO = frozenset(
    {"relationship", "sighting", "marking-definition", "bundle", "language-content"}
)
_CLASS_MEMBERS = {
    "SDO": DOMAIN_TYPES - _NOT_SDO,
    "SCO": OBSERVABLE_TYPES,
    "SRO": frozenset({"relationship", "sighting"}),
}

# Properties whose check is not reimplemented; objects using them are also
# handed to the reference (see ``ObjectSpec.reference_only``).
_DELEGATED = (p.ObservableProperty, p.STIXObjectProperty)


@dataclass(slots=True)
class ObjectSpec:
    """What one STIX type (or embedded type) may and must contain."""

    name: str
    checks: dict[str, c.Check] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    # §7.3 extensions rule: every property of an _Extension counts for "at least one".
    at_least_one: frozenset[str] = frozenset()
    constraints: list[Constraint] = field(default_factory=list)
    reference_only: frozenset[str] = frozenset()
    also_reference: bool = False


def _reference_targets(prop: p.ReferenceProperty) -> frozenset[str]:
    """The registered types a reference may point to (custom types never)."""
    members: set[str] = set()
    for generic in prop.generics:
        members |= _CLASS_MEMBERS[generic.name]
    if prop.auth_type == prop._WHITELIST:
        return frozenset(t for t in _ALL_TYPES if t in members or t in prop.specifics)
    return frozenset(t for t in _ALL_TYPES if t not in members and t not in prop.specifics)


def _hash_names(spec_names: list[str]) -> dict[str, re.Pattern[str] | None]:
    names: dict[str, re.Pattern[str] | None] = {}
    for spec_name in spec_names:
        algorithm = stix2.hashes.infer_hash_algorithm(spec_name)
        key = algorithm.name if algorithm else spec_name.replace("-", "").upper()
        names[key] = stix2.hashes._HASH_REGEXES.get(algorithm) if algorithm else None
    return names


_HASHES = c.hashes_check(_hash_names(list(HASHING_ALGORITHM)))
_SPECS: dict[type, ObjectSpec] = {}


def _embedded_check(cls: type) -> c.Check:
    def check(value: object, path: str, reasons: c.Reasons) -> None:
        if type(value) is not dict:
            reasons.append(f"{path}: must be an object")
            return
        check_properties(spec, value, path + ".", reasons)

    spec = spec_for(cls)
    return check


def _compile(name: str, prop: p.Property) -> c.Check:  # noqa: PLR0911, PLR0912
    if hasattr(prop, "_fixed_value"):
        return c.fixed_check(prop._fixed_value)
    if isinstance(prop, p.IDProperty):
        return c.id_check(prop.required_prefix[:-2])
    if isinstance(prop, p.ReferenceProperty):
        return c.reference_check(_reference_targets(prop))
    if isinstance(prop, p.ListProperty):
        contained = prop.contained
        if inspect.isclass(contained):
            return c.list_check(_embedded_check(contained))
        return c.list_check(_compile(name, contained))
    if isinstance(prop, p.EnumProperty):
        return c.enum_check(frozenset(prop.allowed))
    if isinstance(prop, p.StringProperty):  # open vocabularies and patterns too
        return c.check_string
    if isinstance(prop, p.IntegerProperty):
        if name == "confidence":  # §3.2: 0-100; stix2 leaves it unbounded
            return c.integer_check(0, 100)
        return c.integer_check(prop.min, prop.max)
    if isinstance(prop, p.FloatProperty):
        return c.float_check(prop.min, prop.max)
    if isinstance(prop, p.BooleanProperty):
        return c.check_boolean
    if isinstance(prop, p.TimestampProperty):
        return c.check_timestamp
    if isinstance(prop, p.HashesProperty):
        return _HASHES
    if isinstance(prop, p.ExtensionsProperty):
        return check_extensions
    if isinstance(prop, p.DictionaryProperty):
        return c.check_dictionary
    if isinstance(prop, p.EmbeddedObjectProperty):
        return _embedded_check(prop.type)
    if isinstance(prop, p.SelectorProperty):
        return c.check_selector
    if isinstance(prop, p.HexProperty):
        return c.check_hex
    if isinstance(prop, p.BinaryProperty):
        return c.check_binary
    if isinstance(prop, common.MarkingProperty):
        return _check_object  # its content is checked with definition_type (constraints)
    raise TypeError(f"no check for {name}: {type(prop).__name__}")  # pragma: no cover


def spec_for(cls: type) -> ObjectSpec:
    """The compiled spec of a stix2 class, built on first use."""
    spec = _SPECS.get(cls)
    if spec is not None:
        return spec
    spec = ObjectSpec(name=getattr(cls, "_type", cls.__name__))
    _SPECS[cls] = spec  # before compiling: embedded types may refer back
    props: Mapping[str, p.Property] = cls._properties  # type: ignore[attr-defined]
    required = {k for k, v in props.items() if v.required}
    delegated = set()
    for key, prop in props.items():
        if isinstance(prop, _DELEGATED):
            delegated.add(key)
            continue
        spec.checks[key] = _compile(key, prop)
        if isinstance(prop, p.IDProperty) or (
            isinstance(prop, p.TimestampProperty) and key in {"created", "modified"}
        ):
            required.add(key)
        if key == "spec_version" and spec.name in DOMAIN_TYPES:
            required.add(key)
    spec.required = frozenset(required)
    spec.reference_only = frozenset(delegated)
    if any(base.__name__ == "_Extension" for base in cls.__mro__):
        spec.at_least_one = frozenset(props) - {"extensions", "type"}
    return spec


def _check_object(value: object, path: str, reasons: c.Reasons) -> None:
    if type(value) is not dict:
        reasons.append(f"{path}: must be an object")


def check_extensions(value: object, path: str, reasons: c.Reasons) -> None:
    """§7.3 ``extensions``: predefined extensions by name, others by definition id."""
    if type(value) is not dict:
        reasons.append(f"{path}: must be an object")
        return
    for key, extension in value.items():
        where = f"{path}.{key}"
        if type(extension) is not dict:
            reasons.append(f"{where}: must be an object")
            continue
        cls = _MAPS["extensions"].get(key)
        if cls is not None:
            check_properties(spec_for(cls), extension, where + ".", reasons)
        elif key.startswith("extension-definition--"):
            if c.UUID_RE.match(key, 22) is None:
                reasons.append(f"{where}: not an extension-definition identifier")
        else:
            reasons.append(
                f"{where}: unknown extension (custom extensions need an extension-definition id)"
            )


def has_toplevel_extension(obj: Mapping[str, object]) -> bool:
    """Whether a §7.3 toplevel-property-extension makes extra properties legal.

    As in stix2, an unregistered extension declaring ``extension_type``
    ``toplevel-property-extension`` lets any further top-level property through.
    """
    extensions = obj.get("extensions")
    if type(extensions) is not dict:
        return False
    return any(
        type(ext) is dict
        and ext.get("extension_type") == "toplevel-property-extension"
        and key not in _MAPS["extensions"]
        for key, ext in extensions.items()
    )


def check_properties(
    spec: ObjectSpec,
    obj: Mapping[str, object],
    prefix: str,
    reasons: c.Reasons,
    *,
    allow_extra: bool = False,
) -> None:
    """Check every property of ``obj`` against ``spec``; refuse unknown ones."""
    start = len(reasons)
    checks = spec.checks
    for key, value in obj.items():
        check = checks.get(key)
        if check is not None:
            if value is None:
                reasons.append(f"{prefix}{key}: must not be null")
            else:
                check(value, prefix + key, reasons)
        elif not allow_extra and key not in spec.reference_only:
            reasons.append(
                f"{prefix}{key}: unknown property of {spec.name} "
                "(custom properties are not accepted)"
            )
    missing = spec.required.difference(obj)
    for key in sorted(missing):
        reasons.append(f"{prefix}{key}: required")
    for key in sorted(spec.required.intersection(obj)):
        if obj[key] in ("", [], {}):  # stix2 counts an empty value as no value
            reasons.append(f"{prefix}{key}: required, and must not be empty")
    if spec.at_least_one and spec.at_least_one.isdisjoint(obj):
        reasons.append(
            f"{prefix}(object): needs at least one of {', '.join(sorted(spec.at_least_one))}"
        )
    if spec.constraints and len(reasons) == start:
        for constraint in spec.constraints:
            constraint(obj, prefix, reasons)


def class_for(type_name: str) -> type | None:
    return _MAPS["objects"].get(type_name) or _MAPS["observables"].get(type_name)
