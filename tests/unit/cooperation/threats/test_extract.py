"""What an object gives the index: pattern comparisons, observables, threat names."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2patterns.validator import run_validator

from taawun.cooperation.threats import extract

SHA = "ab" * 32


@pytest.mark.parametrize(
    ("pattern", "values"),
    [
        ("[ipv4-addr:value = '198.51.100.7']", [("ipv4", "198.51.100.7")]),
        ("[ipv4-addr:value = '198.51.100.0/24']", [("cidr4", "198.51.100.0/24")]),
        ("[ipv6-addr:value = '2001:DB8::1']", [("ipv6", "2001:db8::1")]),
        ("[domain-name:value = 'Evil.Example.COM']", [("domain", "evil.example.com")]),
        ("[url:value = 'hxxp://evil[.]example/x']", [("url", "http://evil.example/x")]),
        ("[email-addr:value = 'A@Evil.Example']", [("email", "a@evil.example")]),
        (f"[file:hashes.'SHA-256' = '{SHA.upper()}']", [("sha256", SHA)]),
        (f"[file:hashes.MD5 = '{'c' * 32}']", [("md5", "c" * 32)]),
        ("[mutex:name = 'Global\\\\evil']", [("mutex", "Global\\evil")]),
        ("[windows-registry-key:key = 'HKLM\\\\Run']", [("regkey", "hkey_local_machine\\run")]),
        ("[autonomous-system:number = 64496]", [("asn", "64496")]),
        # Several comparisons, observations and operators: every = value, in order, once.
        (
            "[ipv4-addr:value = '198.51.100.7' OR ipv4-addr:value = '198.51.100.7'] AND "
            "[domain-name:value = 'a.example'] FOLLOWEDBY [url:value != 'http://b.example/']",
            [("ipv4", "198.51.100.7"), ("domain", "a.example")],
        ),
        # Only = and IN name exact values.
        ("[domain-name:value LIKE '%.example']", []),
        ("[domain-name:value MATCHES '^a']", []),
        ("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", []),
        (
            "[ipv4-addr:value IN ('198.51.100.1', '198.51.100.2')]",
            [("ipv4", "198.51.100.1"), ("ipv4", "198.51.100.2")],
        ),
        (
            "[network-traffic:dst_ref.value = '198.51.100.9' AND network-traffic:dst_port = 443]",
            [("ipv4", "198.51.100.9")],
        ),
        ("[email-message:from_ref.value = 'x@evil.example']", [("email", "x@evil.example")]),
        ("[file:name = 'svchost.exe']", []),  # a file name is no indicator on its own
        ("[ipv4-addr:value = 'not an address']", []),
        (
            "([ipv4-addr:value = '198.51.100.7'] AND [domain-name:value = 'a.example']) "
            "WITHIN 300 SECONDS",
            [("ipv4", "198.51.100.7"), ("domain", "a.example")],
        ),
    ],
)
def test_pattern_values(pattern: str, values: list[tuple[str, str]]) -> None:
    assert not run_validator(pattern), pattern  # each is a valid STIX 2.1 pattern
    assert Counter(extract.pattern_values(pattern)) == Counter(values)


def test_indicators_of_other_languages_and_strange_objects_give_nothing() -> None:
    sigma = {"type": "indicator", "pattern_type": "sigma", "pattern": "title: x"}
    assert extract.values_of(sigma) == []
    assert extract.values_of({"type": "indicator", "pattern_type": "stix", "pattern": 7}) == []
    assert extract.values_of({"type": "indicator", "pattern_type": "stix", "pattern": "[("}) == []
    assert extract.values_of({"type": "ipv4-addr", "value": ["1.2.3.4"]}) == []
    assert extract.values_of({"type": "relationship"}) == []


def test_observables_and_named_threats() -> None:
    assert extract.values_of({"type": "ipv4-addr", "value": "198.51.100.7/32"}) == [
        ("ipv4", "198.51.100.7")
    ]
    assert extract.values_of({"type": "domain-name", "value": "Evil.Example."}) == [
        ("domain", "evil.example")
    ]
    assert extract.values_of(
        {"type": "file", "hashes": {"SHA-256": SHA, "MD5": "0" * 32, "SSDEEP": "3:a:b"}}
    ) == [("sha256", SHA), ("md5", "0" * 32)]
    assert extract.values_of({"type": "autonomous-system", "number": 64496}) == [("asn", "64496")]
    actor = {"type": "intrusion-set", "name": "APT 28", "aliases": ["Fancy Bear", "apt-28", 7]}
    assert extract.values_of(actor) == [("entity", "apt 28"), ("entity", "fancy bear")]
    for kind in ("threat-actor", "malware", "campaign", "tool"):
        assert extract.values_of({"type": kind, "name": "Emotet"}) == [("entity", "emotet")]


# --- the fast path reads simple patterns as the reference parser does -------------------

_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
_COMPARISONS = st.one_of(
    st.tuples(st.just("ipv4-addr:value"), st.ip_addresses(v=4).map(str)),
    st.tuples(st.just("ipv6-addr:value"), st.ip_addresses(v=6).map(str)),
    st.tuples(
        st.just("domain-name:value"), st.from_regex(r"[a-z]{1,10}\.[a-z]{2,5}", fullmatch=True)
    ),
    st.tuples(st.just("url:value"), _TEXT),
    st.tuples(st.just("file:hashes.'SHA-256'"), st.from_regex(r"[0-9a-fA-F]{64}", fullmatch=True)),
    st.tuples(st.just("file:hashes.MD5"), st.from_regex(r"[0-9a-f]{32}", fullmatch=True)),
    st.tuples(st.just("file:name"), _TEXT),
    st.tuples(st.just("mutex:name"), _TEXT),
    st.tuples(st.just("email-addr:value"), _TEXT),
)


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


@st.composite
def simple_patterns(draw: st.DrawFn) -> str:
    observations = []
    for _ in range(draw(st.integers(1, 3))):
        comparisons = [
            f"{path} {draw(st.sampled_from(['=', '!=']))} {_literal(value)}"
            for path, value in draw(st.lists(_COMPARISONS, min_size=1, max_size=3))
        ]
        joiner = draw(st.sampled_from([" AND ", " OR "]))
        observations.append("[" + joiner.join(comparisons) + "]")
    return draw(st.sampled_from([" AND ", " OR ", " FOLLOWEDBY "])).join(observations)


@settings(max_examples=150, deadline=None)
@given(simple_patterns())
def test_the_fast_path_agrees_with_the_reference_parser(pattern: str) -> None:
    """Every pattern the regular expressions read is read as ``inspect`` reads it."""
    assert extract._SIMPLE.match(pattern) is not None, repr(pattern)  # the fast path takes it
    fast = Counter(
        (m["type"], tuple(s.strip("'") for s in m["path"].split(".")), m["op"], m["literal"])
        for m in extract._ONE.finditer(pattern)
    )
    reference = Counter(
        (kind, tuple(path), op, literal) for kind, path, op, literal in extract._inspected(pattern)
    )
    assert fast == reference
    slow: list[Any] = []
    for kind, path, op, literal in extract._inspected(pattern):
        for text in extract._literal_values(op, literal):
            found = extract._comparison(kind, path, text)
            if found is not None:
                slow.append(found)
    assert Counter(extract.pattern_values(pattern)) == Counter(list(dict.fromkeys(slow)))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(
    st.sampled_from(sorted(extract.NAMED_TYPES | {"indicator", "ipv4-addr", "file", "url", "x"})),
    st.dictionaries(
        st.sampled_from(["name", "aliases", "value", "hashes", "pattern", "pattern_type", "key"]),
        _JSON,
    ),
)
def test_no_object_makes_the_extractor_raise(kind: str, props: dict[str, Any]) -> None:
    found = extract.values_of({**props, "type": kind})
    assert len(found) == len(set(found)) <= extract.MAX_VALUES
