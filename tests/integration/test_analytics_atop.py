"""Dyad-years derived from the registry agree with ATOP 5.1's own state-year file.

The registry holds ATOP's member rows (with each member's obligations); the dyad-years are
derived from them (``analytics/_dyads.py``), never read from a precomputed file. Summed
over partners they must give ATOP's state-year file (``atop5_1sy.csv``, codebook 2.5) on
every one of its 11,923 rows: present, ``atopally``, the five obligations ("toward any
state"), ``number`` and the alliance ids ``atopid1..59``.

What cannot agree, and why (each checked below, none skipped):

- **Annam** (ATOP code 8152, ATOPID 1320 with France, 1874-1883): "Annam is a member of the
  state-system according to Gleditsch and Ward, but not according to COW, and thus has no
  3 digit COW country code" (codebook 2.6, footnote 18). ATOP's state-year file lists
  France's 1320 but no row for Annam, and its dyad files drop the pair. The registry keeps
  Annam as a state under ATOP's own code, so the dyad-years hold France-Annam (both
  directions) and their sum has ten Annam state-years the file lacks; France's rows agree.
- ``transyr`` (a commitment starts or ends in the year) is not a dyad-year column and is
  not compared.
"""

from __future__ import annotations

import csv
from collections import defaultdict

import numpy as np
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from taawun.analytics import service
from taawun.analytics.schemas import OBLIGATIONS, DyadYears
from taawun.core.principal import Principal
from taawun.registry.importers.run import default_data_dir
from taawun.registry.models import Agreement, AgreementParty, State

DATA = default_data_dir()
ATOP = "ATOP 5.1 "
ANNAM, FRANCE = 8152, 220
ANNAM_YEARS = range(1874, 1884)
TUR, PAK, IRQ, IRN, UK = 640, 770, 645, 630, 200
BAGHDAD_PACT = f"{ATOP}3275"


def _rows(path: str) -> list[dict[str, str]]:
    with (DATA / path).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def state_years() -> dict[tuple[int, int], dict[str, object]]:
    """ATOP's state-year file, by (state, year)."""
    found: dict[tuple[int, int], dict[str, object]] = {}
    for r in _rows("atop/atop5_1sy.csv"):
        ids = {int(r[f"atopid{k}"]) for k in range(1, 60) if r[f"atopid{k}"]}
        found[int(r["state"]), int(r["year"])] = {
            "atopally": int(r["atopally"]),
            **{name: int(r[name]) for name in OBLIGATIONS},
            "number": int(r["number"]),
            "atopids": ids,
        }
    return found


def _summed(table: DyadYears) -> dict[tuple[int, int], dict[str, object]]:
    """The directed dyad-years summed over partners, as ATOP's state-year file sums its
    member rows: what the state owes any partner, and the ATOP alliances it shares."""
    c = table.columns
    out: dict[tuple[int, int], dict[str, object]] = {}
    for i in range(len(table)):
        atopids = {int(r.removeprefix(ATOP)) for r in table.agreements_of(i) if r.startswith(ATOP)}
        if not atopids:
            continue  # joined only by agreements of other sources (nuclear cooperation)
        key = (int(c["ccode1"][i]), int(c["year"][i]))
        row = out.setdefault(key, {"atopally": 0, **dict.fromkeys(OBLIGATIONS, 0), "ids": set()})
        row["atopally"] = max(int(row["atopally"]), int(c["atopally"][i]))  # type: ignore[call-overload]
        for name in OBLIGATIONS:
            row[name] = max(int(row[name]), int(c[name][i]))  # type: ignore[call-overload]
        row["ids"] |= atopids  # type: ignore[operator]
    for row in out.values():
        row["atopids"] = row.pop("ids")
        row["number"] = len(row["atopids"])  # type: ignore[arg-type]
    return out


@pytest.fixture(scope="module")
def directed(loaded_engine: Engine) -> DyadYears:
    with Session(loaded_engine) as session:
        return service.dyad_years(Principal.public(), session, first=1815, last=2018, directed=True)


def test_every_member_row_keeps_its_obligations(loaded_db: Session) -> None:
    members = {i + 2: r for i, r in enumerate(_rows("atop/atop5_1m.csv"))}  # line numbers
    stored = loaded_db.execute(
        select(
            AgreementParty.source_row,
            Agreement.source_id,
            State.cow_code,
            AgreementParty.defense,
            AgreementParty.offense,
            AgreementParty.neutral,
            AgreementParty.nonagg,
            AgreementParty.consul,
            AgreementParty.obligations_vary,
        )
        .join(Agreement, Agreement.id == AgreementParty.agreement_id)
        .join(State, State.id == AgreementParty.state_id)
        .where(Agreement.source == "ATOP 5.1")
    ).all()
    assert len(stored) == len(members) == 2510
    for line, atopid, code, *flags in stored:
        row = members[line]
        assert (atopid, code) == (row["atopid"], int(row["member"]))
        wanted = [row[v] == "1" for v in (*OBLIGATIONS, "obvary")]
        assert flags == wanted, (line, row["atopid"], row["member"])
    assert sum(1 for *_, vary in stored if vary) == 54
    other = select(AgreementParty.defense).join(Agreement).where(Agreement.source != "ATOP 5.1")
    assert set(loaded_db.scalars(other)) == {None}  # not coded per member: from the domains


def test_dyad_years_sum_to_atops_state_year_file_on_every_row(
    directed: DyadYears, state_years: dict[tuple[int, int], dict[str, object]]
) -> None:
    assert len(state_years) == 11923
    summed = _summed(directed)
    differ = {k: (summed.get(k), v) for k, v in state_years.items() if summed.get(k) != v}
    assert not differ, f"{len(differ)} state-years differ, e.g. {list(differ.items())[:3]}"
    # the only state-years beyond the file: Annam's (module docstring, codebook fn. 18)
    assert set(summed) - set(state_years) == {(ANNAM, y) for y in ANNAM_YEARS}
    assert all(1320 in state_years[FRANCE, y]["atopids"] for y in ANNAM_YEARS)  # type: ignore[operator]


def test_undirected_rows_take_the_larger_direction(
    directed: DyadYears, loaded_engine: Engine
) -> None:
    with Session(loaded_engine) as session:
        undirected = service.dyad_years(
            Principal.public(), session, first=1815, last=2018, directed=False
        )
    d, u = directed.columns, undirected.columns
    assert len(undirected) * 2 == len(directed)
    assert bool(np.all(u["ccode1"] < u["ccode2"]))
    key = {
        (a, b, y): i
        for i, (a, b, y) in enumerate(zip(d["ccode1"], d["ccode2"], d["year"], strict=True))
    }
    there = [key[a, b, y] for a, b, y in zip(u["ccode1"], u["ccode2"], u["year"], strict=True)]
    back = [key[b, a, y] for a, b, y in zip(u["ccode1"], u["ccode2"], u["year"], strict=True)]
    for name in OBLIGATIONS:
        assert np.array_equal(u[name], np.maximum(d[name][there], d[name][back]))
    assert np.array_equal(u["number"], d["number"][there])
    # asymmetric somewhere: the directed coding is not the undirected one twice over
    assert any(not np.array_equal(d[n][there], d[n][back]) for n in OBLIGATIONS)
    # codebook 2.6: "the maximum number of shared alliances for a dyad-year ... is nine"
    assert int(u["number"].max()) == 9


def test_the_baghdad_pact_joins_its_members_in_1956(directed: DyadYears) -> None:
    c = directed.columns
    partners = defaultdict(set)
    for i in np.flatnonzero(c["year"] == 1956):
        if BAGHDAD_PACT in directed.agreements_of(int(i)):
            partners[int(c["ccode1"][i])].add(int(c["ccode2"][i]))
    assert partners[TUR] == {PAK, IRQ, IRN, UK}
    assert partners[PAK] == {TUR, IRQ, IRN, UK}
    row = next(
        i
        for i in np.flatnonzero(c["year"] == 1956)
        if (c["ccode1"][i], c["ccode2"][i]) == (TUR, PAK)
    )
    # ATOP codes the pact (members' rows) as non-aggression and consultation, not defence
    assert [int(c[n][row]) for n in ("atopally", *OBLIGATIONS)] == [1, 0, 0, 0, 1, 1]
