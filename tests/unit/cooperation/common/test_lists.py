"""The choice of lists, and every entry of every chosen list accounted for (read from the
real files the package ships, no database)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from taawun.cooperation.importers._warninglist_entries import parse_network, python_regex
from taawun.cooperation.importers.warninglists import lists_dir, read_lists
from taawun.cooperation.threats.warninglists import CHOSEN, LEFT_OUT


def test_every_list_the_package_ships_is_chosen_or_left_out_with_a_reason() -> None:
    shipped = {p.parent.name for p in lists_dir().glob("*/list.json")}
    assert len(shipped) == 119
    assert set(CHOSEN) | set(LEFT_OUT) == shipped
    assert not set(CHOSEN) & set(LEFT_OUT)
    effects = Counter(choice.effect for choice in CHOSEN.values())
    assert effects == {"common": 87, "note": 18}
    assert len(LEFT_OUT) == 14
    assert {k for k, c in CHOSEN.items() if c.namespace} == {"dynamic-dns", "lots-project"}
    # where attackers rent servers: never common
    for key in ("amazon-aws", "google-gcp", "microsoft-azure", "ovh-cluster", "vpn-ipv4"):
        assert CHOSEN[key].effect == "note"
    assert read_lists().notes == []  # nothing new in the package that nobody chose about


@pytest.fixture(scope="module")
def parsed() -> dict[str, object]:
    return {one.key: one.parse() for one in read_lists().lists}


def test_every_entry_read_is_loaded_merged_or_rejected(parsed: dict[str, object]) -> None:
    total = Counter[str]()
    for key, one in parsed.items():
        in_file = json.loads((lists_dir() / key / "list.json").read_bytes())["list"]
        assert one.read == len(in_file), key  # type: ignore[attr-defined]
        assert one.read == one.loaded + one.merged + len(one.rejected), key  # type: ignore[attr-defined]
        total.update(
            read=one.read,  # type: ignore[attr-defined]
            loaded=one.loaded,  # type: ignore[attr-defined]
            rejected=len(one.rejected),  # type: ignore[attr-defined]
        )
    assert total == {"read": 492_964, "loaded": 491_494, "rejected": 1_470}


def test_what_is_rejected_and_why(parsed: dict[str, object]) -> None:
    empty = parsed["empty-hashes"]
    # an ssdeep digest and a SHA-224: no kind of the index holds them
    assert empty.rejected == [  # type: ignore[attr-defined]
        "3::",
        "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
    ]
    assert empty.loaded == 4  # type: ignore[attr-defined]
    tlds = parsed["second-level-tlds"].rejected  # type: ignore[attr-defined]
    assert len(tlds) == 1449 and all("." not in t for t in tlds)  # TLDs: no domain value
    hosts = parsed["public-dns-hostname"]
    assert "-250.starlink.ru" in hosts.rejected  # type: ignore[attr-defined]
    assert len(hosts.rejected) == 13  # type: ignore[attr-defined]


def test_string_lists_read_each_entry_by_its_shape(parsed: dict[str, object]) -> None:
    google = parsed["google"]
    assert "google.com" in google.hosts  # type: ignore[attr-defined]  # ".google.com": a suffix
    assert ("domain", "google.com") in google.exact  # type: ignore[attr-defined]
    hashes = Counter(kind for kind, _ in parsed["nioc-filehash"].exact)  # type: ignore[attr-defined]
    assert hashes == {"md5": 65_805, "sha1": 65_805, "sha256": 65_805}
    regex = parsed["common-contact-emails"].patterns  # type: ignore[attr-defined]
    assert list(regex) == [("email", "regex", "(?i)^(security|noc|soc|abuse)\\@.*\\..*$")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8.8.8.8", (4, 32, 0x08080808)),
        ("10.1.2.3/8", (4, 8, 0x0A000000)),  # host bits cleared, as ipaddress strict=False
        ("fe80::/10", (6, 10, 0xFE80 << 112)),
        ("2001:db8::1", (6, 128, (0x20010DB8 << 96) + 1)),
        ("01.2.3.4", None),  # inet_pton is strict
        ("10.0.0.0/33", None),
        ("cafe.be", None),
        ("1.2.3", None),
    ],
)
def test_parse_network(text: str, expected: tuple[int, int, int] | None) -> None:
    assert parse_network(text) == expected


def test_pcre_literals_become_python_patterns() -> None:
    assert python_regex("/^abc$/i") == "(?i)^abc$"
    assert python_regex("/x(?<n>y)/g") is None  # PCRE's named group: Python cannot
    assert python_regex("plain") == "plain"
