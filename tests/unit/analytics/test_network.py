"""Network measures on small graphs whose answers are known by hand, and the strength
index's properties."""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Iterable
from typing import Any

import networkx as nx
import pytest

from taawun.analytics import _strength
from taawun.analytics.network import Network, StateNode, Tie, measures, to_graphml


def world(
    edges: Iterable[tuple[int, int] | tuple[int, int, float]],
    *,
    nodes: Iterable[int] = (),
    oic: Iterable[int] = (),
    year: int = 2000,
) -> Network:
    listed = [(e[0], e[1], e[2] if len(e) == 3 else 1.0) for e in edges]
    members = set(nodes) | {c for a, b, _ in listed for c in (a, b)}
    chosen = set(oic)
    return Network(
        year=year,
        states={c: StateNode(c, f"S{c}", f"State {c}", c in chosen) for c in sorted(members)},
        ties=[
            Tie(min(a, b), max(a, b), s, ("defense",), ("mutual_defense",), (f"T {a}-{b}",))
            for a, b, s in listed
        ],
    )


def by_state(net: Network, column: str) -> dict[int, Any]:
    return {row["ccode"]: row[column] for row in measures(net).rows()}


STAR = world([(1, 2), (1, 3), (1, 4)])
PATH = world([(1, 2), (2, 3), (3, 4)])
BRIDGED = world([(1, 2), (2, 3), (1, 3), (3, 4), (4, 5), (5, 6), (4, 6)], oic=(1, 2, 3), nodes=(7,))


def test_a_stars_centre_has_every_path_and_no_triangle() -> None:
    assert by_state(STAR, "degree") == {1: 3, 2: 1, 3: 1, 4: 1}
    assert by_state(STAR, "betweenness") == {1: 1.0, 2: 0.0, 3: 0.0, 4: 0.0}
    assert set(by_state(STAR, "clustering").values()) == {0.0}
    eigen = by_state(STAR, "eigenvector")
    assert eigen[1] == pytest.approx(2**-0.5) and eigen[2] == pytest.approx(6**-0.5)


def test_a_paths_inner_states_broker_two_of_three_pairs() -> None:
    assert by_state(PATH, "betweenness") == pytest.approx({1: 0.0, 2: 2 / 3, 3: 2 / 3, 4: 0.0})
    assert by_state(PATH, "weighted_degree") == {1: 1.0, 2: 2.0, 3: 2.0, 4: 1.0}


def test_two_triangles_joined_by_a_bridge() -> None:
    assert by_state(BRIDGED, "clustering") == pytest.approx(
        {1: 1.0, 2: 1.0, 3: 1 / 3, 4: 1 / 3, 5: 1.0, 6: 1.0, 7: 0.0}
    )
    community = by_state(BRIDGED, "community")
    assert community[1] == community[2] == community[3]
    assert community[4] == community[5] == community[6]
    assert len({community[1], community[4], community[7]}) == 3
    assert community[7] == 2  # the isolate: a community of its own, numbered after both


def test_brokerage_is_the_share_of_oic_to_other_paths_through_a_state() -> None:
    # 1, 2, 3 are the OIC; every path to 4, 5, 6 crosses the bridge 3-4; the isolate 7 is
    # a target no path reaches: 12 pairs, 6 of them through 3 and 6 through 4.
    assert by_state(BRIDGED, "brokerage") == pytest.approx(
        {1: 0.0, 2: 0.0, 3: 0.5, 4: 0.5, 5: 0.0, 6: 0.0, 7: 0.0}
    )
    assert set(by_state(STAR, "brokerage").values()) == {0.0}  # no OIC member: no brokerage


def test_isolates_and_small_components_have_no_eigenvector_centrality() -> None:
    net = world([(1, 2), (2, 3), (1, 3), (3, 4), (5, 6)], nodes=(7,))
    eigen = by_state(net, "eigenvector")
    assert eigen[5] == eigen[6] == eigen[7] == 0.0
    assert all(eigen[c] > 0 for c in (1, 2, 3, 4))
    assert by_state(net, "degree")[7] == 0


def test_eigenvector_centrality_is_networkxs_on_a_weighted_graph() -> None:
    net = world([(1, 2, 3.0), (2, 3, 0.5), (1, 3, 2.0), (3, 4, 1.5), (4, 5, 3.5)])
    expected = nx.eigenvector_centrality_numpy(net.graph(), weight="weight")
    assert by_state(net, "eigenvector") == pytest.approx(expected, abs=1e-9)
    assert by_state(net, "eigenvector") == by_state(net, "eigenvector")  # the very same digits


def test_betweenness_counts_hops_whatever_the_strength() -> None:
    # 1-2 is weak and 1-3-2 strong, but the direct tie is still the one shortest path.
    net = world([(1, 2, 0.5), (1, 3, 3.0), (3, 2, 3.0)], oic=(1,))
    assert by_state(net, "betweenness") == {1: 0.0, 2: 0.0, 3: 0.0}
    assert by_state(net, "brokerage") == {1: 0.0, 2: 0.0, 3: 0.0}
    assert by_state(net, "weighted_degree") == {1: 3.5, 2: 3.5, 3: 6.0}


def test_communities_are_the_same_every_time() -> None:
    first = by_state(BRIDGED, "community")
    assert all(by_state(BRIDGED, "community") == first for _ in range(3))


def test_the_table_has_a_row_per_state_in_code_order() -> None:
    table = measures(BRIDGED)
    assert list(table.columns) == [
        "ccode", "state", "year", "oic", "degree", "weighted_degree", "eigenvector",
        "betweenness", "clustering", "community", "brokerage",
    ]  # fmt: skip
    assert list(table.columns["ccode"]) == [1, 2, 3, 4, 5, 6, 7]
    assert list(table.columns["oic"]) == [True] * 3 + [False] * 4
    assert set(table.columns["year"]) == {2000}


def test_graphml_parses_back_with_its_attributes() -> None:
    back = nx.read_graphml(io.BytesIO(to_graphml(BRIDGED)))
    assert back.number_of_nodes() == 7 and back.number_of_edges() == 7
    assert back.nodes["3"]["abbrev"] == "S3" and back.nodes["3"]["oic"] is True
    edge = back.edges["3", "4"]
    assert edge["weight"] == 1.0 and edge["agreements"] == "T 3-4"
    assert edge["domains"] == "mutual_defense"


def test_the_json_document_lists_states_and_ties() -> None:
    doc: Any = PATH.document()
    assert doc["year"] == 2000
    assert [s["ccode"] for s in doc["states"]] == [1, 2, 3, 4]
    assert doc["ties"][0]["agreements"] == ["T 1-2"]


# --- the strength index ------------------------------------------------------------------


def test_obligations_rank_defence_over_neutrality_over_nonaggression_over_none() -> None:
    none: dict[str, float] = {}
    values = [
        _strength.strength(o, (), none)
        for o in (("defense",), ("offense",), ("consul",), ("neutral",), ("nonagg",), ())
    ]
    assert values == [3.0, 3.0, 2.0, 2.0, 1.0, 0.5]
    assert _strength.strength(("nonagg", "defense"), (), none) == 3.0  # the strongest counts


def test_provisions_and_activity_only_add() -> None:
    base = _strength.strength(("consul",), (), {})
    assert _strength.strength(("consul",), ("intcom",), {}) == base + 0.5
    assert _strength.strength(("consul",), ("intcom", "base", "milaid", "organ1"), {}) == 3.5
    more = [
        _strength.strength(("consul",), (), {"exercises": n, "transfers": 10.0 * n})
        for n in range(6)
    ]
    assert more[0] == base and all(a < b for a, b in itertools.pairwise(more))
    assert _strength.strength((), (), {"transfers": 999.0}) == pytest.approx(0.5 + 1.5)
    assert _strength.strength((), (), {"shared_threats": math.e - 1}) == pytest.approx(1.0)


def test_every_tie_is_stronger_than_nothing() -> None:
    assert _strength.strength((), (), {"exercises": 0.0, "transfers": -3.0}) == 0.5
