"""The reciprocity ledger on a hand-built world, every figure worked out by hand.

Programmes (host → guest: offered / taken / graduates), all recorded by their hosts:

====  ==========  =========  ======================  ==================  =========
 no   start       agreement  host → guest            seats               note
====  ==========  =========  ======================  ==================  =========
 P1   2026-01-10  tp         TUR → PAK               10 / 8 / 7
 P2   2026-03-01  tp         PAK → TUR               4 / 4 / 4
 P3   2026-06-01  tp         TUR → PAK               6 / 2 / —           planned
 P4   2026-05-01  tp         TUR → PAK               5 / 3 / —           cancelled
 P5   2026-02-01  ATOP 6035  TUR → AZE               5 / 3 / —
 P6   2025-11-01  tp         PAK → TUR               3 / 3 / —           before 2026
 P7   2026-04-01  tpa        TUR → PAK, TUR → AZE    2 / 2 / —, 3 / 1 / —
====  ==========  =========  ======================  ==================  =========

So, for Turkey and Pakistan in 2026: Turkey hosted P1, P3, P7 (offered 10+6+2 = 18, taken
8+2+2 = 12, graduates 7) and received P2 (4, 4, 4); P4 is cancelled and P6 starts in 2025.
Balance 12 − 4 = 8 of 16 taken seats: 8 > 16/3, imbalanced; at a threshold of 1/2, 8 is
not more than 8, so not. Over all time P6 adds (3, 3, 0) to what Turkey received: balance
12 − 7 = 5 of 19, and 5 is not more than 19/3: balanced.
"""

from __future__ import annotations

from datetime import date

import pytest

from taawun.cooperation.training import changes, ledger
from taawun.cooperation.training.schemas import GraduatesRecord, Ledger, LedgerRow
from taawun.core.errors import InvalidInput, NotFound
from taawun.core.principal import Role

from .conftest import ROOT, World


def _graduate(world: World, host: str, programme_id: str, **counts: int) -> None:
    changes.record_graduates(
        world.user(host),
        world.session,
        programme_id=programme_id,
        data=GraduatesRecord.model_validate(
            {"graduates": [{"guest": g, "graduates": n} for g, n in counts.items()]}
        ),
        clock=world.clock,
    )


@pytest.fixture
def ledger_world(world: World) -> World:
    p1 = world.record("TUR", {"PAK": 10}, start=date(2026, 1, 10), end=date(2026, 2, 10))
    world.take(p1, "PAK", 8)
    _graduate(world, "TUR", p1.id, PAK=7)
    p2 = world.record("PAK", {"TUR": 4}, start=date(2026, 3, 1), end=date(2026, 3, 20))
    world.take(p2, "TUR", 4)
    _graduate(world, "PAK", p2.id, TUR=4)
    p3 = world.record("TUR", {"PAK": 6}, start=date(2026, 6, 1), end=date(2026, 6, 30))
    world.take(p3, "PAK", 2)
    p4 = world.record("TUR", {"PAK": 5}, start=date(2026, 5, 1), end=date(2026, 12, 31))
    world.take(p4, "PAK", 3)
    changes.cancel_programme(world.user("TUR"), world.session, programme_id=p4.id)
    p5 = world.record("TUR", {"AZE": 5}, agreement="atop6035", start=date(2026, 2, 1))
    world.take(p5, "AZE", 3)
    p6 = world.record("PAK", {"TUR": 3}, start=date(2025, 11, 1))
    world.take(p6, "TUR", 3)
    p7 = world.record("TUR", {"PAK": 2, "AZE": 3}, agreement="tpa", start=date(2026, 4, 1))
    world.take(p7, "PAK", 2)
    world.take(p7, "AZE", 1)
    return world


def _figures(row: LedgerRow) -> tuple[object, ...]:
    h, r = row.hosted, row.received
    return (
        row.a,
        row.b,
        (h.programmes, h.offered, h.taken, h.graduates),
        (r.programmes, r.offered, r.taken, r.graduates),
        row.balance,
        row.total,
        row.imbalanced,
    )


def _pair(world: World, a: str, b: str, **kw: object) -> Ledger:
    return ledger.ledger(world.user("TUR"), world.session, pair=(a, b), **kw)  # type: ignore[arg-type]


Y2026 = {"start": date(2026, 1, 1), "end": date(2026, 12, 31)}


def test_a_pair_in_a_window(ledger_world: World) -> None:
    found = _pair(ledger_world, "TUR", "PAK", **Y2026)
    assert [_figures(r) for r in found.rows] == [
        ("TUR", "PAK", (3, 18, 12, 7), (1, 4, 4, 4), 8, 16, True)
    ]
    assert found.pair == ["TUR", "PAK"] and found.start == date(2026, 1, 1)
    mirror = _pair(ledger_world, "Pakistan", "Turkey", **Y2026)  # the other side's view
    assert [_figures(r) for r in mirror.rows] == [
        ("PAK", "TUR", (1, 4, 4, 4), (3, 18, 12, 7), -8, 16, True)
    ]


def test_the_threshold_is_strict_and_a_parameter(ledger_world: World) -> None:
    at_half = _pair(ledger_world, "TUR", "PAK", threshold=0.5, **Y2026)
    assert [(r.balance, r.total, r.imbalanced) for r in at_half.rows] == [(8, 16, False)]
    assert "0.5" in at_half.rule
    just_under = _pair(ledger_world, "TUR", "PAK", threshold=0.4999, **Y2026)
    assert just_under.rows[0].imbalanced is True
    # Turkey hosted Azerbaijan for 3 (P5) + 1 (P7) taken seats; with Azerbaijan hosting
    # Turkey for 2, a balance of 2 in 6 is exactly the default third: not flagged.
    made = ledger_world.record("AZE", {"TUR": 2}, agreement="atop6035", start=date(2026, 8, 3))
    ledger_world.take(made, "TUR", 2)
    exact = _pair(ledger_world, "TUR", "AZE")
    assert [(r.balance, r.total, r.imbalanced) for r in exact.rows] == [(2, 6, False)]
    below = _pair(ledger_world, "TUR", "AZE", threshold=0.33)
    assert [(r.balance, r.total, r.imbalanced) for r in below.rows] == [(2, 6, True)]


def test_all_time_and_open_windows(ledger_world: World) -> None:
    ever = _pair(ledger_world, "TUR", "PAK")
    assert [_figures(r) for r in ever.rows] == [
        ("TUR", "PAK", (3, 18, 12, 7), (2, 7, 7, 4), 5, 19, False)
    ]
    until_march = _pair(ledger_world, "TUR", "PAK", end=date(2026, 3, 1))
    assert [_figures(r) for r in until_march.rows] == [
        ("TUR", "PAK", (1, 10, 8, 7), (2, 7, 7, 4), 1, 15, False)
    ]
    # A programme counts in the window of its first day, whole: P1 runs into February.
    february = _pair(ledger_world, "TUR", "PAK", start=date(2026, 2, 1), end=date(2026, 2, 28))
    assert [_figures(r) for r in february.rows] == [
        ("TUR", "PAK", (0, 0, 0, 0), (0, 0, 0, 0), 0, 0, False)
    ]


def test_an_agreement_lists_each_pair_that_trained_under_it(ledger_world: World) -> None:
    """And a pair under one agreement is that pair's programmes under it only."""
    tp = ledger.ledger(
        ledger_world.user("PAK"),
        ledger_world.session,
        agreement=str(ledger_world.agreements["tp"]),
        **Y2026,
    )
    # P1, P3 hosted by Turkey (16 / 10 / 7), P2 by Pakistan; P7 is under tpa.
    assert [_figures(r) for r in tp.rows] == [
        ("PAK", "TUR", (1, 4, 4, 4), (2, 16, 10, 7), -6, 14, True)
    ]
    tpa = ledger.ledger(
        ledger_world.user("AZE"),
        ledger_world.session,
        agreement=str(ledger_world.agreements["tpa"]),
    )
    assert [_figures(r) for r in tpa.rows] == [
        ("AZE", "TUR", (0, 0, 0, 0), (1, 3, 1, 0), -1, 1, True),
        ("PAK", "TUR", (0, 0, 0, 0), (1, 2, 2, 0), -2, 2, True),
    ]
    assert tpa.agreement == "Turkey–Pakistan–Azerbaijan academies (training tests)"
    found = ledger.ledger(
        ledger_world.user("TUR"),
        ledger_world.session,
        agreement="ATOP 6035",
        pair=("TUR", "AZE"),
    )
    assert [_figures(r) for r in found.rows] == [
        ("TUR", "AZE", (1, 5, 3, 0), (0, 0, 0, 0), 3, 3, True)
    ]


def test_a_viewer_counts_only_the_programmes_it_may_see(ledger_world: World) -> None:
    """Azerbaijan sees P5 (its guest) and P7 (guest, and party of tpa), not the Turkey–
    Pakistan programmes under tp: its ledger of that pair holds P7's two seats only."""
    azerbaijan = ledger.ledger(
        ledger_world.user("AZE", Role.VIEWER), ledger_world.session, pair=("TUR", "PAK")
    )
    assert [_figures(r) for r in azerbaijan.rows] == [
        ("TUR", "PAK", (1, 2, 2, 0), (0, 0, 0, 0), 2, 2, True)
    ]
    saudi = ledger.ledger(
        ledger_world.user("SAU", Role.ADMIN), ledger_world.session, pair=("TUR", "PAK")
    )
    assert [_figures(r) for r in saudi.rows] == [
        ("TUR", "PAK", (0, 0, 0, 0), (0, 0, 0, 0), 0, 0, False)
    ]
    assert (
        ledger.ledger(
            ledger_world.user("SAU"),
            ledger_world.session,
            agreement=str(ledger_world.agreements["tp"]),
        ).rows
        == []
    )
    everything = ledger.ledger(ROOT, ledger_world.session, pair=("TUR", "PAK"), **Y2026)
    assert everything.rows == _pair(ledger_world, "TUR", "PAK", **Y2026).rows


def test_bad_ledger_questions(world: World) -> None:
    session, turkey = world.session, world.user("TUR")
    cases: list[tuple[dict[str, object], type[Exception], str]] = [
        ({}, InvalidInput, "agreement"),
        ({"pair": ("TUR", "Türkiye")}, InvalidInput, "pair"),
        ({"pair": ("TUR", "Atlantis")}, NotFound, "pair"),
        ({"agreement": "ATOP 99999"}, NotFound, "agreement"),
        ({"pair": ("TUR", "PAK"), "threshold": 1.5}, InvalidInput, "threshold"),
        (
            {"pair": ("TUR", "PAK"), "start": date(2026, 5, 1), "end": date(2026, 4, 1)},
            InvalidInput,
            "to",
        ),
    ]
    for kwargs, error, field in cases:
        with pytest.raises(error) as refused:
            ledger.ledger(turkey, session, **kwargs)  # type: ignore[arg-type]
        assert getattr(refused.value, "field", None) == field, kwargs
