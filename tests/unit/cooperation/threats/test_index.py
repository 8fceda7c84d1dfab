"""The correlation index follows intel in the writer's transaction: new objects, new
versions, revocations, deletions, and a rolled-back ingest."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from taawun.cooperation.threats import repository, service
from taawun.cooperation.threats import seen as where
from taawun.cooperation.threats.models import ThreatOccurrence, ThreatValue
from taawun.intel import changes, hooks
from taawun.intel import service as intel_service

from .conftest import AGENCIES, ROOT, World, assert_consistent, indicator, ip


def _seen(session: Session, world: World, value: str, reader: str = "TUR-MIT") -> int:
    found = where.where_seen(world.user(reader), session, value=value, clock=world.clock)
    return sum(v.objects for v in found.values)


def _occurrences(session: Session, value: str) -> list[tuple[int, int]]:
    stmt = (
        select(ThreatOccurrence.state_id, ThreatOccurrence.object_seq)
        .join(ThreatValue, ThreatValue.id == ThreatOccurrence.value_id)
        .where(ThreatValue.value == value)
    )
    return [(s, o) for s, o in session.execute(stmt)]


def _holder(session: Session, value: str) -> list[tuple[int, bool]]:
    """(agency, multi) of the value's occurrences."""
    stmt = (
        select(ThreatOccurrence.agency_id, ThreatOccurrence.multi)
        .join(ThreatValue, ThreatValue.id == ThreatOccurrence.value_id)
        .where(ThreatValue.value == value)
        .order_by(ThreatOccurrence.agency_id)
    )
    return [(a, bool(m)) for a, m in session.execute(stmt)]


def _counts(session: Session, value: str) -> tuple[int, int]:
    row = session.execute(
        select(ThreatValue.agencies, ThreatValue.states).where(ThreatValue.value == value)
    ).one()
    return (row[0], row[1])


def test_the_composition_roots_register_the_index() -> None:
    from taawun.cooperation.threats import index

    stored, deleting = hooks.listeners()
    assert index.on_stored in stored and index.on_deleting in deleting


def test_a_new_version_replaces_its_predecessors_occurrences(
    loaded_db: Session, world: World
) -> None:
    world.share(loaded_db, "TUR-MIT", [ip(1, "198.51.100.1")])
    assert _seen(loaded_db, world, "198.51.100.1") == 1
    world.share(
        loaded_db,
        "TUR-MIT",
        [ip(1, "198.51.100.2", modified="2026-02-01T00:00:00.000Z")],
    )
    assert _occurrences(loaded_db, "198.51.100.1") == []
    assert _holder(loaded_db, "198.51.100.1") == [] and _counts(loaded_db, "198.51.100.1") == (0, 0)
    assert _seen(loaded_db, world, "198.51.100.2") == 1
    assert_consistent(loaded_db)
    # An older version sent late is stored, but the newest stays the one indexed.
    world.share(loaded_db, "TUR-MIT", [ip(1, "198.51.100.3", modified="2026-01-15T00:00:00.000Z")])
    assert _occurrences(loaded_db, "198.51.100.3") == []
    assert _seen(loaded_db, world, "198.51.100.2") == 1


def test_a_revoked_objects_values_leave_the_index(loaded_db: Session, world: World) -> None:
    world.share(loaded_db, "TUR-MIT", [ip(1, "198.51.100.4")], under=["TUR-PAK"])
    world.share(loaded_db, "PAK-ISI", [ip(2, "198.51.100.4")], under=["TUR-PAK"])
    agreement = world.agreements["TUR-PAK"]
    before = service.agreement_threats(
        world.user("TUR-MIT"), loaded_db, agreement=agreement, clock=world.clock
    )
    assert [t.value for t in before.items] == ["198.51.100.4"]
    assert all(m for _, m in _holder(loaded_db, "198.51.100.4"))
    changes.revoke(world.user("PAK-ISI"), loaded_db, stix_id=ip(2, "x")["id"], clock=world.clock)
    after = service.agreement_threats(
        world.user("TUR-MIT"), loaded_db, agreement=agreement, clock=world.clock
    )
    assert after.items == []
    assert [s for s, _ in _occurrences(loaded_db, "198.51.100.4")] == [world.states["TUR"]]
    assert _holder(loaded_db, "198.51.100.4") == [(world.agencies["TUR-MIT"], False)]
    assert _counts(loaded_db, "198.51.100.4") == (1, 1)
    assert_consistent(loaded_db)


def test_deleting_an_object_removes_its_occurrences(loaded_db: Session, world: World) -> None:
    world.share(loaded_db, "TUR-MIT", [ip(1, "198.51.100.5")])
    world.share(loaded_db, "TUR-MOD", [ip(1, "198.51.100.5")])  # another agency's own object
    assert len(_occurrences(loaded_db, "198.51.100.5")) == 2
    assert _counts(loaded_db, "198.51.100.5") == (2, 1)
    changes.delete(world.user("TUR-MIT"), loaded_db, stix_id=ip(1, "x")["id"], clock=world.clock)
    assert len(_occurrences(loaded_db, "198.51.100.5")) == 1
    assert _holder(loaded_db, "198.51.100.5") == [(world.agencies["TUR-MOD"], False)]
    assert _counts(loaded_db, "198.51.100.5") == (1, 1)
    assert_consistent(loaded_db)


def test_the_foreign_key_removes_occurrences_of_a_deleted_intel_row(
    loaded_db: Session, world: World
) -> None:
    """Even a deletion that bypasses the listener (plain SQL) leaves no occurrence behind."""
    from taawun.intel import repository as intel_repository

    world.share(loaded_db, "TUR-MIT", [ip(1, "198.51.100.6")])
    assert len(_occurrences(loaded_db, "198.51.100.6")) == 1
    intel_repository.delete_object(loaded_db, world.user("TUR-MIT"), ip(1, "x")["id"])
    loaded_db.flush()
    assert _occurrences(loaded_db, "198.51.100.6") == []


def test_a_rolled_back_ingest_leaves_no_occurrence(loaded_db: Session, world: World) -> None:
    with pytest.raises(RuntimeError), loaded_db.begin_nested():
        world.share(loaded_db, "TUR-MIT", [ip(1, "198.51.100.7")])
        assert len(_occurrences(loaded_db, "198.51.100.7")) == 1  # in the same transaction
        raise RuntimeError("the request failed after storing")
    assert _occurrences(loaded_db, "198.51.100.7") == []
    assert loaded_db.scalar(select(func.count()).select_from(ThreatValue)) == 0


def test_a_failing_index_fails_the_ingest(
    loaded_db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index is written in the ingest's savepoint: if it cannot be, nothing is stored."""

    def broken(session: Session, found: object) -> None:
        raise RuntimeError("index write failed")

    monkeypatch.setattr("taawun.cooperation.threats.index.add", broken)
    with pytest.raises(RuntimeError):
        world.share(loaded_db, "TUR-MIT", [ip(1, "198.51.100.8")])
    page = intel_service.list_intel(world.user("TUR-MIT"), loaded_db, clock=world.clock)
    assert page.total == 0


def _judged(session: Session) -> dict[str, tuple[bool | None, str | None, str | None]]:
    return {r[2]: (r[3], r[4], r[5]) for r in repository.values_page(session)}


def test_a_value_is_judged_once_in_the_batch_where_two_states_come_to_hold_it(
    loaded_db: Session, world: World, warninglists: list[list[tuple[str, str]]]
) -> None:
    world.share(loaded_db, "TUR-MIT", [ip(1, "8.8.8.8"), ip(2, "198.51.100.9")])
    world.share(loaded_db, "TUR-MOD", [ip(1, "8.8.8.8")])  # a second agency, the same state
    assert warninglists == []  # one state's values: nothing to judge yet
    assert _judged(loaded_db) == {"8.8.8.8": (None, None, None), "198.51.100.9": (None, None, None)}
    world.share(loaded_db, "PAK-ISI", [ip(1, "8.8.8.8"), ip(2, "198.51.100.10")])
    world.share(loaded_db, "SAU-GIP", [ip(1, "8.8.8.8")])  # judged already
    assert warninglists == [[("ipv4", "8.8.8.8")]]
    assert _judged(loaded_db) == {
        "8.8.8.8": (True, "public-dns-v4", None),
        "198.51.100.9": (None, None, None),
        "198.51.100.10": (None, None, None),
    }
    assert_consistent(loaded_db)


def test_a_value_one_state_holds_is_judged_where_it_is_shown(
    loaded_db: Session, world: World, warninglists: list[list[tuple[str, str]]]
) -> None:
    world.share(loaded_db, "TUR-MIT", [ip(1, "8.8.8.8"), ip(2, "3.5.140.2")])
    for value, flags in {
        "8.8.8.8": (True, "public-dns-v4", None),
        "3.5.140.2": (False, None, "amazon-aws"),
    }.items():
        seen = where.where_seen(world.user("TUR-MIT"), loaded_db, value=value, clock=world.clock)
        [found] = [v for v in seen.values if v.kind == "ipv4"]
        assert (found.common, found.common_reason, found.note) == flags
    assert warninglists == [[("ipv4", "8.8.8.8")], [("ipv4", "3.5.140.2")]]
    assert _judged(loaded_db)["8.8.8.8"] == (None, None, None)  # a read writes nothing


def test_a_rebuilt_index_judges_the_values_two_states_hold(
    loaded_db: Session, world: World, warninglists: list[list[tuple[str, str]]]
) -> None:
    """A batch of many owners' new values (a rebuild of an empty index) judges the values two
    states hold in it, and only those."""
    from taawun.cooperation.threats import index

    world.share(loaded_db, "TUR-MIT", [ip(1, "8.8.8.8"), ip(2, "198.51.100.9")])
    world.share(loaded_db, "TUR-MOD", [ip(1, "198.51.100.9")])
    world.share(loaded_db, "PAK-ISI", [ip(1, "8.8.8.8")])
    loaded_db.execute(delete(ThreatOccurrence))
    loaded_db.execute(delete(ThreatValue))
    warninglists.clear()
    versions = intel_service.current_versions(
        ROOT, loaded_db, after_seq=0, limit=100, types=sorted(index.INDEXED_TYPES)
    )
    index.on_stored(loaded_db, hooks.Stored(versions=versions, superseded=()))  # as reindex
    assert repository.indexed_objects(loaded_db) == (2, 4)
    assert warninglists == [[("ipv4", "8.8.8.8")]]
    assert _judged(loaded_db) == {
        "8.8.8.8": (True, "public-dns-v4", None),
        "198.51.100.9": (None, None, None),
    }
    assert _counts(loaded_db, "198.51.100.9") == (2, 1)
    assert_consistent(loaded_db)


def test_one_object_holds_each_value_once_and_many_values(loaded_db: Session, world: World) -> None:
    pattern = (
        "[ipv4-addr:value = '198.51.100.11' OR ipv4-addr:value = '198.51.100.11'] AND "
        "[domain-name:value = 'evil.example.com' OR url:value = 'hxxp://Evil.Example.com:80/a']"
    )
    world.share(loaded_db, "TUR-MIT", [indicator(1, pattern)])
    found = {(kind, value) for _, kind, value, _, _, _ in repository.values_page(loaded_db)}
    assert found == {
        ("ipv4", "198.51.100.11"),
        ("domain", "evil.example.com"),
        ("url", "http://evil.example.com/a"),
    }
    assert len(_occurrences(loaded_db, "198.51.100.11")) == 1


def test_the_counts_stay_exact_through_any_sequence_of_writes(
    loaded_db: Session, world: World
) -> None:
    """Shares, new versions, revocations and deletions by five agencies of four states, over
    a small pool of values: after each, the indexer's counts and ``multi`` flags equal what
    the occurrences say (``assert_consistent``)."""
    rng = random.Random(7)
    pool = [f"198.51.100.{n}" for n in range(100, 106)]
    version: dict[tuple[str, int], int] = {}
    for step in range(30):
        agency = rng.choice(AGENCIES)
        n = rng.randrange(4)
        key = (agency, n)
        act = rng.random()
        stix_id = ip(n, "x")["id"]
        if key in version and act < 0.15:
            changes.delete(world.user(agency), loaded_db, stix_id=stix_id, clock=world.clock)
            del version[key]
        elif key in version and version[key] >= 0 and act < 0.3:
            changes.revoke(world.user(agency), loaded_db, stix_id=stix_id, clock=world.clock)
            version[key] = -1  # revoked: no further version may follow
        elif version.get(key, 0) >= 0:
            nth = version.get(key, 0) + 1
            values = rng.sample(pool, rng.randint(1, 2))
            pattern = " OR ".join(f"ipv4-addr:value = '{v}'" for v in values)
            stamp = f"2026-0{nth}-01T00:00:00.000Z" if nth < 10 else f"2026-{nth}-01T00:00:00.000Z"
            under = {"TUR": ["TUR-PAK", "TUR-SAU"], "PAK": ["TUR-PAK"], "SAU": ["TUR-SAU"]}
            world.share(
                loaded_db,
                agency,
                [indicator(n, f"[{pattern}]", modified=stamp)],
                under=under.get(agency[:3], []),
            )
            version[key] = nth
        assert_consistent(loaded_db), step


@pytest.mark.real_warninglists
def test_ingest_calls_the_nodes_own_warninglists(loaded_db: Session, world: World) -> None:
    """Without the stand-in: the index asks ``warninglists.classify`` of the node (here with
    no list loaded, so nothing is common) and stores what it says."""
    world.share(loaded_db, "TUR-MIT", [ip(1, "198.51.100.50")])
    world.share(loaded_db, "PAK-ISI", [ip(1, "198.51.100.50")])
    assert _judged(loaded_db) == {"198.51.100.50": (False, None, None)}
