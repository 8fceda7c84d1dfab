"""Who sees and changes an exercise: the activity rule (``cooperation/policy.py``) with what
an exercise concerns.

An exercise from the record (MME) is public, and changed only by its importer. A live one
concerns the states taking part in it (host, participant or observer) and the parties of the
agreement it falls under, on its first day (``registry.policy.party_at``): those see it, and
their liaisons and admins change it; to anyone else it does not exist.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import cast

from sqlalchemy import ColumnElement, and_, exists, or_, select

from taawun.cooperation.exercises.models import Exercise, ExerciseParticipant
from taawun.cooperation.policy import ActivityPolicy, may_change, may_see
from taawun.core.principal import Principal
from taawun.registry.policy import party_at


def _concerns(state_id: int) -> ColumnElement[bool]:
    takes_part = exists(
        select(ExerciseParticipant.id).where(
            ExerciseParticipant.exercise_id == Exercise.id,
            ExerciseParticipant.state_id == state_id,
        )
    )
    under_agreement = and_(
        Exercise.agreement_id.is_not(None),
        party_at(
            cast("ColumnElement[int]", Exercise.agreement_id),
            state_id,
            Exercise.start_date.expression,
        ),
    )
    # The public record concerns nobody in particular: seen by all, changed by its importer.
    return and_(Exercise.public.is_(False), or_(takes_part, under_agreement))


EXERCISES = ActivityPolicy(public=Exercise.public.is_(True), concerns=_concerns)


def may_see_exercise(principal: Principal, *, public: bool, concerned: Collection[int]) -> bool:
    """``EXERCISES.criterion(..., VIEW)`` in plain Python (for the tests that compare them):
    ``concerned`` is the participants' states and the agreement's parties on the first day."""
    return may_see(principal, public=public, concerned=concerned)


def may_change_exercise(principal: Principal, *, public: bool, concerned: Collection[int]) -> bool:
    """``EXERCISES.criterion(..., CHANGE)`` in plain Python."""
    return may_change(principal, concerned=() if public else concerned)
