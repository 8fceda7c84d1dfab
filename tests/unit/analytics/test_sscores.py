"""S-scores, Scott's π and Cohen's κ (``analytics/_sscores.py``): the published example of
svmiller/fpsim, small worlds computed by hand, and properties of generated worlds against a
plain per-pair reading of fpsim's scripts (``inst/scripts/*-fpsim-alliances-*.R``)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from taawun.analytics import _sscores
from taawun.analytics._sscores import SCORES, pair_scores, portfolios, valued

# Signorino and Ritter (1999, Table 6), fpsim's ``gmyrus14``: Germany's and Russia's valued
# alliance portfolios in 1914 over the 20 European states (GMY, RUS, UKG, FRN, AUH, ITA,
# BEL, SPN, TUR, NTH, SWD, RUM, POR, SWZ, GRC, DEN, YUG, BUL, NOR, ALB).
GMY = [3, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0]
RUS = [0, 3, 1, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]


def scores_of(rows: list[list[int]]) -> dict[str, float]:
    """The scores of the first two rows of a portfolio."""
    i, j, found = pair_scores(np.array(rows, dtype=np.int8), [0, 1])
    assert (i.tolist(), j.tolist()) == ([0], [1])
    return {name: float(found[name][0]) for name in SCORES}


def test_germany_and_russia_1914_as_fpsim_documents_them() -> None:
    got = scores_of([GMY, RUS])
    # fpsim's documentation: srs(gmy, rus, distances = 'absolute') is 0.4; the 20 positions
    # pair as (0,0) x13, (3,0) x3, (0,3) x2, (0,1) x1, (3,1) x1, so sum |d| = 9 + 6 + 1 + 2
    # = 18 and S = 1 - 2 * 18 / (20 * 3).
    assert got["s_valued_abs"] == pytest.approx(0.4)
    # sum d^2 = 27 + 18 + 1 + 4 = 50: S = 1 - 2 * 50 / (20 * 9) = 4/9.
    assert got["s_valued_sq"] == pytest.approx(4 / 9)
    # fpsim's documentation: spi(gmy, rus, levels = 0:3) is -0.04477612. By hand:
    # p_o = 13/20; pooled over 40 values 0: .8, 1: .05, 3: .15, p_e = .665;
    # (.65 - .665) / .335.
    assert got["pi_valued"] == pytest.approx(-0.04477612, abs=1e-8)
    assert got["pi_valued"] == pytest.approx((0.65 - 0.665) / 0.335)
    # fpsim's documentation: cohenk(gmy, rus, levels = 0:3) is -0.07758621. Disagreement
    # weights ((a - b) / 3)^2: sum(w * o) = (3 * 1 + 2 * 1 + 1 * 1/9 + 1 * 4/9) / 20 = 5/18;
    # marginals gmy 0: .8, 3: .2 and rus 0: .8, 1: .1, 3: .1, so sum(w * e) =
    # .8*.1*(1/9 + 1) + .2*.8*1 + .2*.1*(4/9) = 58/225; κ = 1 - (5/18) / (58/225) = -9/116.
    assert got["kappa_valued"] == pytest.approx(-0.07758621, abs=1e-8)
    assert got["kappa_valued"] == pytest.approx(-9 / 116)
    # Binary: both have four 1s, six positions differ: S = 1 - 2 * 6 / 20 = .4; p_o = .7,
    # p_e = .2^2 + .8^2 = .68 for π and κ alike: .02 / .32.
    assert got["s_binary_abs"] == got["s_binary_sq"] == pytest.approx(0.4)
    assert got["pi_binary"] == pytest.approx(0.0625)
    assert got["kappa_binary"] == pytest.approx(0.0625)


def test_kappa_of_the_earlier_script_weights_the_categories_used_by_rank() -> None:
    # fpsim's earlier 1-fpsim-alliances.R took psych::cohen.kappa's weighted κ: categories
    # 0, 1, 3 used, ranked 0, 1, 2, agreement weights 1 - (rank diff)^2 / 4: w(0,3) = 0,
    # w(0,1) = w(1,3) = .75. wpo = (13 + .75 + .75) / 20 = .725; wpc = .64 + .8*.1*.75 +
    # .2*.1*.75 + .2*.1 = .735; κ = (.725 - .735) / (1 - .735) = -2/53.
    table = np.zeros((1, 4, 4))
    np.add.at(table[0], (GMY, RUS), 1)
    assert _sscores.cohen_kappa(table, observed_only=True)[0] == pytest.approx(-2 / 53)
    assert _sscores.cohen_kappa(table)[0] == pytest.approx(-9 / 116)


# A world of four states (COW codes 10, 20, 30, 40 = A, B, C, D), as directed dyad-years:
# A and B defend each other; A owes C non-aggression and C owes A consultation; B owes D
# neutrality and D owes B nothing under the same alliance; C owes B nothing (an alliance
# without obligation). A row naming 50, not a member, is dropped.
WORLD = {
    "ccode1": [10, 20, 10, 30, 20, 40, 30, 10],
    "ccode2": [20, 10, 30, 10, 40, 20, 20, 50],
    "atopally": [1, 1, 1, 1, 1, 1, 1, 1],
    "defense": [1, 1, 0, 0, 0, 0, 0, 1],
    "offense": [0, 0, 0, 0, 0, 0, 0, 0],
    "neutral": [0, 0, 0, 0, 1, 0, 0, 0],
    "nonagg": [0, 0, 1, 0, 0, 0, 0, 0],
    "consul": [0, 0, 0, 1, 0, 0, 0, 0],
}
PORTFOLIOS = [
    [3, 3, 1, 0],  # A: itself, B (defence), C (non-aggression), D
    [3, 3, 0, 2],  # B: A (defence), itself, C, D (neutrality)
    [2, 0, 3, 0],  # C: A (consultation), B (nothing owed), itself, D
    [0, 0, 0, 3],  # D
]


def test_portfolios_are_what_each_state_owes_with_itself_at_the_top() -> None:
    built = portfolios([10, 20, 30, 40], WORLD["ccode1"], WORLD["ccode2"], valued(WORLD))
    assert built.dtype == np.int8
    assert built.tolist() == PORTFOLIOS


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        # atopally, defense, offense, neutral, nonagg, consul
        ((1, 1, 0, 0, 0, 0), 3),
        ((1, 0, 1, 0, 1, 1), 3),  # offence, whatever else
        ((1, 0, 0, 1, 0, 0), 2),
        ((1, 0, 0, 0, 1, 1), 2),  # consultation outranks non-aggression
        ((1, 0, 0, 0, 1, 0), 1),
        ((1, 0, 0, 0, 0, 0), 0),  # an alliance under which nothing is owed
        ((0, 0, 0, 0, 0, 0), 0),  # joined by other agreements only
    ],
)
def test_the_valued_scale(flags: tuple[int, ...], expected: int) -> None:
    names = ("atopally", "defense", "offense", "neutral", "nonagg", "consul")
    assert valued({n: [f] for n, f in zip(names, flags, strict=True)}).tolist() == [expected]


def test_a_small_world_by_hand() -> None:
    i, j, found = pair_scores(np.array(PORTFOLIOS, dtype=np.int8))
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [
        (0, 1),
        (0, 2),
        (0, 3),
        (1, 2),
        (1, 3),
        (2, 3),
    ]
    ab = {name: float(found[name][0]) for name in SCORES}
    # A [3,3,1,0], B [3,3,0,2]: |d| = 0,0,1,2 -> S = 1 - 2*3/(4*3) = 1/2; d^2 sum 5 ->
    # 1 - 10/36 = 13/18. Binary [1,1,1,0] / [1,1,0,1]: 2 differ -> 1 - 4/4 = 0.
    assert ab["s_valued_abs"] == pytest.approx(0.5)
    assert ab["s_valued_sq"] == pytest.approx(13 / 18)
    assert ab["s_binary_abs"] == ab["s_binary_sq"] == pytest.approx(0.0)
    # π valued: p_o = 2/4; pooled 3: 4/8, 0: 2/8, 1: 1/8, 2: 1/8 -> p_e = 11/32;
    # (1/2 - 11/32) / (21/32) = 5/21. Binary: p_o 1/2, p_e = (3/4)^2 + (1/4)^2 = 5/8 -> -1/3,
    # and κ binary the same (both marginals 3/4).
    assert ab["pi_valued"] == pytest.approx(5 / 21)
    assert ab["pi_binary"] == pytest.approx(-1 / 3)
    assert ab["kappa_binary"] == pytest.approx(-1 / 3)
    # κ valued: all four categories used, w = 1 - d^2/9. wpo = (2 + 8/9 + 5/9)/4 = 31/36;
    # wpc = sum p_a q_b w_ab with A (3: 1/2, 1: 1/4, 0: 1/4), B (3: 1/2, 0: 1/4, 2: 1/4)
    # = 23/36; κ = (31 - 23)/(36 - 23) = 8/13.
    assert ab["kappa_valued"] == pytest.approx(8 / 13)

    cd = {name: float(found[name][5]) for name in SCORES}
    # C [2,0,3,0], D [0,0,0,3]: |d| = 2,0,3,3 -> 1 - 16/12 = -1/3; d^2 = 22 -> 1 - 44/36.
    # Binary [1,0,1,0] / [0,0,0,1]: 3 differ -> 1 - 6/4 = -1/2.
    assert cd["s_valued_abs"] == pytest.approx(-1 / 3)
    assert cd["s_valued_sq"] == pytest.approx(float(1 - Fraction(44, 36)))
    assert cd["s_binary_abs"] == pytest.approx(-0.5)
    # π valued: p_o 1/4; pooled 0: 5/8, 2: 1/8, 3: 2/8 -> p_e = 30/64; -> -7/17.
    assert cd["pi_valued"] == pytest.approx(-7 / 17)
    # κ valued, weights ((a - b) / 3)^2: d(2,0) = 4/9, d(3,0) = d(0,3) = 1, d(2,3) = 1/9.
    # sum(w * o) = (4/9 + 0 + 1 + 1) / 4 = 11/18; marginals C (2: 1/4, 0: 1/2, 3: 1/4),
    # D (0: 3/4, 3: 1/4): sum(w * e) = 4/9*1/4*3/4 + 1/9*1/4*1/4 + 1/2*1/4 + 1/4*3/4
    # = 29/72; κ = 1 - (11/18) / (29/72) = -15/29.
    assert cd["kappa_valued"] == pytest.approx(-15 / 29)
    # psych's weights (categories 0, 2, 3 used, by rank: w(0,2) = w(2,3) = 3/4 agreement)
    # give wpo = 7/16, wpc = 10/16 and κ = -1/2.
    tables = np.zeros((1, 4, 4))
    np.add.at(tables[0], (PORTFOLIOS[2], PORTFOLIOS[3]), 1)
    assert _sscores.cohen_kappa(tables, observed_only=True)[0] == pytest.approx(-0.5)


def test_one_category_in_both_rows_has_no_chance_corrected_score() -> None:
    # Two states allied with everyone: every position 3, p_e = 1; R's π is 0/0 (NaN).
    got = scores_of([[3, 3, 3], [3, 3, 3]])
    assert got["s_valued_abs"] == got["s_binary_abs"] == 1.0
    assert all(np.isnan(got[name]) for name in ("pi_valued", "pi_binary", "kappa_binary"))


# --- properties of generated worlds -------------------------------------------------------


def reference(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """One pair as fpsim's scripts compute it (``srs``, ``spi``, ``cohenk``), in plain
    Python."""
    n = len(x)
    bx, by = (x >= 1).astype(int), (y >= 1).astype(int)

    def pi(a: np.ndarray, b: np.ndarray) -> float:
        _, counts = np.unique(np.concatenate([a, b]), return_counts=True)
        expected = float(((counts / (2 * n)) ** 2).sum())
        return float("nan") if expected == 1 else ((a == b).mean() - expected) / (1 - expected)

    def kappa(a: np.ndarray, b: np.ndarray, levels: range) -> float:
        """fpsim's cohenk(a, b, w_exp = 2, levels)."""
        disagree = chance = 0.0
        for u in levels:
            for v in levels:
                w = ((u - v) / (levels[-1] - levels[0])) ** 2
                disagree += w * float(((a == u) & (b == v)).mean())
                chance += w * float((a == u).mean() * (b == v).mean())
        return float("nan") if chance == 0 else 1 - disagree / chance

    return {
        "s_valued_abs": 1 - 2 * np.abs(x - y).sum() / (3 * n),
        "s_valued_sq": 1 - 2 * ((x - y) ** 2).sum() / (9 * n),
        "s_binary_abs": 1 - 2 * np.abs(bx - by).sum() / n,
        "s_binary_sq": 1 - 2 * ((bx - by) ** 2).sum() / n,
        "pi_valued": pi(x, y),
        "pi_binary": pi(bx, by),
        "kappa_valued": kappa(x, y, range(4)),
        "kappa_binary": kappa(bx, by, range(2)),
    }


@st.composite
def worlds(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(2, 12))
    matrix = draw(hnp.arrays(np.int8, (n, n), elements=st.integers(0, 3)))
    np.fill_diagonal(matrix, 3)
    return matrix


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_every_pair_is_as_fpsims_scripts_compute_it(world: np.ndarray) -> None:
    i, j, found = pair_scores(world)
    assert len(i) == len(world) * (len(world) - 1) // 2 and bool(np.all(i < j))
    for p, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        expected = reference(world[a].astype(int), world[b].astype(int))
        for name in SCORES:
            assert found[name][p] == pytest.approx(expected[name], nan_ok=True), name


@settings(max_examples=100, deadline=None)
@given(worlds())
def test_symmetric_bounded_and_one_with_itself(world: np.ndarray) -> None:
    n = len(world)
    _, _, forward = pair_scores(world, [0, n - 1])
    _, _, backward = pair_scores(world, [n - 1, 0])  # the same pair, the other way round
    for name in SCORES:
        assert forward[name][0] == pytest.approx(backward[name][0], nan_ok=True)
    _, _, every = pair_scores(world)
    for name in SCORES:
        values = every[name][~np.isnan(every[name])]
        assert bool(np.all(values <= 1 + 1e-12)) and bool(np.all(values >= -1 - 1e-12))
    twin = np.vstack([world, world[:1]])  # a state and an identical portfolio
    _, _, same = pair_scores(twin, [0, n])
    for name in ("s_valued_abs", "s_valued_sq", "s_binary_abs", "s_binary_sq"):
        assert same[name][0] == pytest.approx(1.0)
    for name in ("pi_valued", "kappa_valued", "pi_binary", "kappa_binary"):
        assert np.isnan(same[name][0]) or same[name][0] == pytest.approx(1.0)


def test_blocks_do_not_change_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    world = np.random.default_rng(11).integers(0, 4, size=(40, 40)).astype(np.int8)
    np.fill_diagonal(world, 3)
    whole = pair_scores(world)
    monkeypatch.setattr(_sscores, "_BLOCK_CELLS", 40 * 7)  # seven pairs a block
    blocked = pair_scores(world)
    assert np.array_equal(whole[0], blocked[0]) and np.array_equal(whole[1], blocked[1])
    for name in SCORES:
        assert np.array_equal(whole[2][name], blocked[2][name])
