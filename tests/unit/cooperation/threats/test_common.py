"""Common values: kept, flagged with the reason, shown where a value was seen, and never a
shared threat; a cloud or VPN range is a note only; past the per-value cap a value is common."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from taawun.cooperation.threats import repository, service
from taawun.cooperation.threats import seen as where
from taawun.cooperation.threats.models import ThreatValue
from taawun.core.errors import InvalidInput

from .conftest import World, ip


def _share_both(session: Session, world: World, n: int, value: str) -> None:
    world.share(session, "TUR-MIT", [ip(n, value)], under=["TUR-PAK"])
    world.share(session, "PAK-ISI", [ip(n, value)], under=["TUR-PAK"])


def _shared(session: Session, world: World) -> set[str]:
    page = service.agreement_threats(
        world.user("TUR-MIT"),
        session,
        agreement=world.agreements["TUR-PAK"],
        with_reference=False,
        clock=world.clock,
    )
    return {t.value for t in page.items}


def test_a_common_value_is_kept_flagged_and_never_shared(loaded_db: Session, world: World) -> None:
    _share_both(loaded_db, world, 1, "8.8.8.8")  # the stand-in lists: public-dns-v4
    _share_both(loaded_db, world, 2, "3.5.140.2")  # amazon-aws: a note, still a threat
    assert _shared(loaded_db, world) == {"3.5.140.2"}
    seen = where.where_seen(world.user("TUR-MIT"), loaded_db, value="8.8.8.8", clock=world.clock)
    [dns] = [v for v in seen.values if v.kind == "ipv4"]
    assert (dns.common, dns.common_reason, dns.states) == (True, "public-dns-v4", 2)
    seen = where.where_seen(
        world.user("TUR-MIT"), loaded_db, value="3.5.140.2", kind="ipv4", clock=world.clock
    )
    assert [(v.common, v.note) for v in seen.values] == [(False, "amazon-aws")]


def test_past_the_cap_a_value_is_common(
    loaded_db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _share_both(loaded_db, world, 1, "198.51.100.40")
    world.share(loaded_db, "TUR-MOD", [ip(2, "198.51.100.40")], under=["TUR-PAK"])
    assert _shared(loaded_db, world) == {"198.51.100.40"}  # three agencies: under 50
    monkeypatch.setenv(service.CAP_VARIABLE, "2")
    assert _shared(loaded_db, world) == set()
    seen = where.where_seen(
        world.user("PAK-ISI"), loaded_db, value="198.51.100.40", clock=world.clock
    )
    [value] = [v for v in seen.values if v.kind == "ipv4"]
    assert value.common and value.common_reason == "held by more than 2 agencies on this node"
    monkeypatch.setenv(service.CAP_VARIABLE, "one")
    with pytest.raises(InvalidInput):
        service.common_cap()


def test_the_warninglists_re_flag_values_through_set_common(
    loaded_db: Session, world: World
) -> None:
    """What the warninglists' module calls when an exclusion changes: by ids, or by a
    criterion on the value table."""
    _share_both(loaded_db, world, 1, "198.51.100.41")
    _share_both(loaded_db, world, 2, "198.51.100.42")
    [(vid, *_)] = [r for r in repository.values_page(loaded_db) if r[2] == "198.51.100.41"]
    assert repository.set_common(loaded_db, [vid], common=True, reason="node entry 7") == 1
    assert _shared(loaded_db, world) == {"198.51.100.42"}
    changed = repository.set_common(
        loaded_db, ThreatValue.value.like("198.51.100.4%"), common=True, reason="admin"
    )
    assert changed == 2 and _shared(loaded_db, world) == set()
    repository.set_common(loaded_db, [vid], common=False, reason=None)
    assert _shared(loaded_db, world) == {"198.51.100.41"}
    rows = {r[2]: (r[3], r[4]) for r in repository.values_page(loaded_db, kinds=["ipv4"])}
    assert rows["198.51.100.41"] == (False, None) and rows["198.51.100.42"] == (True, "admin")
