"""The strength of a tie: how much two states' agreements and cooperation bind them in a year.

``strength = level + provisions + activity``, each term documented below (and in
``docs/analytics.md``). It is simple on purpose: every term is non-negative and grows
with what it counts, so adding an obligation, a provision or an exercise never weakens a
tie; and every tie (two states sharing at least one agreement in force) is at least
``COOPERATION`` > 0, so ``1 / strength`` is a finite distance for shortest paths.

- **level**: the strongest obligation either state owes the other, on the valued ATOP
  scale of the S-score literature (3 defence or offence; 2 neutrality or consultation;
  1 non-aggression), and ``COOPERATION`` (0.5) for two states that share only agreements
  carrying none of ATOP's obligations (an intelligence-sharing or training agreement):
  a tie, but less than a promise of non-aggression.
- **provisions**: ``PROVISION`` (0.5) for each of ATOP's deepest institutional provisions
  present in any agreement they share (codebook 2.4: ``intcom`` integrated military
  command, ``base`` bases or troops stationed, ``milaid`` military aid): at most 1.5.
- **activity**: ``ACTIVITY`` (0.5) × (ln(1 + exercises) + log10(1 + TIV) + ln(1 +
  shared threats)), the cooperation that year the viewer may see. Logarithms because
  activity is heavy-tailed (a dozen exercises, thousands of TIV); log10 for TIV (SIPRI's
  trend-indicator values run to thousands) so that 1,000 TIV adds 1.5, as ten exercises
  add ~1.2.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Final

LEVELS: Final = {"defense": 3.0, "offense": 3.0, "neutral": 2.0, "consul": 2.0, "nonagg": 1.0}
"""The valued ATOP scale of each obligation (the S-score's 3/2/1)."""

COOPERATION: Final = 0.5
"""The level of a tie made only by agreements carrying no ATOP obligation."""

DEEP_PROVISIONS: Final = ("intcom", "base", "milaid")
PROVISION: Final = 0.5
ACTIVITY: Final = 0.5


def level(obligations: Collection[str]) -> float:
    """The strongest obligation's value (``COOPERATION`` for none)."""
    return max((LEVELS[o] for o in obligations), default=COOPERATION)


def activity_term(activity: Mapping[str, float]) -> float:
    """``ACTIVITY`` × the log-scaled exercises, TIV and shared threats (absent: 0)."""
    return ACTIVITY * (
        math.log1p(max(activity.get("exercises", 0.0), 0.0))
        + math.log10(1.0 + max(activity.get("transfers", 0.0), 0.0))
        + math.log1p(max(activity.get("shared_threats", 0.0), 0.0))
    )


def strength(
    obligations: Collection[str], provisions: Collection[str], activity: Mapping[str, float]
) -> float:
    """The strength index of a tie (see the module)."""
    deep = sum(1 for p in DEEP_PROVISIONS if p in provisions)
    return level(obligations) + PROVISION * deep + activity_term(activity)
