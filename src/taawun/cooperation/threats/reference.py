"""Reference knowledge: which threat actors public sources say target two or more states.

Source: the MISP galaxy cluster ``threat-actor`` (``pymispgalaxies``, shipped with the
package: no network), meta ``cfr-suspected-victims`` (the Council on Foreign Relations'
Cyber Operations Tracker) and ``cfr-suspected-state-sponsor``. This is reference, not
intel: nobody shared it, no release policy applies, and every answer labels it so.

The victims are names as the CFR writes them (``Turkey``, ``United Arab Emirates``, but
also ``NATO``, ``AT&T``, ``Middle East``); each distinct name is resolved once per process
to a registry state through ``registry.service.get_state`` (which knows ``Türkiye``,
``UAE``...), and those that are not states are counted as unresolved. Loading the cluster
takes about 1.4 s, once per process.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from taawun.cooperation.threats.normalize import entity
from taawun.cooperation.threats.schemas import Reference, ReferenceActor
from taawun.core.errors import TaawunError
from taawun.core.principal import Principal
from taawun.registry import service as registry

SOURCE = "MISP galaxy threat-actor (pymispgalaxies), cfr-suspected-victims"
NOTE = (
    "reference knowledge, not shared intel: actors the CFR Cyber Operations Tracker suspects "
    "of targeting two or more of these states"
)


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    uuid: str
    synonyms: tuple[str, ...]
    sponsor: str | None
    victims: tuple[str, ...]  # as the galaxy writes them


def actors_from(values: Iterable[Mapping[str, Any]]) -> list[Actor]:
    """The actors of galaxy values (``to_dict()`` of each) that name suspected victims."""
    out = []
    for value in values:
        meta = value.get("meta") or {}
        victims = meta.get("cfr-suspected-victims") or []
        if not isinstance(victims, list) or not victims:
            continue
        sponsor = meta.get("cfr-suspected-state-sponsor")
        synonyms = meta.get("synonyms") or []
        out.append(
            Actor(
                name=str(value["value"]),
                uuid=str(value.get("uuid") or ""),
                synonyms=tuple(sorted(str(s) for s in synonyms if isinstance(s, str))),
                sponsor=sponsor if isinstance(sponsor, str) else None,
                victims=tuple(str(v) for v in victims if isinstance(v, str)),
            )
        )
    return out


@lru_cache(maxsize=1)
def galaxy_actors() -> tuple[Actor, ...]:
    """The threat-actor galaxy's actors with suspected victims, loaded once per process."""
    from pymispgalaxies.api import Cluster

    cluster = Cluster("threat-actor")
    return tuple(actors_from(v.to_dict() for v in cluster.cluster_values.values()))


# (database, victim name) -> (state id, ISO3), or None for a name that is no state
_resolved: dict[tuple[str, str], tuple[int, str] | None] = {}


def _state_of(principal: Principal, session: Session, name: str) -> tuple[int, str] | None:
    key = (str(session.get_bind().engine.url), name)
    if key not in _resolved:
        try:
            state = registry.get_state(principal, session, name=name)
            _resolved[key] = (state.id, state.iso3 or state.name)
        except TaawunError:  # not a state (NATO, AT&T, "Middle East") or ambiguous
            _resolved[key] = None
    return _resolved[key]


def targeting(
    principal: Principal,
    session: Session,
    state_ids: Sequence[int],
    *,
    shared_entities: Iterable[str] = (),
    actors: Sequence[Actor] | None = None,
) -> Reference:
    """The actors whose suspected victims include two or more of ``state_ids``, most
    victims among them first; ``shared``: the actor's name or an alias is among
    ``shared_entities`` (normalised entity values of the shared threats in the answer)."""
    wanted = set(state_ids)
    shared = set(shared_entities)
    found: list[ReferenceActor] = []
    unresolved: set[str] = set()
    for actor in galaxy_actors() if actors is None else actors:
        hit: dict[int, str] = {}
        for victim in actor.victims:
            state = _state_of(principal, session, victim)
            if state is None:
                unresolved.add(victim)
            elif state[0] in wanted:
                hit[state[0]] = state[1]
        if len(hit) < 2:
            continue
        names = {entity(n) for n in (actor.name, *actor.synonyms)}
        found.append(
            ReferenceActor(
                name=actor.name,
                uuid=actor.uuid,
                synonyms=list(actor.synonyms),
                suspected_sponsor=actor.sponsor,
                victims=sorted(hit.values()),
                shared=bool(names & shared),
            )
        )
    found.sort(key=lambda a: (-len(a.victims), a.name.casefold()))
    return Reference(source=SOURCE, note=NOTE, actors=found, unresolved=sorted(unresolved))
