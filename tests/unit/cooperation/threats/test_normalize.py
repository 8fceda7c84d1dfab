"""Normal forms: what two partners write differently meets on one value."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taawun.cooperation.threats import normalize as n


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("hxxp://evil[.]com/a", "http://evil.com/a"),
        ("hXXps[:]//evil(.)com", "https://evil.com"),
        ("fxp://files{.}evil[dot]com", "ftp://files.evil.com"),
        ("bad[at]evil[.]com", "bad@evil.com"),
        ("bad[@]evil.com", "bad@evil.com"),
        ("  198[.]51[.]100[.]7 ", "198.51.100.7"),
        ("http://plain.example/", "http://plain.example/"),
    ],
)
def test_refang(raw: str, plain: str) -> None:
    assert n.refang(raw) == plain


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("198.51.100.7", ("ipv4", "198.51.100.7")),
        ("198[.]51[.]100[.]7", ("ipv4", "198.51.100.7")),
        ("2001:DB8:0:0::1", ("ipv6", "2001:db8::1")),
        ("2001:db8:0000:0000:0000:0000:0000:0001", ("ipv6", "2001:db8::1")),
        ("198.51.100.7/24", ("cidr4", "198.51.100.0/24")),
        ("198.51.100.7/32", ("ipv4", "198.51.100.7")),
        ("2001:db8::/32", ("cidr6", "2001:db8::/32")),
        ("2001:db8::1/128", ("ipv6", "2001:db8::1")),
        ("010.1.1.1", None),  # leading zeros: octal to some tools, refused
        ("256.1.1.1", None),
        ("1.2.3", None),
        ("evil.com", None),
        ("", None),
    ],
)
def test_address(raw: str, value: tuple[str, str] | None) -> None:
    assert n.address(raw) == value


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_ipv4_address_is_its_canonical_text(number: int) -> None:
    ip = ipaddress.IPv4Address(number)
    assert n.address(str(ip)) == ("ipv4", str(ip))
    assert n.address(str(ip).replace(".", "[.]")) == ("ipv4", str(ip))


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_every_ipv6_address_written_long_meets_its_short_form(number: int) -> None:
    ip = ipaddress.IPv6Address(number)
    assert n.address(ip.exploded.upper()) == ("ipv6", ip.compressed)


@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=0, max_value=31))
def test_a_network_keeps_its_network_address(number: int, prefix: int) -> None:
    net = ipaddress.IPv4Network((number, prefix), strict=False)
    assert n.address(f"{ipaddress.IPv4Address(number)}/{prefix}") == ("cidr4", str(net))


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("Evil.Example.COM.", "evil.example.com"),
        ("evil[.]example[.]com", "evil.example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("198.51.100.7", None),
        ("localhost", None),
        ("a..b.com", None),
        ("-bad.com", None),
        ("under_score.example.com", "under_score.example.com"),
        ("with space.com", None),
    ],
)
def test_domain(raw: str, value: str | None) -> None:
    assert n.domain(raw) == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("hxxp://Evil[.]Example.COM:80/Path?Q=1#F", "http://evil.example.com/Path?Q=1#F"),
        ("https://evil.example.com:443", "https://evil.example.com/"),
        ("https://evil.example.com:8443/x", "https://evil.example.com:8443/x"),
        ("evil.example.com/gate.php", "http://evil.example.com/gate.php"),
        ("http://[2001:DB8::1]:80/p", "http://[2001:db8::1]/p"),
        ("http://user:pw@198.51.100.7:81/", "http://user:pw@198.51.100.7:81/"),
        ("http://evil.example.com:99999/", None),
        ("http:///nohost", None),
        ("http://a b.example/", None),
        ("http://[198.51.100.7]/", None),
    ],
)
def test_url(raw: str, value: str | None) -> None:
    assert n.url(raw) == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("John.Doe@Example.COM", "john.doe@example.com"),
        ("phish[at]evil[.]example", "phish@evil.example"),
        ("no-at-sign.example", None),
        ("a@localhost", None),
        ("<a@evil.example>", None),
    ],
)
def test_email(raw: str, value: str | None) -> None:
    assert n.email(raw) == value


def test_hashes_by_algorithm_and_length() -> None:
    digest = "AB" * 32
    assert n.file_hash("SHA-256", digest) == ("sha256", "ab" * 32)
    assert n.file_hash("'SHA-256'", digest) == ("sha256", "ab" * 32)
    assert n.file_hash("sha256", digest) == ("sha256", "ab" * 32)
    assert n.file_hash("MD5", "0" * 32) == ("md5", "0" * 32)
    assert n.file_hash("SHA-1", "f" * 40) == ("sha1", "f" * 40)
    assert n.file_hash("SHA-512", "e" * 128) == ("sha512", "e" * 128)
    assert n.file_hash("SHA-256", "ab" * 20) is None  # the wrong length for its algorithm
    assert n.file_hash("MD5", "z" * 32) is None
    assert n.file_hash("SSDEEP", "3:abc:def") is None  # not a kind the index keeps


def test_threat_names_meet_whatever_their_case_spacing_and_punctuation() -> None:
    assert n.entity("APT 28") == n.entity("apt-28") == n.entity("Apt_28") == "apt 28"
    assert n.entity("APT28") == "apt28" != n.entity("APT 28")
    assert n.entity("ＡＰＴ２８") == "apt28"  # full-width forms (NFKC)
    assert n.entity("  Fancy   Bear!! ") == "fancy bear"
    assert n.entity("---") is None


def test_registry_keys_and_mutexes() -> None:
    assert n.registry_key(r"HKLM\Software\\Run") == r"hkey_local_machine\software\run"
    assert n.mutex(" Global\\x ") == "Global\\x"
    assert n.asn("AS15169") == n.asn(15169) == "15169"


def test_a_value_too_long_is_not_indexed() -> None:
    assert n.url("http://evil.example/" + "a" * 600) is None
    assert n.entity("x" * 513) is None


def test_guess_reads_a_value_as_every_kind_it_may_be() -> None:
    assert n.guess("198[.]51.100.7") == [("ipv4", "198.51.100.7"), ("entity", "198 51 100 7")]
    assert ("domain", "evil.example.com") in n.guess("Evil.Example.com")
    assert n.guess("AB" * 16)[0] == ("md5", "ab" * 16)
    assert ("url", "http://evil.example/x") in n.guess("hxxp://evil[.]example/x")
    assert n.guess("APT28") == [("entity", "apt28")]


NORMALISERS = [n.address, n.domain, n.url, n.email, n.entity, n.mutex, n.registry_key]


@given(st.text(max_size=80))
def test_no_text_makes_a_normaliser_raise_and_each_is_idempotent(text: str) -> None:
    for normalise in NORMALISERS:
        once = normalise(text)
        if once is None:
            continue
        value = once[1] if isinstance(once, tuple) else once
        again = normalise(value)
        assert again == once, (normalise.__name__, text)
    n.guess(text) if text.strip() else None
