"""Who sees a training programme and who acts on it: ``cooperation/policy.py``'s activity rule
with the states a programme concerns.

A programme is live, never public (no open training dataset exists, so nothing is imported).
It concerns its host, each guest state offered seats, and the parties of the agreement it
falls under on its first day: a multilateral agreement's other parties follow what is done
under it. Anyone else, and the public, get the answer a missing programme gets.

Acting needs more than seeing, and the rule is still the query's: the host's acts (record,
graduates, cancel) select the programme with ``HOSTING`` and a guest's (take or release
seats) with ``GUESTING``, each for ``Action.CHANGE``: a liaison or admin of the host, or of a
guest, respectively; the node itself (a system principal) for either.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, exists, false, or_, select
from sqlalchemy.orm import aliased

from taawun.cooperation.policy import ActivityPolicy
from taawun.cooperation.training.models import TrainingProgramme, TrainingSeat
from taawun.registry.policy import party_at


def is_guest(state_id: int) -> ColumnElement[bool]:
    """SQL, on rows of ``TrainingProgramme``: ``state_id`` is offered seats in it. An alias of
    its own, correlated to the programme only, so a query that already joins the seats (the
    ledger) is not matched against its own seat row."""
    seat = aliased(TrainingSeat)
    return exists(
        select(seat.programme_id)
        .where(seat.programme_id == TrainingProgramme.id, seat.state_id == state_id)
        .correlate_except(seat)
    )


def is_host(state_id: int) -> ColumnElement[bool]:
    return TrainingProgramme.host_state_id == state_id


def concerns(state_id: int) -> ColumnElement[bool]:
    """SQL: the programme concerns ``state_id`` (host, guest, or a party of its agreement on
    the day it starts)."""
    return or_(
        is_host(state_id),
        is_guest(state_id),
        party_at(TrainingProgramme.agreement_id, state_id, TrainingProgramme.starts_on.expression),
    )


PROGRAMMES = ActivityPolicy(public=false(), concerns=concerns)
HOSTING = ActivityPolicy(public=false(), concerns=is_host)
GUESTING = ActivityPolicy(public=false(), concerns=is_guest)


def concerned_states(
    *, host: int, guests: Collection[int], agreement_parties: Collection[int]
) -> set[int]:
    """``concerns`` in plain Python: the states a programme concerns, for ``may_see`` and
    ``may_change`` (``cooperation/policy.py``) in tests that compare the two forms."""
    return {host, *guests, *agreement_parties}
