"""What partnership brought a state: the machinery of ``questions.brought``.

Arms come from ``transfers.service.allies_share`` (SIPRI TIV from allies and from others,
each TIV-table row listed); an exercise counts when a partner of that year took part too;
training is the seats the state was offered and took; shared threats are those it shared
with any partner of the window (for a viewer of an agency).
Partners come from the dyad-years of the state's own agreements (``_history``); the
cooperation record through ``_cooperation``.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from taawun.analytics import _cooperation, _history, repository
from taawun.analytics._cooperation import Item
from taawun.analytics.schemas import Table
from taawun.cooperation.transfers import service as transfers
from taawun.cooperation.transfers.schemas import AlliesShare
from taawun.core.clock import Clock
from taawun.core.principal import Principal
from taawun.registry.schemas import StateRead

ACTIVITY: Final = (
    "exercises",
    "exercises_with_partners",
    "training",
    "training_seats",
    "shared_threats",
)
"""``Brought.activity``'s figures, per year."""


class Received(NamedTuple):
    """``questions.Brought``'s parts, its events as unordered items."""

    arms: Table
    items: list[Item]
    totals: dict[str, float]
    activity: Table
    notes: list[str]


def received(
    principal: Principal,
    session: Session,
    me: StateRead,
    *,
    first: int,
    last: int,
    clock: Clock | None,
) -> Received:
    """What ``me`` received from ``first`` to ``last``, as ``principal`` may see it."""
    assert me.cow_code is not None  # _inputs.state keeps states with a COW code
    ccode = me.cow_code
    share = transfers.allies_share(
        principal, session, state=str(ccode), first_year=first, last_year=last
    )
    arms = _arms(share, first, last)
    allied = {(s.year, s.supplier.name): s.allied for s in share.suppliers}
    items: list[Item] = [
        _cooperation.transfer_item(t, " (ally)" if allied.get((t.year, t.supplier.name)) else "")
        for t in _cooperation.transfers_of(
            principal,
            session,
            supplier=None,
            recipient=ccode,
            first=first,
            last=last,
            kind="aggregate",
        )
    ]
    live = _cooperation.transfers_of(
        principal, session, supplier=None, recipient=ccode, first=first, last=last, kind="live"
    )
    items += [_cooperation.transfer_item(t, " (live: not in the TIV figures)") for t in live]

    partners = _partners_by_year(principal, session, ccode, first, last)
    n = last - first + 1
    activity = {k: np.zeros(n, dtype=np.int64) for k in ACTIVITY}
    codes = _codes(session)
    for ex in _cooperation.exercises_of(
        principal, session, state=ccode, partners=[], first=first, last=last
    ):
        item = _cooperation.exercise_item(ex)
        year = item.start.year if item.start else first
        activity["exercises"][year - first] += 1
        others = {codes[s] for s in ex.states if s in codes} - {ccode}
        if others & partners.get(year, set()):
            activity["exercises_with_partners"][year - first] += 1
            items.append(item)
    for p in _cooperation.programmes_of(
        principal, session, host=None, guest=ccode, first=first, last=last, clock=clock
    ):
        seat = next((s for s in p.seats if s.state_id == me.id), None)
        activity["training"][p.start.year - first] += 1
        activity["training_seats"][p.start.year - first] += seat.taken if seat else 0
        items.append(_cooperation.programme_item(p, me.id))
    notes: list[str] = [share.note]
    threats = _shared_threats(
        principal, session, ccode, partners, first=first, last=last, clock=clock
    )
    if threats is None:
        notes.append(_cooperation.NO_THREATS)
    else:
        for item in threats:
            activity["shared_threats"][
                min(max(item.start.year if item.start else first, first), last) - first
            ] += 1
        items += threats
    return Received(
        arms=arms,
        items=items,
        totals=_totals(share, activity, live=len(live)),
        activity=Table(
            f"brought-{ccode}-activity-{first}-{last}",
            {"year": np.arange(first, last + 1, dtype=np.int64), **activity},
            f"{me.name}: cooperation received per year, {first}-{last}",
            "the cooperation record (MME exercises, training programmes, shared threats)",
        ),
        notes=notes,
    )


def _totals(
    share: AlliesShare, activity: dict[str, npt.NDArray[np.int64]], *, live: int
) -> dict[str, float]:
    """``Brought.totals``: the window's sums."""
    return {
        "tiv_total": share.total,
        "tiv_from_allies": share.from_allies,
        "tiv_from_others": float(sum(y.from_others for y in share.years)),
        "tiv_from_non_states": float(sum(y.from_non_states for y in share.years)),
        "share_from_allies": share.share if share.share is not None else float("nan"),
        "exercises": float(activity["exercises_with_partners"].sum()),
        "exercises_all": float(activity["exercises"].sum()),
        "training": float(activity["training"].sum()),
        "training_seats": float(activity["training_seats"].sum()),
        "shared_threats": float(activity["shared_threats"].sum()),
        "live_transfers": float(live),
    }


def _arms(share: AlliesShare, first: int, last: int) -> Table:
    """``allies_share``'s years over the whole window (a year without imports is zeros)."""
    by_year = {y.year: y for y in share.years}
    rows = [by_year.get(year) for year in range(first, last + 1)]
    return Table(
        f"brought-{share.state.cow_code}-arms-{first}-{last}",
        {
            "year": np.arange(first, last + 1, dtype=np.int64),
            "tiv_total": np.array([r.total if r else 0.0 for r in rows]),
            "tiv_from_allies": np.array([r.from_allies if r else 0.0 for r in rows]),
            "tiv_from_others": np.array([r.from_others if r else 0.0 for r in rows]),
            "tiv_from_non_states": np.array([r.from_non_states if r else 0.0 for r in rows]),
            "share_from_allies": np.array(
                [r.share if r and r.share is not None else np.nan for r in rows]
            ),
        },
        f"{share.state.name}: arms received (SIPRI TIV) from allies and others, {first}-{last}",
        share.note,
    )


def _partners_by_year(
    principal: Principal, session: Session, ccode: int, first: int, last: int
) -> dict[int, set[int]]:
    """The states ``ccode`` shared an agreement with, each year (from its own agreements)."""
    dy = _history.own_dyad_years(principal, session, (ccode,), first=first, last=last)
    found = _history.partner_sets(dy, ccode, range(first, last + 1))
    return {year: set(p) for year, p in found.items()}


def _codes(session: Session) -> dict[str, int]:
    """COW code by the label the cooperation services print (ISO3, else the name)."""
    return {
        label: s.ccode
        for s in repository.state_labels(session).values()
        for label in (s.name, s.iso3)
        if label
    }


def _shared_threats(
    principal: Principal,
    session: Session,
    ccode: int,
    partners: dict[int, set[int]],
    *,
    first: int,
    last: int,
    clock: Clock | None,
) -> list[Item] | None:
    """Threats ``ccode`` shared with any state it had an agreement with in the window."""
    found: list[Item] = []
    for partner in sorted(set().union(*partners.values()) - {ccode}):
        items = _cooperation.threat_items(
            principal, session, ccode, partner, first=first, last=last, clock=clock
        )
        if items is None:
            return None
        found += items
    return found
