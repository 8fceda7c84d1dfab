"""Where else a value was seen: in what the reader may read, per state and object.

A person asks with the value as they have it (defanged, in capitals, a URL without its
scheme); it is read as every kind it may be (``normalize.guess``) unless a kind is given.
Counts and sightings come from one query each, both joined to the reader's readable objects
(``intel.service.readable_objects``): a value nobody let the reader read is absent, exactly
as one nobody reported. Common values are shown, flagged with the reason (they only never
count as shared threats; a value the index has not judged yet, one state's alone, is judged
here as it is read), and reads of CONFIDENTIAL and above are audited as intel's are.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from taawun.cooperation.threats import kinds, repository, warninglists
from taawun.cooperation.threats.normalize import Value, guess
from taawun.cooperation.threats.schemas import SeenRead, Sighting, StateSeen, ValueSeen
from taawun.cooperation.threats.service import common_cap, readable, state_labels
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import InvalidInput
from taawun.core.principal import Clearance, Principal
from taawun.intel import service as intel
from taawun.intel.times import format_us, from_us

MAX_SIGHTINGS = 1000


def _candidates(query: str, kind: str | None) -> list[Value]:
    text = query.strip()
    if not text:
        raise InvalidInput("value: give a value to look for", field="value", value=query)
    if kind is not None and kind not in kinds.ALL:
        raise InvalidInput(
            f"kind: unknown {kind!r}", field="kind", value=kind, candidates=list(kinds.ALL)
        )
    found = [v for v in guess(text) if kind is None or v[0] == kind]
    if not found:
        what = f"a {kind} value" if kind else "a value the index knows how to read"
        raise InvalidInput(f"value: {query!r} is not {what}", field="value", value=query)
    return found


def where_seen(
    principal: Principal,
    session: Session,
    *,
    value: str,
    kind: str | None = None,
    limit: int = 100,
    clock: Clock | None = None,
) -> SeenRead:
    """Where ``value`` was seen, in what the principal may read: per state, and the object
    versions (newest first, at most ``limit`` in all). The value is read as every kind it
    may be (``normalize.guess``) unless ``kind`` says which. A value nobody let the reader
    read is absent, exactly as one nobody reported. Reads of CONFIDENTIAL and above are
    audited as intel's own reads are."""
    if not 1 <= limit <= MAX_SIGHTINGS:
        raise InvalidInput(
            f"limit: must be between 1 and {MAX_SIGHTINGS}", field="limit", value=limit
        )
    clock = clock or SystemClock()
    wanted = _candidates(value, kind)
    allowed = readable(principal, session, clock)
    counts = repository.sighting_counts(session, allowed, wanted)
    rows = repository.sightings(session, allowed, wanted, limit=limit + 1)
    capped = len(rows) > limit
    rows = rows[:limit]
    intel.record_reads(
        principal,
        session,
        [(r.seq, r.stix_id, r.version_us, r.classification, r.owner_state_id) for r in rows],
        clock=clock,
        how="threats",
    )
    labels = state_labels(session, {r.owner_state_id for r in rows} | {c.state_id for c in counts})
    cap = common_cap()
    sightings: dict[int, list[Sighting]] = defaultdict(list)
    for r in rows:
        sightings[r.value_id].append(
            Sighting(
                id=r.stix_id,
                type=r.type,
                version=format_us(r.version_us),
                date_added=from_us(r.added_us),
                owner_agency_id=r.owner_agency_id,
                state=labels.get(r.owner_state_id, str(r.owner_state_id)),
                classification=Clearance(r.classification).name,
                label=r.label,
            )
        )
    heads: dict[int, Any] = {}
    per_state: dict[int, list[StateSeen]] = defaultdict(list)
    for c in counts:
        heads.setdefault(c.value_id, c)
        per_state[c.value_id].append(
            StateSeen(
                state=labels.get(c.state_id, str(c.state_id)),
                state_id=c.state_id,
                objects=c.objects,
                first_seen=from_us(c.first_us),
                last_seen=from_us(c.last_us),
            )
        )
    unjudged = [(h.kind, h.value) for h in heads.values() if h.common is None]
    judged = warninglists.judge(session, unjudged)
    values = []
    for vid, head in heads.items():
        common, reason, note = judged.get(
            (head.kind, head.value), (bool(head.common), head.common_reason, head.note)
        )
        over = head.agencies > cap
        values.append(
            ValueSeen(
                kind=head.kind,
                value=head.value,
                common=common or over,
                common_reason=reason
                if common
                else (f"held by more than {cap} agencies on this node" if over else None),
                note=note,
                states=len(per_state[vid]),
                objects=sum(s.objects for s in per_state[vid]),
                seen_by=sorted(per_state[vid], key=lambda s: (-s.objects, s.state)),
                sightings=sightings[vid],
                sightings_capped=capped
                and len(sightings[vid]) < sum(s.objects for s in per_state[vid]),
            )
        )
    return SeenRead(query=value, values=values)
