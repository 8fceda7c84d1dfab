"""What analytics answers: dyad-years as columns (numpy arrays), not one object per row.

A dyad-year table of two centuries holds hundreds of thousands of rows; it is kept as
columns from the derivation to the export (``export.py``), never as Python objects.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

OBLIGATIONS: Final = ("defense", "offense", "neutral", "nonagg", "consul")
"""ATOP's five obligations (codebook 2.33), as its dyad-year files name them."""

OBLIGATION_DOMAINS: Final = {
    # the registry's domain for each obligation (registry/vocabulary.py)
    "defense": "mutual_defense",
    "offense": "offense",
    "neutral": "neutrality",
    "nonagg": "non_aggression",
    "consul": "consultation",
}

COOPERATION_DOMAINS: Final = (
    "intelligence_sharing",
    "training",
    "joint_exercises",
    "combined_operations",
    "technology_exchange",
    "military_aid",
)
"""The node's forms of cooperation: the dyad-year columns after ATOP's."""

FIRST_YEAR: Final = 1815
"""ATOP's first year: the default start of a dyad-year table."""

ATOP_COLUMNS: Final = ("ccode1", "ccode2", "year", "atopally", *OBLIGATIONS, "number")
COLUMNS: Final = (*ATOP_COLUMNS, *COOPERATION_DOMAINS)
AGREEMENTS_COLUMN: Final = "agreements"
"""The last column: the agreements the dyad shares that year (``source source_id``)."""


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"


@dataclass(frozen=True, slots=True)
class Table:
    """A table of analytics (measures, S-scores, a profile's years ...) as named columns,
    in order: numpy arrays of integers, floats or booleans, or lists of strings (or of
    None). Every column has the same length. ``export.write_table`` writes it as CSV,
    JSON or Parquet; ``title`` and ``source`` are what a report says of it."""

    name: str
    columns: dict[str, npt.NDArray[Any] | list[Any]]
    title: str = ""
    source: str = ""

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def rows(self) -> list[dict[str, Any]]:
        """One dict per row, with Python values (for small tables: reports, tests)."""
        names = list(self.columns)
        values = [
            c.tolist() if isinstance(c, np.ndarray) else list(c) for c in self.columns.values()
        ]
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class DyadYears:
    """Dyad-years from ``first`` to ``last``, one row per (ccode1, ccode2, year) joined by at
    least one agreement the viewer may see, ordered by ccode1, ccode2, year.

    ``columns`` holds every name of ``COLUMNS`` as an integer array. Directed rows give what
    ccode1 owes ccode2; non-directed rows have ccode1 < ccode2 and, per obligation, the
    larger of both directions. ``atopally`` is 1 when the two share an alliance (an agreement
    carrying one of ATOP's obligations; a party may owe nothing under it), ``number`` counts
    those alliances; the domain columns are 1 when some shared agreement, alliance or not,
    covers the domain. Row ``i`` shares the agreements
    ``refs[agreement_index[offsets[i]:offsets[i + 1]]]``; ``alliance[k]`` says whether
    ``refs[k]`` is an alliance."""

    first: int
    last: int
    directed: bool
    columns: dict[str, IntArray]
    offsets: IntArray
    agreement_index: IntArray
    refs: tuple[str, ...]
    alliance: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __len__(self) -> int:
        return len(self.columns["year"])

    def agreements_of(self, row: int) -> list[str]:
        """The agreements row ``row`` shares (for tests and small reads)."""
        chosen = self.agreement_index[self.offsets[row] : self.offsets[row + 1]]
        return [self.refs[k] for k in chosen]
