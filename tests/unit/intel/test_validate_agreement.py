"""taawun's STIX validator against the reference: ``stix2.parse(allow_custom=False)``.

The corpus: valid objects of every common type, built with ``stix2`` itself
(fixed ids and times), and systematic mutations of each. For every object the
verdicts must agree, except for mutations tagged with a documented reason
where taawun is deliberately stricter than the reference (see
``taawun.intel.validate``); for those, taawun must reject. Nowhere may
taawun accept what the reference rejects.
"""

from __future__ import annotations

import copy
import random
import uuid
import warnings
from collections.abc import Iterator

import orjson
import pytest
import stix2
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2patterns.validator import run_validator

from taawun.intel._stix_pattern import pattern_errors
from taawun.intel.validate import validate_object

Obj = dict[str, object]

# Why taawun is stricter than the reference, by mutation tag.
STRICTER = {
    "default": "stix2 fills in id/created/modified/spec_version (or reads the object as 2.0)",
    "coercion": "stix2 coerces JSON types (str(123), int('5'), 'x' -> ['x']); drops null and []",
    "order": "stix2 does not check modified >= created (STIX 2.1 §3.2 MUST)",
    "confidence": "stix2 does not bound confidence to 0-100 (STIX 2.1 §3.2)",
    "loophole": "stix2 takes a 'custom_properties' key as allow_custom=True (a bypass)",
    "uuid": "stix2 accepts any form uuid.UUID() parses (no hyphens, braces, urn:uuid:)",
}

PATTERNS = [
    "[ipv4-addr:value = '198.51.100.{n}']",
    "[domain-name:value = 'bad{n}.example.com']",
    "[url:value = 'http://bad{n}.example.com/x']",
    "[file:hashes.'SHA-256' = '{sha256}']",
    "[file:hashes.MD5 = '{md5}' OR file:name = 'evil{n}.exe']",
    "[email-addr:value = 'x{n}@example.com'] AND [ipv4-addr:value = '203.0.113.{n}']",
    "[network-traffic:dst_port = {n}]",
    "[file:name MATCHES '^evil{n}'] WITHIN 300 SECONDS",
    "[process:name = 'a{n}' AND process:pid > 4] REPEATS 2 TIMES",
    "([ipv4-addr:value = '10.0.0.{n}'] FOLLOWEDBY [domain-name:value LIKE 'x{n}%'])",
]
BAD_PATTERNS = [
    "ipv4-addr:value = '1.2.3.4'",
    "[ipv4-addr:value = '1.2.3.4'",
    "[ipv4-addr:value = 1.2.3.4]",
    "[ipv4-addr value = '1.2.3.4']",
    "[file:hashes.MD5 = 'abc']",
    "[file:hashes.'SHA-256' = 'zz']",
    "[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS WITHIN 6 SECONDS",
    "[ipv4-addr:value == '1.2.3.4']",
    "[]",
    "[ipv4-addr:value = '1.2.3.4'] AND",
    "[Ipv4-addr:value = 'x' AND]",
    "[x:y = 'it''s']",
]


class Maker:
    """Valid STIX objects with ids and times drawn from a seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = 0

    def uid(self, type_: str) -> str:
        return f"{type_}--{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"

    def ts(self, year: int = 2020) -> str:
        ms = self.rng.randrange(1000)
        return (
            f"{year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}T10:20:30.{ms:03d}Z"
        )

    def common(self, type_: str) -> dict[str, object]:
        created = self.ts(2020)
        return {
            "id": self.uid(type_),
            "created": created,
            "modified": created.replace("2020", "2021", 1),
        }

    def hexdigits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def extras(self) -> dict[str, object]:
        extra: dict[str, object] = {}
        if self.rng.random() < 0.5:
            extra["object_marking_refs"] = [str(stix2.TLP_GREEN.id)]
        if self.rng.random() < 0.3:
            extra["labels"] = ["malicious-activity"]
            extra["confidence"] = self.rng.randint(0, 100)
            extra["lang"] = "en"
        if self.rng.random() < 0.3:
            extra["external_references"] = [
                {"source_name": "mitre-attack", "external_id": f"T{1000 + self.n}"}
            ]
        return extra

    def objects(self) -> Iterator[Obj]:
        self.n += 1
        n, rng = self.n, self.rng
        ident = stix2.Identity(
            name=f"Agency {n}", identity_class="organization", **self.common("identity")
        )
        yield ident
        pattern = rng.choice(PATTERNS).format(
            n=n % 250, sha256=self.hexdigits(64), md5=self.hexdigits(32)
        )
        c = self.common("indicator")
        yield stix2.Indicator(
            pattern=pattern,
            pattern_type="stix",
            valid_from=c["created"],
            created_by_ref=ident.id,
            indicator_types=["malicious-activity"],
            **c,
            **self.extras(),
        )
        malware = stix2.Malware(
            name=f"Family{n}",
            is_family=True,
            malware_types=["trojan"],
            **self.common("malware"),
            **self.extras(),
        )
        yield malware
        yield stix2.Malware(is_family=False, **self.common("malware"))
        actor = stix2.ThreatActor(
            name=f"Actor {n}",
            threat_actor_types=["nation-state"],
            first_seen=self.ts(2019),
            last_seen=self.ts(2022),
            **self.common("threat-actor"),
        )
        yield actor
        yield stix2.IntrusionSet(
            name=f"Set {n}", aliases=["APT0"], **self.common("intrusion-set"), **self.extras()
        )
        ap = stix2.AttackPattern(
            name="Spearphishing",
            kill_chain_phases=[{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}],
            external_references=[
                {
                    "source_name": "capec",
                    "external_id": "CAPEC-163",
                    "url": "https://capec.mitre.org/",
                }
            ],
            **self.common("attack-pattern"),
        )
        yield ap
        yield stix2.Relationship(
            relationship_type="uses",
            source_ref=actor.id,
            target_ref=malware.id,
            **self.common("relationship"),
        )
        yield stix2.Sighting(
            sighting_of_ref=ap.id,
            count=rng.randint(0, 50),
            first_seen=self.ts(2019),
            last_seen=self.ts(2022),
            where_sighted_refs=[ident.id],
            **self.common("sighting"),
        )
        yield stix2.Report(
            name=f"Report {n}",
            published=self.ts(2022),
            object_refs=[actor.id, malware.id],
            report_types=["threat-report"],
            **self.common("report"),
        )
        ip = stix2.IPv4Address(value=f"198.51.100.{n % 250}", id=self.uid("ipv4-addr"))
        dom = stix2.DomainName(value=f"bad{n}.example.com", id=self.uid("domain-name"))
        yield ip
        yield dom
        yield stix2.IPv6Address(value="2001:db8::1", id=self.uid("ipv6-addr"))
        yield stix2.URL(value=f"http://bad{n}.example.com/", id=self.uid("url"))
        yield stix2.File(
            name=f"evil{n}.exe",
            hashes={"SHA-256": self.hexdigits(64), "MD5": self.hexdigits(32)},
            size=1024,
            id=self.uid("file"),
        )
        yield stix2.EmailAddress(
            value=f"x{n}@example.com", display_name="X", id=self.uid("email-addr")
        )
        c = self.common("observed-data")
        yield stix2.ObservedData(
            first_observed=c["created"],
            last_observed=c["modified"],
            number_observed=3,
            object_refs=[ip.id, dom.id],
            **c,
        )
        yield rng.choice([stix2.TLP_WHITE, stix2.TLP_GREEN, stix2.TLP_AMBER, stix2.TLP_RED])
        yield stix2.MarkingDefinition(
            definition_type="statement",
            definition={"statement": f"Copyright {n}"},
            id=self.uid("marking-definition"),
            created=self.ts(),
        )
        yield {  # TLP 2.0 (an extension-definition marking)
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            "created": "2022-10-01T00:00:00.000Z",
            "name": "TLP:GREEN",
            "extensions": {
                "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                    "extension_type": "property-extension",
                    "tlp_2_0": "green",
                }
            },
        }
        yield stix2.ExtensionDefinition(
            created_by_ref=ident.id,
            name="ext",
            schema="https://example.com/s",
            version="1.0",
            extension_types=["property-extension"],
            **self.common("extension-definition"),
        )
        yield stix2.Campaign(
            name=f"Campaign {n}",
            **self.common("campaign"),
            granular_markings=[{"marking_ref": str(stix2.TLP_RED.id), "selectors": ["name"]}],
        )
        yield stix2.Tool(name="psexec", tool_types=["remote-access"], **self.common("tool"))
        yield stix2.Vulnerability(
            name=f"CVE-2021-{1000 + n}",
            external_references=[{"source_name": "cve", "external_id": f"CVE-2021-{1000 + n}"}],
            **self.common("vulnerability"),
        )
        yield stix2.Location(
            country="SA", latitude=24.7, longitude=46.7, precision=100.0, **self.common("location")
        )
        yield stix2.Note(content="seen", object_refs=[actor.id], **self.common("note"))
        yield stix2.Grouping(
            context="suspicious-activity", object_refs=[ip.id], **self.common("grouping")
        )
        yield stix2.CourseOfAction(name="Block", **self.common("course-of-action"))


def as_json(obj: object) -> Obj:
    if isinstance(obj, dict):
        return copy.deepcopy(obj)
    loaded: Obj = orjson.loads(obj.serialize())  # type: ignore[attr-defined]
    return loaded


def valid_corpus(rounds: int, seed: int = 7) -> list[Obj]:
    maker = Maker(seed)
    return [as_json(o) for _ in range(rounds) for o in maker.objects()]


TIMESTAMP_PROPS = {
    "created",
    "modified",
    "valid_from",
    "valid_until",
    "first_seen",
    "last_seen",
    "published",
    "first_observed",
    "last_observed",
}


def mutations(obj: Obj, rng: random.Random) -> Iterator[tuple[str, str | None, Obj]]:
    """(description, stricter-tag or None, mutated object)."""

    def variant(**changes: object) -> Obj:
        new = copy.deepcopy(obj)
        for key, value in changes.items():
            if value is _DROP:
                new.pop(key, None)
            else:
                new[key] = value
        return new

    for key in obj:
        required_common = {"id", "created", "modified"} | (
            {"spec_version"} if "created" in obj else set()
        )
        tag = "default" if key in required_common else None
        yield f"drop {key}", tag, variant(**{key: _DROP})
        numeric = type(obj[key]) in {int, float}
        tag = "confidence" if key == "confidence" else None if numeric else "coercion"
        yield f"{key}=12345", tag, variant(**{key: 12345})
        yield f"{key}=null", "coercion", variant(**{key: None})
        if key != "type":
            tag = "coercion" if isinstance(obj[key], list) else None
            yield f"{key}='bogus'", tag, variant(**{key: "bogus"})
        if isinstance(obj[key], list):
            yield f"{key}=[]", "coercion", variant(**{key: []})
            yield f"{key}=str", "coercion", variant(**{key: "x"})
        if isinstance(obj[key], bool):
            yield f"{key}='true'", "coercion", variant(**{key: "true"})
    for key in TIMESTAMP_PROPS & obj.keys():
        value = str(obj[key])
        for bad in (
            "2020-13-01T00:00:00Z",
            "2020-01-01 00:00:00",
            "2020-01-01T00:00:00+01:00",
            "2020-01-01T00:00:00.1234567Z",
            "2020-02-30T00:00:00Z",
            "2020-01-01T24:00:00Z",
        ):
            yield f"{key}={bad}", None, variant(**{key: bad})
        yield f"{key} no fraction", None, variant(**{key: value[:19] + "Z"})
    if "created" in obj and "modified" in obj:
        yield "modified<created", "order", variant(modified="2000-01-01T00:00:00.000Z")
    if "id" in obj:
        type_ = str(obj["type"])
        yield "id short", None, variant(id=f"{type_}--1234")
        yield (
            "id other type",
            None,
            variant(id="identity--" + str(uuid.UUID(int=rng.getrandbits(128), version=4))),
        )
        yield "id bad variant", None, variant(id=str(obj["id"])[:-17] + "7" + str(obj["id"])[-16:])
        yield (
            "id uuid1",
            None,
            variant(id=f"{type_}--{uuid.UUID(int=rng.getrandbits(128), version=1)}"),
        )
        yield (
            "id no hyphens",
            "uuid",
            variant(id=str(obj["id"]).replace("-", "").replace(type_.replace("-", ""), type_, 1)),
        )
    yield "unknown x_prop", None, variant(x_taawun_score=3)
    yield "unknown prop", None, variant(foo="bar")
    yield "custom_properties loophole", "loophole", variant(custom_properties={"x_a": 1})
    yield "type x-", None, variant(type="x-custom-thing")
    yield "type unknown", None, variant(type="foo-bar")
    if "confidence" in obj or obj["type"] in {"indicator", "malware", "report"}:
        yield "confidence 101", "confidence", variant(confidence=101)
        yield "confidence -1", "confidence", variant(confidence=-1)
        yield "confidence '50'", "coercion", variant(confidence="50")
    if obj["type"] == "indicator":
        for bad in BAD_PATTERNS:
            yield f"pattern {bad}", None, variant(pattern=bad)
        yield "pattern_version 2.0", None, variant(pattern_version="2.0")
        yield "pattern_type sigma", None, variant(pattern_type="sigma", pattern="title: x")
        yield "valid_until=valid_from", None, variant(valid_until=obj["valid_from"])
    if obj["type"] == "file":
        yield "hash md5 short", None, variant(hashes={"MD5": "abc"})
        yield "hash unknown algo", None, variant(hashes={"FOO": "abc"})
        yield "hash lower name", None, variant(hashes={"sha256": "a" * 64})
        yield "hash SHA-224 (not in vocab)", None, variant(hashes={"SHA-224": "a" * 56})
        yield "file empty hashes", None, variant(hashes={})
    if obj["type"] == "relationship":
        yield "relationship to marking", None, variant(target_ref=str(stix2.TLP_RED.id))
        yield "relationship to custom", None, variant(target_ref="x-thing--" + str(uuid.uuid4()))
    if obj["type"] == "sighting":
        yield "count too big", None, variant(count=1_000_000_000)
        yield "last_seen<first_seen", None, variant(last_seen="2000-01-01T00:00:00Z")
    if obj["type"] == "malware" and obj.get("is_family"):
        yield "family without name", None, variant(name=_DROP)
    if obj["type"] == "marking-definition":
        yield "tlp wrong id", None, variant(id="marking-definition--" + str(uuid.uuid4()))
        yield "definition_type foo", None, variant(definition_type="foo")
        yield "extensions custom", None, variant(extensions={"my-ext": {"a": 1}})
    if "granular_markings" in obj:
        yield (
            "selector missing",
            None,
            variant(
                granular_markings=[
                    {"marking_ref": str(stix2.TLP_RED.id), "selectors": ["description"]}
                ]
            ),
        )
        yield (
            "selector nested",
            None,
            variant(
                granular_markings=[{"marking_ref": str(stix2.TLP_RED.id), "selectors": ["name.x"]}]
            ),
        )
        yield (
            "marking both",
            None,
            variant(
                granular_markings=[
                    {"marking_ref": str(stix2.TLP_RED.id), "lang": "en", "selectors": ["name"]}
                ]
            ),
        )
    if "external_references" in obj:
        yield "extref only name", None, variant(external_references=[{"source_name": "x"}])
        yield (
            "extref bad hash",
            None,
            variant(external_references=[{"source_name": "x", "url": "u", "hashes": {"MD5": "z"}}]),
        )
    yield (
        "toplevel extension",
        None,
        variant(
            x_extra=1,
            extensions={
                "extension-definition--" + str(uuid.uuid4()): {
                    "extension_type": "toplevel-property-extension"
                }
            },
        ),
    )
    yield (
        "new object type",
        None,
        variant(
            type="my-new-sdo",
            extensions={
                "extension-definition--" + str(uuid.uuid4()): {"extension_type": "new-sdo"}
            },
        ),
    )


_DROP = object()


def reference_rejects(obj: Obj) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stix2.parse(copy.deepcopy(obj), allow_custom=False)
    except Exception:
        return True
    return False


def build_cases() -> list[tuple[str, str | None, Obj]]:
    rng = random.Random(11)
    cases: list[tuple[str, str | None, Obj]] = []
    for obj in valid_corpus(rounds=4):
        cases.append(("valid", None, obj))
        cases.extend(m for m in mutations(obj, rng) if m[1] != "skip")
    return cases


CASES = build_cases()


def test_corpus_is_large() -> None:
    assert len(CASES) >= 2000
    assert sum(1 for c in CASES if c[0] == "valid") >= 100


def test_agreement_with_reference() -> None:
    mismatches = []
    for description, tag, obj in CASES:
        ours = bool(validate_object(obj))
        theirs = reference_rejects(obj)
        if tag is None and ours != theirs:
            mismatches.append((description, obj.get("type"), ours, theirs, validate_object(obj)))
        elif tag is not None and not ours:
            mismatches.append((description, obj.get("type"), "stricter-tag but accepted", tag))
    assert not mismatches, f"{len(mismatches)} mismatches, e.g. {mismatches[:8]}"


def test_valid_objects_accepted() -> None:
    for description, _, obj in CASES:
        if description == "valid":
            assert validate_object(obj) == [], obj


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_random_edits_never_accept_what_reference_rejects(data: st.DataObject) -> None:
    obj = copy.deepcopy(data.draw(st.sampled_from([c[2] for c in CASES if c[0] == "valid"])))
    key = data.draw(st.sampled_from(sorted(obj)))
    value = data.draw(
        st.one_of(
            st.text(max_size=8),
            st.integers(-5, 200),
            st.booleans(),
            st.lists(st.text(max_size=4), max_size=2),
            st.just("2020-01-01T00:00:00Z"),
        )
    )
    obj[key] = value
    if not validate_object(obj):
        assert not reference_rejects(obj), (key, value)


_STEP = st.sampled_from(["value", "name", "x_field", "src_ref", "dst_port", "hashes", "a1_b"])
_COMPARISON = st.builds(
    "{}:{}{}{}{}".format,
    st.sampled_from(["ipv4-addr", "file", "domain-name", "x-custom", "url", "abc"]),
    _STEP,
    st.sampled_from(["", ".name", ".'SHA-256'", ".MD5", ".x_y"]),
    st.sampled_from([" = ", "!=", " != ", "="]),
    st.one_of(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6).map(
            lambda s: "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"
        ),
        st.integers(0, 10**6).map(str),
        st.sampled_from(["'" + "a" * 32 + "'", "'" + "b" * 64 + "'"]),
    ),
)
_OBSERVATION = st.lists(_COMPARISON, min_size=1, max_size=3).flatmap(
    lambda cs: st.sampled_from([" AND ", " OR "]).map(lambda op: "[" + op.join(cs) + "]")
)


@given(
    st.lists(_OBSERVATION, min_size=1, max_size=3),
    st.sampled_from([" AND ", " OR ", " FOLLOWEDBY "]),
)
@settings(max_examples=400, deadline=None)
def test_pattern_fast_path_agrees(observations: list[str], joiner: str) -> None:
    pattern = joiner.join(observations)
    assert bool(pattern_errors(pattern)) == bool(run_validator(pattern, "2.1")), pattern


@pytest.mark.parametrize(
    "pattern", [p.format(n=1, sha256="a" * 64, md5="b" * 32) for p in PATTERNS] + BAD_PATTERNS
)
def test_pattern_errors_match_reference(pattern: str) -> None:
    assert list(pattern_errors(pattern)) == [str(e) for e in run_validator(pattern, "2.1")]
