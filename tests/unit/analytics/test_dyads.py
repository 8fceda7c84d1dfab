"""Dyad-year coding on hand-built worlds (each rule of ``analytics/_dyads.py`` at its edge),
and on generated worlds against a plain-Python reading of the same rules."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from taawun.analytics._dyads import SpellRow, derive
from taawun.analytics.schemas import COOPERATION_DOMAINS, OBLIGATIONS, DyadYears

UK, FRA, SWE, TUR, CZE, SVK, RUS = 200, 220, 380, 640, 316, 317, 365
NONE = (False, False, False, False, False)
DEFENCE = (True, False, False, False, False)
CONSULT = (False, False, False, False, True)
DEFENCE_CONSULT = (True, False, False, False, True)


def spell(
    agreement: int,
    ccode: int,
    entered: date | None,
    exited: date | None = None,
    *,
    owes: tuple[bool | None, ...] = DEFENCE,
    phase: int = 0,
    status: str = "in_force",
    in_force: date | None = date(1800, 1, 1),
    ended: date | None = None,
    status_since: date | None = None,
) -> SpellRow:
    o = tuple(owes)
    return SpellRow(
        agreement_id=agreement,
        ref=f"test {agreement}",
        status=status,
        in_force=in_force,
        ended=ended,
        status_since=status_since,
        phase=phase,
        ccode=ccode,
        entered=entered,
        exited=exited,
        owes=(o[0], o[1], o[2], o[3], o[4]),
    )


def rows(table: DyadYears) -> dict[tuple[int, int, int], dict[str, object]]:
    """Each row by (ccode1, ccode2, year): its columns, and its agreements."""
    out: dict[tuple[int, int, int], dict[str, object]] = {}
    c = table.columns
    for i in range(len(table)):
        key = (int(c["ccode1"][i]), int(c["ccode2"][i]), int(c["year"][i]))
        out[key] = {name: int(values[i]) for name, values in c.items()}
        out[key]["agreements"] = table.agreements_of(i)
    return out


def owed(row: dict[str, object]) -> tuple[int, ...]:
    return tuple(int(str(row[name])) for name in OBLIGATIONS)


def test_a_one_sided_promise_is_owed_one_way_and_counts_both_ways_undirected() -> None:
    """Codebook 2.5: the UK promises to defend Turkey, Turkey promises nothing."""
    world = [spell(1, UK, date(1939, 10, 19)), spell(1, TUR, date(1939, 10, 19), owes=NONE)]
    directed = rows(derive(world, {}, first=1939, last=1940, directed=True))
    assert owed(directed[UK, TUR, 1939]) == (1, 0, 0, 0, 0)
    assert owed(directed[TUR, UK, 1939]) == (0, 0, 0, 0, 0)
    assert directed[TUR, UK, 1939]["atopally"] == 1 and directed[TUR, UK, 1939]["number"] == 1
    undirected = rows(derive(world, {}, first=1939, last=1940, directed=False))
    assert set(undirected) == {(UK, TUR, 1939), (UK, TUR, 1940)}
    assert owed(undirected[UK, TUR, 1940]) == (1, 0, 0, 0, 0)


def test_obligations_vary_members_owe_every_partner() -> None:
    """Codebook 2.6/2.7 (1855): Britain and France defend Sweden; all three consult. The
    member file codes Britain and France with defence and OBVARY: it does not say that
    their defence is owed to Sweden only, so each is read as owed to every partner, and the
    Britain-France dyad carries defence where ATOP's dyad files have consultation only (the
    limit stated in ``_dyads``); what Sweden owes is exact."""
    day = date(1855, 11, 21)
    world = [
        spell(1, UK, day, owes=DEFENCE_CONSULT),
        spell(1, FRA, day, owes=DEFENCE_CONSULT),
        spell(1, SWE, day, owes=CONSULT),
    ]
    directed = rows(derive(world, {}, first=1855, last=1855, directed=True))
    assert owed(directed[UK, SWE, 1855]) == (1, 0, 0, 0, 1)
    assert owed(directed[SWE, UK, 1855]) == (0, 0, 0, 0, 1)
    assert owed(directed[UK, FRA, 1855]) == (1, 0, 0, 0, 1)


def test_spells_that_never_overlap_in_a_year_make_no_dyad() -> None:
    """Codebook 2.6: a state that joined after the other left, in the same year, was never
    its ally; the years both touch are not enough."""
    world = [
        spell(1, UK, date(1900, 1, 1), date(1910, 3, 1)),
        spell(1, FRA, date(1900, 1, 1)),
        spell(1, SWE, date(1910, 6, 1)),
    ]
    found = rows(derive(world, {}, first=1909, last=1911, directed=True))
    assert (UK, SWE, 1910) not in found and (SWE, UK, 1910) not in found
    assert {(UK, FRA, 1910), (FRA, SWE, 1910), (SWE, FRA, 1911)} <= set(found)
    touching = [spell(2, UK, date(1900, 1, 1), date(1910, 6, 1)), spell(2, SWE, date(1910, 6, 1))]
    assert (UK, SWE, 1910) in rows(derive(touching, {}, first=1910, last=1910, directed=True))


def test_the_later_phase_codes_the_year_of_a_phase_change() -> None:
    """ATOP 1415 (Japan 1905): phase 1 (defence, offence, neutrality, consultation) ends on
    12 August, phase 2 (defence, consultation) begins; 1905 is coded by phase 2."""
    old, new = (True, True, True, False, True), (True, False, False, False, True)
    change = date(1905, 8, 12)
    world = [
        spell(1, UK, date(1902, 1, 30), change, owes=old, phase=1),
        spell(1, 740, date(1902, 1, 30), change, owes=old, phase=1),
        spell(1, UK, change, date(1921, 12, 13), owes=new, phase=2),
        spell(1, 740, change, date(1921, 12, 13), owes=new, phase=2),
    ]
    found = rows(derive(world, {}, first=1904, last=1905, directed=True))
    assert owed(found[740, UK, 1904]) == (1, 1, 1, 0, 1)
    assert owed(found[740, UK, 1905]) == (1, 0, 0, 0, 1)
    assert found[740, UK, 1905]["number"] == 1


def test_successor_states_in_simultaneous_phases_are_not_allies_of_each_other() -> None:
    """Codebook 1.53: a bilateral alliance becomes two (phases 2 and 3 at once) when two
    successors both assume it; the successors are not thereby allied."""
    split = date(1993, 1, 1)
    world = [
        spell(1, RUS, split, phase=2, owes=CONSULT),
        spell(1, CZE, split, phase=2, owes=CONSULT),
        spell(1, RUS, split, phase=3, owes=CONSULT),
        spell(1, SVK, split, phase=3, owes=CONSULT),
    ]
    found = rows(derive(world, {}, first=1993, last=1993, directed=True))
    assert set(found) == {(RUS, CZE, 1993), (CZE, RUS, 1993), (RUS, SVK, 1993), (SVK, RUS, 1993)}


def test_agreement_dates_and_status_bound_the_years() -> None:
    world = [
        # suspended on 1 March 2021: in force in 2021 (until 28 February), not in 2022
        spell(
            1,
            UK,
            None,
            owes=(None,) * 5,
            in_force=date(2019, 5, 1),
            status="suspended",
            status_since=date(2021, 3, 1),
        ),
        spell(
            1,
            FRA,
            None,
            owes=(None,) * 5,
            in_force=date(2019, 5, 1),
            status="suspended",
            status_since=date(2021, 3, 1),
        ),
        # proposed: never in force, whatever its dates
        spell(2, UK, date(2019, 1, 1), in_force=date(2019, 1, 1), status="proposed"),
        spell(2, SWE, date(2019, 1, 1), in_force=date(2019, 1, 1), status="proposed"),
        # ended on 31 December 2019, a party spell that says nothing more
        spell(
            3, FRA, None, in_force=date(2018, 1, 1), ended=date(2019, 12, 31), status="terminated"
        ),
        spell(
            3, SWE, None, in_force=date(2018, 1, 1), ended=date(2019, 12, 31), status="terminated"
        ),
    ]
    found = rows(derive(world, {1: {"mutual_defense"}}, first=2017, last=2023, directed=True))
    assert sorted(y for (a, b, y) in found if (a, b) == (UK, FRA)) == [2019, 2020, 2021]
    assert not any(SWE in (a, b) and UK in (a, b) for a, b, _ in found)
    assert sorted(y for (a, b, y) in found if (a, b) == (FRA, SWE)) == [2018, 2019]
    # obligations not coded per member: the agreement's domains say what each party owes
    assert owed(found[UK, FRA, 2020]) == (1, 0, 0, 0, 0)


def test_agreements_without_obligations_show_their_domains_but_no_alliance() -> None:
    world = [
        spell(1, UK, date(1950, 1, 1), owes=(None,) * 5),
        spell(1, FRA, date(1950, 1, 1), owes=(None,) * 5),
        spell(2, UK, date(1960, 1, 1), owes=(None,) * 5),
        spell(2, FRA, date(1960, 1, 1), owes=(None,) * 5),
        spell(3, UK, date(1949, 4, 4), owes=DEFENCE),
        spell(3, FRA, date(1949, 4, 4), owes=DEFENCE),
    ]
    domains = {1: {"technology_exchange"}, 2: {"intelligence_sharing", "training"}, 3: set()}
    found = rows(derive(world, domains, first=1949, last=1960, directed=False))
    row = found[UK, FRA, 1955]
    assert (row["atopally"], row["number"], row["technology_exchange"]) == (1, 1, 1)
    assert row["intelligence_sharing"] == 0 and row["agreements"] == ["test 1", "test 3"]
    assert found[UK, FRA, 1960]["number"] == 1  # 3 alone is an alliance
    assert all(
        found[UK, FRA, 1960][d]
        == (d != "military_aid" and d != "joint_exercises" and d != "combined_operations")
        for d in COOPERATION_DOMAINS
    )
    alone = [
        spell(1, UK, date(1950, 1, 1), owes=(None,) * 5),
        spell(1, SWE, date(1950, 1, 1), owes=(None,) * 5),
    ]
    only = rows(derive(alone, {1: {"technology_exchange"}}, first=1950, last=1950, directed=True))
    assert only[UK, SWE, 1950]["atopally"] == 0 and only[UK, SWE, 1950]["number"] == 0


def test_an_empty_world_is_an_empty_table() -> None:
    for directed in (True, False):
        table = derive([], {}, first=1815, last=2018, directed=directed)
        assert len(table) == 0 and list(table.offsets) == [0]


# --- generated worlds against a plain reading of the rules ------------------------------

STATES = (2, 20, 200, 220, 365)
DAY0 = date(2000, 1, 1)


def reference(world: list[SpellRow], first: int, last: int, directed: bool) -> dict:
    """The rules of ``_dyads`` read one spell pair at a time (small worlds only)."""
    pairs: dict[tuple[int, int, int, int], list[tuple[int, tuple[bool, ...]]]] = {}
    for p in world:
        for q in world:
            if p.agreement_id != q.agreement_id or p.phase != q.phase or p.ccode == q.ccode:
                continue
            start = max(p.entered or DAY0, q.entered or DAY0)
            end = min(p.exited or date(9999, 12, 31), q.exited or date(9999, 12, 31))
            if start > end:
                continue
            for year in range(
                max(first, (p.entered or DAY0).year, (q.entered or DAY0).year),
                min(last, (p.exited or date(9999, 1, 1)).year, (q.exited or date(9999, 1, 1)).year)
                + 1,
            ):
                key = (p.ccode, q.ccode, year, p.agreement_id)
                pairs.setdefault(key, []).append((p.phase, tuple(bool(x) for x in p.owes)))
    dyads: dict[tuple[int, int, int], dict[str, object]] = {}
    for (a, b, year, agreement), found in pairs.items():
        latest = max(ph for ph, _ in found)
        owes = [any(o[k] for ph, o in found if ph == latest) for k in range(5)]
        row = dyads.setdefault((a, b, year), {"owes": [False] * 5, "agreements": set()})
        row["owes"] = [x or y for x, y in zip(row["owes"], owes, strict=True)]
        row["agreements"].add(agreement)
    if directed:
        return {
            k: (tuple(int(x) for x in v["owes"]), sorted(v["agreements"])) for k, v in dyads.items()
        }
    return {
        (a, b, y): (
            tuple(int(x or z) for x, z in zip(v["owes"], dyads[b, a, y]["owes"], strict=True)),
            sorted(v["agreements"]),
        )
        for (a, b, y), v in dyads.items()
        if a < b
    }


@st.composite
def worlds(draw: st.DrawFn) -> list[SpellRow]:
    out = []
    for agreement in range(draw(st.integers(1, 3))):
        for _ in range(draw(st.integers(0, 6))):
            begin = DAY0 + timedelta(days=draw(st.integers(0, 4 * 365)))
            length = draw(st.integers(0, 3 * 365))
            exited = None if draw(st.booleans()) else begin + timedelta(days=length)
            owes = tuple(draw(st.booleans()) for _ in range(5))
            out.append(
                spell(
                    agreement,
                    draw(st.sampled_from(STATES)),
                    begin,
                    exited,
                    owes=owes,
                    phase=draw(st.integers(0, 2)),
                    in_force=DAY0,
                )
            )
    return out


@settings(max_examples=150, deadline=None)
@given(world=worlds(), directed=st.booleans())
def test_generated_worlds_agree_with_the_plain_reading(
    world: list[SpellRow], directed: bool
) -> None:
    table = derive(world, {}, first=2001, last=2005, directed=directed)
    alliances = {r.agreement_id for r in world if any(r.owes)}
    got = {
        k: (owed(v), sorted(int(str(r).split()[1]) for r in v["agreements"]))  # type: ignore[attr-defined]
        for k, v in rows(table).items()
    }
    assert got == reference(world, 2001, 2005, directed)
    for k, v in rows(table).items():
        assert v["number"] == len(alliances & set(got[k][1]))
        assert v["atopally"] == int(v["number"] > 0)  # type: ignore[operator]
