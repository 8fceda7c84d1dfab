"""The exercises' REST router: the same questions and changes as ``taawun exercises``, one
service call each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.cooperation.exercises import changes, service
from taawun.cooperation.exercises.dates import FIRST_YEAR, LAST_YEAR
from taawun.cooperation.exercises.schemas import (
    ExerciseCreate,
    ExercisePage,
    ExercisePartners,
    ExerciseRead,
    ExerciseUpdate,
)
from taawun.core.error_body import COMMON, error_responses
from taawun.core.integers import INT32_MAX

router = APIRouter(prefix="/api/v1", tags=["exercises"], responses=error_responses(*COMMON))

Year = Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)]
Ref = Annotated[str, Path(description="an id, or a source id such as mme88")]


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


@router.get("/exercises")
def list_exercises(
    principal: PrincipalDep,
    session: SessionDep,
    state: Annotated[str | None, Query(description="a state that took part")] = None,
    partner: Annotated[
        list[str], Query(description="another state that took part (repeat: all)")
    ] = [],  # noqa: B006
    year_from: Year = None,
    year_to: Year = None,
    domain: Annotated[list[str], Query(description="a domain (repeat: all)")] = [],  # noqa: B006
    series: str | None = None,
    q: Annotated[str | None, Query(description="text in the name, series, location, focus")] = None,
    source: Annotated[str | None, Query(description="live or imported")] = None,
    coverage: Annotated[
        str | None, Query(description="covered, outside (flagged) or unassessed")
    ] = None,
    status: Annotated[str | None, Query(description="recorded or cancelled")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
) -> ExercisePage:
    """Joint exercises the caller may see, oldest first: the public record (MME, 1980-2010)
    and live exercises of the states they concern."""
    return service.list_exercises(
        principal,
        session,
        state=state,
        partners=partner,
        year_from=year_from,
        year_to=year_to,
        domains=domain,
        series=series,
        text=q,
        source=source,
        coverage=coverage,
        status=status,
        limit=limit,
        offset=offset,
    )


@router.get("/exercises/partners/{state}")
def exercise_partners(
    state: str,
    principal: PrincipalDep,
    session: SessionDep,
    year_from: Year = None,
    year_to: Year = None,
    domain: Annotated[list[str], Query()] = [],  # noqa: B006
    source: Annotated[str | None, Query(description="live or imported")] = None,
) -> ExercisePartners:
    """The states ``state`` exercised with, most exercises first."""
    return service.exercise_partners(
        principal,
        session,
        state=state,
        year_from=year_from,
        year_to=year_to,
        domains=domain,
        source=source,
    )


@router.get("/exercises/{ref}")
def get_exercise(ref: Ref, principal: PrincipalDep, session: SessionDep) -> ExerciseRead:
    """One exercise, with its participants, domains and the agreement it falls under."""
    return service.get_exercise(principal, session, ref=ref)


@router.post("/exercises", status_code=201, responses=error_responses(400, 409))
def record_exercise(
    data: ExerciseCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> ExerciseRead:
    """Record an exercise the caller's state takes part in (a liaison or admin). It falls
    under the agreement named, or the most specific one covering ``joint_exercises`` for
    every participating state when it starts; with none, it is recorded with coverage
    ``outside`` (flagged)."""
    return changes.record_exercise(principal, session, data=data, clock=clock)


@router.patch("/exercises/{ref}", responses=error_responses(400, 409))
def update_exercise(
    ref: Ref,
    data: ExerciseUpdate,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> ExerciseRead:
    """Change a live exercise (a liaison or admin of a state it concerns)."""
    return changes.update_exercise(principal, session, ref=ref, data=data, clock=clock)


@router.post("/exercises/{ref}/cancel", responses=error_responses(400, 409))
def cancel_exercise(
    ref: Ref,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    body: Annotated[CancelBody | None, Body()] = None,
) -> ExerciseRead:
    """Cancel a live exercise; it is kept, as ``cancelled``."""
    return changes.cancel_exercise(
        principal, session, ref=ref, reason=body.reason if body else None, clock=clock
    )
