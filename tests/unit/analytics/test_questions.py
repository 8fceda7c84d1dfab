"""The arithmetic of the analyst's questions on small worlds computed by hand: a state's
partners and rank per year, a dyad's obligation spans, a bloc's density and external ties."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from taawun.analytics import _bloc, _cooperation, _history
from taawun.analytics._dyads import SpellRow, derive
from taawun.analytics.schemas import DyadYears

A, B, C, D, E = 2, 20, 200, 640, 770
NONE = (None, None, None, None, None)
DEF = (True, False, False, False, True)


def spell(
    agreement: int, ccode: int, start: int, end: int | None, owes: tuple = NONE, phase: int = 1
) -> SpellRow:
    return SpellRow(
        agreement_id=agreement,
        ref=f"T {agreement}",
        status="in_force" if end is None else "ended",
        in_force=date(start, 1, 1),
        ended=None if end is None else date(end, 12, 31),
        status_since=None,
        phase=phase,
        ccode=ccode,
        entered=date(start, 1, 1),
        exited=None if end is None else date(end, 12, 31),
        owes=owes,  # type: ignore[arg-type]
    )


@pytest.fixture
def world() -> DyadYears:
    """1: A, B, C defence pact 2000-2002 (A owes defence and consultation, the others
    nothing coded: they owe what the pact's domains say). 2: A–D non-aggression 2001-.
    3: D–E consultation 2002-."""
    rows = [
        spell(1, A, 2000, 2002, DEF),
        spell(1, B, 2000, 2002),
        spell(1, C, 2000, 2002),
        spell(2, A, 2001, None),
        spell(2, D, 2001, None),
        spell(3, D, 2002, None),
        spell(3, E, 2002, None),
    ]
    domains = {1: {"mutual_defense"}, 2: {"non_aggression"}, 3: {"consultation", "training"}}
    return derive(rows, domains, first=1999, last=2004, directed=True)


def test_a_states_partners_rank_and_changes(world: DyadYears) -> None:
    oic = {y: frozenset({D, E}) for y in range(1999, 2005)}
    cols, changes = _history.state_years(world, A, first=2000, last=2004, oic=oic)
    assert cols["year"].tolist() == [2000, 2001, 2002, 2003, 2004]
    assert cols["partners"].tolist() == [2, 3, 3, 1, 1]
    assert cols["partners_oic"].tolist() == [0, 1, 1, 1, 1]
    assert cols["partners_outside"].tolist() == [2, 2, 2, 0, 0]
    assert cols["share_oic"][1] == pytest.approx(1 / 3)
    assert cols["defense"].tolist() == [2, 2, 2, 0, 0]  # A owes B and C defence
    assert cols["nonagg"].tolist() == [0, 1, 1, 1, 1]
    assert cols["training"].tolist() == [0, 0, 0, 0, 0]  # D–E's training is not A's
    # 2000: A, B, C have 2 each (rank 1); 2001: A 3, D 1 -> A first; 2003: A 1, D 2 (A, E)
    assert cols["degree_rank"].tolist() == [1, 1, 1, 2, 2]
    assert cols["gained"].tolist() == [2, 1, 0, 0, 0]
    assert cols["lost"].tolist() == [0, 0, 0, 2, 0]
    assert [(c.year, c.partner, c.gained, c.agreements) for c in changes] == [
        (2000, B, True, ("T 1",)),
        (2000, C, True, ("T 1",)),
        (2001, D, True, ("T 2",)),
        (2003, B, False, ("T 1",)),
        (2003, C, False, ("T 1",)),
    ]
    assert not cols["oic_member"].any()


def test_a_state_without_partners_ranks_after_every_state_with_some(world: DyadYears) -> None:
    cols, changes = _history.state_years(world, E, first=2000, last=2002, oic={})
    assert cols["partners"].tolist() == [0, 0, 1]
    # 2000: A, B, C have partners; 2001: and D; 2002: A, B, C, D have more than E's one
    assert cols["degree_rank"].tolist() == [4, 5, 5]
    assert np.isnan(cols["share_oic"][0])
    assert [(c.year, c.partner) for c in changes] == [(2002, D)]


def test_obligation_spans_per_direction(world: DyadYears) -> None:
    spans = _history.obligation_spans(world, A, B)
    assert spans == [
        _history.Span(A, B, 2000, 2002, ("defense", "consul"), ("T 1",)),
        _history.Span(B, A, 2000, 2002, ("defense",), ("T 1",)),
    ]
    assert _history.obligation_spans(world, A, E) == []


def test_partial_dates() -> None:
    assert _cooperation.partial_date("2001") == date(2001, 1, 1)
    assert _cooperation.partial_date("2001-05") == date(2001, 5, 1)
    assert _cooperation.partial_date("2001-05-14") == date(2001, 5, 14)
    assert _cooperation.partial_date(None) is None
    assert _cooperation.partial_date("2000-02", last=True) == date(2000, 2, 29)
    assert _cooperation.partial_date("2001", last=True) == date(2001, 12, 31)


def _undirected(world: DyadYears) -> DyadYears:
    c = world.columns
    keep = c["ccode1"] < c["ccode2"]
    return DyadYears(
        first=world.first,
        last=world.last,
        directed=False,
        columns={k: v[keep] for k, v in c.items()},
        offsets=np.zeros(int(keep.sum()) + 1, dtype=np.int64),
        agreement_index=np.zeros(0, dtype=np.int64),
        refs=(),
    )


def test_bloc_density_external_partners_and_other_blocs(world: DyadYears) -> None:
    dy = _undirected(world)
    members = {2000: frozenset({A, B, C}), 2001: frozenset({A, B}), 2002: frozenset({A})}
    cols = _bloc.internal(dy, members, first=2000, last=2002)
    assert cols["members"].tolist() == [3, 2, 1]
    assert cols["internal_ties"].tolist() == [3, 1, 0]
    assert cols["density"][:2].tolist() == [1.0, 1.0] and np.isnan(cols["density"][2])

    out = _bloc.external(dy, members)
    # C (no member from 2001): A and B in 2001, A in 2002; D: A in 2001 and 2002; B: A in
    # 2002. Member-years: 3 + 2 + 1.
    assert out["ccode"].tolist() == [C, D, B]
    assert out["members_tied"].tolist() == [2, 1, 1]
    assert out["tie_years"].tolist() == [3, 2, 1]
    assert out["strength"].tolist() == pytest.approx([3 / 6, 2 / 6, 1 / 6])

    blocs = _bloc.to_blocs(dy, members, {"X": {2002: frozenset({D, E})}}, first=2000, last=2002)
    assert blocs["ties"].tolist() == [0, 0, 1]  # A–D in 2002
    assert blocs["members_tied"].tolist() == [0, 0, 1]
    assert blocs["bloc"] == ["X", "X", "X"]
    assert blocs["bloc_members"].tolist() == [0, 0, 2]


def test_partners_in_a_year(world: DyadYears) -> None:
    found = _bloc.degrees(world, 2002)
    assert found[A] == {B, C, D} and found[D] == {A, E}


def test_gainers_rank_by_partners_gained_then_new_ones() -> None:
    before = {A: {B}, B: {A, C}, C: {B}}
    after = {A: {C, D}, C: {A, D}, D: {A, C}, B: set()}
    out = _bloc.gainers(before, after, top=3)
    # D +2 (2 new); A +1 (2 new, lost B); C +1 (2 new, lost B); B -2.
    assert out["ccode"].tolist() == [D, A, C]
    assert out["gained"].tolist() == [2, 1, 1]
    assert out["new"].tolist() == [2, 2, 2]
    assert out["lost"].tolist() == [0, 1, 1]
    assert (out["before"].tolist(), out["after"].tolist()) == ([0, 1, 1], [2, 2, 2])


def test_brokers_name_the_blocs_their_partners_belong_to() -> None:
    rows = [
        {"ccode": A, "state": "A", "oic": False, "brokerage": 1.0, "betweenness": 0.2, "degree": 2},
        {"ccode": D, "state": "D", "oic": True, "brokerage": 3.0, "betweenness": 0.1, "degree": 1},
        {"ccode": E, "state": "E", "oic": True, "brokerage": 1.0, "betweenness": 0.5, "degree": 1},
    ]
    blocs = {"OIC": frozenset({D, E}), "NATO": frozenset({A})}
    out = _bloc.brokers(rows, [(A, D), (D, E)], blocs, top=2)
    assert out["ccode"].tolist() == [D, E]  # by brokerage, then betweenness
    assert out["blocs"] == ["OIC;NATO", "OIC"]  # D's partners: A (NATO), E (OIC)


def test_cohesion_per_year_is_nan_where_missing() -> None:
    rows = [{"year": 2001, "s_valued_abs": 0.5, "kappa_binary": 0.25}]
    out = _bloc.cohesion(rows, first=2000, last=2001)
    assert np.isnan(out["cohesion_s"][0]) and out["cohesion_s"][1] == 0.5
    assert out["cohesion_kappa"][1] == 0.25
