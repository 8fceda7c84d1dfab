"""The held networks' look-up (``_common_networks.Networks.hits``) skips the prefix lengths no
network has in an address's block: it must find exactly what trying every length finds."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from taawun.cooperation.threats import _common_networks as networks

WIDTH = {4: 32, 6: 128}


Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(family: int) -> st.SearchStrategy[Net]:
    kind = ipaddress.IPv4Network if family == 4 else ipaddress.IPv6Network
    return st.tuples(st.integers(0, 2 ** WIDTH[family] - 1), st.integers(0, WIDTH[family])).map(
        lambda t: kind(t, strict=False)
    )


def _inside(nets: list[Net]) -> st.SearchStrategy[int]:
    """An address inside one of ``nets``."""
    return st.sampled_from(nets).flatmap(
        lambda n: st.integers(int(n.network_address), int(n.broadcast_address))
    )


def _rows(nets: list[Net]) -> list[tuple[int, int, str, int | None, int | None]]:
    return [
        (n.version, n.prefixlen, f"{int(n.network_address):0{WIDTH[n.version] // 4}x}", i, None)
        for i, n in enumerate(nets, start=1)
    ]


def _every_length(nets: list[Net], family: int, number: int, prefix: int) -> set[tuple[int, int]]:
    width = WIDTH[family]
    held = {(n.prefixlen, int(n.network_address)) for n in nets if n.version == family}
    found = set()
    for length in range(prefix + 1):
        network = (number >> (width - length)) << (width - length) if length else 0
        if (length, network) in held:
            found.add((length, network))
    return found


@settings(max_examples=200, deadline=None)
@given(st.data(), st.sampled_from([4, 6]))
def test_hits_find_what_every_prefix_length_finds(data: st.DataObject, family: int) -> None:
    nets = data.draw(st.lists(_network(family), min_size=1, max_size=40))
    # deep networks sharing a block with shallow ones, as the lists have them
    base = nets[0]
    width = WIDTH[family]
    for extra in data.draw(st.lists(st.integers(base.prefixlen, width), max_size=8)):
        nets.append(ipaddress.ip_network((base.network_address, extra), strict=False))
    table = networks.build(_rows(nets))
    number = data.draw(_inside(nets) | st.integers(0, 2**width - 1))
    prefix = data.draw(st.integers(0, width))
    number = (number >> (width - prefix)) << (width - prefix) if prefix else 0
    hits = table.hits(family, number, prefix, width)
    assert set(hits) == _every_length(nets, family, number, prefix)
    assert len(hits) == len(set(hits))
    for length, network in hits:
        assert table.sources(family, length, network)
