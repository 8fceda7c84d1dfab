"""``classify`` on real list entries: each MISP list type matched as MISP defines it, the
deliberate departures (shared namespaces, URLs with a path, host-name substring lists),
notes for infrastructure, and a batch costing a few statements."""

from __future__ import annotations

import ipaddress
import json

from sqlalchemy import delete, event
from sqlalchemy.orm import Session

from taawun.cooperation.importers.warninglists import lists_dir
from taawun.cooperation.threats import _common_held, common_service
from taawun.cooperation.threats.common_schemas import CommonEntryCreate, CommonEntryRemove
from taawun.cooperation.threats.models_common import CommonList
from taawun.cooperation.threats.warninglists import CommonFlag, classify, explain
from taawun.core.clock import FixedClock
from taawun.core.principal import Principal

from .conftest import load


def flag(session: Session, kind: str, value: str) -> CommonFlag | None:
    return classify(session, [(kind, value)]).get((kind, value))


def entries(key: str) -> list[str]:
    return list(json.loads((lists_dir() / key / "list.json").read_bytes())["list"])


def test_a_private_address_is_common_for_rfc1918_and_notes_rfc5735(ldb: Session) -> None:
    found = flag(ldb, "ipv4", "10.1.2.3")
    assert found is not None and found.common
    assert found.reason == "List of RFC 1918 CIDR blocks [rfc1918]"
    assert found.notes == ("also: List of RFC 5735 CIDR blocks [rfc5735]",)


def test_an_ipv6_public_resolver_is_common(ldb: Session) -> None:
    resolver = str(ipaddress.ip_address(entries("public-dns-v6")[0]))
    found = flag(ldb, "ipv6", resolver)
    assert found is not None and found.common and "[public-dns-v6]" in (found.reason or "")
    # its neighbour is on no list
    neighbour = str(ipaddress.ip_address(resolver) + 1)
    assert flag(ldb, "ipv6", neighbour) is None


def test_a_network_inside_a_listed_one_is_common_one_holding_listed_ones_only_noted(
    ldb: Session,
) -> None:
    inside = flag(ldb, "cidr4", "192.168.10.0/24")
    assert inside is not None and inside.common and "[rfc1918]" in (inside.reason or "")
    wider = flag(ldb, "cidr4", "10.0.0.0/7")  # holds 10.0.0.0/8, is not inside it
    assert wider is not None and not wider.common and wider.reason is None
    assert any(n.startswith("holds listed addresses (10.0.0.0/8)") for n in wider.notes)


def test_an_aws_address_gets_a_note_and_is_not_common(ldb: Session) -> None:
    network = ipaddress.ip_network(next(e for e in entries("amazon-aws") if "." in e))
    address = str(network.network_address + 1)
    found = flag(ldb, "ipv4", address)
    assert found is not None and not found.common and found.reason is None
    assert found.notes == ("List of known Amazon AWS IP address ranges [amazon-aws]",)
    assert found.note == found.notes[0]


def test_a_subdomain_of_a_top_site_is_common(ldb: Session) -> None:
    found = explain(ldb, [("domain", "mail.google.com")])[("domain", "mail.google.com")]
    assert found.flag.common
    sources = {(f.source, f.how, f.entry) for f in found.found}
    assert ("warninglist tranco10k", "subdomain", "google.com") in sources
    assert ("warninglist google", "subdomain", "google.com") in sources  # ".google.com"


def test_a_random_domain_is_on_no_list(ldb: Session) -> None:
    assert classify(ldb, [("domain", "qx7-unlisted-example.org")]) == {}


def test_a_name_under_a_shared_namespace_is_not_common_through_its_parent(ldb: Session) -> None:
    # herokuapp.com is a top site, and a LOTS zone: anyone gets a name under it
    assert flag(ldb, "domain", "herokuapp.com") == CommonFlag(
        True,
        "Top 10K most-used sites from Tranco [tranco10k]",
        ("List of LOTS (Living Off Trusted Sites) Project Domains [lots-project]",),
    )
    tenant = flag(ldb, "domain", "c2-server.herokuapp.com")
    assert tenant is not None and not tenant.common
    assert tenant.notes == (
        "List of LOTS (Living Off Trusted Sites) Project Domains [lots-project]",
    )


def test_a_url_is_common_only_when_it_names_the_site_itself(ldb: Session) -> None:
    site = flag(ldb, "url", "https://www.google.com/")
    assert site is not None and site.common
    page = flag(ldb, "url", "https://mail.google.com/mail/u/0/?tab=phish")
    assert page is not None and not page.common
    assert any(n.startswith("on a listed host (google.com): ") for n in page.notes)


def test_host_name_substring_lists_are_matched_as_hosts(ldb: Session) -> None:
    found = flag(ldb, "domain", "analyze.intezer.com")
    assert (
        found is not None
        and found.common
        and "[automated-malware-analysis]" in (found.reason or "")
    )
    # as a substring, "symantec.com" would make a look-alike common
    assert flag(ldb, "domain", "symantec.com.phish.example") is None


def test_regex_and_substring_lists_on_e_mail_addresses(ldb: Session) -> None:
    role = flag(ldb, "email", "abuse@example.org")
    assert role is not None and role.common and "[common-contact-emails]" in (role.reason or "")
    assert flag(ldb, "email", "alice@example.org") is None
    disposable = flag(ldb, "email", "dropper@mailinator.com")
    assert disposable == CommonFlag(
        False, None, ("List of disposable email domains [disposable-email]",)
    )


def test_the_hash_of_an_empty_file_is_common(ldb: Session) -> None:
    found = flag(ldb, "md5", "d41d8cd98f00b204e9800998ecf8427e")
    assert found is not None and found.common and "[empty-hashes]" in (found.reason or "")
    assert flag(ldb, "sha1", "d41d8cd98f00b204e9800998ecf8427e00000000") is None


def test_a_batch_of_thousands_costs_a_few_statements(ldb: Session) -> None:
    values = [("ipv4", f"10.{i // 250}.{i % 250}.7") for i in range(1000)]
    values += [("domain", f"host{i}.google.com") for i in range(1000)]
    values += [("email", f"user{i}@mailinator.com") for i in range(200)]
    values += [("cidr4", f"172.16.{i}.0/24") for i in range(100)]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = ldb.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        found = classify(ldb, values)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(found) == len(values)
    assert all(f.common for k, f in found.items() if k[0] != "email")
    assert 0 < len(statements) <= 12, statements


def test_the_process_held_networks_and_the_database_answer_alike(ldb: Session) -> None:
    """A small batch with nothing held asks the database; a large one reads the lists into
    the process (``_common_held.py``): both must say the same."""
    aws = ipaddress.ip_network(next(e for e in entries("amazon-aws") if "." in e))
    resolver = str(ipaddress.ip_address(entries("public-dns-v6")[0]))
    values = [
        ("ipv4", "10.1.2.3"),
        ("ipv4", str(aws.network_address + 3)),
        ("ipv6", resolver),
        ("cidr4", "172.16.4.0/22"),
        ("cidr4", "10.0.0.0/7"),
        ("ipv4", "185.220.101.7"),
    ]
    _common_held.clear()
    asked = classify(ldb, values)
    assert not _common_held._CACHE  # a small batch held nothing
    many = [("ipv4", f"203.0.{i // 200}.{i % 200 + 1}") for i in range(_common_held.FEW + 1)]
    classify(ldb, values + many)
    assert _common_held._CACHE  # a large one read them all
    assert classify(ldb, values) == asked
    assert [v for v in values if v in asked] == values[:5]


# One value of each way a list or a node entry can match (and some on no list).
EVERY_WAY = [
    ("ipv4", "10.1.2.3"),
    ("ipv4", "185.220.101.9"),
    ("cidr4", "10.0.0.0/7"),
    ("domain", "mail.google.com"),
    ("domain", "ads.google.com"),
    ("domain", "c2-server.herokuapp.com"),
    ("domain", "corp.example"),
    ("domain", "intranet.corp.example"),
    ("domain", "analyze.intezer.com"),
    ("url", "https://www.google.com/"),
    ("url", "https://mail.google.com/mail/u/0/?tab=phish"),
    ("email", "abuse@example.org"),
    ("email", "dropper@mailinator.com"),
    ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
    ("sha1", "d41d8cd98f00b204e9800998ecf8427e00000000"),
    ("sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
    ("domain", "qx7-unlisted-example.org"),
]


def test_held_lists_and_the_database_agree_with_the_nodes_entries_too(
    ldb: Session, clock: FixedClock
) -> None:
    """The node's entries are never held: an entry made after the lists were read into the
    process counts at once, on either path, for every way of matching."""
    padding = [("ipv4", f"203.0.113.{i}") for i in range(_common_held.FEW + 1)]
    _common_held.clear()
    classify(ldb, padding)  # the lists held, before any entry
    assert _common_held._CACHE
    admin = Principal.system_principal()
    for value, scope, effect in [
        ("185.220.101.0/24", None, "add"),  # a network entry
        ("corp.example", "suffix", "add"),  # a host entry
        ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", None, "add"),
        ("google.com", "suffix", "remove"),  # an allow entry over listed hosts
        ("d41d8cd98f00b204e9800998ecf8427e", None, "remove"),  # an allow entry, exact
    ]:
        if effect == "add":
            data = CommonEntryCreate(value=value, scope=scope, reason="test")  # type: ignore[arg-type]
            common_service.add_common(admin, ldb, data=data, clock=clock)
        else:
            gone = CommonEntryRemove(value=value, scope=scope, reason="test")  # type: ignore[arg-type]
            common_service.remove_common(admin, ldb, data=gone, clock=clock)
    held = explain(ldb, EVERY_WAY + padding)
    _common_held.clear()
    asked = {value: explain(ldb, [value]).get(value) for value in EVERY_WAY}
    assert not _common_held._CACHE  # each asked the database
    assert {v: held.get(v) for v in EVERY_WAY} == asked
    # and the entries did count: each of these is decided by one
    for value in EVERY_WAY[1], EVERY_WAY[6], EVERY_WAY[7], EVERY_WAY[15]:
        found = asked[value]
        assert found is not None and found.flag.common, value
        assert any(f.source.startswith("node entry") for f in found.found), value
    for value in EVERY_WAY[3], EVERY_WAY[13]:
        found = asked[value]
        assert found is not None and not found.flag.common, value
    assert asked[EVERY_WAY[16]] is None


def test_lists_changed_after_they_were_held_are_read_again(ldb: Session) -> None:
    padding = [("ipv4", f"203.0.113.{i}") for i in range(_common_held.FEW + 1)]
    empty = ("md5", "d41d8cd98f00b204e9800998ecf8427e")
    assert classify(ldb, [empty, *padding])[empty].common
    ldb.execute(delete(CommonList).where(CommonList.key == "empty-hashes"))
    assert empty not in classify(ldb, [empty, *padding])  # held without the list
    assert empty not in classify(ldb, [empty])
    load(ldb, ("empty-hashes",))  # loaded again: held anew
    assert classify(ldb, [empty, *padding])[empty].common
    assert classify(ldb, [empty])[empty].common
