"""What a STIX object says that another report may say too: its observable values and the
names of the threats it describes, normalised (``normalize.py``). Pure functions.

- Indicators (``pattern_type`` ``stix``, STIX 2.1 §9): the values compared with ``=`` or
  ``IN`` in the pattern. ``!=``, ``LIKE``, ``MATCHES`` and the set operators name no
  exact value, and are skipped. Patterns are read with ``stix2patterns``
  (``Pattern(...).inspect()``), which costs about half a millisecond each; most patterns
  are a few ``=`` comparisons, and those are read by one regular expression instead
  (``_SIMPLE``, held to give what ``inspect`` gives by the tests).
- Cyber-observable objects (§6): ``ipv4-addr``, ``ipv6-addr``, ``domain-name``, ``url``,
  ``email-addr``, ``file``/``artifact`` hashes, ``mutex``, ``windows-registry-key``,
  ``autonomous-system``.
- Named threats (§4): ``threat-actor``, ``intrusion-set``, ``malware``, ``campaign`` and
  ``tool``: ``name`` and every alias (``aliases``; a threat actor's too), one ``entity``
  value each.

Which comparison gives which kind (``_comparison``): ``ipv4-addr:value``,
``ipv6-addr:value``, ``network-traffic:src_ref.value``/``dst_ref.value`` → addresses and
networks; ``domain-name:value`` → domain; ``url:value`` → URL;
``email-addr:value`` and ``email-message:from_ref.value`` (``sender_ref``, ``to_refs``...)
→ e-mail; any ``...hashes.ALG`` → hash; ``mutex:name``; ``windows-registry-key:key``;
``autonomous-system:number``.

Nothing here raises on a strange object: ingest has already judged it, and the index must
never fail a submission (an unreadable pattern yields no value).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from taawun.cooperation.threats import kinds
from taawun.cooperation.threats.normalize import (
    Value,
    address,
    asn,
    domain,
    email,
    entity,
    file_hash,
    mutex,
    registry_key,
    url,
)

NAMED_TYPES = frozenset({"threat-actor", "intrusion-set", "malware", "campaign", "tool"})
MAX_VALUES = 200  # values one object may add to the index; the rest are not indexed

_STRING = r"'(?:[^'\\]|\\['\\])*'"
_TYPE = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
_STEP = r"(?:[A-Za-z_][A-Za-z0-9_]*|'[A-Za-z0-9-]+')"
_BARE = (
    rf"{_TYPE}:{_STEP}(?:\.{_STEP})*\s*!?=\s*(?:{_STRING}|-?[0-9]+)"  # a comparison, for _SIMPLE
)
_COMPARISON = (
    rf"(?P<type>{_TYPE}):(?P<path>{_STEP}(?:\.{_STEP})*)\s*(?P<op>!?=)\s*"
    rf"(?P<literal>{_STRING}|-?[0-9]+)"
)
_OBSERVATION = rf"\[\s*{_BARE}(?:\s+(?:AND|OR)\s+{_BARE})*\s*\]"
_SIMPLE = re.compile(rf"\s*{_OBSERVATION}(?:\s+(?:AND|OR|FOLLOWEDBY)\s+{_OBSERVATION})*\s*\Z")
_ONE = re.compile(_COMPARISON)
_SINGLE = re.compile(  # one comparison with "=", a string (what _SIMPLE and _ONE read it as)
    rf"\[\s*(?P<type>{_TYPE}):(?P<path>{_STEP}(?:\.{_STEP})*)\s*=\s*"
    rf"'(?P<text>[^'\\]*(?:\\['\\][^'\\]*)*)'\s*\]\Z"  # _STRING's inner part, unrolled
)
_LITERALS = re.compile(_STRING)
_ESCAPE = re.compile(r"\\(['\\])")
_EMAIL_REFS = frozenset({"from_ref", "sender_ref", "to_refs", "cc_refs", "bcc_refs"})


def _unquote(literal: str) -> str | None:
    """The text of a STIX pattern string literal (``'...'``, with ``\\'`` and ``\\\\``)."""
    if len(literal) < 2 or literal[0] != "'" or literal[-1] != "'":
        return None
    inner = literal[1:-1]
    return _ESCAPE.sub(r"\1", inner) if "\\" in inner else inner


def _domain(text: str) -> Value | None:
    return _named(kinds.DOMAIN, domain(text))


def _url(text: str) -> Value | None:
    return _named(kinds.URL, url(text))


def _email(text: str) -> Value | None:
    return _named(kinds.EMAIL, email(text))


def _mutex(text: str) -> Value | None:
    return _named(kinds.MUTEX, mutex(text))


def _registry_key(text: str) -> Value | None:
    return _named(kinds.REGISTRY_KEY, registry_key(text))


def _asn(text: str) -> Value | None:
    return _named(kinds.ASN, asn(text))


def _endpoint(text: str) -> Value | None:
    """A network-traffic end: an address, or the domain name it refers to."""
    return address(text) or _domain(text)


# (object type, property path) -> what the compared value is.
_READERS: dict[tuple[str, tuple[str, ...]], Callable[[str], Value | None]] = {
    ("ipv4-addr", ("value",)): address,
    ("ipv6-addr", ("value",)): address,
    ("domain-name", ("value",)): _domain,
    ("url", ("value",)): _url,
    ("email-addr", ("value",)): _email,
    ("network-traffic", ("src_ref", "value")): _endpoint,
    ("network-traffic", ("dst_ref", "value")): _endpoint,
    ("mutex", ("name",)): _mutex,
    ("windows-registry-key", ("key",)): _registry_key,
    ("autonomous-system", ("number",)): _asn,
}


def _comparison(object_type: str, path: Sequence[str], text: str) -> Value | None:
    """The value one ``=`` comparison names, or None when it names none the index keeps."""
    steps = tuple(path) if "'" not in "".join(path) else tuple(s.strip("'") for s in path)
    if len(steps) >= 2 and steps[-2] == "hashes":
        return file_hash(steps[-1], text)
    if object_type == "email-message" and steps[-1:] == ("value",) and steps[0] in _EMAIL_REFS:
        return _email(text)
    reader = _READERS.get((object_type, steps))
    return None if reader is None else reader(text)


def _named(kind: str, value: str | None) -> Value | None:
    return None if value is None else (kind, value)


def _literal_values(op: str, literal: str) -> list[str]:
    if op == "=":
        text = _unquote(literal) if literal.startswith("'") else literal
        return [] if text is None else [text]
    if op == "IN":
        return [t for lit in _LITERALS.findall(literal) if (t := _unquote(lit)) is not None]
    return []


def pattern_values(pattern: str) -> list[Value]:
    """The values a STIX pattern compares with ``=`` (or ``IN``), normalised, in order."""
    single = _SINGLE.match(pattern)
    if single is not None:  # most indicators: [ipv4-addr:value = '...'], [file:hashes.MD5 = '...']
        text, path = single["text"], single["path"]
        found = _comparison(
            single["type"],
            path.split(".") if "." in path else (path,),
            _ESCAPE.sub(r"\1", text) if "\\" in text else text,
        )
        return [] if found is None else [found]
    if _SIMPLE.match(pattern) is not None:
        comparisons: Iterable[tuple[str, list[str], str, str]] = (
            (m["type"], m["path"].split("."), m["op"], m["literal"]) for m in _ONE.finditer(pattern)
        )
    else:
        comparisons = _inspected(pattern)
    out: list[Value] = []
    for object_type, path, op, literal in comparisons:
        for text in _literal_values(op, literal):
            found = _comparison(object_type, path, text)
            if found is not None:
                out.append(found)
    return list(dict.fromkeys(out))


def _inspected(pattern: str) -> list[tuple[str, list[str], str, str]]:
    """The comparisons of a pattern as the reference parser reads them (``inspect``)."""
    from stix2patterns.pattern import Pattern

    try:
        data = Pattern(pattern).inspect()
    except Exception:  # an unreadable pattern names no value; ingest has judged it
        return []
    return [
        (object_type, [str(step) for step in path], op, literal)
        for object_type, found in data.comparisons.items()
        for path, op, literal in found
        if isinstance(literal, str)
    ]


def _hashes(hashes: object) -> list[Value]:
    if not isinstance(hashes, Mapping):
        return []
    return [
        v
        for algorithm, digest in hashes.items()
        if isinstance(algorithm, str)
        and isinstance(digest, str)
        and (v := file_hash(algorithm, digest)) is not None
    ]


# An observable's property that holds its value, by type (``file`` and ``artifact``: hashes).
_VALUE_PROPERTY = {
    "ipv4-addr": "value",
    "ipv6-addr": "value",
    "domain-name": "value",
    "url": "value",
    "email-addr": "value",
    "mutex": "name",
    "windows-registry-key": "key",
    "autonomous-system": "number",
}


def _observable(obj: Mapping[str, Any]) -> list[Value]:
    kind = obj.get("type")
    if kind in ("file", "artifact"):
        return _hashes(obj.get("hashes"))
    prop = _VALUE_PROPERTY.get(kind) if isinstance(kind, str) else None
    if prop is None:
        return []
    value = obj.get(prop)
    if isinstance(value, bool) or not isinstance(value, str | int):
        return []
    found = _READERS[(str(kind), (prop,))](str(value))
    return [] if found is None else [found]


def _names(obj: Mapping[str, Any]) -> list[Value]:
    names: list[object] = [obj.get("name")]
    aliases = obj.get("aliases")
    if isinstance(aliases, list):
        names.extend(aliases)
    return [
        (kinds.ENTITY, n)
        for name in names
        if isinstance(name, str) and (n := entity(name)) is not None
    ]


def values_of(obj: Mapping[str, Any]) -> list[Value]:
    """Every value ``obj`` gives the index, distinct, at most ``MAX_VALUES``."""
    kind = obj.get("type")
    if kind == "indicator":
        pattern = obj.get("pattern")
        if obj.get("pattern_type") != "stix" or not isinstance(pattern, str):
            return []
        found = pattern_values(pattern)
    elif kind in NAMED_TYPES:
        found = _names(obj)
    else:
        found = _observable(obj)
    return list(dict.fromkeys(found))[:MAX_VALUES]
