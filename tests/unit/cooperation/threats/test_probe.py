"""The common-value matcher's shortcuts read a value as the slow paths they skip would."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from taawun.cooperation.threats import _common_match, kinds


def _slow(value: str) -> tuple[int, int, int]:
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return 0, 0, 0
    return net.version, net.prefixlen, int(net.network_address)


_QUADS = st.tuples(*[st.integers(0, 300)] * 4).map(lambda t: ".".join(map(str, t)))
_ADDRESSES = st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))
_ODD = st.sampled_from(["01.2.3.4", "1.2.3", "1.2.3.4/24", "1.2.3.4/32", "::1", "2001:db8::/32"])
_TEXT = st.text(alphabet="0123456789.:/abcdef", max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(kinds.NETWORKS), _QUADS | _ADDRESSES | _ODD | _TEXT)
def test_an_address_is_probed_as_ip_network_reads_it(kind: str, value: str) -> None:
    probe = _common_match._probe(kind, value)
    assert (probe.family, probe.prefix, probe.number) == _slow(value)


def _is_address_slow(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="0123456789.:[]abcdefgxyz-%", max_size=24)
    | _ADDRESSES
    | st.sampled_from(["[::1]", "[2001:db8::1]", "fe80::1%eth0", "evil.example", "1.2.3.4.5"])
)
def test_a_url_host_is_told_from_an_address_as_ip_address_tells_it(name: str) -> None:
    assert _common_match._is_address(name) == _is_address_slow(name)
