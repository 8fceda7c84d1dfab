"""Validation of STIX 2.1 objects and TAXII 2.1 envelopes, fast and in step with the reference.

The reference is ``stix2.parse(obj, allow_custom=False)`` (``stix2`` 3.x) with
``stix2patterns`` for indicator patterns; the agreement tests
(``tests/unit/intel/test_validate_agreement.py``) hold this module to it on a
corpus of valid and mutated objects. Where this module is stricter, it is
because the reference builds Python objects and fills in or coerces what the
JSON lacks, while taawun stores and re-serves the JSON as received:

- ``id``, ``created``, ``modified`` and (for SDOs, SROs and meta objects)
  ``spec_version`` are required (STIX 2.1 §3.2, §6.1); the reference supplies
  defaults, and reads an SDO without ``spec_version`` as STIX 2.0.
- JSON types are exact (§2): no ``"5"`` for an integer, no bare string for a
  list, no ``null``, no empty list; identifiers use the hyphenated UUID form.
- ``modified`` must not precede ``created`` (§3.2) and ``confidence`` is
  0-100 (§3.2); the reference checks neither.

What one object may cost is bounded before it is parsed (``_stix_limits``: length of
strings and of a STIX pattern, nesting depth, size as JSON), and a reason quoting a
refused value is cut to ``MAX_REASON_LENGTH``.

Custom content follows ``allow_custom=False``: unknown object types, unknown
properties and unknown extensions are refused, except what STIX 2.1 §7.3
extension definitions make legal (new object types, top-level properties).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import stix2

from taawun.core.errors import InvalidInput
from taawun.intel import _stix_constraints
from taawun.intel._stix_checks import Reasons, timestamp_key
from taawun.intel._stix_limits import capped, limit_reasons
from taawun.intel._stix_schema import (
    ObjectSpec,
    check_properties,
    class_for,
    has_toplevel_extension,
    spec_for,
)

_stix_constraints.install()

__all__ = ["EnvelopeError", "ObjectResult", "validate_envelope", "validate_object"]

_SPECS: dict[str, ObjectSpec] = {}


class EnvelopeError(InvalidInput, ValueError):
    """The body is not a TAXII 2.1 envelope (§3.7.1): an object with an ``objects`` list."""


@dataclass(frozen=True, slots=True)
class ObjectResult:
    """The verdict on one object of an envelope, at its position there."""

    index: int
    id: str | None
    version: str | None  # ``modified``, else ``created`` (TAXII 2.1 §3.6 versions)
    ok: bool
    reasons: tuple[str, ...]


def _spec(type_name: str) -> ObjectSpec | None:
    spec = _SPECS.get(type_name)
    if spec is None:
        cls = class_for(type_name)
        if cls is None:
            return None
        spec = _SPECS[type_name] = spec_for(cls)
    return spec


def _reference_reasons(obj: Mapping[str, object]) -> Reasons:
    """The reference library's verdict, for the few shapes not reimplemented here."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stix2.parse(dict(obj), allow_custom=False)
    except Exception as exc:
        return [f"(object): {exc}"]
    return []


def _unknown_type(obj: Mapping[str, object], type_name: str) -> Reasons:
    """§7.3: an unknown type is legal only as a new object of an extension definition."""
    extensions = obj.get("extensions", {})
    if type(extensions) is not dict:
        return ["extensions: must be an object"]
    for key, extension in extensions.items():
        if type(extension) is not dict:
            return [f"extensions.{key}: must be an object"]
        kind = extension.get("extension_type", "")
        if type(kind) is not str:
            return [f"extensions.{key}.extension_type: must be a string"]
        if key.startswith("extension-definition--") and "property-extension" not in kind:
            return []
    return [
        f"type: unknown STIX 2.1 type '{type_name}' (custom object types are not accepted; "
        "a new type must be defined by an extension-definition and carry its "
        "new-sdo/new-sco/new-sro extension)"
    ]


def _selectors_resolve(obj: Mapping[str, object], reasons: Reasons) -> bool:
    """§7.2.3: each granular marking selector must name a present, non-empty value.

    Returns False when a selector walks into nested content; the reference
    decides those.
    """
    markings = obj.get("granular_markings")
    if not isinstance(markings, list):
        return True
    for index, marking in enumerate(markings):
        selectors = marking.get("selectors") if isinstance(marking, dict) else None
        for selector in selectors if isinstance(selectors, list) else ():
            if "." in selector:
                return False
            if not obj.get(selector):
                reasons.append(
                    f"granular_markings[{index}].selectors: '{selector}' selects nothing"
                )
    return True


def validate_object(obj: Mapping[str, object]) -> list[str]:
    """Reasons why ``obj`` is not a valid STIX 2.1 object; empty when it is.

    Each reason reads ``"<property path>: <problem>"``, at most ``MAX_REASON_LENGTH``
    characters. The limits on what one object may cost (``_stix_limits``) are checked
    first, before anything is parsed; this never raises on what JSON can hold.
    """
    if not isinstance(obj, Mapping):
        return ["(object): must be a JSON object"]
    reasons = limit_reasons(obj)
    if not reasons:
        try:
            reasons = _judge(obj)
        except RecursionError:  # a safety net: the limits keep every parser shallow
            reasons = ["(object): nested too deeply to be judged"]
    return [capped(reason) for reason in reasons]


def _judge(obj: Mapping[str, object]) -> list[str]:
    type_name = obj.get("type")
    if type_name is None:
        return ["type: required"]
    if type(type_name) is not str:
        return ["type: must be a string"]
    spec = _spec(type_name)
    if spec is None:
        return _unknown_type(obj, type_name)
    if type_name == "bundle":  # not a TAXII object; judged by the reference alone
        return _reference_reasons(obj)
    reasons: Reasons = []
    check_properties(spec, obj, "", reasons, allow_extra=has_toplevel_extension(obj))
    if reasons:
        return reasons
    created, modified = obj.get("created"), obj.get("modified")
    if (
        isinstance(created, str)
        and isinstance(modified, str)
        and timestamp_key(modified) < timestamp_key(created)
    ):
        reasons.append("modified: must be later than or equal to created")
    nested_selectors = not _selectors_resolve(obj, reasons)
    if not reasons and (
        spec.also_reference or nested_selectors or spec.reference_only & obj.keys()
    ):
        reasons.extend(_reference_reasons(obj))
    return reasons


def validate_envelope(body: object) -> list[ObjectResult]:
    """Judge each object of a TAXII 2.1 envelope (§3.7.1) on its own.

    A bad object fails alone; a body that is no envelope raises ``EnvelopeError``.
    """
    if not isinstance(body, Mapping):
        raise EnvelopeError("the envelope must be a JSON object", field="(body)")
    objects = body.get("objects")
    if objects is None:
        raise EnvelopeError("the envelope has no 'objects' list", field="objects")
    if not isinstance(objects, list):
        raise EnvelopeError("'objects' must be a list", field="objects")
    results = []
    for index, obj in enumerate(objects):
        reasons = validate_object(obj)
        if isinstance(obj, Mapping):
            id_ = obj.get("id")
            version = obj.get("modified", obj.get("created"))
        else:
            id_ = version = None
        results.append(
            ObjectResult(
                index=index,
                id=id_ if isinstance(id_, str) else None,
                version=version if isinstance(version, str) else None,
                ok=not reasons,
                reasons=tuple(reasons),
            )
        )
    return results
