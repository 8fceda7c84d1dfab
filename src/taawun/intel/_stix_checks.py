"""Checks of single STIX 2.1 property values, as plain functions over JSON values.

Each check appends ``"<path>: <problem>"`` to a list of reasons and returns
nothing; a check never raises on malformed input. The values are JSON as
received (``orjson.loads``), so types are checked strictly: the reference
library ``stix2`` coerces Python values (``str(123)``, ``int("5")``, a bare
string as a one-item list), which a validator of stored JSON must not.

Spec references are to STIX 2.1 (OASIS Standard, 10 June 2021), section 2
"Common Data Types".
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from datetime import datetime

Reasons = list[str]
Check = Callable[[object, str, Reasons], None]

# §2.9 identifier: ``<type>--<UUID>``; stix2 accepts any RFC 4122 *variant*
# (version unchecked), so do we. Only the canonical hyphenated form is accepted.
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
UUID_RE = re.compile(_UUID + r"\Z")
# §2.15 timestamp: RFC 3339, UTC with "Z"; stix2 parses at most microseconds.
_TIMESTAMP_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z\Z")
# §2.7 dictionary keys: ASCII letters, digits, "-" and "_", at most 250 characters.
_DICT_KEY_RE = re.compile(r"^[a-zA-Z0-9_-]+$")
# §7.2.1.1 granular marking selectors (the stix2 regex).
_SELECTOR_RE = re.compile(r"^([a-z0-9_-]{3,250}(\.(\[\d+\]|[a-z0-9_-]{1,250}))*|id)$")
_HEX_RE = re.compile(r"^([a-fA-F0-9]{2})+$")

_valid_seconds: dict[str, bool] = {}


def timestamp_key(value: str) -> str:
    """A string that sorts as the instant of a checked timestamp does."""
    if len(value) == 20:  # no fractional seconds
        return value[:19] + "000000"
    return value[:19] + value[20:-1].ljust(6, "0")


def check_timestamp(value: object, path: str, reasons: Reasons) -> None:
    """§2.15: ``YYYY-MM-DDTHH:MM:SS[.s+]Z``, a real calendar instant."""
    if type(value) is not str or _TIMESTAMP_RE.match(value) is None:
        reasons.append(f"{path}: must be a timestamp like 2021-06-10T12:00:00.000Z (UTC, 'Z')")
        return
    head = value[:19]
    ok = _valid_seconds.get(head)
    if ok is None:
        try:
            datetime.fromisoformat(head)
            ok = True
        except ValueError:
            ok = False
        if len(_valid_seconds) < 100_000:
            _valid_seconds[head] = ok
    if not ok:
        reasons.append(f"{path}: '{value}' is not a real date and time")


def check_string(value: object, path: str, reasons: Reasons) -> None:
    if type(value) is not str:
        reasons.append(f"{path}: must be a string")


def check_boolean(value: object, path: str, reasons: Reasons) -> None:
    if type(value) is not bool:
        reasons.append(f"{path}: must be true or false")


def integer_check(minimum: int | None, maximum: int | None) -> Check:
    def check(value: object, path: str, reasons: Reasons) -> None:
        if type(value) is not int:
            reasons.append(f"{path}: must be an integer")
        elif minimum is not None and value < minimum:
            reasons.append(f"{path}: must be at least {minimum}, not {value}")
        elif maximum is not None and value > maximum:
            reasons.append(f"{path}: must be at most {maximum}, not {value}")

    return check


def float_check(minimum: float | None, maximum: float | None) -> Check:
    def check(value: object, path: str, reasons: Reasons) -> None:
        if type(value) is not int and type(value) is not float:
            reasons.append(f"{path}: must be a number")
        elif minimum is not None and value < minimum:
            reasons.append(f"{path}: must be at least {minimum}, not {value}")
        elif maximum is not None and value > maximum:
            reasons.append(f"{path}: must be at most {maximum}, not {value}")

    return check


def fixed_check(expected: str) -> Check:
    def check(value: object, path: str, reasons: Reasons) -> None:
        if value != expected or type(value) is not str:
            reasons.append(f"{path}: must be '{expected}'")

    return check


def enum_check(allowed: frozenset[str]) -> Check:
    def check(value: object, path: str, reasons: Reasons) -> None:
        if type(value) is not str:
            reasons.append(f"{path}: must be a string")
        elif value not in allowed:
            reasons.append(f"{path}: '{value}' is not one of {', '.join(sorted(allowed))}")

    return check


def id_check(object_type: str) -> Check:
    """§2.9: the object's own ``id`` is ``<its type>--<UUID>``."""
    prefix = object_type + "--"
    cut = len(prefix)

    def check(value: object, path: str, reasons: Reasons) -> None:
        if type(value) is not str or not value.startswith(prefix):
            reasons.append(f"{path}: must be an identifier '{prefix}<UUID>'")
        elif UUID_RE.match(value, cut) is None:
            reasons.append(f"{path}: '{value}' does not end in an RFC 4122 UUID")

    return check


def reference_check(allowed: frozenset[str]) -> Check:
    """§2.9 identifier referring to one of ``allowed`` types (custom types refused)."""

    def check(value: object, path: str, reasons: Reasons) -> None:
        if type(value) is not str:
            reasons.append(f"{path}: must be a STIX identifier string")
            return
        cut = value.find("--")
        if cut < 0 or UUID_RE.match(value, cut + 2) is None:
            reasons.append(f"{path}: '{value}' is not an identifier '<type>--<UUID>'")
        elif value[:cut] not in allowed:
            reasons.append(f"{path}: may not refer to an object of type '{value[:cut]}'")

    return check


def list_check(item: Check) -> Check:
    """§2.8 list: a non-empty JSON array whose items pass ``item``."""

    def check(value: object, path: str, reasons: Reasons) -> None:
        if type(value) is not list:
            reasons.append(f"{path}: must be a list")
        elif not value:
            reasons.append(f"{path}: must not be an empty list")
        else:
            for index, entry in enumerate(value):
                item(entry, f"{path}[{index}]", reasons)

    return check


def check_dictionary(value: object, path: str, reasons: Reasons) -> None:
    """§2.7 dictionary: a non-empty object with well-formed keys."""
    if type(value) is not dict:
        reasons.append(f"{path}: must be an object")
        return
    if not value:
        reasons.append(f"{path}: must not be empty")
    for key in value:
        if len(key) > 250 or _DICT_KEY_RE.match(key) is None:
            reasons.append(f"{path}: key '{key}' must be 1-250 of a-z, A-Z, 0-9, '-', '_'")


def check_selector(value: object, path: str, reasons: Reasons) -> None:
    if type(value) is not str or _SELECTOR_RE.match(value) is None:
        reasons.append(f"{path}: must be a selector like 'description' or 'labels.[0]'")


def check_hex(value: object, path: str, reasons: Reasons) -> None:
    """§2.6 hex: an even number of hexadecimal characters."""
    if type(value) is not str or _HEX_RE.match(value) is None:
        reasons.append(f"{path}: must be an even number of hexadecimal characters")


def check_binary(value: object, path: str, reasons: Reasons) -> None:
    """§2.1 binary: base64 (decoded as stix2 does, without strict validation)."""
    if type(value) is not str:
        reasons.append(f"{path}: must be a base64 string")
        return
    try:
        base64.b64decode(value)
    except (binascii.Error, ValueError):
        reasons.append(f"{path}: must be a base64 string")


def hashes_check(names: Mapping[str, re.Pattern[str] | None]) -> Check:
    """§2.5 hashes: keys from hash-algorithm-ov (matched as stix2 normalises them).

    ``names`` maps each accepted algorithm, named as stix2 normalises keys
    (upper case, no "-": ``sha-256`` is ``SHA256``), to the regex its value
    must match (None: any string).
    """

    def check(value: object, path: str, reasons: Reasons) -> None:
        if type(value) is not dict:
            reasons.append(f"{path}: must be an object of hash values")
            return
        if not value:
            reasons.append(f"{path}: must not be empty")
        for key, digest in value.items():
            algorithm = key.replace("-", "").upper()
            if algorithm not in names:
                reasons.append(f"{path}: '{key}' is not a hash algorithm of hash-algorithm-ov")
                continue
            pattern = names[algorithm]
            if type(digest) is not str or (pattern is not None and pattern.match(digest) is None):
                reasons.append(f"{path}: '{digest}' is not a valid {key} hash")

    return check
