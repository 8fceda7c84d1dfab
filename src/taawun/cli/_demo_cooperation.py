"""The demo's live cooperation, beside the imported record: what the demo states do together.

Each step is taken as a user would take it, through the same use cases as the REST API and
the CLI, by the demo liaison of the state that acts, so every rule holds: consent for the
arrangements, the parties' own acts for the operation, the seats and the transfer. A second
``taawun demo`` on the same node finds what the first recorded and adds nothing.

- A cooperation arrangement under two of the demo agreements (as the intelligence-sharing
  ones, proposed by one party and accepted by the other): Saudi Arabia and the UAE under
  the GCC's joint defence agreement (ATOP 4965) for combined operations, exercises and
  training; Azerbaijan and Turkey under the Shusha Declaration for training, exercises,
  technology exchange and military aid.
- Saudi Arabia's and the UAE's agencies each report a threat actor the MISP galaxy names as
  targeting both (and no other demo state), under the GCC intelligence arrangement: a
  shared threat of the agreement.
- A combined operation of the two against that actor, proposed by Saudi Arabia (the lead),
  joined by the UAE, active.
- A training programme Turkey hosts for Azerbaijan, seats offered and partly taken.
- A joint air exercise of Turkey and Azerbaijan (the TurAz Qartalı series), under the
  arrangement.
- A transfer between two demo states that no agreement covers: recorded and flagged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from taawun.core.errors import NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from taawun.cooperation.threats.reference import Actor
    from taawun.core.clock import Clock
    from taawun.core.principal import Principal

# agreement ref -> (its demo parties, the domains of the cooperation arrangement under it)
COOPERATION: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ATOP 4965": (("SAU", "ARE"), ("combined_operations", "joint_exercises", "training")),
    "curated:shusha-2021": (
        ("AZE", "TUR"),
        ("training", "joint_exercises", "technology_exchange", "military_aid"),
    ),
}
DEMO_STATES = {"TUR", "PAK", "SAU", "ARE", "AZE"}
REPORTED = "2026-01-15T09:00:00.000Z"
NAMESPACE = "https://taawun.invalid/demo"
OPERATION_NAME = "Combined watch on {actor} infrastructure (taawun demo)"
PROGRAMME_SUBJECT = "Counter-UAV operations course (taawun demo)"
EXERCISE_NAME = "TurAz Qartalı (taawun demo)"
# Candidate (supplier, recipient, item) for the flagged transfer, in order: the first pair no
# agreement covers today is used.
TRANSFER_CANDIDATES = (
    ("TUR", "SAU", "Bayraktar TB2"),
    ("TUR", "ARE", "Bayraktar TB2"),
    ("PAK", "AZE", "JF-17 Thunder"),
    ("PAK", "SAU", "JF-17 Thunder"),
)
TRANSFER_DOMAINS = ("technology_exchange", "military_aid")

Act = Callable[[str], "Principal"]


@dataclass(frozen=True, slots=True)
class Arranged:
    """An arrangement recorded (or found) under an agreement: its id and what was done."""

    agreement_id: str
    line: str


def cooperation_title(ref: str) -> str:
    return f"Cooperation arrangement under {ref} (taawun demo)"


def seed(
    session: Session, clock: Clock, as_user: Act, arrange: ArrangeFn, gcc_intel: str
) -> list[str]:
    """Record the demo's live cooperation (see the module); returns what was done, a line
    each. ``as_user(state)`` is the acting principal of that state's demo liaison;
    ``arrange(ref, parties, title, domains)`` records or finds an arrangement;
    ``gcc_intel`` is the intelligence-sharing arrangement under the GCC agreement."""
    arranged = {
        ref: arrange(ref, parties, cooperation_title(ref), domains)
        for ref, (parties, domains) in COOPERATION.items()
    }
    lines = [a.line for a in arranged.values()]
    actor = _actor(session, as_user("SAU"))
    lines.append(_reports(session, clock, as_user, gcc_intel, actor))
    lines.append(_operation(session, clock, as_user, arranged["ATOP 4965"].agreement_id, actor))
    shusha = arranged["curated:shusha-2021"].agreement_id
    lines.append(_programme(session, clock, as_user, shusha))
    lines.append(_exercise(session, clock, as_user, shusha))
    lines.append(_transfer(session, clock, as_user))
    return lines


ArrangeFn = Callable[[str, tuple[str, ...], str, tuple[str, ...]], Arranged]


def _actor(session: Session, principal: Principal) -> Actor:
    """A threat actor the MISP galaxy names as targeting both Saudi Arabia and the UAE, and
    only them of the demo's states (so no other demo agency already reports it)."""
    from taawun.cooperation.threats import reference
    from taawun.registry import service as registry

    ids = [registry.get_state(principal, session, name=s).id for s in ("SAU", "ARE")]
    found = reference.targeting(principal, session, ids).actors
    names = {a.name for a in found if set(a.victims) & DEMO_STATES == {"SAU", "ARE"}}
    actors = [a for a in reference.galaxy_actors() if a.name in names]
    if not actors:
        raise NotFound("the MISP galaxy names no actor targeting both Saudi Arabia and the UAE")
    return min(actors, key=lambda a: a.name)


def _reports(session: Session, clock: Clock, as_user: Act, arrangement: str, actor: Actor) -> str:
    """Saudi Arabia's and the UAE's agencies each report the actor (an intrusion set, with
    the galaxy's aliases) under the GCC intelligence arrangement: a shared threat of the
    agreement, which the operation below is against. Fixed ids and times: a second run
    stores nothing new."""
    import uuid

    from taawun.intel import changes
    from taawun.intel.markings import MarkingDefaults

    stored = []
    for state in ("SAU", "ARE"):
        sharer = as_user(state)
        stix_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"{NAMESPACE}/{state}/{actor.uuid}")
        obj = {
            "type": "intrusion-set",
            "spec_version": "2.1",
            "id": f"intrusion-set--{stix_uuid}",
            "created": REPORTED,
            "modified": REPORTED,
            "name": actor.name,
            "aliases": list(actor.synonyms),
            "description": f"{actor.name}, as reported by {state}'s demo agency under the GCC "
            "intelligence arrangement (reference: MISP threat-actor galaxy).",
        }
        report = changes.share(
            sharer,
            session,
            objects=[obj],
            defaults=MarkingDefaults(release_to=(arrangement,)),
            clock=clock,
        )
        stored.append(f"{state} {'stored' if report.stored else 'already there'}")
    return f"intel: {actor.name} reported by SAU and ARE under {arrangement} ({', '.join(stored)})"


def _operation(session: Session, clock: Clock, as_user: Act, agreement: str, actor: Actor) -> str:
    from taawun.cooperation.operations import changes, service
    from taawun.cooperation.operations.schemas import OperationCreate
    from taawun.cooperation.threats.kinds import ENTITY
    from taawun.cooperation.threats.normalize import entity

    saudi = as_user("SAU")
    name = OPERATION_NAME.format(actor=actor.name)
    found = service.list_operations(saudi, session, text=name, historical=False, clock=clock)
    if found.items:
        op = found.items[0]
        return f"operation {op.id} ({op.status}): {op.name}, already recorded"
    proposed = changes.propose_operation(
        saudi,
        session,
        data=OperationCreate(
            name=name,
            agreement=agreement,
            threat=actor.name,
            threat_kind=ENTITY,
            threat_value=entity(actor.name) or actor.name,
            lead="SAU",
            description="Joint monitoring of the actor's infrastructure reported by both "
            "parties, under the GCC cooperation arrangement.",
            starts=clock.now().date(),
        ),
        clock=clock,
    )
    changes.join_operation(as_user("ARE"), session, ref=proposed.id, clock=clock)
    active = changes.activate_operation(saudi, session, ref=proposed.id, clock=clock)
    return (
        f"operation {active.id} ({active.status}): {name}, proposed and led by SAU, joined by ARE"
    )


def _programme(session: Session, clock: Clock, as_user: Act, agreement: str) -> str:
    from taawun.cooperation.training import changes, seats, service
    from taawun.cooperation.training.schemas import ProgrammeCreate, SeatOffer, SeatsChange

    turkey = as_user("TUR")
    found = service.list_programmes(turkey, session, text=PROGRAMME_SUBJECT, clock=clock)
    if found.items:
        p = found.items[0]
        return f"training {p.id}: {p.subject}, already recorded"
    start = clock.now().date() + timedelta(days=30)
    programme = changes.record_programme(
        turkey,
        session,
        data=ProgrammeCreate(
            subject=PROGRAMME_SUBJECT,
            agreement=agreement,
            start=start,
            end=start + timedelta(days=27),
            offers=[SeatOffer(guest="AZE", seats=12)],
            location="Ankara",
        ),
        clock=clock,
    )
    seats.take_seats(
        as_user("AZE"),
        session,
        programme_id=programme.id,
        data=SeatsChange(seats=8),
        clock=clock,
    )
    return f"training {programme.id}: {PROGRAMME_SUBJECT}, hosted by TUR, 12 seats for AZE, 8 taken"


def _exercise(session: Session, clock: Clock, as_user: Act, agreement: str) -> str:
    from taawun.cooperation.exercises import changes, service
    from taawun.cooperation.exercises.schemas import ExerciseCreate, ParticipantIn

    turkey = as_user("TUR")
    found = service.list_exercises(turkey, session, text=EXERCISE_NAME, source="live")
    if found.items:
        return f"exercise {found.items[0].id}: {EXERCISE_NAME}, already recorded"
    start = clock.now().date() + timedelta(days=60)
    exercise = changes.record_exercise(
        turkey,
        session,
        data=ExerciseCreate(
            name=EXERCISE_NAME,
            series="TurAz Qartalı",
            start=start.isoformat(),
            end=(start + timedelta(days=10)).isoformat(),
            location="Konya, Turkey",
            domains=["air"],
            participants=[
                ParticipantIn(state="TUR", role="host"),
                ParticipantIn(state="AZE", role="participant"),
            ],
            agreement=agreement,
        ),
        clock=clock,
    )
    return f"exercise {exercise.id}: {EXERCISE_NAME}, TUR hosting AZE ({exercise.coverage})"


def _transfer(session: Session, clock: Clock, as_user: Act) -> str:
    from taawun.cooperation.transfers import changes, service
    from taawun.cooperation.transfers.schemas import TransferCreate
    from taawun.registry import service as registry
    from taawun.registry.periods import Period

    today = Period.day(clock.now().date())
    for supplier, recipient, item in TRANSFER_CANDIDATES:
        acting = as_user(supplier)
        found = service.list_transfers(
            acting, session, kind="live", supplier=supplier, recipient=recipient, flagged=True
        )
        if found.items:
            t = found.items[0]
            return f"transfer {t.id}: {item} {supplier} -> {recipient}, flagged, already recorded"
        ids = [registry.get_state(acting, session, name=s).id for s in (supplier, recipient)]
        covering = registry.covering_agreements(
            acting, session, state_ids=ids, domains=TRANSFER_DOMAINS, period=today
        )
        if covering:
            continue
        transfer = changes.propose_transfer(
            acting,
            session,
            data=TransferCreate(
                supplier=supplier,
                recipient=recipient,
                item=item,
                quantity=6,
                comments="recorded by the taawun demo: no agreement between the two covers it",
            ),
            clock=clock,
        )
        return (
            f"transfer {transfer.id}: {item} {supplier} -> {recipient}, "
            f"{'flagged: no agreement covers it' if transfer.flagged else 'covered'}"
        )
    return "transfer: every candidate pair is covered by an agreement; none recorded"
