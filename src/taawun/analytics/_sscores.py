"""Alliance portfolio similarity, as svmiller/fpsim computes it: arithmetic only.

fpsim (0.2.0) builds its published alliance scores (``FPSIM.rds``, which peacesciencer's
``add_fpsim()`` downloads) with the scripts ``inst/scripts/1-fpsim-alliances-s-unweighted.R``
(S) and ``3-fpsim-alliances-pk(t).R`` (π, κ), over the directed dyad-years prepared in
``data-raw/1-prepare-atop-alliance-data.R``; this module follows them:

- **Valued scale** (``ordatop``, after Chiba et al. 2022): 3 when the directed dyad-year
  carries defence or offence; 2 neutrality or consultation (and neither of those); 1
  non-aggression only; 0 no alliance, or an alliance under which the state owes nothing
  (ATOP's asymmetric rows: "TRUE ~ 0"). A state's tie to itself is the maximum (3).
  The binary scale is ``valued >= 1`` (``binatop``), the self-tie 1.
- **Whose row.** The preparation left-joins ATOP's *directed* dyad-years
  (``atop5_1ddyr``, ``ccode1`` = state A) onto every directed pair of COW system members
  and the scripts spread ``ccode2`` into columns, so row ``i`` column ``k`` is what ``i``
  owes ``k`` — not the larger of both directions. ``portfolios`` does the same.
- **S** (Signorino and Ritter 1999, unweighted; ``srs(x_i, x_j, distances, range = 3)``,
  ``range = 1`` binary): ``1 - 2 * sum_k d(x_ik, x_jk) / (n * d_max)`` over the ``n``
  system members of the year, ``d`` absolute (``d_max`` 3 valued, 1 binary) or squared
  (9 valued, 1 binary): the range fixed, not the one observed.
- **Scott's π** (``spi(levels = 0:3)``, ``0:1`` binary): the share of equal positions
  against the expected agreement of one distribution pooled over both rows.
- **Cohen's κ** (``cohenk(levels = 0:3)``, ``0:1`` binary; ``w_exp = 2``): weighted κ,
  ``1 - sum(w * o) / sum(w * e)`` with disagreement weights ``w = ((a - b) / range)^2``
  over the whole scale and separate marginals; on the binary scale, Cohen's plain κ.
  fpsim's earlier script (``1-fpsim-alliances.R``, the repository's root) took the
  "weighted" estimate of ``psych::cohen.kappa`` instead, whose default weights run over
  the ranks of the categories the two rows use; where a row misses a category (no 2s) its
  valued κ differs. ``cohen_kappa(observed_only=True)`` gives that one.
- Where both rows use one category only (every position 3, say) π and κ are 0/0: NaN, as
  in R. It never happens among real system members.

Everything is vectorised over pairs: each pair's 4x4 table of joint positions (in how many
columns the first state is at ``a`` and the second at ``b``) comes from one ``bincount``
over all pairs at once, and all eight scores follow from the tables. Blocks of pairs bound
the memory. (A product of one-hot matrices gives the same tables; under a loaded machine
BLAS's threads made it slower and less steady than the count.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import numpy.typing as npt

SCORES: Final = (
    "s_valued_abs",
    "s_valued_sq",
    "s_binary_abs",
    "s_binary_sq",
    "pi_valued",
    "pi_binary",
    "kappa_valued",
    "kappa_binary",
)
"""The eight scores, as fpsim's columns ``sallyva, sallyvs, sallyba, sallybs, pallyv,
pallyb, kallyv, kallyb``."""

VALUED_MAX: Final = 3
"""The valued scale's top: defence or offence, and a state's tie to itself."""

_CATEGORIES: Final = VALUED_MAX + 1
_BLOCK_CELLS: Final = 2_000_000
"""The most pair positions (pairs x members) coded at once: about 16 MB."""

_ABSOLUTE: Final = np.abs(np.subtract.outer(np.arange(_CATEGORIES), np.arange(_CATEGORIES)))
"""``|a - b|`` between valued positions."""
_TO_BINARY: Final = np.array([[1.0, 0.0]] + [[0.0, 1.0]] * VALUED_MAX)
"""Collapses the valued positions 0..3 into the binary 0, 1 (fpsim's ``binatop``: 1 where
the valued position is at least 1)."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Portfolio = npt.NDArray[np.int8]


def valued(columns: Mapping[str, npt.ArrayLike]) -> Portfolio:
    """fpsim's ``ordatop`` of directed dyad-year rows (``case_when`` in its order), from
    ATOP's columns ``atopally, defense, offense, neutral, nonagg, consul``."""

    def flag(name: str) -> npt.NDArray[np.bool_]:
        return np.asarray(columns[name]).astype(bool)

    ally = flag("atopally")
    strong = flag("defense") | flag("offense")
    middle = flag("neutral") | flag("consul")
    weak = flag("nonagg")
    value = np.select([~ally, strong, middle, weak], [0, 3, 2, 1], default=0)
    return value.astype(np.int8)


def portfolios(
    members: npt.ArrayLike, ccode1: npt.ArrayLike, ccode2: npt.ArrayLike, value: npt.ArrayLike
) -> Portfolio:
    """The ``n x n`` valued portfolios of one year: row ``i`` holds what member ``i`` owes
    each member (``members`` sorted COW codes; each directed row ``ccode1 -> ccode2`` with
    its ``value``), the diagonal at the maximum. Rows naming a state outside the system that
    year are dropped, as fpsim's join onto the system's dyads drops them."""
    codes = np.asarray(members, dtype=np.int64)
    n = len(codes)
    matrix = np.zeros((n, n), dtype=np.int8)
    if n == 0:
        return matrix
    first, second = np.asarray(ccode1, dtype=np.int64), np.asarray(ccode2, dtype=np.int64)
    i = np.minimum(np.searchsorted(codes, first), n - 1)
    j = np.minimum(np.searchsorted(codes, second), n - 1)
    kept = (codes[i] == first) & (codes[j] == second)
    matrix[i[kept], j[kept]] = np.asarray(value, dtype=np.int8)[kept]
    np.fill_diagonal(matrix, VALUED_MAX)
    return matrix


def pair_scores(
    portfolio: Portfolio, among: npt.ArrayLike | None = None
) -> tuple[IntArray, IntArray, dict[str, FloatArray]]:
    """Every pair of the rows ``among`` (indices into ``portfolio``; default all), the first
    before the second as ``among`` orders them, and its eight ``SCORES``, each position
    ``k`` running over every column (every system member). Returns the pairs' row indices
    ``i``, ``j`` and the scores by name."""
    n = portfolio.shape[1]
    rows = np.arange(portfolio.shape[0]) if among is None else np.asarray(among, dtype=np.int64)
    a, b = np.triu_indices(len(rows), 1)
    first, second = rows[a], rows[b]
    block = max(1, _BLOCK_CELLS // max(1, n))
    parts = [
        _scores(_tables(portfolio[first[k : k + block]], portfolio[second[k : k + block]]), n)
        for k in range(0, len(first), block)
    ]
    scores = {
        name: np.concatenate([p[name] for p in parts]) if parts else np.zeros(0) for name in SCORES
    }
    return first, second, scores


def _tables(x: Portfolio, y: Portfolio) -> FloatArray:
    """Each pair's table of joint positions: ``tables[p, a, b]`` counts the columns where
    row ``x[p]`` is at ``a`` and ``y[p]`` at ``b`` (one ``bincount`` over all pairs, each
    pair's 16 cells offset from the others')."""
    pairs = len(x)
    cells = _CATEGORIES * _CATEGORIES
    codes = x.astype(np.intp) * _CATEGORIES + y + cells * np.arange(pairs, dtype=np.intp)[:, None]
    counts = np.bincount(codes.ravel(), minlength=cells * pairs)
    return counts.reshape(pairs, _CATEGORIES, _CATEGORIES).astype(np.float64)


def _scores(tables: FloatArray, n: int) -> dict[str, FloatArray]:
    """The scores of pairs from their tables of joint positions (``tables[p, a, b]``: the
    columns where the first state is at ``a`` and the second at ``b``)."""
    flat = tables.reshape(len(tables), _CATEGORIES**2)
    valued_abs = flat @ _ABSOLUTE.ravel().astype(np.float64)
    valued_sq = flat @ (_ABSOLUTE**2).ravel().astype(np.float64)
    two = _TO_BINARY.T @ tables @ _TO_BINARY
    mismatched = two[:, 0, 1] + two[:, 1, 0]
    return {
        "s_valued_abs": 1.0 - 2.0 * valued_abs / (n * VALUED_MAX),
        "s_valued_sq": 1.0 - 2.0 * valued_sq / (n * VALUED_MAX**2),
        "s_binary_abs": 1.0 - 2.0 * mismatched / n,
        "s_binary_sq": 1.0 - 2.0 * mismatched / n,  # the same on 0/1 positions
        "pi_valued": scott_pi(tables),
        "pi_binary": scott_pi(two),
        "kappa_valued": cohen_kappa(tables),
        "kappa_binary": cohen_kappa(two),
    }


def scott_pi(tables: FloatArray) -> FloatArray:
    """Scott's π of each pair's table: one marginal distribution pooled over both rows."""
    total = tables.sum(axis=(1, 2))
    observed = np.trace(tables, axis1=1, axis2=2) / total
    pooled = (tables.sum(axis=2) + tables.sum(axis=1)) / (2 * total)[:, None]
    expected = (pooled**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray((observed - expected) / (1.0 - expected), dtype=np.float64)


def cohen_kappa(tables: FloatArray, *, observed_only: bool = False) -> FloatArray:
    """Cohen's weighted κ of each pair's table, as fpsim's ``cohenk(levels = 0:3)``:
    quadratic disagreement weights by value over the whole scale, separate marginals.
    ``observed_only``: as ``psych::cohen.kappa`` (fpsim's earlier script), the categories
    either row uses, weighted by their ranks."""
    total = tables.sum(axis=(1, 2))
    observed = tables / total[:, None, None]
    first, second = observed.sum(axis=2), observed.sum(axis=1)
    used = (first + second) > 0 if observed_only else np.ones(first.shape, dtype=bool)
    rank = np.cumsum(used, axis=1) - 1.0
    span = used.sum(axis=1).astype(np.float64) - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = (rank[:, :, None] - rank[:, None, :]) ** 2 / (span**2)[:, None, None]
        disagree = (weight * observed).sum(axis=(1, 2))
        chance = (weight * first[:, :, None] * second[:, None, :]).sum(axis=(1, 2))
        return np.asarray(1.0 - disagree / chance, dtype=np.float64)
