"""The correlation index kept in step with intel: the listener of ``intel/hooks.py``.

Importing this module registers it (``register``); the composition roots (``web/app.py``,
the CLI commands that write intel) import it, so every ingest, new version, revocation and
deletion updates the index in the writer's own transaction (a rolled-back ingest leaves no
occurrence behind).

Only an object's *current* version is indexed. A new version replaces the occurrences of
the one before it; a revoked version has none, so a revoked object's values leave the index;
a deleted object's occurrences go with it.

Per batch (one ``store``), whatever its size (``_store.py``): one SELECT of the values
known, one INSERT of the new ones in the order of their unique key, for values already
known one SELECT probing whether each agency and state held them already, one INSERT of
the occurrences, and UPDATEs of the counts that changed. Nothing reads all of a value's
occurrences, which grow without bound for a common value: only probes of their key. On
PostgreSQL the index's statistics are refreshed as it grows (``_statistics.py``).

A value is judged against the common values (the warninglists and the node's entries:
``warninglists.judge``) once, in the batch in which two or more states come to hold it:
only such a value can be a shared threat, and most values are one state's alone (nine in
ten of ``benchmarks/correlation.py``'s). Until then its ``common`` is NULL, and where it is
shown it is judged as it is read (``seen.py``). Judging every new value at its first sight
cost a fifth of the time inside the index at a million indicators (54 s against 42 s).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import orjson
from sqlalchemy.orm import Session, sessionmaker

from taawun.cooperation.threats import _statistics, _store, extract, repository, warninglists
from taawun.cooperation.threats.normalize import Value
from taawun.cooperation.threats.schemas import IndexStatus
from taawun.core.errors import PermissionDenied
from taawun.core.principal import Principal
from taawun.intel import hooks
from taawun.intel import service as intel

# STIX types that may give the index a value; the rest are not even parsed.
INDEXED_TYPES = frozenset(
    {
        "indicator",
        "ipv4-addr",
        "ipv6-addr",
        "domain-name",
        "url",
        "email-addr",
        "file",
        "artifact",
        "mutex",
        "windows-registry-key",
        "autonomous-system",
        *extract.NAMED_TYPES,
    }
)


def on_stored(session: Session, event: hooks.Stored) -> None:
    """Index the current versions just stored; drop the occurrences of those they replace."""
    if event.superseded:
        remove(session, event.superseded)
    found: list[tuple[hooks.StoredVersion, list[Value]]] = []
    for version in event.versions:
        if not version.current or version.revoked or version.type not in INDEXED_TYPES:
            continue
        obj = version.object if version.object is not None else orjson.loads(version.body)
        values = extract.values_of(obj)
        if values:
            found.append((version, values))
    if found:
        add(session, found)


def on_deleting(session: Session, seqs: Sequence[int]) -> None:
    remove(session, seqs)


def register() -> None:
    hooks.listen(stored=on_stored, deleting=on_deleting)


UNJUDGED: tuple[None, None, None] = (None, None, None)  # common, reason, note


def add(session: Session, found: Sequence[tuple[hooks.StoredVersion, Sequence[Value]]]) -> None:
    """Index the values ``found`` in new current versions."""
    # The distinct values of each owner (state, agency): one owner for a whole batch of
    # ``share``, many for a rebuild.
    owners: dict[tuple[int, int], dict[Value, None]] = {}
    for version, values in found:
        owner = (version.owner_state_id, version.owner_agency_id)
        held = owners.get(owner)
        if held is None:
            held = owners[owner] = {}
        for value in values:
            held[value] = None
    if len(owners) == 1:
        distinct = list(next(iter(owners.values())))
    else:
        distinct = list(dict.fromkeys(v for held in owners.values() for v in held))
    known = _store.value_ids(session, distinct)
    ids = {value: k.id for value, k in known.items()}
    multi: set[int] = set()  # values held by two or more states once this batch is in
    if len(known) < len(distinct):
        multi.update(_insert_new(session, [v for v in distinct if v not in known], owners, ids))
    if known:
        multi.update(_count_known(session, known, owners))
    rows = [
        (
            vid := ids[value],
            version.owner_state_id,
            version.owner_agency_id,
            version.seq,
            version.added_us,
            vid in multi,
        )
        for version, values in found
        for value in values
    ]
    # In the order of their key (value, state, agency, object), as the table is clustered:
    # a batch's new values come last in it, one after the other, instead of in the order
    # of their objects, which would split its last pages half-full.
    rows.sort()
    _store.insert_occurrences(session, rows)
    _statistics.note_inserted(session, len(rows))


def _insert_new(
    session: Session,
    new: Sequence[Value],
    owners: dict[tuple[int, int], dict[Value, None]],
    ids: dict[Value, int],
) -> set[int]:
    """Insert values seen for the first time, with their counts (all that hold them are in
    this batch) and, for those two or more states hold, judged; adds their ids to ``ids``
    and returns those. They go in in the order of the values' unique key, (value, kind):
    each lands beside the one before it in that index instead of on a page anywhere in it."""
    new = sorted(new, key=_value_key)
    if len(owners) == 1:  # one owner: one agency and one state hold each value
        rows = [(*value, *UNJUDGED, 1, 1) for value in new]
        ids.update(_store.insert_values(session, rows))
        return set()
    agencies: dict[Value, set[int]] = defaultdict(set)
    states: dict[Value, set[int]] = defaultdict(set)
    for (state, agency), held in owners.items():
        for value in held:
            agencies[value].add(agency)
            states[value].add(state)
    flags = warninglists.judge(session, [v for v in new if len(states[v]) >= 2])
    rows = [
        (*value, *flags.get(value, UNJUDGED), len(agencies[value]), len(states[value]))
        for value in new
    ]
    inserted = _store.insert_values(session, rows)
    ids.update(inserted)
    return {inserted[v] for v in flags}


def _value_key(value: Value) -> tuple[str, str]:
    return value[1], value[0]


def _count_known(
    session: Session,
    known: dict[Value, _store.Known],
    owners: dict[tuple[int, int], dict[Value, None]],
) -> set[int]:
    """Add the batch's holders of values the index knew to their counts (before the batch's
    occurrences are written); returns those values now held by two or more states, judges
    those of them not judged yet, and flags the occurrences of the ones that just became
    so."""
    triples = sorted(
        (known[v].id, s, a) for (s, a), held in owners.items() for v in held if v in known
    )
    new_agencies: dict[int, set[int]] = defaultdict(set)
    new_states: dict[int, set[int]] = defaultdict(set)
    for vid, state, agency, by_agency, by_state in _store.held(session, triples):
        if not by_agency:
            new_agencies[vid].add(agency)
        if not by_state:
            new_states[vid].add(state)
    multi: set[int] = set()
    crossed: list[int] = []
    unjudged: list[Value] = []
    changed: list[tuple[int, int, int]] = []
    for value, (vid, agencies, states, judged) in known.items():
        after = states + len(new_states[vid])
        if after >= 2:
            multi.add(vid)
            if states < 2:
                crossed.append(vid)
            if not judged:
                unjudged.append(value)
        if new_agencies[vid] or new_states[vid]:
            changed.append((vid, agencies + len(new_agencies[vid]), after))
    flags = warninglists.judge(session, unjudged)
    _store.set_flags(session, sorted((known[v].id, *flag) for v, flag in flags.items()))
    _store.set_multi(session, sorted(crossed), True)
    _store.update_counts(session, changed)
    return multi


def remove(session: Session, seqs: Sequence[int]) -> None:
    """Drop the occurrences of the object versions ``seqs``, and what they counted for."""
    gone = _store.occurrences_of_objects(session, seqs)
    if not gone:
        return
    _store.delete_occurrences(session, seqs)
    triples = sorted({(v, s, a) for v, s, a, _ in gone})
    lost_agencies: dict[int, set[int]] = defaultdict(set)
    lost_states: dict[int, set[int]] = defaultdict(set)
    for vid, state, agency, by_agency, by_state in _store.held(session, triples):
        if not by_agency:
            lost_agencies[vid].add(agency)
        if not by_state:
            lost_states[vid].add(state)
    counts = _store.counts_of(session, sorted({v for v, _, _ in triples}))
    single: list[int] = []
    changed: list[tuple[int, int, int]] = []
    for vid, (agencies, states) in counts.items():
        after = states - len(lost_states[vid])
        if states >= 2 > after:
            single.append(vid)
        if lost_agencies[vid] or lost_states[vid]:
            changed.append((vid, agencies - len(lost_agencies[vid]), after))
    _store.set_multi(session, sorted(single), False)
    _store.update_counts(session, changed)


def reindex(
    principal: Principal,
    factory: sessionmaker[Session],
    *,
    batch: int = 2000,
    on_progress: Callable[[int], None] | None = None,
) -> IndexStatus:
    """Build the index again from every object's newest version (a node upgraded to the
    index holds objects nobody indexed): the node itself only, emptied in one transaction,
    then ``batch`` versions per transaction. Run it while the node takes no writes: an
    ingest between two batches is indexed by the listener, and then again here."""
    if not principal.system:
        raise PermissionDenied("only the node operator rebuilds the correlation index")
    with factory() as session, session.begin():
        _store.clear(session)
    done, after = 0, 0
    while True:
        with factory() as session, session.begin():
            versions = intel.current_versions(
                principal, session, after_seq=after, limit=batch, types=sorted(INDEXED_TYPES)
            )
            if not versions:
                break
            on_stored(session, hooks.Stored(versions=versions, superseded=()))
        done += len(versions)
        after = versions[-1].seq
        if on_progress is not None:
            on_progress(done)
    with factory() as session:
        values, occurrences = repository.indexed_objects(session)
    return IndexStatus(values=values, occurrences=occurrences, indexed=done)


register()
