"""The node's own entries: who may make them, what add and remove do over the lists, their
audit entries, the correlation index re-flagged, and bad input refused whole."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.cooperation.threats import common_service as service
from taawun.cooperation.threats.common_schemas import CommonEntryCreate, CommonEntryRemove
from taawun.cooperation.threats.models import ThreatValue
from taawun.cooperation.threats.models_common import CommonEntry
from taawun.cooperation.threats.warninglists import classify
from taawun.core.clock import FixedClock
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.principal import Principal, Role

from .conftest import principal

OPERATOR = principal(Role.ADMIN, system=True)
ADMIN = principal(Role.ADMIN)


def add(session: Session, clock: FixedClock, value: str, who: Principal = OPERATOR, **kw: str):  # type: ignore[no-untyped-def]
    data = CommonEntryCreate(value=value, reason=kw.pop("reason", "test"), **kw)  # type: ignore[arg-type]
    return service.add_common(who, session, data=data, clock=clock)


def remove(session: Session, clock: FixedClock, value: str, who: Principal = OPERATOR, **kw: str):  # type: ignore[no-untyped-def]
    data = CommonEntryRemove(value=value, **kw)  # type: ignore[arg-type]
    return service.remove_common(who, session, data=data, clock=clock)


def indexed(session: Session, kind: str, value: str) -> ThreatValue:
    row = ThreatValue(kind=kind, value=value, common=False, agencies=0, states=0)
    session.add(row)
    session.flush()
    return row


def audits(session: Session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (OPERATOR, True),
        (ADMIN, True),
        (principal(Role.LIAISON), False),
        (principal(Role.ANALYST), False),
        (principal(Role.VIEWER), False),
        (Principal.public(), False),
    ],
    ids=["operator", "admin", "liaison", "analyst", "viewer", "public"],
)
def test_only_admins_and_the_operator_change_common_values(
    ldb: Session, clock: FixedClock, who: Principal, allowed: bool
) -> None:
    if allowed:
        assert add(ldb, clock, "corp.example", who, scope="suffix").recorded is not None
        assert remove(ldb, clock, "10.1.2.3", who, reason="a lab").recorded is not None
        assert len(audits(ldb, "cooperation.common.add")) == 1
        return
    with pytest.raises(PermissionDenied):
        add(ldb, clock, "corp.example", who, scope="suffix")
    with pytest.raises(PermissionDenied):
        remove(ldb, clock, "10.1.2.3", who, reason="a lab")
    assert ldb.scalar(select(func.count()).select_from(CommonEntry)) == 0
    # everyone may read them
    assert service.list_entries(who, ldb) == []
    assert {entry.key for entry in service.list_lists(who, ldb)} >= {"rfc1918", "tranco10k"}


def test_adding_a_suffix_makes_subdomains_common_audits_and_reflags(
    ldb: Session, clock: FixedClock
) -> None:
    host = indexed(ldb, "domain", "vpn.corp.example")
    other = indexed(ldb, "domain", "corp.example.org")
    done = add(ldb, clock, "*.Corp.Example", scope="suffix", reason="our own domains")
    assert done.recorded is not None and done.withdrawn is None
    assert (done.kind, done.scope, done.value, done.common) == (
        "domain",
        "suffix",
        "corp.example",
        True,
    )
    assert done.reflagged == 1
    ldb.refresh(host)
    ldb.refresh(other)
    assert host.common and host.common_reason == f"our own domains [node entry {done.recorded.id}]"
    assert not other.common
    (entry,) = audits(ldb, "cooperation.common.add")
    assert entry.actor == OPERATOR.username and entry.target_id == str(done.recorded.id)
    assert entry.before is None and entry.after["value"] == "corp.example"
    assert entry.detail["reflagged"] == 1
    with pytest.raises(Conflict):
        add(ldb, clock, "corp.example", scope="suffix")


def test_removing_a_listed_value_records_an_allow_entry_and_adding_withdraws_it(
    ldb: Session, clock: FixedClock
) -> None:
    row = indexed(ldb, "ipv4", "10.1.2.3")
    service.reflag_index(ldb)
    ldb.refresh(row)
    assert row.common and row.common_reason == "List of RFC 1918 CIDR blocks [rfc1918]"

    with pytest.raises(InvalidInput) as missing:
        remove(ldb, clock, "10.1.2.3")
    assert missing.value.field == "reason"

    done = remove(ldb, clock, "10.1.2.3", reason="our lab's address, seen in partner reports")
    assert done.recorded is not None and done.recorded.effect == "allow" and not done.common
    ldb.refresh(row)
    assert not row.common and row.common_reason is None
    assert row.note is not None and row.note.startswith("not common on this node: our lab's")
    flag = classify(ldb, [("ipv4", "10.1.2.3")])[("ipv4", "10.1.2.3")]
    assert "listed: List of RFC 1918 CIDR blocks [rfc1918]" in flag.notes
    assert classify(ldb, [("ipv4", "10.1.2.4")])[("ipv4", "10.1.2.4")].common  # only that one
    with pytest.raises(Conflict):
        remove(ldb, clock, "10.1.2.3", reason="again")

    back = add(ldb, clock, "10.1.2.3", reason="the lab is gone")
    assert back.withdrawn is not None and back.withdrawn.effect == "allow"
    assert back.recorded is None and back.common  # the list decides again
    ldb.refresh(row)
    assert row.common and row.common_reason == "List of RFC 1918 CIDR blocks [rfc1918]"
    assert [a.action for a in ldb.scalars(select(AuditEntry).order_by(AuditEntry.seq))] == [
        "cooperation.common.remove",
        "cooperation.common.add",
    ]


def test_removing_the_nodes_own_entry_withdraws_it(ldb: Session, clock: FixedClock) -> None:
    added = add(ldb, clock, "185.220.101.0/24", reason="a partner's scanner")
    assert added.kind == "cidr4" and added.scope == "network" and added.common
    assert classify(ldb, [("ipv4", "185.220.101.9")])[("ipv4", "185.220.101.9")].common
    done = remove(ldb, clock, "185.220.101.0/24")
    assert done.withdrawn is not None and done.recorded is None and not done.common
    assert classify(ldb, [("ipv4", "185.220.101.9")]) == {}
    # withdrawing the node's entry leaves what the lists say: TEST-NET-2 is in rfc5735
    add(ldb, clock, "198.51.100.0/24", reason="documentation range")
    after = remove(ldb, clock, "198.51.100.0/24")
    assert after.recorded is None and after.common
    assert after.reason == "List of RFC 5735 CIDR blocks [rfc5735]"
    with pytest.raises(NotFound):
        remove(ldb, clock, "qx7-unlisted-example.org")


def test_the_most_specific_node_entry_decides(ldb: Session, clock: FixedClock) -> None:
    remove(ldb, clock, "google.com", scope="suffix", reason="we investigate Google abuse")
    assert not classify(ldb, [("domain", "mail.google.com")])[("domain", "mail.google.com")].common
    add(ldb, clock, "ads.google.com", reason="ad noise")
    assert classify(ldb, [("domain", "ads.google.com")])[("domain", "ads.google.com")].common


def test_adding_a_value_a_list_makes_common_is_a_conflict(ldb: Session, clock: FixedClock) -> None:
    with pytest.raises(Conflict) as already:
        add(ldb, clock, "google.com")
    assert "Tranco" in already.value.message or "google" in already.value.message


@pytest.mark.parametrize(
    ("value", "kw", "field"),
    [
        ("10.0.0.0/33", {}, "value"),
        ("10.0.0.0/33", {"kind": "cidr4"}, "value"),
        ("10.0.0.1", {"kind": "cidr6"}, "value"),
        ("abc", {"kind": "ssdeep"}, "kind"),
        ("APT28", {}, "kind"),
        ("not a hash", {"kind": "md5"}, "value"),
        ("d41d8cd98f00b204e9800998ecf8427e", {"scope": "suffix", "kind": "md5"}, "scope"),
        ("10.0.0.1", {"scope": "suffix"}, "scope"),
    ],
)
def test_bad_input_names_its_field_and_writes_nothing(
    ldb: Session, clock: FixedClock, value: str, kw: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        add(ldb, clock, value, **kw)
    assert refused.value.field == field
    assert ldb.scalar(select(func.count()).select_from(CommonEntry)) == 0
    assert audits(ldb, "cooperation.common.add") == []


def test_an_entity_needs_its_kind_and_is_normalised(ldb: Session, clock: FixedClock) -> None:
    done = add(ldb, clock, "  APT_28 ", kind="entity", reason="too generic a name here")
    assert done.value == "apt 28" and done.common
    check = service.check(Principal.public(), ldb, value="apt-28", kind="entity")
    assert check.common and [m.source for m in check.matches] == [f"node entry {done.recorded.id}"]  # type: ignore[union-attr]
