"""The readers' sharing grants are cached under the registry revision, which database
triggers change on any write to agreements, parties or domains, whoever makes it: a change
is seen by the very next read, even one made in SQL behind the application's back."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from taawun.core.clock import FixedClock
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import changes, service
from taawun.registry.models import RegistryRevision
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementCreate

ROOT = Principal.system_principal("test")
CLOCK = FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
DAY = date(2026, 6, 1)


def _revision(session: Session) -> int:
    return int(session.scalar(select(RegistryRevision.revision).where(RegistryRevision.id == 1)))


def _agreement(session: Session) -> tuple[int, int, int]:
    created = changes.record_agreement(
        ROOT,
        session,
        data=AgreementCreate(
            title="Turkey–Pakistan intelligence sharing (grants cache test)",
            parties=["TUR", "PAK"],
            domains=["intelligence_sharing"],
            in_force=date(2024, 1, 1),
            sharing_ceiling="SECRET",  # type: ignore[arg-type]
        ),
        clock=CLOCK,
    )
    return created.id, resolve_state(session, "TUR").id, resolve_state(session, "PAK").id


def _grants(session: Session, state: int) -> set[tuple[int, int, int]]:
    return set(service.sharing_grants(session, reader_state=state, on=DAY))


def test_status_parties_and_domains_changed_in_sql_are_seen_at_once(loaded_db: Session) -> None:
    agreement, tur, pak = _agreement(loaded_db)
    assert {(agreement, tur, 3), (agreement, pak, 3)} <= _grants(loaded_db, pak)
    before = _revision(loaded_db)
    _grants(loaded_db, pak)
    assert _revision(loaded_db) == before  # reading changes nothing

    loaded_db.execute(
        text("UPDATE agreement SET sharing_ceiling = 1 WHERE id = :a"), {"a": agreement}
    )
    assert _revision(loaded_db) != before
    assert (agreement, tur, 1) in _grants(loaded_db, pak)

    loaded_db.execute(
        text("UPDATE agreement SET status = 'suspended' WHERE id = :a"), {"a": agreement}
    )
    assert not any(g[0] == agreement for g in _grants(loaded_db, pak))
    loaded_db.execute(
        text("UPDATE agreement SET status = 'in_force' WHERE id = :a"), {"a": agreement}
    )
    assert any(g[0] == agreement for g in _grants(loaded_db, pak))

    loaded_db.execute(
        text("DELETE FROM agreement_party WHERE agreement_id = :a AND state_id = :s"),
        {"a": agreement, "s": tur},
    )
    assert (agreement, tur, 1) not in _grants(loaded_db, pak)

    loaded_db.execute(
        text("DELETE FROM agreement_domain WHERE agreement_id = :a"), {"a": agreement}
    )
    assert not any(g[0] == agreement for g in _grants(loaded_db, pak))


def test_other_writes_keep_the_revision(loaded_db: Session) -> None:
    before = _revision(loaded_db)
    loaded_db.execute(text("UPDATE state SET name = name || '' WHERE id = 2"))
    assert _revision(loaded_db) == before


def test_a_states_current_agreements_are_cached_under_the_revision_too(
    loaded_db: Session,
) -> None:
    """Every TAXII request resolves its collection from the state's current agreements,
    cached the same way: a party leaving, an agreement ending or a new one, made in SQL, is
    seen at once; and a third state never gets the cached answer of a party."""
    agreement, tur, pak = _agreement(loaded_db)
    saudi = resolve_state(loaded_db, "SAU").id
    liaison = Principal(
        user_id=None,
        username="pk",
        agency_id=None,
        state_id=pak,  # type: ignore[arg-type]
        role=Role.LIAISON,
        clearance=Clearance.SECRET,
    )
    outsider = Principal(
        user_id=None,
        username="sa",
        agency_id=None,
        state_id=saudi,  # type: ignore[arg-type]
        role=Role.LIAISON,
        clearance=Clearance.SECRET,
    )

    def current(who: Principal, state: int) -> set[int]:
        return {a.id for a in service.current_agreements_of(who, loaded_db, state_id=state)}

    assert agreement in current(liaison, pak)
    loaded_db.execute(
        text("UPDATE agreement SET confidential = true WHERE id = :a"), {"a": agreement}
    )
    assert agreement in current(liaison, pak)
    assert agreement not in current(outsider, pak)  # confidential: not for a third state
    loaded_db.execute(
        text("UPDATE agreement_party SET exited = :d WHERE agreement_id = :a AND state_id = :s"),
        {"d": date(2026, 5, 1), "a": agreement, "s": pak},
    )
    assert agreement not in current(liaison, pak)
    assert agreement in current(liaison, tur)  # Turkey is still a party
    loaded_db.execute(text("UPDATE agreement SET status = 'ended' WHERE id = :a"), {"a": agreement})
    assert agreement not in current(liaison, tur)
