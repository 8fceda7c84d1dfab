"""How much of a state's arms imports came from its allies: the node's answer against the
same figures computed here, by hand, from the SIPRI and ATOP files themselves; and the
agreements counted are only those the asker may see."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from taawun.cooperation.transfers import service
from taawun.core.errors import InvalidInput, NotFound
from taawun.core.principal import Principal

from .conftest import DATA, agreement, principal

OBLIGATIONS = ("defense", "offense", "neutral", "nonagg", "consul")


def _by_hand(ccode: int, years: Iterable[int]) -> dict[int, tuple[float, float]]:
    """(total, from allies) per year, from ``sipri/...tiv...csv`` and ``atop/atop5_1a.csv``/
    ``atop5_1m.csv``: an alliance with an obligation, in effect that year (``begyr`` to
    ``endyr``, or on while ``ineffect``), both states members that year (``yrent`` to
    ``yrexit``, 0 meaning still)."""
    with (DATA / "atop/atop5_1a.csv").open() as f:
        alliances = {
            r["atopid"]: r for r in csv.DictReader(f) if "1" in (r[o] for o in OBLIGATIONS)
        }
    members: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    with (DATA / "atop/atop5_1m.csv").open() as f:
        for r in csv.DictReader(f):
            if r["atopid"] in alliances:
                members[r["atopid"]].append((int(r["member"]), int(r["yrent"]), int(r["yrexit"])))

    def allied(a: int, b: int, y: int) -> bool:
        for atopid, rows in members.items():
            row = alliances[atopid]
            end = 9999 if row["ineffect"] == "1" else int(row["endyr"])
            if not int(row["begyr"]) <= y <= end:
                continue
            if all(
                any(m == s and e <= y and (x == 0 or x >= y) for m, e, x in rows) for s in (a, b)
            ):
                return True
        return False

    wanted, out = set(years), {}
    with (DATA / "sipri/sipri_tiv_supplier_recipient_year_1950_2021.csv").open() as f:
        for r in csv.DictReader(f):
            year = int(r["year"])
            if (
                r["recipient_cown"] != str(ccode)
                or r["recipient"].endswith("*")
                or year not in wanted
            ):
                continue
            total, from_allies = out.get(year, (0.0, 0.0))
            value = float(r["value"])
            state = r["supplier_cown"] != "NA" and not r["supplier"].endswith("*")
            if state and allied(int(r["supplier_cown"]), ccode, year):
                from_allies += value
            out[year] = (total + value, from_allies)
    return out


@pytest.mark.parametrize(
    ("state", "ccode", "years"),
    [
        ("PAK", 770, range(1955, 1976)),  # SEATO and CENTO; China and the USSR from 1965
        ("PAK", 770, (1990, 2005, 2018)),
        ("TUR", 640, (1960, 1975, 1990, 2005, 2018)),  # NATO
    ],
)
def test_shares_equal_the_files_by_hand(
    sipri_db: Session, state: str, ccode: int, years: Iterable[int]
) -> None:
    years = list(years)
    found = service.allies_share(
        Principal.public(), sipri_db, state=state, first_year=min(years), last_year=max(years)
    )
    got = {y.year: (y.total, y.from_allies) for y in found.years if y.year in years}
    assert got == _by_hand(ccode, years)
    for y in found.years:
        assert y.total == pytest.approx(y.from_allies + y.from_others + y.from_non_states)


def test_pakistan_1966_and_the_suppliers_part(sipri_db: Session) -> None:
    found = service.allies_share(
        Principal.public(), sipri_db, state="Pakistan", first_year=1966, last_year=1966
    )
    (year,) = found.years
    assert (year.total, year.from_allies) == (467.0, 9.0)
    assert year.share == round(9 / 467, 4)
    parts = {s.supplier.name: (s.tiv, s.allied) for s in found.suppliers}
    assert parts["China"][1] is False and parts["United States"] == (6.0, True)
    assert sum(t for t, _ in parts.values()) == 467.0
    assert found.total == 467.0 and "TIV" in found.note


def test_only_agreements_the_asker_may_see_count(sipri_db: Session) -> None:
    """A confidential Pakistan–China alliance recorded on the node counts for Pakistan's
    users, not for the public or a third state."""
    agreement(
        sipri_db, ["PAK", "CHN"], ["mutual_defense"], in_force=date(1960, 1, 1), confidential=True
    )
    ask = {"state": "PAK", "first_year": 1966, "last_year": 1966}
    public = service.allies_share(Principal.public(), sipri_db, **ask)
    saudi = service.allies_share(principal(sipri_db, "SAU"), sipri_db, **ask)
    pakistan = service.allies_share(principal(sipri_db, "PAK"), sipri_db, **ask)
    assert public.from_allies == saudi.from_allies == 9.0
    china = next(s.tiv for s in pakistan.suppliers if s.supplier.name == "China")
    assert pakistan.from_allies == 9.0 + china


def test_bad_questions_are_refused(sipri_db: Session) -> None:
    with pytest.raises(InvalidInput) as bad:
        service.allies_share(
            Principal.public(), sipri_db, state="PAK", first_year=1990, last_year=1980
        )
    assert bad.value.field == "from"
    with pytest.raises(NotFound):
        service.allies_share(Principal.public(), sipri_db, state="Atlantis")
    empty = service.allies_share(
        Principal.public(), sipri_db, state="PAK", first_year=1800, last_year=1900
    )
    assert empty.years == [] and empty.share is None
